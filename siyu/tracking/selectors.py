"""Reads of behaviour data: a customer's trail, the guide's follow-up list and shares of the
day, and HQ's content performance and funnels.

Guides read raw events of their own customers (the customer is reached through the members
scope rule first: a guide never reads a stranger's trail). Dashboards read the DailyStat
rollups only, never the raw events, so a month over every store is a sum of a few hundred
thousand rows at most. Over a range of days, UV is the sum of each day's exact UV (a visitor
is counted once per day and grouping).

Funnel steps (`Figures`): views (page and content views) → visitors (UV) → carts (add to
cart) → orders (paid) → sales; rates are carts ÷ visitors and orders ÷ visitors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from siyu.core.periods import rate
from siyu.org.scope import Scope, scoped
from siyu.tracking.models import CustomerActivity, DailyStat, Dim, Event, EventType

VIEW_TYPES = (EventType.PAGE_VIEW, EventType.CONTENT_VIEW)
TRAIL_DAYS = 7
TRAIL_EVENTS = 2000  # the newest events a trail reads (a bot could send more; people do not)


# -- a customer's trail ---------------------------------------------------------------------------
@dataclass
class Funnel:
    views: int = 0
    products: int = 0
    carts: int = 0
    orders: int = 0
    sales_fen: int = 0


@dataclass
class TrailWindow:
    """What a customer did in one window (the last 24 hours, or 7 days)."""

    funnel: Funnel = field(default_factory=Funnel)
    dwell_ms: int = 0
    contents: list[dict[str, Any]] = field(default_factory=list)  # title, views, dwell_ms, last_at
    products: list[dict[str, Any]] = field(default_factory=list)  # code, views, carts, last_at
    orders: list[dict[str, Any]] = field(default_factory=list)  # ref, amount_fen, at


def _window(events: list[dict[str, Any]], titles: dict[int, str]) -> TrailWindow:
    window = TrailWindow()
    contents: dict[int, dict[str, Any]] = {}
    products: dict[str, dict[str, Any]] = {}
    for e in events:  # newest first
        kind, content = e["type"], e["content_id"]
        if content is not None and kind in (*VIEW_TYPES, EventType.VIEW_END):
            item = contents.setdefault(
                content,
                {"title": titles.get(content, "—"), "views": 0, "dwell_ms": 0, "last_at": e["occurred_at"]},
            )  # fmt: skip
            item["views"] += kind in VIEW_TYPES
            item["dwell_ms"] += e["dwell_ms"]
        if kind in VIEW_TYPES:
            window.funnel.views += 1
        elif kind == EventType.VIEW_END:
            window.dwell_ms += e["dwell_ms"]
        elif kind in (EventType.PRODUCT_VIEW, EventType.ADD_TO_CART):
            item = products.setdefault(
                e["product_code"], {"code": e["product_code"], "views": 0, "carts": 0, "last_at": e["occurred_at"]}
            )  # fmt: skip
            if kind == EventType.PRODUCT_VIEW:
                item["views"] += 1
                window.funnel.products += 1
            else:
                item["carts"] += 1
                window.funnel.carts += 1
        elif kind == EventType.ORDER_PAID:
            window.funnel.orders += 1
            window.funnel.sales_fen += e["amount_fen"]
            window.orders.append(
                {"ref": e["order_ref"], "amount_fen": e["amount_fen"], "at": e["occurred_at"]}
            )
    window.contents = list(contents.values())
    window.products = list(products.values())
    return window


def customer_trail(*, customer_id: int, now: dt.datetime | None = None) -> dict[str, Any]:
    """What the customer did in the last 24 hours and 7 days — `windows`: [("day", …), ("week",
    …)] of TrailWindow (content, dwell, products, carts, orders, the view → cart → order
    funnel) — and their `latest` events. The caller has already
    reached the customer through their scope."""
    from siyu.content.selectors import content_titles

    now = now or timezone.now()
    events: list[dict[str, Any]] = [
        dict(e)
        for e in Event.objects.filter(
            customer_id=customer_id, occurred_at__gte=now - dt.timedelta(days=TRAIL_DAYS)
        )
        .order_by("-occurred_at")
        .values(
            "type", "occurred_at", "content_id", "product_code", "order_ref", "dwell_ms",
            "amount_fen",
        )[:TRAIL_EVENTS]
    ]  # fmt: skip
    titles = content_titles(e["content_id"] for e in events if e["content_id"] is not None)
    day = now - dt.timedelta(hours=24)
    labels = dict(EventType.choices)
    return {
        "windows": [
            ("day", _window([e for e in events if e["occurred_at"] >= day], titles)),
            ("week", _window(events, titles)),
        ],
        "latest": [
            {
                **e,
                "label": labels.get(e["type"], e["type"]),
                "title": titles.get(e["content_id"] or 0),
            }
            for e in events[:20]
        ],
    }


# -- whom to follow up first ----------------------------------------------------------------------
@dataclass
class FollowUp:
    customer: Any
    score: int
    reasons: list[tuple[str, int]]  # (why, points): the score is their sum
    last_at: dt.datetime


RECENCY = ((dt.timedelta(hours=1), 40), (dt.timedelta(hours=24), 30), (dt.timedelta(days=3), 15), (dt.timedelta(days=7), 5))  # fmt: skip


def intent_score(stats: dict[str, Any], now: dt.datetime) -> tuple[int, list[tuple[str, int]]]:
    """A transparent intent score from a customer's last 7 days: points for how recent and how
    deep the activity was, each part with the reason shown to the guide.

    recency 40 (within the hour) / 30 (a day) / 15 (3 days) / 5 (7 days); 2 per view (≤ 20);
    2 per minute read (≤ 20); 4 per product looked at (≤ 20); 15 per item left in the cart
    (≤ 30); −10 per paid order (≤ −30: they have just bought, less urgent).
    """
    reasons: list[tuple[str, int]] = []
    ago = now - stats["last_at"]
    for within, points in RECENCY:
        if ago <= within:
            hours = int(ago.total_seconds() // 3600)
            why = (
                _("active within the hour")
                if hours < 1
                else ngettext("active %(n)d hour ago", "active %(n)d hours ago", hours)
                % {"n": hours}
                if hours < 48
                else ngettext("active %(n)d day ago", "active %(n)d days ago", hours // 24)
                % {"n": hours // 24}
            )
            reasons.append((why, points))
            break
    if views := stats["views"]:
        reasons.append(
            (ngettext("viewed %(n)d time", "viewed %(n)d times", views) % {"n": views}, min(views * 2, 20))
        )  # fmt: skip
    if minutes := stats["dwell_ms"] // 60_000:
        reasons.append(
            (ngettext("read for %(n)d minute", "read for %(n)d minutes", minutes) % {"n": minutes}, min(minutes * 2, 20))
        )  # fmt: skip
    if products := stats["products"]:
        reasons.append(
            (ngettext("looked at %(n)d product", "looked at %(n)d products", products) % {"n": products}, min(products * 4, 20))
        )  # fmt: skip
    if (open_carts := stats["carts"] - stats["removes"] - stats["orders"]) > 0:
        reasons.append(
            (ngettext("%(n)d item in the cart, not ordered", "%(n)d items in the cart, not ordered", open_carts) % {"n": open_carts}, min(open_carts * 15, 30))
        )  # fmt: skip
    if orders := stats["orders"]:
        reasons.append(
            (ngettext("ordered %(n)d time already", "ordered %(n)d times already", orders) % {"n": orders}, -min(orders * 10, 30))
        )  # fmt: skip
    return sum(points for _why, points in reasons), reasons


def follow_up_list(
    *, scope: Scope, now: dt.datetime | None = None, limit: int = 30
) -> list[FollowUp]:
    """The caller's customers active in the last 7 days, highest intent first."""
    from siyu.members.selectors import customer_list

    now = now or timezone.now()
    since = now - dt.timedelta(days=TRAIL_DAYS)
    customers = customer_list(scope=scope)
    active = CustomerActivity.objects.filter(
        customer_id__in=customers.values("pk"), last_seen_at__gte=since
    ).values_list("customer_id", flat=True)
    stats = (
        Event.objects.filter(customer_id__in=list(active), occurred_at__gte=since)
        .values("customer_id")
        .annotate(
            last_at=Max("occurred_at"),
            views=Count("id", filter=Q(type__in=VIEW_TYPES)),
            dwell_ms=Sum("dwell_ms"),
            products=Count("id", filter=Q(type=EventType.PRODUCT_VIEW)),
            carts=Count("id", filter=Q(type=EventType.ADD_TO_CART)),
            removes=Count("id", filter=Q(type=EventType.REMOVE_FROM_CART)),
            orders=Count("id", filter=Q(type=EventType.ORDER_PAID)),
        )
    )
    scored = []
    for row in stats:
        score, reasons = intent_score(row, now)
        scored.append((score, row["last_at"], row["customer_id"], reasons))
    scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
    top = scored[:limit]
    people = customers.in_bulk([customer for _s, _at, customer, _r in top])
    return [
        FollowUp(customer=people[customer], score=score, reasons=reasons, last_at=at)
        for score, at, customer, reasons in top
        if customer in people
    ]


