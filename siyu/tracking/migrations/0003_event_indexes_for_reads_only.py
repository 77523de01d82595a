"""Events keep only the indexes reads use (see Event.Meta).

On PostgreSQL Django also gives a character primary key a `varchar_pattern_ops` index for
LIKE queries; nothing searches event ids by pattern, and every event paid for it.
"""

from django.db import migrations


def _drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'tracking_event' "
            "AND indexdef LIKE '%%varchar_pattern_ops%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def _make_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            'CREATE INDEX IF NOT EXISTS "tracking_event_id_like" '
            'ON "tracking_event" ("id" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0002_link_rows_carry_content_and_guide"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="event", name="tracking_ev_store_i_85b12d_idx"),
        migrations.RemoveIndex(model_name="event", name="tracking_ev_content_34027a_idx"),
        migrations.RunPython(_drop_like_index, _make_like_index),
    ]
