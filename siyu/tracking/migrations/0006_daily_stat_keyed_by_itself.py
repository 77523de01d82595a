"""DailyStat keyed by (day, dim, key) itself: no serial id. Ingestion upserts about 1.5 of
these rows per event; on SQLite the AUTOINCREMENT id made every insert update
sqlite_sequence too, and on PostgreSQL it cost a sequence call and a second unique index.

As in 0005, Django does not turn an existing primary key into a composite one: the rows
move to a new table made with the composite key (its indexes made after the old table,
whose index names they would clash with on PostgreSQL, is gone); only the state goes
through the field operations.
"""

from django.db import migrations, models

DIMS = [("guide", "Guide"), ("content", "Content"), ("store", "Store"), ("link", "Share link")]
FIGURES = "day, dim, key, brand_id, branch_id, store_id, content_id, staff_id, pv, uv, dwell_ms, carts, orders, sales_fen"  # fmt: skip
INDEXES = [
    models.Index(fields=["dim", "store_id", "day"], name="daily_stat_dim_store_day"),
    models.Index(fields=["dim", "day"], name="daily_stat_dim_day"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("tracking", "0005_daily_visitor_keyed_by_itself"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="dailystat", name="daily_stat_once"),
                migrations.RemoveIndex(model_name="dailystat", name="tracking_da_dim_5b0ff3_idx"),
                migrations.RemoveIndex(model_name="dailystat", name="tracking_da_dim_82f13b_idx"),
                migrations.RemoveField(model_name="dailystat", name="id"),
                migrations.AddField(
                    model_name="dailystat",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "day",
                        "dim",
                        "key",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),  # fmt: skip
                ),
                migrations.AlterModelTable(name="dailystat", table="tracking_daily_stat"),
                *[migrations.AddIndex(model_name="dailystat", index=i) for i in INDEXES],
            ],
            database_operations=[
                migrations.CreateModel(
                    name="DailyStatKeyed",
                    fields=[
                        ("pk", models.CompositePrimaryKey("day", "dim", "key")),
                        ("day", models.DateField()),
                        ("dim", models.CharField(choices=DIMS, max_length=8)),
                        ("key", models.BigIntegerField()),
                        ("brand_id", models.BigIntegerField(null=True)),
                        ("branch_id", models.BigIntegerField(null=True)),
                        ("store_id", models.BigIntegerField(null=True)),
                        ("content_id", models.BigIntegerField(null=True)),
                        ("staff_id", models.BigIntegerField(null=True)),
                        ("pv", models.PositiveIntegerField(default=0)),
                        ("uv", models.PositiveIntegerField(default=0)),
                        ("dwell_ms", models.BigIntegerField(default=0)),
                        ("carts", models.PositiveIntegerField(default=0)),
                        ("orders", models.PositiveIntegerField(default=0)),
                        ("sales_fen", models.BigIntegerField(default=0)),
                    ],
                    options={"db_table": "tracking_daily_stat"},
                ),
                migrations.RunSQL(
                    f"INSERT INTO tracking_daily_stat ({FIGURES}) SELECT {FIGURES} FROM tracking_dailystat",  # noqa: S608
                    reverse_sql=f"INSERT INTO tracking_dailystat ({FIGURES}) SELECT {FIGURES} FROM tracking_daily_stat",  # noqa: S608
                ),
                migrations.DeleteModel(name="DailyStat"),
                *[migrations.AddIndex(model_name="dailystatkeyed", index=i) for i in INDEXES],
            ],
        ),
    ]
