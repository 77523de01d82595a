"""Pointing Django at a benchmark's own SQLite file, migrated on demand."""

from __future__ import annotations

import io
from pathlib import Path

import django


def use_database(path: Path, *, fresh: bool) -> None:
    """Connect Django's default database to the SQLite file `path` (emptied first if `fresh`)."""
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    django.setup()  # idempotent: later calls only reconfigure logging
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = str(path)
    call_command("migrate", verbosity=0, stdout=io.StringIO())


def use_postgres(name: str) -> str:
    """Connect Django's default database to a fresh scratch PostgreSQL database `name` on
    127.0.0.1 (dropped and made again), migrated; returns its URL, for the processes a
    benchmark starts. Django must not have connected to another database first: run such a
    benchmark alone (`--only`)."""
    import os

    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as pg:
        pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg.execute(f"CREATE DATABASE {name}")
    url = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ["DATABASE_URL"] = url
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "postgresql":
        raise SystemExit(f"{name}: Django is on {connection.vendor} already; run this benchmark alone (--only)")  # fmt: skip
    connection.close()
    connection.settings_dict["NAME"] = name
    call_command("migrate", verbosity=0, stdout=io.StringIO())
    return url


def seed_database(bench_dir: Path, customers: int | None) -> str:
    """Connect to the seed-scale benchmark database (`customers` overrides its size), built by
    the real generator the first time and reused after; returns the scale's label."""
    import datetime as dt

    from benchmarks.report import log
    from siyu.core import generator as gen

    customers = customers or gen.SCALES["seed"]["customers"]
    scale = "seed" if customers == gen.SCALES["seed"]["customers"] else f"{customers:,} customers"
    path = bench_dir / f"customers-{customers}.sqlite3"
    ready = path.with_suffix(".ready")
    if not ready.exists():
        use_database(path, fresh=True)
        sizes = {**gen.SCALES["seed"], "customers": customers}
        log(f"building the seed benchmark database once ({sizes}); later runs reuse it")
        gen.run(gen.Context(seed=42, today=dt.date(2026, 11, 20), **sizes))
        ready.touch()
    else:
        use_database(path, fresh=False)
    return scale


def checkpoint() -> None:
    """SQLite: copy the WAL back into the database file and empty it (PostgreSQL: nothing).

    A write benchmark calls it before its clock starts, so that it does not pay for copying
    what its set-up wrote, and again before the clock stops, so that it pays for copying
    its own pages exactly once: the share of checkpoints a steady stream of such writes
    pays on average (the commit that takes the WAL past `wal_autocheckpoint` pays for all)."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
