"""Events: the customer index holds identified events and the device index anonymous
ones, so each event is written to one of them; no index on the source."""

import django.db.models.deletion
from django.db import migrations, models


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
        # Only the state changes through AlterField: on SQLite that would copy each table
        # once per field to drop an index; the index itself is dropped by name.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="tracking.eventsource",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "tracking_event_source_id_9ee7fb88"',
                    reverse_sql='CREATE INDEX "tracking_event_source_id_9ee7fb88" ON "tracking_event" ("source_id")',
                ),
            ],
        ),
    ]