# -- figures ---------------------------------------------------------------------------------------
@dataclass
class Figures:
    key: Any
    label: str
    pv: int = 0
    uv: int = 0
    dwell_ms: int = 0
    carts: int = 0
    orders: int = 0
    sales_fen: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cart_rate(self) -> Decimal | None:
        return rate(self.carts, self.uv)

    @property
    def order_rate(self) -> Decimal | None:
        return rate(self.orders, self.uv)

    @property
    def dwell_per_view_s(self) -> int:
        return self.dwell_ms // 1000 // self.pv if self.pv else 0


SUMS = {n: Sum(n) for n in ("pv", "uv", "dwell_ms", "carts", "orders", "sales_fen")}


def _figures(rows: Any, key: str, labels: dict[Any, str]) -> list[Figures]:
    out = []
    for r in rows:
        figures = Figures(key=r[key], label=labels.get(r[key]) or str(r[key] if r[key] is not None else "—"))  # fmt: skip
        for name in SUMS:
            setattr(figures, name, r[name] or 0)
        out.append(figures)
    out.sort(key=lambda f: (f.pv, f.uv), reverse=True)
    return out


def shares_today(*, scope: Scope, now: dt.datetime | None = None) -> list[Figures]:
    """The calling guide's shares of today: each of their links forwarded or viewed today,
    with its forwards, PV, UV, carts and orders (today's rollups). Nobody else has shares."""
    from siyu.content.selectors import forwards_by_link, share_links
    from siyu.core.periods import period_bounds

    if scope.staff_id is None:
        return []
    today = timezone.localdate(now or timezone.now())
    since, until = period_bounds(today, today)
    forwards = forwards_by_link(staff_id=scope.staff_id, since=since, until=until)
    stats = scoped(
        DailyStat.objects.filter(day=today, dim=Dim.LINK, staff_id=scope.staff_id), scope
    )
    rows = {r["key"]: r for r in stats.values("key", *SUMS)}
    links = share_links(set(forwards) | set(rows))
    out = []
    for link_id, link in links.items():
        row = rows.get(link_id, {})
        figures = Figures(key=link_id, label=link.content.title, **{n: row.get(n, 0) for n in SUMS})
        figures.extra = {"forwards": forwards.get(link_id, 0), "channel": link.get_channel_display(), "code": link.code}  # fmt: skip
        out.append(figures)
    out.sort(key=lambda f: (f.pv, f.extra["forwards"]), reverse=True)
    return out


