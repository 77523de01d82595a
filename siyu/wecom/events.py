"""Callbacks from receipt to effect: store once, acknowledge, process in batches behind.

Receiving is one short write: `callback_receive()` inserts the decrypted callback under the
SHA-256 of its plaintext (WeCom's redelivery of a callback is byte-identical, so a resent
one is stored once and processed once; the insert ignores the conflict) and asks for a
drain — which enqueues `tasks.drain_callbacks` only when no drain is already waiting, so
a burst of a thousand callbacks costs a thousand inserts and one task, not a thousand.

`callbacks_drain()` takes pending events in arrival order, a batch at a time, and cuts
each batch into runs of consecutive events of one kind:

- kinds registered with `handles_batch()` (new friends) go through in one transaction:
  `prepare` first fetches what they need from WeCom (concurrently, holding no
  transaction), then `apply` writes them all and the events are marked done together. If
  the batch fails, its events fall back to the one-by-one path, so one bad event cannot
  hold up the others and the error lands on the event that caused it;
- everything else goes one by one through `callback_process()`, which runs the
  `handles()` handler in a transaction and marks the event done, ignored (nobody handles
  it) or failed (with the error).

Failed events are retried with back-off by `callbacks_retry_due`, a periodic job, up to
MAX_ATTEMPTS times (admins see what is left); the same job restarts a drain if pending
events have waited too long (a lost task or a worker that died mid-batch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from siyu.wecom.crypto import parse_event
from siyu.wecom.models import CallbackEvent, CallbackQueue, CallbackStatus

logger = logging.getLogger(__name__)
Fields = dict[str, str]
Handler = Callable[[Fields], None]
_handlers: dict[tuple[str, str], Handler] = {}
MAX_ATTEMPTS = 5
BATCH = 200  # events a drain reads at once
STALE = dt.timedelta(minutes=2)  # pending longer than this: the drain that should have run is lost


@dataclass(frozen=True)
class BatchHandler:
    """Handles many events of one kind at once.

    `prepare(fields_list)` runs outside any transaction and returns one item per event
    (None: this one goes the one-by-one way); `apply(fields_list, items)` writes the
    prepared ones inside the transaction that marks them done.
    """

    prepare: Callable[[list[Fields]], list[Any]]
    apply: Callable[[list[Fields], list[Any]], None]


_batch_handlers: dict[tuple[str, str], BatchHandler] = {}


def handles(event: str, change_type: str = "") -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of one (Event, ChangeType)."""

    def register(handler: Handler) -> Handler:
        _handlers[(event, change_type)] = handler
        return handler

    return register


def handles_batch(
    event: str, *change_types: str, prepare: Callable[[list[Fields]], list[Any]]
) -> Callable[
    [Callable[[list[Fields], list[Any]], None]], Callable[[list[Fields], list[Any]], None]
]:
    """Register the decorated `apply` (with `prepare`) for runs of these (Event, ChangeType)s.

    The kinds must also have a one-by-one handler (`handles`): it is the fallback.
    """

    def register(
        apply: Callable[[list[Fields], list[Any]], None],
    ) -> Callable[[list[Fields], list[Any]], None]:
        for change_type in change_types:
            _batch_handlers[(event, change_type)] = BatchHandler(prepare=prepare, apply=apply)
        return apply

    return register


def callback_receive(plaintext: str) -> None:
    """Store a decrypted callback (once) and make sure a drain will process it."""
    fields = parse_event(plaintext)
    # One plain statement: the ORM's bulk_create(ignore_conflicts=True) cost as much as the
    # rest of receiving a callback. The SQL is the same on SQLite and PostgreSQL.
    table = connection.ops.quote_name(CallbackEvent._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (dedupe_key, event, change_type, plaintext, fields, "  # noqa: S608
            "received_at, status, attempts, last_error) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, 0, '') ON CONFLICT (dedupe_key) DO NOTHING",
            [
                hashlib.sha256(plaintext.encode()).hexdigest(),
                fields.get("Event", "")[:64],
                fields.get("ChangeType", "")[:64],
                plaintext,
                json.dumps(fields, ensure_ascii=False),
                connection.ops.adapt_datetimefield_value(timezone.now()),
                CallbackStatus.PENDING,
            ],
        )
        drain_request()


def drain_request(*, force: bool = False) -> None:
    """Enqueue a drain after commit unless one is already waiting to start (or when forced)."""
    from siyu.wecom import tasks

    # One statement on the hot path of every callback: create the flag row or raise the
    # flag, and learn whether this call raised it. The ORM has no conditional upsert;
    # this SQL is the same on SQLite (3.24+) and PostgreSQL.
    table = connection.ops.quote_name(CallbackQueue._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, drain_requested) VALUES (1, %s) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET drain_requested = %s "
            f"WHERE {table}.drain_requested = %s",
            [True, True, False],
        )
        raised = cursor.rowcount == 1
    if raised or force:
        transaction.on_commit(tasks.drain_callbacks.enqueue)


