"""Points entries: an order earns once, checked on order_id alone (its brand has one
programme), which also finds an order's earn entry, so the plain order_id index goes; and
the actor key loses its index (nothing reads entries by who made them). Every entry an
import writes paid for both B-trees."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from siyu.core.schema import fk_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0002_no_redundant_fk_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="pointsentry", name="earn_once"),
        migrations.AddConstraint(
            model_name="pointsentry",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "earn")), fields=("order_id",), name="earn_once"
            ),
        ),
        migrations.RemoveIndex(model_name="pointsentry", name="loyalty_poi_order_i_e58dbf_idx"),
        fk_index_dropped(
            "pointsentry",
            "actor",
            models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
            table="loyalty_pointsentry",
            digest="3deb05bc",
        ),
    ]
