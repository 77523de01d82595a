"""The events API: `POST /api/v1/events` for any source with a write key (the staff reads of
trails, rollups and funnels come with the rest of the tracking issue)."""

from __future__ import annotations

import json
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.security import APIKeyHeader

from siyu.tracking import services

router = Router(tags=["tracking"])


class WriteKeyAuth(APIKeyHeader):
    """A source's write key in `X-Siyu-Write-Key` (no session, no CSRF)."""

    param_name = "X-Siyu-Write-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return services.event_source_authenticate(key or "")


def _error(
    request: HttpRequest, status: int, code: str, message: str, **headers: str
) -> HttpResponse:
    from siyu.api.errors import error_response
    from siyu.api.urls import api

    return error_response(api, request, status, code, message, **headers)


@router.post("/events", auth=WriteKeyAuth(), response={200: dict, 400: dict, 413: dict, 429: dict})
def events_post(request: HttpRequest):
    """A batch of up to 1,000 events (1 MB): `{"events": [{id, type, occurred_at, …}]}`.

    Answers how many were accepted, how many were already stored (a resent batch stores
    nothing twice) and, for each bad event, its index and the reason. 413 when the batch is
    too large; 429 with Retry-After when siyu is busy — nothing is stored then, send again.
    """
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > services.MAX_BYTES:
        return _error(request, 413, "too_large", _("A batch may be at most 1 MB."))
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _error(request, 400, "bad_json", _("The body is not JSON."))
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return _error(request, 400, "bad_batch", _('Send {"events": [ … ]}.'))
    if len(events) > services.MAX_EVENTS:
        return _error(request, 413, "too_many", _("A batch may hold at most 1,000 events."))
    try:
        with services.admission:
            result = services.events_ingest(source=request.auth, events=events)
    except (services.Overloaded, OperationalError):
        # Busy (or the database is locked): the whole batch rolled back; the client resends.
        return _error(
            request, 429, "busy", _("Busy; send the batch again shortly."), Retry_After="1"
        )
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
    }
