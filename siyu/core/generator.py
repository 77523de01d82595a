"""The data generator's frame: scale presets, progress, fast batched inserts.

`siyu generate` runs each app's step in order (org, then members, later the apps that
land after them), all sharing one `Context`: a seeded random source per step, the
reference date, the scale, and what earlier steps made (ids of stores, guides…). Output is
deterministic for a seed and reference date. Rows are written in batches with
`executemany` on a raw cursor — the ORM's per-object overhead would dominate at seed
scale — so memory stays bounded whatever the size.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

SCALES = {
    "demo": {"stores": 30, "guides": 120, "customers": 20_000, "days": 365},
    "seed": {"stores": 3_000, "guides": 10_000, "customers": 1_000_000, "days": 365},
}
DEMO_PASSWORD = "siyu-demo-2026"  # noqa: S105 (the demo logins are printed on purpose)
BATCH = 5_000


@dataclass
class Context:
    seed: int
    stores: int
    guides: int
    customers: int
    days: int
    today: dt.date
    quiet: bool = False
    made: dict[str, Any] = field(default_factory=dict)  # what earlier steps built, for later ones
    rows_written: int = 0

    def rng(self, step: str) -> random.Random:
        """A random source of its own per step, so adding a step never shifts another's data."""
        return random.Random(f"{self.seed}:{step}")

    def progress(self, label: str, done: int, total: int, started: float) -> None:
        if self.quiet:
            return
        elapsed = max(time.perf_counter() - started, 1e-6)
        sys.stderr.write(f"\r  {label}: {done:,}/{total:,} ({done / elapsed:,.0f}/s)")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 (table names are ours)
        return int(cursor.fetchone()[0]) + 1


def insert_rows(
    ctx: Context, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """INSERT `rows` into `table` with one executemany; returns the count."""
    rows = list(rows)
    if not rows:
        return 0
    # Datetimes go in as the ORM would write them: on SQLite that is UTC text, whereas the
    # driver's own adapter keeps the local offset, and text comparisons would then be off.
    if connection.vendor == "sqlite":
        adapt = connection.ops.adapt_datetimefield_value
        rows = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", rows)  # noqa: S608
    ctx.rows_written += len(rows)
    return len(rows)


def reset_sequences(*models: Any) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (SQLite needs nothing)."""
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), list(models))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def batched(total: int, size: int = BATCH) -> Iterable[tuple[int, int]]:
    for start in range(0, total, size):
        yield start, min(start + size, total)


def run(ctx: Context) -> None:
    """Every app's generator step, in dependency order, each batch in its own transaction."""
    from siyu.commerce import generate as commerce_generate
    from siyu.content import generate as content_generate
    from siyu.guidetasks import generate as guidetasks_generate
    from siyu.loyalty import generate as loyalty_generate
    from siyu.members import generate as members_generate
    from siyu.org import generate as org_generate
    from siyu.relations import generate as relations_generate
    from siyu.tracking import generate as tracking_generate

    started = time.perf_counter()
    steps = (
        org_generate.generate,
        members_generate.generate,
        relations_generate.generate,
        content_generate.generate,
        tracking_generate.generate,
        commerce_generate.generate,
        guidetasks_generate.generate,
        loyalty_generate.generate,
    )
    for step in steps:
        step(ctx)
    ctx.made["seconds"] = time.perf_counter() - started


def weighted_date(rng: random.Random, today: dt.date, days: int) -> dt.date:
    """A date in the last `days` days, more recent ones likelier (a growing business)."""
    return today - dt.timedelta(days=int(days * (1 - rng.random() ** 0.6)))
