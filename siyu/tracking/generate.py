"""Generator step for behaviour events (see core.generator): the sessions behind the content
step's share visits, and members browsing the mini-program on their own, over the last 30 days.

A share visit opens the item (content_view, attributed to the link's content, guide and store)
and reads it for a while — most views are short (a few seconds), some deep (minutes) — then
now and then looks at the item's products, puts one in the cart, and sometimes orders and
pays. Members also open the mall themselves: a page view, a few products, the odd cart, order,
game or coupon. Sessions start more often in the evening (peak 20:00–22:00).

Events are written day by day in id order (time-ordered ids, as clients make them), with the
rollups of that day computed by the same `rollup_deltas` ingestion uses, so stored rollups
equal a recomputation from the raw events. Sizes: the demo brand gets a few hundred thousand
events; seed scale (1 M customers) a little over 10 million.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import time
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from siyu.core.generator import Context, insert_rows
from siyu.tracking import services
from siyu.tracking.models import (
    CustomerActivity,
    DailyStat,
    Event,
    EventSource,
    SourceKind,
    VisitorDay,
)

DAYS = 30
ORGANIC_PER_CUSTOMER_DAY = 0.085  # members opening the mall on their own, per customer and day
HOUR_WEIGHTS = (1, 0.5, 0.3, 0.2, 0.2, 0.3, 0.6, 1.2, 2, 2.5, 3, 3.2, 3.5, 3, 2.8, 2.8, 3, 3.4, 4, 5, 6.5, 7, 5.5, 3)  # fmt: skip
HOUR_CUM = list(itertools.accumulate(HOUR_WEIGHTS))
MALL_PAGES = (
    "/mall/",
    "/mall/new/",
    "/mall/sale/",
    "/mall/category/down/",
    "/mall/category/boots/",
)


def _dwell(rng: random.Random) -> int:
    """Reading time in ms: most views short, some deep."""
    r = rng.random()
    if r < 0.55:
        return rng.randint(2_000, 15_000)
    if r < 0.85:
        return rng.randint(15_000, 60_000)
    if r < 0.97:
        return rng.randint(60_000, 240_000)
    return rng.randint(240_000, 600_000)


class _Sessions:
    """Collects a day's events; one spilling past midnight is kept for the next day."""

    def __init__(self, rng: random.Random, day: dt.date, day_end: dt.datetime, end: dt.datetime, events: list) -> None:  # fmt: skip
        self.rng, self.day, self.day_end, self.end = rng, day, day_end, end
        self.events, self.carry = events, []  # type: tuple[list[dict[str, Any]], list[dict[str, Any]]]

    def add(self, at: dt.datetime, kind: str, session: dict[str, Any], **fields: Any) -> None:
        if at > self.end:
            return  # the session goes on past the reference time: not yet happened
        row = {**session, "type": kind, "at": at, "dwell_ms": 0, "amount_fen": 0, "product": "",
               "order": "", **fields}  # fmt: skip
        (self.events if at < self.day_end else self.carry).append(row)

    def browse(self, at: dt.datetime, session: dict[str, Any], codes: list[str], chance: float) -> None:  # fmt: skip
        """Products looked at after reading; now and then a cart, sometimes an order."""
        rng = self.rng
        if not codes or rng.random() > chance:
            return
        seen = rng.sample(codes, min(len(codes), rng.choice((1, 1, 2, 3))))
        for code in seen:
            at += dt.timedelta(seconds=rng.randint(5, 90))
            self.add(at, "product_view", session, product=code)
        if rng.random() < 0.12:
            code = rng.choice(seen)
            at += dt.timedelta(seconds=rng.randint(10, 120))
            self.add(at, "add_to_cart", session, product=code)
            if rng.random() < 0.3:
                order = f"SO{self.day:%y%m%d}{rng.getrandbits(32):08X}"
                amount = rng.randint(199, 2599) * 100
                at += dt.timedelta(minutes=rng.randint(1, 10))
                self.add(at, "order_submit", session, order=order, amount_fen=amount)
                if rng.random() < 0.85:
                    paid = at + dt.timedelta(seconds=rng.randint(20, 120))
                    self.add(paid, "order_paid", session, order=order, amount_fen=amount)


