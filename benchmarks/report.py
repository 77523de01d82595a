"""How a benchmark reports: one JSON-ready dict per figure, progress on stderr."""

from __future__ import annotations

import os
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


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a running process has used so far (Linux /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> float:
    """CPU seconds every core of the machine has been busy so far (Linux /proc/stat; 0 elsewhere)."""
    try:
        with open("/proc/stat") as f:
            ticks = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0.0
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)  # idle + iowait
    return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")