def callbacks_drain() -> int:
    """Process every pending callback in arrival order; returns how many were finished."""
    # Lower the flag first: a callback stored from now on asks for (and gets) another drain.
    CallbackQueue.objects.filter(pk=1).update(drain_requested=False)
    finished, after = 0, 0
    while True:
        batch = list(
            CallbackEvent.objects.filter(status=CallbackStatus.PENDING, pk__gt=after).order_by(
                "pk"
            )[:BATCH]
        )
        if not batch:
            return finished
        after = batch[-1].pk
        for batcher, run in groupby(batch, key=lambda e: _batch_handlers.get(e.kind)):
            events = list(run)
            if batcher is not None and len(events) > 1:
                finished += _process_batch(batcher, events)
            else:
                finished += sum(
                    callback_process(e.pk) in (CallbackStatus.DONE, CallbackStatus.IGNORED)
                    for e in events
                )


def _process_batch(batcher: BatchHandler, events: Sequence[CallbackEvent]) -> int:
    try:
        items = batcher.prepare([e.fields for e in events])
    except Exception:  # preparing is a network round; on any failure go one by one
        logger.warning("WeCom callback batch could not be prepared", exc_info=True)
        items = [None] * len(events)
    ready = {e.pk: item for e, item in zip(events, items, strict=True) if item is not None}
    finished, batched = 0, False
    if ready:
        try:
            with transaction.atomic():
                # Another drain may have taken some meanwhile: apply only what is still pending.
                claimed = set(
                    CallbackEvent.objects.select_for_update(skip_locked=True)
                    .filter(pk__in=ready, status=CallbackStatus.PENDING)
                    .values_list("pk", flat=True)
                )
                mine = [e for e in events if e.pk in claimed]
                batcher.apply([e.fields for e in mine], [ready[e.pk] for e in mine])
                CallbackEvent.objects.filter(pk__in=claimed).update(
                    status=CallbackStatus.DONE,
                    attempts=F("attempts") + 1,
                    processed_at=timezone.now(),
                    last_error="",
                )
                finished, batched = len(claimed), True
        except Exception:  # the batch failed as a whole: each event's own try records why
            logger.warning("WeCom callback batch failed; processing one by one", exc_info=True)
    for event in events:
        if event.pk not in ready or not batched:
            finished += callback_process(event.pk) in (CallbackStatus.DONE, CallbackStatus.IGNORED)
    return finished


def callback_process(event_id: int) -> str:
    """Apply one stored callback; safe to run twice (a finished event is left alone)."""
    with transaction.atomic():
        event = CallbackEvent.objects.select_for_update().get(pk=event_id)
        if event.status in (CallbackStatus.DONE, CallbackStatus.IGNORED):
            return event.status
        handler = _handlers.get(event.kind) or _handlers.get((event.event, ""))
        event.attempts += 1
        event.processed_at = timezone.now()
        if handler is None:
            event.status = CallbackStatus.IGNORED
        else:
            try:
                with transaction.atomic():
                    handler(event.fields)
                event.status, event.last_error = CallbackStatus.DONE, ""
            except Exception:  # any handler failure is kept on the event and retried
                event.status = CallbackStatus.FAILED
                event.last_error = traceback.format_exc(limit=5)[-4000:]
                logger.warning("WeCom callback %s failed (attempt %s)", event.pk, event.attempts)
        event.save()
        return event.status


def backoff(attempts: int) -> dt.timedelta:
    """How long a failed callback waits before its next try: 30 s, 1 min, 2 min, 4 min…"""
    return dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0))


def callbacks_retry_due(now: dt.datetime | None = None) -> int:
    """Re-enqueue failed callbacks whose back-off has passed, and restart a drain when pending
    callbacks have waited too long (a periodic job); returns how many failed ones were retried."""
    from siyu.wecom import tasks

    now = now or timezone.now()
    if CallbackEvent.objects.filter(
        status=CallbackStatus.PENDING, received_at__lt=now - STALE
    ).exists():
        with transaction.atomic():
            drain_request(force=True)
    due = [
        e.pk
        for e in CallbackEvent.objects.filter(
            status=CallbackStatus.FAILED, attempts__lt=MAX_ATTEMPTS
        )
        if e.processed_at is None or e.processed_at + backoff(e.attempts) <= now
    ]
    for pk in due:
        tasks.process_callback.enqueue(pk)
    return len(due)


def callback_retry(*, event: CallbackEvent) -> None:
    """An admin asks to try a failed callback again now."""
    from siyu.wecom import tasks

    if event.status == CallbackStatus.FAILED:
        transaction.on_commit(lambda: tasks.process_callback.enqueue(event.pk))