def generate(ctx: Context) -> None:
    from siyu.content.selectors import content_products, share_visits
    from siyu.members.selectors import customer_id_range

    rng = ctx.rng("tracking")
    started = time.perf_counter()
    zone = ZoneInfo(settings.TIME_ZONE)
    end = dt.datetime.combine(ctx.today, dt.time(21), zone)
    if ctx.today == timezone.localdate():
        end = min(end, timezone.now())
    days = [ctx.today - dt.timedelta(days=d) for d in range(min(DAYS, ctx.days) - 1, -1, -1)]
    products = content_products()
    pool: dict[int, list[str]] = {}
    for brand, codes in products.values():
        pool.setdefault(brand, []).extend(codes)
    every = sorted({c for codes in pool.values() for c in codes}) or ["SKU-0001"]
    bounds = customer_id_range()
    h5 = services.h5_source().pk
    # The mall's own source (its key was handed to the mini-program; only the hash is kept)
    mall = EventSource.objects.create(
        name="小程序商城", kind=SourceKind.MINIPROGRAM, prefix=f"wk_gen{rng.getrandbits(16):04x}",
        key_hash=services.key_hash(f"wk_{rng.getrandbits(128):032x}"),
    ).pk  # fmt: skip
    seq = itertools.count(Event.objects.count() + 1)  # ids stay unique if run again
    activity: dict[int, list[Any]] = {}
    carry: list[dict[str, Any]] = []
    total = 0

    for index, day in enumerate(days):
        day_start = dt.datetime.combine(day, dt.time(0), zone)
        day_end = day_start + dt.timedelta(days=1)
        events = carry

        day_events = _Sessions(rng, day, day_end, end, events)
        add, browse = day_events.add, day_events.browse

        # Sessions behind the day's share visits
        for at, link, content, staff, store, device, customer in share_visits(
            since=day_start, until=day_end
        ):
            session = {"source": h5, "customer": customer, "device": device[:64], "link": link,
                       "content": content, "staff": staff, "store": store, "page": ""}  # fmt: skip
            add(at, "content_view", session)
            dwell = _dwell(rng)
            add(at + dt.timedelta(milliseconds=dwell), "view_end", session, dwell_ms=dwell)
            codes = products.get(content, (0, []))[1] or pool.get(
                products.get(content, (0, []))[0], []
            )
            browse(
                at + dt.timedelta(milliseconds=dwell),
                session,
                codes,
                0.3 if dwell > 30_000 else 0.1,
            )

        # Members browsing the mall on their own
        if bounds is not None:
            low, high = bounds
            for _ in range(int((high - low + 1) * ORGANIC_PER_CUSTOMER_DAY)):
                customer = rng.randint(low, high)
                hour = rng.choices(range(24), cum_weights=HOUR_CUM)[0]
                at = day_start + dt.timedelta(hours=hour, seconds=rng.randint(0, 3599))
                session = {"source": mall, "customer": customer, "device": f"m{customer:x}",
                           "link": None, "content": None, "staff": None, "store": None,
                           "page": rng.choice(MALL_PAGES)}  # fmt: skip
                add(at, "page_view", session)
                dwell = _dwell(rng)
                add(at + dt.timedelta(milliseconds=dwell), "view_end", session, dwell_ms=dwell)
                browse(at + dt.timedelta(milliseconds=dwell), session, every, 0.8)
                if rng.random() < 0.03:
                    add(
                        at + dt.timedelta(minutes=2),
                        rng.choice(("game_play", "coupon_claim")),
                        session,
                    )

        carry = day_events.carry
        total += _write_day(ctx, day, events, seq, activity, products)
        ctx.progress(f"events ({total:,} so far), days", index + 1, len(days), started)
    _write_activity(ctx, activity)
    ctx.made["events"] = total


def _write_day(
    ctx: Context, day: dt.date, events: list[dict[str, Any]], seq: Any,
    activity: dict[int, list[Any]], products: dict[int, tuple[int, list[str]]],
) -> int:  # fmt: skip
    """Insert a day's events in id order with that day's rollups, in one transaction."""
    from siyu.org.selectors import store_places

    events.sort(key=lambda e: e["at"])
    rows: list[tuple] = []
    tracked: list[services.Row] = []
    for e in events:
        at: dt.datetime = e["at"]
        event_id = f"{int(at.timestamp() * 1000):011x}{next(seq):09x}"  # time-ordered, unique
        rows.append((
            event_id, e["source"], e["type"], at, at + dt.timedelta(seconds=2), day, e["customer"],
            e["device"], e["link"], e["content"], e["staff"], e["store"], e["page"], e["product"],
            e["order"], e["dwell_ms"], e["amount_fen"], "{}", "",
        ))  # fmt: skip
        if e["link"] is not None or e["store"] is not None or e["content"] is not None:
            tracked.append(services.Row(
                id=event_id, type=e["type"], occurred_at=at, day=day, identity=None,
                device_id=e["device"], share="", content_id=e["content"], page="",
                product_code="", order_ref="", dwell_ms=e["dwell_ms"], amount_fen=e["amount_fen"],
                properties="", customer_id=e["customer"], link_id=e["link"], staff_id=e["staff"],
                store_id=e["store"],
                content_brand_id=products.get(e["content"], (None, []))[0] if e["content"] else None,
            ))  # fmt: skip
        if e["customer"] is not None:
            services.activity_add(activity, e["customer"], at, e["type"], e["content"])
    places = store_places({r.store_id for r in tracked if r.store_id})
    figures, viewers = services.rollup_deltas(tracked, places)
    with transaction.atomic():
        for start in range(0, len(rows), 5000):
            insert_rows(
                ctx, Event._meta.db_table, services.EVENT_COLUMNS, rows[start : start + 5000]
            )
        insert_rows(ctx, DailyStat._meta.db_table, services.STAT_COLUMNS, [
            (d, dim, key, *where, pv, len(viewers.get((d, dim, key), ())), dwell_ms, carts, orders,
             sales_fen)
            for (d, dim, key), (where, (pv, dwell_ms, carts, orders, sales_fen)) in figures.items()
        ])  # fmt: skip
        insert_rows(ctx, VisitorDay._meta.db_table, ["day", "visitor", "seen"], [
            (d, visitor, " ".join(sorted(marks)))
            for (d, visitor), marks in services.viewers_by_visitor(viewers).items()
        ])  # fmt: skip
    return len(rows)


def _write_activity(ctx: Context, activity: dict[int, list[Any]]) -> None:
    items = sorted(activity.items())
    with transaction.atomic():
        for start in range(0, len(items), 5000):
            insert_rows(ctx, CustomerActivity._meta.db_table, [
                "customer_id", "last_seen_at", "last_type", "last_content_id", "events", "carts",
                "orders",
            ], [(customer, *values) for customer, values in items[start : start + 5000]])  # fmt: skip
