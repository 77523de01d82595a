"""DailyVisitor keyed by its own columns (day, dim, key, visitor): no serial id and no
second unique index to write for each of ingestion's ~2 visitor rows per event.

Django does not turn an existing primary key into a composite one, so the rows move to a
new table made with the composite key; only the state goes through the field operations.
"""

from django.db import migrations, models

DIMS = [("guide", "Guide"), ("content", "Content"), ("store", "Store"), ("link", "Share link")]


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0004_event_indexes_one_each"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="dailyvisitor", name="daily_visitor_once"),
                migrations.RemoveField(model_name="dailyvisitor", name="id"),
                migrations.AddField(
                    model_name="dailyvisitor",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "day",
                        "dim",
                        "key",
                        "visitor",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),  # fmt: skip
                ),
                migrations.AlterModelTable(name="dailyvisitor", table="tracking_daily_visitor"),
            ],
            database_operations=[
                migrations.CreateModel(
                    name="DailyVisitorKeyed",
                    fields=[
                        ("pk", models.CompositePrimaryKey("day", "dim", "key", "visitor")),
                        ("day", models.DateField()),
                        ("dim", models.CharField(choices=DIMS, max_length=8)),
                        ("key", models.BigIntegerField()),
                        ("visitor", models.CharField(max_length=66)),
                    ],
                    options={"db_table": "tracking_daily_visitor"},
                ),
                migrations.RunSQL(
                    "INSERT INTO tracking_daily_visitor (day, dim, key, visitor) "
                    "SELECT day, dim, key, visitor FROM tracking_dailyvisitor",
                    reverse_sql="INSERT INTO tracking_dailyvisitor (day, dim, key, visitor) "
                    "SELECT day, dim, key, visitor FROM tracking_daily_visitor",
                ),
                migrations.DeleteModel(name="DailyVisitor"),
            ],
        ),
    ]
