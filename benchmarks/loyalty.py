"""Loyalty at seed scale: the nightly tier evaluation, coupon redemption, one coupon tried
by fifty at once.

Targets (issue 8): nightly tier evaluation over 1,000,000 members ≤ 60 s; coupon
redemption p95 ≤ 50 ms; 50 concurrent attempts on one coupon → exactly one redemption.

- loyalty_tier_evaluation_seconds: `tiers_evaluate` for the day after the reference date,
  over every account of the seed database (its loyalty step is added once). Baseline: the
  12-month spend aggregate alone (the read the evaluation cannot avoid).
- loyalty_coupon_redeem_p50/p95: checking a member's coupon and using it (`coupon_for` +
  `coupon_redeem`, as the checkout and the POS do), N coupons issued first. Baseline: a
  coupon read by primary key.
- loyalty_coupon_race: 50 threads, each its own connection, redeem one coupon at once on
  the seed SQLite file; exactly one must succeed. The same check runs on PostgreSQL in the
  test suite (CI): siyu/loyalty/tests/test_loyalty.py::test_fifty_concurrent_attempts_….
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import seed_database
from benchmarks.report import log, percentile, result, timings

REFERENCE_DAY = dt.date(2026, 11, 20)


def run(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)
    from django.utils import timezone

    from siyu.commerce.models import Order
    from siyu.commerce.selectors import net_spend
    from siyu.core import generator as gen
    from siyu.core.periods import group_zone
    from siyu.core.testing.race import race
    from siyu.loyalty import evaluation, services
    from siyu.loyalty import generate as loyalty_generate
    from siyu.loyalty.models import Account, Coupon, CouponTemplate, Programme
    from siyu.members.models import Customer

    if not Order.objects.exists():
        raise SystemExit("the seed database has no orders: run `make bench ONLY=commerce` first")
    if not Programme.objects.exists():
        log(
            "loyalty: adding programmes, accounts, points and coupons to the benchmark database once"
        )
        sizes = {**gen.SCALES["seed"], "customers": Customer.objects.count()}
        loyalty_generate.generate(gen.Context(seed=42, today=REFERENCE_DAY, **sizes))
    accounts = Account.objects.count()
    day = REFERENCE_DAY + dt.timedelta(days=1)
    at = dt.datetime.combine(day, dt.time(0), group_zone())
    started = time.perf_counter()
    for programme in Programme.objects.all():
        net_spend(brand_ids=[programme.brand_id] if programme.brand_id else None, since=at - services.YEAR, until=at)  # fmt: skip
    baseline = time.perf_counter() - started
    started = time.perf_counter()
    counts = evaluation.tiers_evaluate(today=day)
    seconds = time.perf_counter() - started
    yield result(
        "loyalty_tier_evaluation_seconds", f"{scale}, {accounts:,} accounts", seconds, "s",
        baseline, baseline_is="the 12-month spend aggregate alone", target_seconds=60, **counts,
    )  # fmt: skip

    # Coupon redemption: issue, then check and use each once, as the POS does.
    template = CouponTemplate.objects.filter(threshold_fen=0).first() or CouponTemplate.objects.create(
        brand_id=Programme.objects.exclude(brand=None).first().brand_id, name="bench ¥10",
        kind="amount", amount_fen=1_000, valid_days=30,
    )  # fmt: skip
    holders = list(Account.objects.filter(programme__brand_id=template.brand_id).order_by("-pk")[: args.requests + 1])  # fmt: skip
    now = timezone.now()
    issued = [services.coupon_issue(template=template, account=a, reason="bench", at=now) for a in holders]  # fmt: skip
    rotation = iter(issued)
    order_ids = itertools.count(10_000_000)

    def redeem() -> None:
        coupon = next(rotation)
        found = services.coupon_for(code=coupon.code, customer_id=coupon.account.customer_id, at=timezone.now())  # fmt: skip
        services.coupon_redeem(coupon=found, order_id=next(order_ids), discount_fen=1_000, at=timezone.now())  # fmt: skip

    times = timings(redeem, len(issued) - 1)
    probe = issued[0]
    base = timings(lambda: Coupon.objects.get(pk=probe.pk), 50)
    for q in (50, 95):
        yield result(
            f"loyalty_coupon_redeem_p{q}", f"{scale}, {len(issued) - 1} coupons", percentile(times, q),
            "ms", percentile(base, 50), baseline_is="a coupon read by primary key", target_ms=50,
        )  # fmt: skip

    # Fifty at once on one coupon.
    contested = services.coupon_issue(template=template, account=holders[0], reason="bench", at=timezone.now())  # fmt: skip
    started = time.perf_counter()
    outcomes = race(
        lambda n: services.coupon_redeem(
            coupon=contested, order_id=20_000_000 + n, discount_fen=1_000, at=timezone.now()
        )  # fmt: skip
    )
    seconds = time.perf_counter() - started
    yield result(
        "loyalty_coupon_race_redemptions", f"{scale}, 50 threads on one coupon (SQLite file)",
        outcomes.count("ok"), "redemptions", 1, baseline_is="exactly one",
        refused=outcomes.count("refused"), seconds=round(seconds, 3),
    )  # fmt: skip
