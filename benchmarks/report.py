"""How a benchmark reports: one JSON-ready dict per figure, progress on stderr."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable


def result(
    name: str, scale: str, value: float, unit: str, baseline: float, **extra: object
) -> dict:
    """One benchmark line; ratio = value / baseline."""
    return {
        "name": name,
        "scale": scale,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(value / baseline, 3) if baseline else None,
        **extra,
    }


def log(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def timings(call: Callable[[], object], n: int) -> list[float]:
    """Milliseconds of `n` calls, after one warm-up call (caches, the connection)."""
    call()
    times = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(times: list[float], q: int) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[q - 1]
