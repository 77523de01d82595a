"""Periodic jobs and the scheduler that enqueues them.

Each job is (name, every, task). `tick()` enqueues a job when it is due; the claim is a
conditional UPDATE on PeriodicRun (`… WHERE last_run_at IS NULL OR last_run_at < due`),
correct on every database, so several schedulers may run without doubling any job. Apps
add their jobs (journeys, rollups, settlement) to PERIODIC as they land.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db.models import Q
from django.utils import timezone

from siyu.core import tasks
from siyu.core.models import PeriodicRun

PERIODIC: list[tuple[str, dt.timedelta, Callable[[], object]]] = [
    ("core.prune_task_results", dt.timedelta(days=1), tasks.prune_task_results.enqueue),
]


def every(name: str, interval: dt.timedelta, enqueue: Callable[[], object]) -> None:
    """Register a periodic job (apps call this from their AppConfig.ready)."""
    if all(existing != name for existing, _i, _e in PERIODIC):
        PERIODIC.append((name, interval, enqueue))


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job that is due; returns the names enqueued by this call."""
    now = now or timezone.now()
    enqueued = []
    for name, every, enqueue in PERIODIC:
        # A job first seen now is due one interval later: a daily reconciliation should not run
        # the moment a fresh deployment (or the demo) starts.
        _run, created = PeriodicRun.objects.get_or_create(name=name, defaults={"last_run_at": now})
        if created:
            continue
        claimed = PeriodicRun.objects.filter(
            Q(last_run_at__isnull=True) | Q(last_run_at__lte=now - every), name=name
        ).update(last_run_at=now)
        if claimed:
            enqueue()
            enqueued.append(name)
    return enqueued
