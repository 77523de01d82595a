"""Orders and commission rows lose the single-column indexes of foreign keys that a
composite index already leads with (each cost every insert a B-tree)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commerce", "0001_catalog_orders_commission"),
        ("org", "0002_staff_approve_content_permission"),
    ]

    operations = [
        # Only the state changes through AlterField: on SQLite that would copy each table
        # once per field to drop an index; the index itself is dropped by name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="commissionentry",
                    name="staff",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.staff",
                    ),
                ),
                migrations.AlterField(
                    model_name="commissionentry",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.store",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="branch",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.branch",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="brand",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.brand",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="staff",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.staff",
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="store",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="org.store",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_commissionentry_staff_id_970ca254"',
                    reverse_sql='CREATE INDEX "commerce_commissionentry_staff_id_970ca254" ON "commerce_commissionentry" ("staff_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_commissionentry_store_id_a5e092e2"',
                    reverse_sql='CREATE INDEX "commerce_commissionentry_store_id_a5e092e2" ON "commerce_commissionentry" ("store_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_order_branch_id_70aed3ed"',
                    reverse_sql='CREATE INDEX "commerce_order_branch_id_70aed3ed" ON "commerce_order" ("branch_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_order_brand_id_8351f23c"',
                    reverse_sql='CREATE INDEX "commerce_order_brand_id_8351f23c" ON "commerce_order" ("brand_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_order_staff_id_29217fd0"',
                    reverse_sql='CREATE INDEX "commerce_order_staff_id_29217fd0" ON "commerce_order" ("staff_id")',
                ),
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "commerce_order_store_id_f48d4b4e"',
                    reverse_sql='CREATE INDEX "commerce_order_store_id_f48d4b4e" ON "commerce_order" ("store_id")',
                ),
            ],
        ),
    ]
