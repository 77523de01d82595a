"""Customer list page and API latency at seed scale, against /healthz through the same client.

The database (var/bench/customers-<N>.sqlite3) is built by the real generator the first
time and reused after, so only the first run pays for generating a million customers.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from benchmarks.db import use_database
from benchmarks.report import log, result


def _timings(call: Callable[[], object], n: int) -> list[float]:
    call()  # warm caches and the connection
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]


def run(args, bench_dir: Path) -> Iterator[dict]:
    from siyu.core import generator as gen

    customers = args.customers or gen.SCALES["seed"]["customers"]
    scale = "seed" if customers == gen.SCALES["seed"]["customers"] else f"{customers:,} customers"
    path = bench_dir / f"customers-{customers}.sqlite3"
    ready = path.with_suffix(".ready")
    if not ready.exists():
        use_database(path, fresh=True)
        sizes = {**gen.SCALES["seed"], "customers": customers}
        log(f"customer_list: building the benchmark database once ({sizes}); later runs reuse it")
        gen.run(gen.Context(seed=42, today=dt.date(2026, 11, 20), **sizes))
        ready.touch()
    else:
        use_database(path, fresh=False)

    from django.test import Client

    from siyu.org.models import Staff

    personas = {"hq": "hq_operator (brand)", "branch": "branch_manager", "guide": "guide"}
    for login, label in personas.items():
        client = Client()
        client.force_login(Staff.objects.get(employee_no=login).user)
        baseline = _timings(lambda c=client: c.get("/healthz"), args.requests)
        for kind, url in (
            ("api", "/api/v1/customers?page_size=50"),
            ("page", "/console/customers/"),
        ):
            times = _timings(lambda c=client, u=url: c.get(u), args.requests)
            assert client.get(url).status_code == 200
            for q in (50, 95):
                yield result(
                    f"customer_list_{kind}_p{q}",
                    scale,
                    _p(times, q),
                    "ms",
                    _p(baseline, q),
                    persona=label,
                    requests=args.requests,
                    baseline_is="GET /healthz",
                )
        # A search by full phone (keyed-hash lookup) is what a store does at the counter.
        phone_times = _timings(
            lambda c=client: c.get("/api/v1/customers?q=13800000000"), args.requests
        )
        yield result(
            "customer_search_phone_api_p95",
            scale,
            _p(phone_times, 95),
            "ms",
            _p(baseline, 95),
            persona=label,
            requests=args.requests,
            baseline_is="GET /healthz",
        )
