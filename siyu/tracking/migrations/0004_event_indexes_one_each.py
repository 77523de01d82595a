"""Events: the customer index holds identified events and the device index anonymous
ones, so each event is written to one of them; no index on the source."""

import django.db.models.deletion
from django.db import migrations, models

from siyu.core.schema import fk_index_dropped


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0003_event_indexes_for_reads_only"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="event",
            name="tracking_ev_custome_621f50_idx",
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="tracking_ev_device__4a5c56_idx",
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("customer_id__isnull", False)),
                fields=["customer_id", "occurred_at"],
                name="event_customer_trail",
            ),
        ),
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                condition=models.Q(("customer_id__isnull", True)),
                fields=["device_id"],
                name="event_anonymous_device",
            ),
        ),
        fk_index_dropped(
            "event",
            "source",
            models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="tracking.eventsource",
            ),
            table="tracking_event",
            digest="9ee7fb88",
        ),
    ]
