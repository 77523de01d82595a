"""Content hub latency at seed scale: what a guide opens every day (today's feed, a forward),
what a customer opens (the landing page, which also records the visit), and HQ's library
search — each against GET /healthz through the same client, in the same run.

Uses the seed benchmark database (see db.seed_database); a database built before content
joined the generator gets the content step run on it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import seed_database
from benchmarks.report import log, percentile, result, timings


def run(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)
    from django.test import Client

    from siyu.content.models import Content, Forward, ShareLink, ShareVisit
    from siyu.core import generator as gen
    from siyu.org.models import Staff

    if not Content.objects.exists():
        from siyu.content import generate

        log("content: adding the content library and forwards to the benchmark database once")
        sizes = dict(gen.SCALES["seed"])
        generate.generate(gen.Context(seed=42, today=dt.date(2026, 11, 20), **sizes))
    counts = {
        "items": Content.objects.count(),
        "forwards": Forward.objects.count(),
        "visits": ShareVisit.objects.count(),
    }
    log(f"content: {counts}")

    guide, hq = Client(), Client()
    guide.force_login(Staff.objects.get(employee_no="guide").user)
    hq.force_login(Staff.objects.get(employee_no="hq").user)
    baseline = timings(lambda: guide.get("/healthz"), args.requests)
    today = guide.get("/api/v1/content/today").json()
    item = next(c for scenario in today.values() for c in scenario)
    link = ShareLink.objects.filter(staff__employee_no="guide").first() or ShareLink.objects.first()
    customer = Client()
    cases = {
        "content_today_api": (lambda: guide.get("/api/v1/content/today"), "guide"),
        "workbench_content_page": (lambda: guide.get("/m/content/"), "guide"),
        "content_forward_api": (
            lambda: guide.post(
                f"/api/v1/content/{item['id']}/forward",
                {"channel": "chat"},
                content_type="application/json",
            ),
            "guide",
        ),
        "landing_page": (lambda: customer.get(f"/s/{link.code}?oauth=0"), "customer (anonymous)"),
        "content_search_api": (lambda: hq.get("/api/v1/content?q=羽绒服&page_size=50"), "hq"),
        "content_mix_api": (
            lambda: hq.get("/api/v1/content/mix?by=store&start=2026-11-01&end=2026-11-20"),
            "hq",
        ),
    }
    for name, (call, persona) in cases.items():
        response = call()
        assert response.status_code in (200, 201), (name, response.status_code)
        times = timings(call, args.requests)
        for q in (50, 95):
            yield result(
                f"{name}_p{q}", scale, percentile(times, q), "ms", percentile(baseline, q),
                persona=persona, requests=args.requests, baseline_is="GET /healthz", **counts,
            )  # fmt: skip
