"""UV visitors as one row per day and visitor (VisitorDay) instead of one per day,
dimension, key and visitor (DailyVisitor): a view counted in up to four rollup rows, and
those four random-keyed inserts had been ingestion's largest single cost.

The rows are folded in SQL ("g12 s3 …": the dimension's first letter and the key, as
tracking.services.DIM_MARKS), with each database's own string aggregate; backwards they are
unfolded again.
"""

from django.db import migrations, models

MARK = {"sqlite": "substr(dim, 1, 1) || key", "postgresql": "left(dim, 1) || key::text"}
FOLD = {"sqlite": "group_concat({mark}, ' ')", "postgresql": "string_agg({mark}, ' ')"}
DIMS = {"g": "guide", "c": "content", "s": "store", "l": "link"}


def fold(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    aggregate = FOLD[vendor].format(mark=MARK[vendor])
    schema_editor.execute(
        "INSERT INTO tracking_visitorday (day, visitor, seen) "  # noqa: S608 (constant SQL)
        f"SELECT day, visitor, {aggregate} FROM tracking_daily_visitor GROUP BY day, visitor"
    )


def unfold(apps, schema_editor):
    old = apps.get_model("tracking", "DailyVisitor")
    rows = [
        old(day=day, dim=DIMS[mark[0]], key=int(mark[1:]), visitor=visitor)
        for day, visitor, seen in apps.get_model("tracking", "VisitorDay")
        .objects.values_list("day", "visitor", "seen")
        .iterator()
        for mark in seen.split()
    ]
    old.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0006_daily_stat_keyed_by_itself"),
    ]

    operations = [
        migrations.CreateModel(
            name="VisitorDay",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "day",
                        "visitor",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),  # fmt: skip
                ),
                ("day", models.DateField()),
                ("visitor", models.CharField(max_length=66)),
                ("seen", models.TextField()),
            ],
        ),
        migrations.RunPython(fold, unfold),
        migrations.DeleteModel(name="DailyVisitor"),
    ]
