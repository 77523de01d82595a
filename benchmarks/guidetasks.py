"""Guide tasks: creating a task for 10,000 guides, a 10,000-guide leaderboard, mobile BI.

Targets (issue 7): task creation for 10,000 guides ≤ 5 s; leaderboard p95 ≤ 300 ms;
mobile BI page p95 ≤ 1 s at seed scale.

- guidetasks_task_create_seconds: `task_create` aimed at a whole brand whose guides number
  10,000, in a scratch database built by the org step (19,400 guides in all: the first brand
  has 55 % of the stores). Baseline: the same number of 11-column rows appended with a
  plain `executemany` into a scratch table, in the same run.
- guidetasks_leaderboard_page_p50/p95: GET /m/contests/<id>/ as a guide of that brand,
  for a contest among its 10,000 guides with standings computed; also the API. Baseline:
  GET /healthz through the same client. `standings_seconds` is the computation itself.
- dashboards_mobile_bi_p50/p95: GET /m/bi/ for the reference date's day before, at seed scale
  (its guide-tasks step is added to the seed database once), as the branch manager of the
  branch with most stores, and as a store manager. Baseline: GET /healthz.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import seed_database, use_database
from benchmarks.report import log, percentile, result, timings

REFERENCE_DAY = dt.date(2026, 11, 20)


def _raw_seconds(rows: int) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_assignments")
        cursor.execute(
            "CREATE TABLE bench_raw_assignments (id INTEGER PRIMARY KEY, "
            + ", ".join(f"c{i} BIGINT" for i in range(10))
            + ")"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO bench_raw_assignments VALUES (" + ", ".join(["%s"] * 11) + ")",  # noqa: S608
            [(i + 1, *range(10)) for i in range(rows)],
        )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_assignments")
    return seconds


def _ten_thousand(args, bench_dir: Path) -> Iterator[dict]:
    use_database(bench_dir / "guidetasks.sqlite3", fresh=True)
    from django.test import Client
    from django.utils import timezone

    from siyu.core.generator import Context
    from siyu.guidetasks import contests, services
    from siyu.org import generate as org_generate
    from siyu.org.models import Brand, Group, Role, Staff, StaffStatus
    from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope

    log("guidetasks: an org of 5,500 stores and 19,400 guides (the first brand's: 10,000)")
    org_generate.generate(
        Context(
            seed=42,
            stores=5_500,
            guides=19_400,
            customers=0,
            days=30,
            today=REFERENCE_DAY,
            quiet=True,
        )  # fmt: skip
    )
    brand = Brand.objects.order_by("pk").first()
    guides = Staff.objects.filter(role=Role.GUIDE, status=StaffStatus.EMPLOYED, store__brand=brand).count()  # fmt: skip
    scope = Scope(
        level=Level.GROUP, group_id=Group.objects.get().pk, role=Role.GROUP_ADMIN,
        capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
    )  # fmt: skip
    runs = []
    for n in range(3):
        started = time.perf_counter()
        task = services.task_create(
            scope=scope, actor=None, brand=brand, kind="checklist", title=f"陈列检查 {n}",
            checklist=["陈列"], targets=[{"level": "brand", "id": brand.pk}],
            due_at=timezone.now() + dt.timedelta(days=2),
        )  # fmt: skip
        runs.append(time.perf_counter() - started)
    assigned = task.assignments.count()
    yield result(
        "guidetasks_task_create_seconds", f"{guides:,} guides of one brand", sorted(runs)[1], "s",
        _raw_seconds(assigned), baseline_is="executemany of as many 11-column rows",
        assignments=assigned, runs=[round(r, 3) for r in runs], target_seconds=5,
    )  # fmt: skip
    contest = contests.contest_create(
        scope=scope, actor=None, brand=brand, kind="amount", title="冬季冲刺 PK",
        starts_on=timezone.localdate() - dt.timedelta(days=10), ends_on=timezone.localdate(),
    )  # fmt: skip
    started = time.perf_counter()
    standings = contests.standings_compute(contest=contest, day=timezone.localdate())
    computed = time.perf_counter() - started
    guide = Staff.objects.filter(role=Role.GUIDE, store__brand=brand).exclude(user=None).order_by("-pk").first()  # fmt: skip
    client = Client()
    client.force_login(guide.user)
    baseline = timings(lambda: client.get("/healthz"), args.requests)
    for label, url in (
        ("page", f"/m/contests/{contest.pk}/"),
        ("api", f"/api/v1/contests/{contest.pk}/leaderboard"),
    ):
        assert client.get(url).status_code == 200
        times = timings(lambda url=url: client.get(url), args.requests)
        for q in (50, 95):
            yield result(
                f"guidetasks_leaderboard_{label}_p{q}", f"{len(standings):,} guides in the contest",
                percentile(times, q), "ms", percentile(baseline, q), baseline_is="GET /healthz",
                standings_seconds=round(computed, 3), target_ms=300,
            )  # fmt: skip


def _mobile_bi(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)
    from django.db.models import Count
    from django.test import Client

    from siyu.commerce.models import Order
    from siyu.core import generator as gen
    from siyu.guidetasks import generate as guidetasks_generate
    from siyu.guidetasks.models import Task
    from siyu.members.models import Customer
    from siyu.org.models import Role, Staff, Store

    if not Order.objects.exists():
        raise SystemExit("the seed database has no orders: run `make bench ONLY=commerce` first")
    if not Task.objects.exists():
        log("guidetasks: adding three weeks of tasks and a contest to the benchmark database once")
        sizes = {**gen.SCALES["seed"], "customers": Customer.objects.count()}
        guidetasks_generate.generate(gen.Context(seed=42, today=REFERENCE_DAY, **sizes))
    branch = (
        Store.objects.values("branch_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["branch_id"]
    )
    stores = Store.objects.filter(branch_id=branch).count()
    people = {
        "branch_manager": Staff.objects.filter(role=Role.BRANCH_MANAGER, branch_id=branch).exclude(user=None).first(),
        "store_manager": Staff.objects.filter(role=Role.STORE_MANAGER, store__branch_id=branch).exclude(user=None).first(),
    }  # fmt: skip
    day = (REFERENCE_DAY - dt.timedelta(days=1)).isoformat()
    for persona, staff in people.items():
        if staff is None:
            log(f"guidetasks: no {persona} with a login in the seed database; skipped")
            continue
        client = Client()
        client.force_login(staff.user)
        assert client.get(f"/m/bi/?day={day}").status_code == 200
        baseline = timings(lambda client=client: client.get("/healthz"), args.requests)
        n = max(args.requests // 4, 20)
        times = timings(lambda client=client: client.get(f"/m/bi/?day={day}"), n)
        for q in (50, 95):
            yield result(
                f"dashboards_mobile_bi_{persona}_p{q}", f"{scale}, a branch of {stores:,} stores",
                percentile(times, q), "ms", percentile(baseline, q), baseline_is="GET /healthz",
                requests=n, target_ms=1000,
            )  # fmt: skip


def run(args, bench_dir: Path) -> Iterator[dict]:
    yield from _ten_thousand(args, bench_dir)
    yield from _mobile_bi(args, bench_dir)
