"""Orders and commission rows lose the single-column indexes of foreign keys that a
composite index already leads with (each cost every insert a B-tree)."""

import django.db.models.deletion
from django.db import migrations, models


def _drop_index(table: str, column: str, digest: str) -> migrations.RunSQL:
    """Drop the index Django made for a foreign key (named table_column_digest)."""
    name = f"{table}_{column}_{digest}"
    return migrations.RunSQL(
        f'DROP INDEX IF EXISTS "{name}"',
        reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
    )


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
                _drop_index("commerce_commissionentry", "staff_id", "970ca254"),
                _drop_index("commerce_commissionentry", "store_id", "a5e092e2"),
                _drop_index("commerce_order", "branch_id", "70aed3ed"),
                _drop_index("commerce_order", "brand_id", "8351f23c"),
                _drop_index("commerce_order", "staff_id", "29217fd0"),
                _drop_index("commerce_order", "store_id", "f48d4b4e"),
            ],
        ),
    ]
