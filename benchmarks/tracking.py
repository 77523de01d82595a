"""Event ingestion end to end over HTTP, against the raw idempotent insert of the same database.

- tracking_ingest_events_per_second: batches of 1,000 realistic events (time-ordered ids,
  share codes of the demo's real links, devices and WeCom customers, the type mix of a
  landing page) POSTed to `/api/v1/events` on a waitress web process by concurrent
  keep-alive clients; validation, attribution, dedupe and rollups all on. Every batch is
  acknowledged before the next is sent on its connection; the clock stops at the last one.
- Baseline (the ratio's denominator): the same number of 19-column rows with time-ordered
  keys appended with `executemany … ON CONFLICT DO NOTHING`, 1,000 per transaction, into a
  scratch table of the same database, in the same run.

- tracking_writer_events_per_second: the part of ingestion that holds the database's write
  lock — events with their indexes, device links, rollups, exact-UV visitor rows and
  activity, written in groups of two batches as the group commit writes them under load —
  in this process, on batches already checked and attributed outside the clock
  (`events_ingest` handing them to a writer that keeps them). One SQLite file takes one
  writer at a time, so this bounds end-to-end ingestion on SQLite whatever the web tier
  does; its ratio to the same baseline says which ratio end to end could reach at best.
  `check_us_per_event` beside it is the checking, attribution and rollup deltas per event
  (the web processes' share, outside the lock), measured on the same batches;
  `driver_us_per_event` the writer's time inside the database driver alone (from a profile
  of it writing as many more), and `driver_only_ratio` the ratio the writer would reach if
  its Python took no time at all.

`--tracking-db postgres` runs it on PostgreSQL (a scratch database on 127.0.0.1).
"""

from __future__ import annotations

import http.client
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.db import use_database, use_postgres
from benchmarks.net import free_port, wait_up
from benchmarks.report import log, machine_cpu, process_cpu, result

TYPES = [
    ("content_view", 34), ("page_view", 14), ("view_end", 30), ("product_view", 12),
    ("add_to_cart", 5), ("share", 3), ("order_paid", 1), ("coupon_claim", 1),
]  # fmt: skip
PG_NAME = "siyu_bench_tracking"