FUNNEL_GROUPS = ("day", "region", "store", "guide", "content")


def funnel(
    *, scope: Scope, start: dt.date, end: dt.date, by: str = "day", content_id: int | None = None
) -> list[Figures]:
    """Views → visitors → carts → orders → sales in [start, end], grouped `by` day, region
    (branch), store, guide or content; optionally of one content item only. Reads rollups:
    store rows for day, region and store; guide rows for guide; share-link rows (which carry
    content and guide) for content and for anything of one item."""
    from siyu.content.selectors import content_titles
    from siyu.org.selectors import org_names

    if by not in FUNNEL_GROUPS:
        raise ValueError(by)
    if content_id is not None:
        dim = Dim.LINK
    else:
        dim = {"guide": Dim.GUIDE, "content": Dim.LINK}.get(by, Dim.STORE)
    qs = scoped(DailyStat.objects.filter(dim=dim, day__gte=start, day__lte=end), scope)
    if content_id is not None:
        qs = qs.filter(content_id=content_id)
    column = {
        "day": "day", "region": "branch_id", "store": "store_id", "content": "content_id",
        "guide": "staff_id" if dim == Dim.LINK else "key",
    }[by]  # fmt: skip
    rows = list(qs.values(column).annotate(**SUMS).order_by())
    keys = {r[column] for r in rows}
    labels: dict[Any, str]
    if by == "day":
        labels = {k: k.isoformat() for k in keys}
    elif by == "content":
        labels = content_titles(keys)
    else:
        kind = {"region": "branch", "store": "store", "guide": "staff"}[by]
        labels = org_names(
            **{{"branch": "branches", "store": "stores", "staff": "staff"}[kind]: keys}
        )[kind]
    out = _figures(rows, column, labels)
    if by == "day":
        out.sort(key=lambda f: f.key)
    return out


def total(rows: list[Figures]) -> Figures:
    whole = Figures(key=None, label="")
    for row in rows:
        for name in SUMS:
            setattr(whole, name, getattr(whole, name) + getattr(row, name))
    return whole


def last_share_touch(
    *, customer_id: int, since: dt.datetime, until: dt.datetime
) -> tuple[int, dt.datetime] | None:
    """The share link through which the customer last reached siyu in [since, until], and
    when (for attributing an order to the share that led to it)."""
    touch = (
        Event.objects.filter(
            customer_id=customer_id,
            occurred_at__gte=since,
            occurred_at__lte=until,
            link_id__isnull=False,
        )
        .order_by("-occurred_at")
        .values_list("link_id", "occurred_at")
        .first()
    )
    return (touch[0], touch[1]) if touch and touch[0] is not None else None
