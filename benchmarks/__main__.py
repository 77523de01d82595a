"""Runs the benchmarks: python -m benchmarks [--only NAME] [--customers N] [--gen-scale demo|seed]."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"


def main() -> None:
    parser = argparse.ArgumentParser(prog="make bench")
    parser.add_argument(
        "--only",
        help="run one benchmark: generator | customer_list | content | wecom | tracking | tracking_reads | commerce | guidetasks | loyalty",
    )
    parser.add_argument(
        "--gen-scale",
        default="demo",
        choices=["demo", "seed"],
        help="scale the generator benchmark builds (default demo)",
    )
    parser.add_argument(
        "--customers",
        type=int,
        default=None,
        help="customers in the list benchmark's database (default: seed scale, 1,000,000)",
    )
    parser.add_argument("--requests", type=int, default=200, help="requests per measured endpoint")
    parser.add_argument(
        "--callbacks", type=int, default=2000, help="callbacks in the WeCom benchmark"
    )
    parser.add_argument(
        "--connections", type=int, default=4, help="connections the callbacks arrive on"
    )
    parser.add_argument(
        "--friendships", type=int, default=100_000, help="friendships the onboarding sync imports"
    )
    parser.add_argument("--sync-guides", type=int, default=500, help="guides holding them")
    parser.add_argument(
        "--events", type=int, default=100_000, help="events the tracking benchmark sends"
    )
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients sending them")
    parser.add_argument(
        "--web-processes",
        type=int,
        default=None,
        help="web processes the tracking clients share (default: as `siyu run`, one per core up to four)",
    )
    parser.add_argument(
        "--tracking-db",
        default="sqlite",
        choices=["sqlite", "postgres"],
        help="database of the tracking benchmark (postgres: a scratch database on 127.0.0.1)",
    )
    parser.add_argument(
        "--pos-orders", type=int, default=50_000, help="POS orders the commerce benchmark imports"
    )
    parser.add_argument(
        "--pos-repeat",
        type=int,
        default=3,
        help="POS import runs, each into a fresh copy of the world (SQLite; the median is reported)",
    )
    parser.add_argument(
        "--commerce-db",
        default="sqlite",
        choices=["sqlite", "postgres"],
        help="database of the POS import (postgres: a scratch database on 127.0.0.1, with --only commerce; routing and settlement are skipped there)",
    )
    parser.add_argument(
        "--pos-only",
        action="store_true",
        help="commerce: only the POS import (no seed database: routing and settlement skipped)",
    )
    parser.add_argument(
        "--web-server",
        default="waitress",
        choices=["waitress", "granian"],
        help="the web tier the callbacks arrive at (default waitress, as `siyu run` starts)",
    )
    args = parser.parse_args()

    # Benchmarks run in their own var dir so they never touch the demo database; the
    # database file is chosen per benchmark before Django connects.
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    os.environ["SIYU_VAR_DIR"] = str(BENCH_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siyu.settings")
    from benchmarks import (
        commerce,
        content,
        customer_list,
        generator,
        guidetasks,
        loyalty,
        tracking,
        tracking_reads,
        wecom,
    )

    benches = {
        "generator": generator.run,
        "customer_list": customer_list.run,
        "content": content.run,
        "wecom": wecom.run,
        "tracking": tracking.run,
        "tracking_reads": tracking_reads.run,
        "commerce": commerce.run,
        "guidetasks": guidetasks.run,
        "loyalty": loyalty.run,
    }
    if args.only and args.only not in benches:
        parser.error(f"unknown benchmark {args.only!r}; choose from {', '.join(benches)}")
    for name, run in benches.items():
        if args.only and name != args.only:
            continue
        for line in run(args, BENCH_DIR):
            print(json.dumps(line, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
