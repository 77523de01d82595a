"""Reading behaviour at seed scale (≥ 10 million events): the guide's customer trail and
follow-up list, and HQ's month funnel over every store — each against GET /healthz through
the same client, in the same run.

Targets (issue 5): trail p95 ≤ 50 ms; month funnel over all stores ≤ 1 s.

The seed database's data ends at its reference time (2026-11-20 21:00); the trail and the
follow-up list are measured through their selectors at that time (the pages use the clock,
which has moved on), behind the same scope check the page makes. The trail page itself is
measured too, at the real time, for the cost of the view and template around the selector.
Customers are the heaviest: the 200 with most events in the week before the reference time.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.db import seed_database
from benchmarks.report import log, percentile, result, timings

REFERENCE = dt.datetime(2026, 11, 20, 21, tzinfo=ZoneInfo("Asia/Shanghai"))


def run(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)
    from django.db.models import Count
    from django.test import Client

    from siyu.members.models import Customer
    from siyu.members.selectors import customer_get
    from siyu.org.models import Staff
    from siyu.org.scope import scope_for_user
    from siyu.tracking import selectors
    from siyu.tracking.models import DailyStat, Event

    events = Event.objects.count()
    if events < 1_000_000:
        raise SystemExit(
            f"the seed database holds {events:,} events: delete var/bench/customers-*.ready to rebuild it"
        )
    log(f"tracking reads: {events:,} events, {DailyStat.objects.count():,} rollup rows")
    week = REFERENCE - dt.timedelta(days=7)
    heavy = list(
        Event.objects.filter(occurred_at__gte=week, customer_id__isnull=False)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("customer_id", "n")[:200]
    )
    owners = dict(
        Customer.objects.filter(
            pk__in=[c for c, _n in heavy], owner_staff__isnull=False
        ).values_list("pk", "owner_staff_id")
    )
    pairs = [(c, owners[c]) for c, _n in heavy if c in owners]
    staff = {
        s.pk: s for s in Staff.objects.select_related("user").filter(pk__in=set(owners.values()))
    }
    scopes = {pk: scope_for_user(s.user) for pk, s in staff.items()}
    counts = {"events": events, "heaviest_customer_week_events": heavy[0][1] if heavy else 0}
    rotation = itertools.cycle(pairs)

    def trail() -> None:
        customer, owner = next(rotation)
        found = customer_get(scope=scopes[owner], customer_id=customer)
        selectors.customer_trail(customer_id=found.pk, now=REFERENCE)

    busiest = max(set(owners.values()), key=list(owners.values()).count)

    def follow_up() -> None:
        selectors.follow_up_list(scope=scopes[busiest], now=REFERENCE)

    guide = Client()
    guide.force_login(staff[pairs[0][1]].user)
    admin = Client()
    admin.force_login(Staff.objects.get(employee_no="admin").user)
    baseline = timings(lambda: guide.get("/healthz"), args.requests)
    month = {"start": (REFERENCE.date() - dt.timedelta(days=29)).isoformat(), "end": REFERENCE.date().isoformat()}  # fmt: skip
    cases = {
        "customer_trail": (trail, "guide (selector at the reference time)", args.requests),
        "customer_trail_page": (
            lambda: guide.get(f"/m/customers/{pairs[0][0]}/trail/"), "guide (page, real time)", args.requests,
        ),
        "follow_up_list": (follow_up, "guide with most heavy customers (selector)", args.requests),
    }  # fmt: skip
    for by in selectors.FUNNEL_GROUPS:
        cases[f"month_funnel_by_{by}"] = (
            lambda by=by: admin.get("/api/v1/tracking/funnel", {**month, "by": by}),
            "group admin, every store, 30 days (API)",
            max(args.requests // 10, 10),
        )
    for name, (call, persona, n) in cases.items():
        response = call()
        if response is not None:
            assert response.status_code == 200, (name, response.status_code)
        times = timings(call, n)
        for q in (50, 95):
            yield result(
                f"{name}_p{q}", scale, percentile(times, q), "ms", percentile(baseline, q),
                persona=persona, requests=n, baseline_is="GET /healthz", **counts,
            )  # fmt: skip
