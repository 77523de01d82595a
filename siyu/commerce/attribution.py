"""Who is credited with an order, and its flags: the one place this is decided.

The rules, in order, are documented in docs/commerce.md ("Attribution"); the rule that
decided is stored with the order (`Order.attribution_rule`), so every figure built on
orders can say why a sale is a guide's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from siyu.commerce.models import AttributionRule, BrandStorefront, Order, OrderChannel, OrderLine
from siyu.core import periods
from siyu.members.selectors import CustomerFacts
from siyu.org.selectors import StaffFacts

DEFAULT_WINDOW_DAYS = 7
MOMENTS_CHANNELS = frozenset({"moments", "moments_task"})
AFTER_HOURS_FROM, AFTER_HOURS_UNTIL = dt.time(22), dt.time(10)  # local time, [22:00, 10:00)


def is_after_hours(at: dt.datetime) -> bool:
    """Whether a moment falls in the after-hours window, in the group's time zone."""
    local = periods.local(at).time()
    return local >= AFTER_HOURS_FROM or local < AFTER_HOURS_UNTIL


def attribution_window(brand_id: int) -> dt.timedelta:
    days = (
        BrandStorefront.objects.filter(brand_id=brand_id)
        .values_list("attribution_days", flat=True)
        .first()
    )
    return dt.timedelta(days=days or DEFAULT_WINDOW_DAYS)


def guide_named(note: str, team: Sequence[tuple[int, str, str]]) -> int | None:
    """The staff member of `team` (id, name, employee no.) a note names: an employee number
    standing alone wins; else a unique name in the note (two people of the same name: none)."""
    if not note:
        return None
    tokens = set(re.findall(r"[0-9A-Za-z_-]+", note))
    by_number = [pk for pk, _name, number in team if number and number in tokens]
    if len(by_number) == 1:
        return by_number[0]
    by_name = [pk for pk, name, _number in team if name and name in note]
    return by_name[0] if len(by_name) == 1 else None


@dataclass(frozen=True)
class ShareTouch:
    """The share that reached an order within the window."""

    link_id: int
    content_id: int | None
    channel: str
    staff_id: int | None


@dataclass(frozen=True)
class Known:
    """What the rules look at for one order. Gathered one order at a time (order_attribute)
    or for a whole import at once (commerce.pos_import); decided by `attribution_decide`."""

    customer: CustomerFacts | None
    staff: Mapping[int, StaffFacts]  # every guide the rules may name for this order
    named_guide: int | None = None  # a store account's note names this guide
    share: ShareTouch | None = None


class Attributable(Protocol):
    """What the rules read and set: an Order, or an import's lighter stand-in for one."""

    channel: str
    cashier_id: int | None
    via_store_account: bool
    placed_at: dt.datetime
    attribution_rule: str
    staff_id: int | None
    link_id: int | None
    content_id: int | None
    is_moments: bool
    is_after_hours: bool
    is_member: bool
    is_cross_city: bool
    is_cross_brand: bool


@dataclass(slots=True)
class Draft:
    """An order not yet written, as the rules see it (an Attributable): imports and the
    generator decide many at once without building model instances."""

    placed_at: dt.datetime
    cashier_id: int | None
    channel: str = OrderChannel.POS
    via_store_account: bool = False
    attribution_rule: str = ""
    staff_id: int | None = None
    link_id: int | None = None
    content_id: int | None = None
    is_moments: bool = False
    is_after_hours: bool = False
    is_member: bool = False
    is_cross_city: bool = False
    is_cross_brand: bool = False


@dataclass(slots=True)
class DraftLine:
    """A line of a Draft: what attribution and commission read, and its row."""

    sku_id: int
    brand_id: int
    product_line: str
    quantity: int
    unit_price_fen: int
    amount_fen: int


def attribution_decide(
    *, order: Attributable, lines: Sequence[Any], known: Known, store_city: str
) -> None:
    """The rules, in order (docs/commerce.md): set the order's credited guide, share link,
    content, rule and flags. No queries: everything comes in `known`."""
    facts, at = known.customer, order.placed_at
    rule, staff_id = AttributionRule.NONE, None
    if order.channel == OrderChannel.POS and order.cashier_id:
        rule, staff_id = AttributionRule.CASHIER, order.cashier_id
    elif order.via_store_account and known.named_guide:
        rule, staff_id = AttributionRule.NOTE, known.named_guide
    share = known.share if rule == AttributionRule.NONE else None
    if share is not None:
        rule, staff_id = AttributionRule.SHARE, share.staff_id
    if staff_id is not None and not known.staff.get(staff_id, _GONE).employed:
        staff_id = None  # a guide who has left is credited with nothing
    if staff_id is None and facts is not None and facts.owner_staff_id is not None:
        rule, staff_id = AttributionRule.BOUND, facts.owner_staff_id
    if staff_id is None and share is None:
        rule = AttributionRule.NONE
    order.attribution_rule, order.staff_id = rule, staff_id
    order.link_id = share.link_id if share else None
    order.content_id = share.content_id if share else None
    order.is_moments = bool(share and share.channel in MOMENTS_CHANNELS)
    order.is_after_hours = is_after_hours(at)
    order.is_member = bool(facts and facts.member_since and facts.member_since <= at)
    order.is_cross_city = bool(
        facts and facts.home_city_code and facts.home_city_code != store_city
    )
    guide = known.staff.get(staff_id) if staff_id is not None else None
    guide_brand = guide.brand_id if guide is not None else None
    order.is_cross_brand = guide_brand is not None and any(
        line.brand_id != guide_brand for line in lines
    )


def _share_touch(order: Order) -> ShareTouch | None:
    """The share within the window: the order's own (opened within it), else the customer's
    latest tracked share touch within it. Mall orders only."""
    from siyu.content.selectors import share_attribution, share_links
    from siyu.tracking.selectors import last_share_touch

    if order.channel != OrderChannel.MALL:
        return None
    at, window = order.placed_at, attribution_window(order.brand_id)
    found = (
        share_attribution({order.share_code}).get(order.share_code) if order.share_code else None
    )
    if found is not None and order.landed_at is not None and at - order.landed_at <= window:
        return ShareTouch(found.link_id, found.content_id, found.channel, found.staff_id)
    if order.customer_id is None:
        return None
    touch = last_share_touch(customer_id=order.customer_id, since=at - window, until=at)
    link = share_links([touch[0]]).get(touch[0]) if touch else None
    return ShareTouch(link.pk, link.content_id, link.channel, link.staff_id) if link else None


def order_attribute(*, order: Order, lines: Sequence[OrderLine]) -> None:
    """Gather what the rules need for one order and decide (the caller saves the order)."""
    from siyu.members.selectors import customer_facts
    from siyu.org.selectors import staff_facts, store_team

    facts = customer_facts({order.customer_id} if order.customer_id else set()).get(
        order.customer_id or 0
    )
    named = guide_named(order.note, store_team(order.store_id)) if order.via_store_account else None
    share = _share_touch(order)
    guides = {order.cashier_id, named, share.staff_id if share else None}
    guides.add(facts.owner_staff_id if facts else None)
    known = Known(
        customer=facts, staff=staff_facts({g for g in guides if g}), named_guide=named, share=share
    )
    attribution_decide(order=order, lines=lines, known=known, store_city=order.store.city_code)


class _Gone:
    employed = False
    brand_id = None


_GONE = _Gone()
