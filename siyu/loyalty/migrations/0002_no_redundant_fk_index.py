"""Points entries lose the account index: the (account, at) index leads with it."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0001_programmes_tiers_points_benefits_coupons"),
    ]

    operations = [
        # Only the state changes through AlterField: on SQLite that would copy each table
        # once per field to drop an index; the index itself is dropped by name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pointsentry",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="points",
                        to="loyalty.account",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "loyalty_pointsentry_account_id_4cbf56d0"',
                    reverse_sql='CREATE INDEX "loyalty_pointsentry_account_id_4cbf56d0" ON "loyalty_pointsentry" ("account_id")',
                ),
            ],
        ),
    ]
