"""Points entries lose the account index: the (account, at) index leads with it."""

import django.db.models.deletion
from django.db import migrations, models

from siyu.core.schema import fk_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0001_programmes_tiers_points_benefits_coupons"),
    ]

    operations = [
        fk_index_dropped(
            "pointsentry",
            "account",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="points",
                to="loyalty.account",
            ),
            table="loyalty_pointsentry",
            digest="4cbf56d0",
        ),
    ]
