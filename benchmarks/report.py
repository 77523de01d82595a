"""How a benchmark reports: one JSON-ready dict per figure, progress on stderr."""

from __future__ import annotations

import sys


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
