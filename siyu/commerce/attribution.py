"""Who is credited with an order, and its flags: the one place this is decided.

The rules, in order, are documented in docs/commerce.md ("Attribution"); the rule that
decided is stored with the order (`Order.attribution_rule`), so every figure built on
orders can say why a sale is a guide's.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from django.utils import timezone

from siyu.commerce.models import AttributionRule, BrandStorefront, Order, OrderChannel, OrderLine

DEFAULT_WINDOW_DAYS = 7
MOMENTS_CHANNELS = frozenset({"moments", "moments_task"})
AFTER_HOURS_FROM, AFTER_HOURS_UNTIL = dt.time(22), dt.time(10)  # local time, [22:00, 10:00)


def is_after_hours(at: dt.datetime) -> bool:
    """Whether a moment falls in the after-hours window, in the group's time zone."""
    local = timezone.localtime(at).time()
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


def order_attribute(*, order: Order, lines: Sequence[OrderLine]) -> None:
    """Set the order's credited guide, share link, content, rule and flags (the caller saves)."""
    from siyu.content.selectors import share_attribution, share_links
    from siyu.members.selectors import customer_facts
    from siyu.org.selectors import staff_facts, store_team
    from siyu.tracking.selectors import last_share_touch

    facts = customer_facts({order.customer_id} if order.customer_id else set()).get(
        order.customer_id or 0
    )
    at = order.placed_at
    rule, staff_id = AttributionRule.NONE, None
    link_id = content_id = None
    channel = ""
    if order.channel == OrderChannel.POS and order.cashier_id:
        rule, staff_id = AttributionRule.CASHIER, order.cashier_id
    elif order.via_store_account and (named := guide_named(order.note, store_team(order.store_id))):
        rule, staff_id = AttributionRule.NOTE, named
    if rule == AttributionRule.NONE and order.channel == OrderChannel.MALL:
        window = attribution_window(order.brand_id)
        found = (
            share_attribution({order.share_code}).get(order.share_code)
            if order.share_code
            else None
        )
        if found is not None and order.landed_at is not None and at - order.landed_at <= window:
            link_id, content_id, channel, staff_id = (
                found.link_id, found.content_id, found.channel, found.staff_id,
            )  # fmt: skip
        elif order.customer_id is not None:
            touch = last_share_touch(customer_id=order.customer_id, since=at - window, until=at)
            if touch is not None:
                link = share_links([touch[0]]).get(touch[0])
                if link is not None:
                    link_id, content_id, channel, staff_id = (
                        link.pk, link.content_id, link.channel, link.staff_id,
                    )  # fmt: skip
        if link_id is not None:
            rule = AttributionRule.SHARE
    guides = staff_facts({s for s in (staff_id, facts.owner_staff_id if facts else None) if s})
    if staff_id is not None and not guides.get(staff_id, _GONE).employed:
        staff_id = None  # a guide who has left is credited with nothing
    if staff_id is None and facts is not None and facts.owner_staff_id is not None:
        rule, staff_id = AttributionRule.BOUND, facts.owner_staff_id
    if staff_id is None and link_id is None:
        rule = AttributionRule.NONE
    order.attribution_rule, order.staff_id = rule, staff_id
    order.link_id, order.content_id = link_id, content_id
    order.is_moments = channel in MOMENTS_CHANNELS
    order.is_after_hours = is_after_hours(at)
    order.is_member = bool(facts and facts.member_since and facts.member_since <= at)
    order.is_cross_city = bool(
        facts and facts.home_city_code and facts.home_city_code != order.store.city_code
    )
    guide_brand = guides[staff_id].brand_id if staff_id in guides else None
    order.is_cross_brand = guide_brand is not None and any(
        line.brand_id != guide_brand for line in lines
    )


class _Gone:
    employed = False
    brand_id = None


_GONE = _Gone()
