"""The tracking API: `POST /api/v1/events` for any source with a write key; staff reads of a
customer's trail, the follow-up list, the shares of the day and the funnels."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.security import APIKeyHeader, APIKeyQuery
from pydantic import Field

from siyu.api.refs import scope_of
from siyu.core.periods import check_period
from siyu.tracking import selectors, services

router = Router(tags=["tracking"])


class WriteKeyAuth(APIKeyHeader):
    """A source's write key in `X-Siyu-Write-Key` (no session, no CSRF)."""

    param_name = "X-Siyu-Write-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return services.event_source_authenticate(key or "")


class WriteKeyQuery(APIKeyQuery):
    """The write key as `?write_key=`: for `navigator.sendBeacon`, which cannot set headers."""

    param_name = "write_key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return services.event_source_authenticate(key or "")


def _error(
    request: HttpRequest, status: int, code: str, message: str, **headers: str
) -> HttpResponse:
    from siyu.api.errors import error_response
    from siyu.api.urls import api

    return error_response(api, request, status, code, message, **headers)


@router.post(
    "/events",
    auth=[WriteKeyAuth(), WriteKeyQuery()],
    response={200: dict, 400: dict, 413: dict, 429: dict},
)
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


# -- staff reads ---------------------------------------------------------------------------------
class FiguresOut(Schema):
    key: str | None
    label: str
    pv: int
    uv: int
    dwell_ms: int
    carts: int
    orders: int
    sales_fen: int
    cart_rate: Decimal | None
    order_rate: Decimal | None


def _figures_out(row: selectors.Figures) -> dict[str, Any]:
    return {
        "key": str(row.key) if row.key is not None else None, "label": row.label, "pv": row.pv,
        "uv": row.uv, "dwell_ms": row.dwell_ms, "carts": row.carts, "orders": row.orders,
        "sales_fen": row.sales_fen, "cart_rate": row.cart_rate, "order_rate": row.order_rate,
    }  # fmt: skip


class FunnelQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    by: str = Field("day", pattern="^(day|region|store|guide|content)$")
    content_id: int | None = None


@router.get("/tracking/funnel", response=list[FiguresOut])
def funnel(request: HttpRequest, query: Query[FunnelQuery]):
    """Views → visitors → carts → paid orders → sales in the period (default today), grouped
    by day, region, store, guide or content; with `content_id`, that item's performance."""
    start, end = check_period(query.start, query.end)
    rows = selectors.funnel(
        scope=scope_of(request), start=start, end=end, by=query.by, content_id=query.content_id
    )
    return [_figures_out(row) for row in rows]


class ShareTodayOut(FiguresOut):
    code: str
    channel: str
    forwards: int


@router.get("/tracking/shares-today", response=list[ShareTodayOut])
def shares_today(request: HttpRequest):
    """The calling guide's shares of today with forwards, PV, UV, carts and orders."""
    return [{**_figures_out(r), **r.extra} for r in selectors.shares_today(scope=scope_of(request))]


class ReasonOut(Schema):
    why: str
    points: int


class FollowUpOut(Schema):
    customer_id: int
    name: str
    phone_masked: str
    score: int
    reasons: list[ReasonOut]
    last_at: dt.datetime


@router.get("/tracking/follow-up", response=list[FollowUpOut])
def follow_up(request: HttpRequest):
    """The caller's customers active in the last 7 days, highest intent first, with reasons."""
    return [
        {
            "customer_id": r.customer.pk, "name": r.customer.name,
            "phone_masked": r.customer.phone_masked or "", "score": r.score,
            "reasons": [{"why": why, "points": points} for why, points in r.reasons],
            "last_at": r.last_at,
        }
        for r in selectors.follow_up_list(scope=scope_of(request))
    ]  # fmt: skip


@router.get("/customers/{customer_id}/trail", response=dict)
def customer_trail(request: HttpRequest, customer_id: int):
    """A customer's last 24 hours and 7 days: content, dwell, products, carts, orders, funnel."""
    from dataclasses import asdict

    from siyu.members.selectors import customer_get

    customer = customer_get(scope=scope_of(request), customer_id=customer_id)
    trail = selectors.customer_trail(customer_id=customer.pk)
    return {
        **{name: asdict(window) for name, window in trail["windows"]},
        "latest": [
            {k: e[k] for k in ("type", "occurred_at", "content_id", "title", "product_code", "order_ref", "dwell_ms", "amount_fen")}
            for e in trail["latest"]
        ],
    }  # fmt: skip
