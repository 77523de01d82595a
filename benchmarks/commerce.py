"""Commerce: POS import throughput and storefront routing latency.

- commerce_pos_import_orders_per_second: N POS orders (two lines each on average, a third
  with a member named by phone, every one rung up by a guide of its store) imported from
  rows by `pos_import` — checks, member lookup, attribution and commission on — into the
  demo brand's stores (`--commerce-db postgres`: on PostgreSQL, with `--only commerce`).
  Baseline: the same number of order rows (20 columns) appended with a plain `executemany`
  into a scratch table of the same database, in the same run. On SQLite the import runs
  `--pos-repeat` times (3), each into a fresh copy of the world and followed by its
  baseline; the medians are reported, every run beside them.
- commerce_route_p50/p95: `storefront_for` by location over the seed database's 3,000
  stores (the brand's stores in nearest mode), and by city in "1 + N" mode. Baseline:
  `GET /healthz`-free: one primary-key read of a store through the ORM.
"""

from __future__ import annotations

import random
import shutil
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import checkpoint, seed_database, use_database, use_postgres
from benchmarks.report import log, percentile, result, timings


def _raw_rate(rows: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_orders")
        cursor.execute(
            "CREATE TABLE bench_raw_orders (id INTEGER PRIMARY KEY, number VARCHAR(40) UNIQUE, "
            + ", ".join(f"c{i} BIGINT" for i in range(18))
            + ")"
        )
    checkpoint()
    started = time.perf_counter()
    for start in range(0, rows, 2000):
        chunk = [
            (start + i + 1, f"P1-R{start + i}", *range(18)) for i in range(min(2000, rows - start))
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO bench_raw_orders VALUES (" + ", ".join(["%s"] * 20) + ")",  # noqa: S608
                chunk,
            )
    checkpoint()
    rate = rows / (time.perf_counter() - started)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_orders")
    return rate


def pos_world(n: int, bench_dir: Path, db: str = "sqlite") -> tuple[object, list[dict]]:
    """The demo brand with a catalog, and the rows of `n` POS orders for its stores, in a
    fresh database (`db`: sqlite, or postgres for a scratch database on 127.0.0.1)."""
    if db == "postgres":
        use_postgres("siyu_bench_commerce")
    else:
        use_database(bench_dir / "commerce.sqlite3", fresh=True)
    from django.utils import timezone

    from siyu.commerce import services
    from siyu.core import generator as gen
    from siyu.members import pii
    from siyu.members.models import Identity
    from siyu.org.models import Group, Role, Staff
    from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope

    log("commerce: building the demo brand and a catalog")
    gen.run(gen.Context(seed=42, today=timezone.localdate(), quiet=True, **gen.SCALES["demo"]))
    group = Group.objects.get()
    scope = Scope(
        level=Level.GROUP, group_id=group.pk, role=Role.GROUP_ADMIN,
        capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
    )  # fmt: skip
    guides = list(
        Staff.objects.filter(role=Role.GUIDE, status="employed")
        .select_related("store")
        .exclude(store=None)
    )
    brand = guides[0].store.brand
    skus = []
    for k in range(40):
        services.product_upsert(
            scope=scope, brand=brand, style_no=f"B{k:03d}", name=f"款{k}", category="羽绒服",
            price_fen=59_900 + k * 1_000,
            skus=[{"code": f"B{k:03d}-{size}", "colour": "黑", "size": size} for size in "SML"],
        )  # fmt: skip
        skus += [f"B{k:03d}-{size}" for size in "SML"]
    guides = [g for g in guides if g.store.brand_id == brand.pk]
    phones = [
        pii.decrypt(value)
        for value in Identity.objects.filter(kind="phone", customer__home_brand=brand).values_list(
            "encrypted_value", flat=True
        )[:2000]
    ]
    log(f"commerce: {len(guides)} guides, {len(skus)} SKUs")
    rng = random.Random(11)
    rows = []
    for i in range(n):
        guide = rng.choice(guides)
        when = (
            f"2026-11-{rng.randint(1, 20):02d} {rng.randint(10, 23):02d}:{rng.randint(0, 59):02d}"
        )
        for _line in range(rng.choice((1, 2, 3))):
            rows.append({
                "pos_no": f"N{i:07d}", "store": guide.store.code, "time": when,
                "cashier": guide.employee_no, "member_card": "",
                "member_phone": phones[i % len(phones)] if i % 3 == 0 and phones else "",
                "sku": rng.choice(skus), "quantity": str(rng.choice((1, 1, 2))),
                "amount": f"{rng.randint(300, 2000)}.00",
            })  # fmt: skip
    return scope, rows


def _pos_import(args, bench_dir: Path) -> Iterator[dict]:
    """The import `--pos-repeat` times (SQLite), each into a fresh copy of the world built
    once, each followed by its baseline: this machine's speed swings by half from one
    minute to the next, so one run says little. The median of each is reported, and every
    run beside it."""
    n = args.pos_orders
    scope, rows = pos_world(n, bench_dir, args.commerce_db)
    from django.db import connection

    from siyu.commerce import pos_import

    checkpoint()  # the set-up's writes are not the import's to copy
    repeats = max(1, args.pos_repeat) if args.commerce_db == "sqlite" else 1
    world = Path(str(connection.settings_dict["NAME"]))  # on SQLite, the database file
    pristine = bench_dir / "commerce-world.sqlite3"
    if repeats > 1:
        connection.close()
        shutil.copyfile(world, pristine)
    rates, baselines = [], []
    for run in range(repeats):
        if run:  # a fresh copy of the world, as the first run found it
            connection.close()
            for suffix in ("-wal", "-shm"):
                Path(f"{world}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(pristine, world)
        log(
            f"commerce: importing {n:,} POS orders ({len(rows):,} rows), run {run + 1} of {repeats}"
        )
        started = time.perf_counter()
        report = pos_import.pos_import(scope=scope, rows=rows)  # type: ignore[arg-type]
        checkpoint()  # its own writes are
        seconds = time.perf_counter() - started
        assert report.created == n and not report.errors, report.as_dict()
        rates.append(n / seconds)
        baselines.append(_raw_rate(n))
    if repeats > 1:
        pristine.unlink()
    yield result(
        "commerce_pos_import_orders_per_second", f"{n:,} orders, {len(rows):,} lines ({args.commerce_db})",
        statistics.median(rates), "orders/s", statistics.median(baselines),
        baseline_is="executemany of the same number of 20-column rows", target=20_000,
        runs=[round(r) for r in rates], baseline_runs=[round(b) for b in baselines],
    )  # fmt: skip


def _routing(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)
    from siyu.commerce import routing, selectors
    from siyu.commerce.models import BranchStorefront, BrandStorefront
    from siyu.org.models import Branch, Brand, Store

    brand = Brand.objects.order_by("id").first()
    stores = Store.objects.filter(brand=brand).count()
    rng = random.Random(3)
    points = [(rng.uniform(22, 46), rng.uniform(100, 126)) for _ in range(args.requests)]
    it = iter(points * 2)
    BrandStorefront.objects.update_or_create(brand=brand, defaults={"routing": "nearest"})
    routing.caches_clear()
    nearest = timings(lambda: selectors.storefront_for(brand=brand, latitude=(p := next(it))[0], longitude=p[1]), args.requests - 1)  # fmt: skip
    store = Store.objects.filter(brand=brand).first()
    baseline = timings(lambda: Store.objects.get(pk=store.pk), args.requests - 1)
    for branch in Branch.objects.filter(brand=brand):
        first = Store.objects.filter(branch=branch).first()
        if first is not None:
            BranchStorefront.objects.update_or_create(branch=branch, defaults={"store": first})
    BrandStorefront.objects.update_or_create(brand=brand, defaults={"routing": "branch"})
    routing.caches_clear()
    it = iter(points * 2)
    by_branch = timings(lambda: selectors.storefront_for(brand=brand, latitude=(p := next(it))[0], longitude=p[1]), args.requests - 1)  # fmt: skip
    base = percentile(baseline, 50)
    for label, times in (("nearest", nearest), ("branch", by_branch)):
        for q in (50, 95):
            yield result(
                f"commerce_route_{label}_p{q}", f"{scale}, {stores:,} stores of the brand",
                percentile(times, q), "ms", base, baseline_is="a store read by primary key",
                target_ms=5,
            )  # fmt: skip


def _seed_orders(args, bench_dir: Path) -> Iterator[dict]:
    """A month's settlement and attribution per order, in the seed database (its commerce
    step is added once: a year of orders for 1,000,000 customers)."""
    import datetime as dt

    scale = seed_database(bench_dir, args.customers)
    from siyu.commerce import attribution, selectors
    from siyu.commerce import generate as commerce_generate
    from siyu.commerce.models import Order, OrderChannel
    from siyu.core import generator as gen
    from siyu.members.models import Customer
    from siyu.org.models import Group, Role
    from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope

    if not Order.objects.exists():
        log("commerce: adding the catalog and a year of orders to the benchmark database once")
        sizes = {**gen.SCALES["seed"], "customers": Customer.objects.count()}
        commerce_generate.generate(gen.Context(seed=42, today=dt.date(2026, 11, 20), **sizes))
    scope = Scope(
        level=Level.GROUP, group_id=Group.objects.get().pk, role=Role.GROUP_ADMIN,
        capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
    )  # fmt: skip
    month = dt.date(2026, 10, 1)  # the last whole month before the data's reference date
    first, last = selectors.month_bounds(month)
    orders = selectors.order_list(scope=scope, start=first, end=last).count()
    started = time.perf_counter()
    guides = selectors.statement(scope=scope, month=month, by="guide")
    stores = selectors.statement(scope=scope, month=month, by="store")
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    selectors.order_list(scope=scope, start=first, end=last).count()
    baseline = time.perf_counter() - started
    yield result(
        "commerce_month_settlement_seconds", f"{scale}, {orders:,} orders in 2026-10",
        seconds, "s", baseline, baseline_is="counting the month's orders in scope",
        guides=len(guides), stores=len(stores), target_seconds=60,
    )  # fmt: skip
    sample = list(
        Order.objects.filter(channel=OrderChannel.MALL, customer_id__isnull=False)
        .select_related("store")
        .order_by("-id")[: args.requests]
    )
    lines = {o.pk: list(o.lines.all()) for o in sample}
    rotation = iter(sample * 2)

    def attribute() -> None:
        order = next(rotation)
        attribution.order_attribute(order=order, lines=lines[order.pk])  # decided, not saved

    times = timings(attribute, len(sample) - 1)
    store = sample[0].store
    base = percentile(timings(lambda: type(store).objects.get(pk=store.pk), 50), 50)
    for q in (50, 95):
        yield result(
            f"commerce_attribution_p{q}", f"{scale}, mall orders with customers", percentile(times, q),
            "ms", base, baseline_is="a store read by primary key", target_ms=10,
        )  # fmt: skip


def run(args, bench_dir: Path) -> Iterator[dict]:
    yield from _pos_import(args, bench_dir)
    if args.pos_only or args.commerce_db == "postgres":  # routing and settlement: SQLite seed
        return
    yield from _routing(args, bench_dir)
    yield from _seed_orders(args, bench_dir)