class EventIds:
    """Time-ordered ids as a client makes them: milliseconds, then a counter, then randomness."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.last, self.n = rng, 0, 0

    def next(self, ms: int) -> str:
        self.n = self.n + 1 if ms == self.last else 0
        self.last = ms
        return f"{ms:012x}{self.n:04x}{self.rng.getrandbits(64):016x}"


def _batches(n_events: int, links: list[str], externals: list[str], seed: int = 5) -> list[bytes]:
    rng = random.Random(seed)
    ids = EventIds(rng)
    kinds, weights = zip(*TYPES, strict=True)
    start = int(time.time() * 1000) - 3_600_000
    bodies = []
    for b in range(n_events // 1000):
        events = []
        for i in range(1000):
            ms = start + (b * 1000 + i) * 3
            kind = rng.choices(kinds, weights)[0]
            event = {
                "id": ids.next(ms), "type": kind, "occurred_at": ms,
                "device_id": f"dev{rng.randrange(50_000):05d}", "share": rng.choice(links),
                "page": "/s/landing",
            }  # fmt: skip
            if rng.random() < 0.2 and externals:
                event["customer"] = {"kind": "external_userid", "value": rng.choice(externals)}
            if kind == "view_end":
                event["dwell_ms"] = int(rng.expovariate(1 / 15_000))
            if kind in ("product_view", "add_to_cart"):
                event["product"] = f"DOWN-{rng.randrange(400):04d}"
            if kind == "order_paid":
                event |= {"order": f"O{b}-{i}", "amount_fen": rng.choice((59_900, 129_900))}
            events.append(event)
        bodies.append(json.dumps({"events": events}, separators=(",", ":")).encode())
    return bodies


def _raw_rate(rows: int) -> float:
    """Rows/s of the raw idempotent append: 19 columns, time-ordered text keys, 1,000 a transaction."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_events")
        cursor.execute(
            "CREATE TABLE bench_raw_events (id VARCHAR(40) PRIMARY KEY, source_id INTEGER, "
            "type VARCHAR(16), occurred_at TIMESTAMP, received_at TIMESTAMP, day DATE, "
            "customer_id BIGINT, device_id VARCHAR(64), link_id BIGINT, content_id BIGINT, "
            "staff_id BIGINT, store_id BIGINT, page VARCHAR(200), product_code VARCHAR(40), "
            "order_ref VARCHAR(64), dwell_ms INTEGER, amount_fen BIGINT, properties TEXT, "
            "visitor_key VARCHAR(24))"
        )
    ids = EventIds(random.Random(9))
    base = int(time.time() * 1000)
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        chunk = [
            (ids.next(base + start + i), 1, "content_view", "2026-11-20 10:00:00", "2026-11-20 10:00:01",
             "2026-11-20", None, f"dev{i:05d}", 1, 1, 1, 1, "/s/landing", "", "", 0, 0, "{}", "")
            for i in range(min(1000, rows - start))
        ]  # fmt: skip
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_raw_events VALUES (" + ", ".join(["%s"] * 19) + ") "  # noqa: S608
                "ON CONFLICT (id) DO NOTHING",
                chunk,
            )
    rate = rows / (time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_events")
    return rate


class _Kept:
    """A writer that keeps checked batches instead of writing them (see `_writer_rate`)."""

    def __init__(self) -> None:
        self.batches: list = []

    def write(self, batch: object) -> None:
        self.batches.append(batch)


def _writer_rate(source: object, bodies: list[bytes]) -> tuple[float, float, float | None]:
    """Events/s of the writer alone and µs of checking per event, on the first half of these
    batches (new events: ids the HTTP part never sent); and µs per event the writer spends
    in the database driver (statements, fetches, commits) alone, from a profile of it
    writing the second half: the floor no change to siyu's Python can go below (SQLite
    only: its driver's calls are C functions a profile tells apart)."""
    import cProfile
    import pstats

    from django.db import connection

    from siyu.tracking import services

    def checked(half: list[bytes]) -> tuple[list, float]:
        kept = _Kept()
        started = time.perf_counter()
        for body in half:
            services.events_ingest(source=source, events=json.loads(body)["events"], writer=kept)  # type: ignore[arg-type]
        return kept.batches, time.perf_counter() - started

    def write(batches: list) -> float:
        writer = services.GroupCommit()
        started = time.perf_counter()
        for i in range(0, len(batches), 2):
            group = batches[i : i + 2]
            writer._write_group(group)  # as its queue hands them over (the benchmark's view)
            assert all(b.error is None and b.result.accepted == len(b.rows) for b in group)
        return time.perf_counter() - started

    middle = len(bodies) // 2
    timed, checking = checked(bodies[:middle])
    events = sum(len(batch.rows) for batch in timed)
    seconds = write(timed)
    if connection.vendor != "sqlite":  # psycopg's calls are Python, not told apart here
        return events / seconds, checking / events * 1e6, None
    profiled, _checking = checked(bodies[middle:])
    profile = cProfile.Profile()
    profile.runcall(write, profiled)
    driver = sum(
        seconds_in
        for (file, _line, name), (_calls, _n, seconds_in, _cum, _callers) in pstats.Stats(profile).stats.items()  # type: ignore[attr-defined]
        if file == "~" and any(part in name for part in ("sqlite3.", "SQLiteCursorWrapper.execute"))
    )  # fmt: skip
    return (
        events / seconds,
        checking / events * 1e6,
        driver / sum(len(b.rows) for b in profiled) * 1e6,
    )


def _post_all(port: int | list[int], bodies: list[bytes], key: str, clients: int) -> list[dict]:
    ports = port if isinstance(port, list) else [port]
    chunks = [(ports[i % len(ports)], bodies[i::clients]) for i in range(clients)]

    def post(work: tuple[int, list[bytes]]) -> list[dict]:
        port, chunk = work
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        answers = []
        for body in chunk:
            while True:
                conn.request("POST", "/api/v1/events", body, {"Content-Type": "application/json", "X-Siyu-Write-Key": key})  # fmt: skip
                response = conn.getresponse()
                answer = json.loads(response.read())
                if response.status != 429:
                    break
                time.sleep(float(response.getheader("Retry-After", "1")) / 10)
            assert response.status == 200, (response.status, answer)
            answers.append(answer)
        conn.close()
        return answers

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [a for answers in pool.map(post, chunks) for a in answers]


def _database(args, bench_dir: Path) -> dict[str, str]:
    """Point Django at a fresh benchmark database; returns the environment the web process needs."""
    if args.tracking_db == "postgres":
        return {"DATABASE_URL": use_postgres(PG_NAME)}
    path = bench_dir / "tracking.sqlite3"
    use_database(path, fresh=True)
    return {"DATABASE_URL": f"sqlite:///{path}"}


def run(args, bench_dir: Path) -> Iterator[dict]:
    env = {**os.environ, **_database(args, bench_dir)}
    from django.conf import settings
    from django.utils import timezone

    from siyu.content.models import ShareLink
    from siyu.core import generator as gen
    from siyu.org.scope import Capability, Level, Scope
    from siyu.relations.models import Friendship
    from siyu.tracking import services
    from siyu.tracking.models import DailyStat, Event

    log("tracking: building the demo brand (links and friends to attribute events to)")
    gen.run(gen.Context(seed=42, today=timezone.localdate(), quiet=True, **gen.SCALES["demo"]))
    root = Scope(level=Level.GROUP, group_id=0, capabilities=frozenset(Capability))
    source, key = services.event_source_create(scope=root, name="bench", kind="h5")
    links = list(ShareLink.objects.values_list("code", flat=True)[:2000])
    externals = list(Friendship.objects.values_list("external_userid", flat=True)[:5000])
    n = args.events
    bodies = _batches(n, links, externals)
    log(
        f"tracking: {n:,} events in {len(bodies)} batches of 1,000 ({sum(map(len, bodies)) / len(bodies) / 1024:.0f} KB each)"
    )
    # As many web processes as `siyu run` starts (one per core, up to four); `--web-processes
    # N` runs N (clients spread over them). On SQLite their writes take turns on the file.
    processes = args.web_processes or settings.WEB_PROCESSES
    ports = [free_port() for _p in range(processes)]
    webs = [
        subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            [sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}",
             f"--threads={max(args.clients // len(ports), 1)}", "siyu.wsgi:application"],
            env=env, stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        )
        for port in ports
    ]  # fmt: skip
    try:
        for port in ports:
            wait_up(port)
            _post_all(port, bodies[:2], key, 1)  # warm each process up (imports, caches)
        cpu_before = (
            machine_cpu(),
            sum(process_cpu(w.pid) for w in webs),
            process_cpu(os.getpid()),
        )
        started = time.perf_counter()
        answers = _post_all(ports, bodies[2:], key, args.clients)
        seconds = time.perf_counter() - started
        cpu_after = (machine_cpu(), sum(process_cpu(w.pid) for w in webs), process_cpu(os.getpid()))
        resent = _post_all(ports, bodies[:5], key, 1)
    finally:
        for web in webs:
            web.terminate()
            web.wait()
    accepted = sum(a["accepted"] for a in answers)
    assert accepted == n - 2000 and not any(a["rejected"] for a in answers), answers[:1]
    assert sum(a["accepted"] for a in resent) == 0
    assert Event.objects.filter(source_id=source.pk).count() == n  # beside the demo's own
    rollup_rows = DailyStat.objects.count()

    def per_1000(i: int) -> float:
        return round(1000 * 1000 * (cpu_after[i] - cpu_before[i]) / accepted, 1)

    log(
        f"tracking: measuring the writer alone on {n // 4:,} new events (and profiling it on as many)"
    )
    fresh = _batches(n // 2, links, externals, seed=6)
    writer_rate, check_us, driver_us = _writer_rate(source, fresh)
    log(f"tracking: measuring the raw idempotent append of {n:,} rows on the same database")
    baseline = _raw_rate(n)
    yield result(
        "tracking_ingest_events_per_second", f"{n:,} events ({args.tracking_db})", accepted / seconds,
        "events/s", baseline, baseline_is="raw executemany … ON CONFLICT DO NOTHING, same rows and database",
        clients=args.clients, web_processes=processes, seconds=round(seconds, 2), rollup_rows=rollup_rows,
        target=100_000 if args.tracking_db == "sqlite" else 30_000,
        time_zone=settings.TIME_ZONE, day=str(timezone.localdate()),
        # Where the cores went, in CPU ms per 1,000 events of the measured part: the web
        # processes; the clients (this process, not siyu's); the rest of the machine, mostly
        # the database server on PostgreSQL.
        cpu_ms_per_1000={"web": per_1000(1), "clients": per_1000(2), "rest": round(per_1000(0) - per_1000(1) - per_1000(2), 1)},
    )  # fmt: skip
    yield result(
        "tracking_writer_events_per_second", f"{n // 4:,} events ({args.tracking_db})", writer_rate,
        "events/s", baseline, baseline_is="raw executemany … ON CONFLICT DO NOTHING, same rows and database",
        group_batches=2, check_us_per_event=round(check_us, 1),
        **({} if driver_us is None else {
            "driver_us_per_event": round(driver_us, 1),
            # The ratio if the writer's Python took no time at all: its statements alone.
            "driver_only_ratio": round(1e6 / driver_us / baseline, 3),
        }),
    )  # fmt: skip
