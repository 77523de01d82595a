"""Customer list page and API latency at seed scale, against /healthz through the same client.

The database (var/bench/customers-<N>.sqlite3) is built by the real generator the first
time and reused after, so only the first run pays for generating a million customers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from benchmarks.db import seed_database
from benchmarks.report import percentile, result, timings


def run(args, bench_dir: Path) -> Iterator[dict]:
    scale = seed_database(bench_dir, args.customers)

    from django.test import Client

    from siyu.org.models import Staff

    personas = {"hq": "hq_operator (brand)", "branch": "branch_manager", "guide": "guide"}
    for login, label in personas.items():
        client = Client()
        client.force_login(Staff.objects.get(employee_no=login).user)
        baseline = timings(lambda c=client: c.get("/healthz"), args.requests)
        for kind, url in (
            ("api", "/api/v1/customers?page_size=50"),
            ("page", "/console/customers/"),
        ):
            times = timings(lambda c=client, u=url: c.get(u), args.requests)
            assert client.get(url).status_code == 200
            for q in (50, 95):
                yield result(
                    f"customer_list_{kind}_p{q}",
                    scale,
                    percentile(times, q),
                    "ms",
                    percentile(baseline, q),
                    persona=label,
                    requests=args.requests,
                    baseline_is="GET /healthz",
                )
        # A search by full phone (keyed-hash lookup) is what a store does at the counter.
        phone_times = timings(
            lambda c=client: c.get("/api/v1/customers?q=13800000000"), args.requests
        )
        yield result(
            "customer_search_phone_api_p95",
            scale,
            percentile(phone_times, 95),
            "ms",
            percentile(baseline, 95),
            persona=label,
            requests=args.requests,
            baseline_is="GET /healthz",
        )
