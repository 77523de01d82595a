"""Callbacks from receipt to effect: store once, acknowledge, process in the background.

`callback_receive()` stores the decrypted callback under the SHA-256 of its plaintext —
WeCom's redelivery of the same callback is byte-identical, so it is stored once and
processed once — and enqueues `tasks.process_callback` after commit. Apps register what
they do with an (Event, ChangeType) through `handles()`; `callback_process()` runs the
handler in a transaction, marks the event done, ignored (nobody handles it) or failed
(with the error; `callbacks_retry_due`, a periodic job, retries it with back-off up to
MAX_ATTEMPTS times, and admins see what is left).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from siyu.wecom.crypto import parse_event
from siyu.wecom.models import CallbackEvent, CallbackStatus

logger = logging.getLogger(__name__)
Handler = Callable[[dict[str, str]], None]
_handlers: dict[tuple[str, str], Handler] = {}
MAX_ATTEMPTS = 5


def handles(event: str, change_type: str = "") -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of one (Event, ChangeType)."""

    def register(handler: Handler) -> Handler:
        _handlers[(event, change_type)] = handler
        return handler

    return register


def callback_receive(plaintext: str) -> tuple[CallbackEvent, bool]:
    """Store a decrypted callback (once) and enqueue its processing; returns (event, created)."""
    from siyu.wecom import tasks

    fields = parse_event(plaintext)
    key = hashlib.sha256(plaintext.encode()).hexdigest()
    with transaction.atomic():
        event, created = CallbackEvent.objects.get_or_create(
            dedupe_key=key,
            defaults={
                "event": fields.get("Event", ""),
                "change_type": fields.get("ChangeType", ""),
                "plaintext": plaintext,
                "fields": fields,
            },
        )
        if created:
            transaction.on_commit(lambda: tasks.process_callback.enqueue(event.pk))
    return event, created


def callback_process(event_id: int) -> str:
    """Apply one stored callback; safe to run twice (a finished event is left alone)."""
    with transaction.atomic():
        event = CallbackEvent.objects.select_for_update().get(pk=event_id)
        if event.status in (CallbackStatus.DONE, CallbackStatus.IGNORED):
            return event.status
        handler = _handlers.get((event.event, event.change_type)) or _handlers.get(
            (event.event, "")
        )
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
    """Re-enqueue failed callbacks whose back-off has passed (a periodic job); returns the count."""
    from siyu.wecom import tasks

    now = now or timezone.now()
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
