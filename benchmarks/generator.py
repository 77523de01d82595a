"""Generator throughput: rows written per second, against raw executemany of the same row count."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import use_database
from benchmarks.report import log, result


def _raw_insert_rate(rows: int) -> float:
    """Rows/s for plain executemany of 8-column rows into a scratch table, in 5,000-row batches."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute(
            "CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, a TEXT, b TEXT, c INTEGER, d TEXT, "
            "e TEXT, f TEXT, g TEXT)"
        )
    batch = [
        (0, "顾客姓名", "female", 3, "2026-01-01", "active", "x" * 40, "2026-11-01T00:00:00")
    ] * 5000
    started = time.perf_counter()
    written = 0
    while written < rows:
        chunk = [(written + i + 1, *row[1:]) for i, row in enumerate(batch[: rows - written])]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_raw VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", chunk
            )
        written += len(chunk)
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw")
    return written / seconds


def run(args, bench_dir: Path) -> Iterator[dict]:
    from siyu.core import generator as gen

    scale = args.gen_scale
    use_database(bench_dir / f"generator-{scale}.sqlite3", fresh=True)
    sizes = gen.SCALES[scale]
    log(f"generator: building {scale} scale {sizes} into a fresh database")
    ctx = gen.Context(seed=42, today=dt.date(2026, 11, 20), quiet=False, **sizes)
    started = time.perf_counter()
    gen.run(ctx)
    seconds = time.perf_counter() - started
    rate = ctx.rows_written / seconds
    log(
        f"generator: {ctx.rows_written:,} rows in {seconds:.1f}s; measuring raw executemany on the same database"
    )
    baseline = _raw_insert_rate(ctx.rows_written)
    yield result(
        "generator_rows_per_second",
        scale,
        rate,
        "rows/s",
        baseline,
        rows=ctx.rows_written,
        seconds=round(seconds, 1),
    )
