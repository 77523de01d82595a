"""Sales KPIs exactly as product.md defines them, per day, brand, branch, store or guide.

Sales are paid orders in the period (by payment time, in the group's time zone), net of
all their refunds; online sales are the mall's. Per row:
- online sales; after-hours share = online sales placed in [22:00, 10:00) ÷ online sales;
- moments share = online sales reached through a guide's moments share ÷ online sales;
- cross-city share = online sales whose customer's home store is in another city than the
  selling store ÷ online sales;
- member sales share = sales by members ÷ all sales;
- cross-brand: members who bought from ≥ 2 brands of the group in the period ÷ purchasing
  members; and sales guided to another brand ÷ sales;
- transacting-customer friend conversion: of distinct (store, customer) POS buyers, those
  who were WeCom friends of that store's staff or account by the period's end (the rule is
  relations.kpis.friend_pairs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate

from siyu.commerce.models import Order, OrderChannel
from siyu.commerce.selectors import order_list
from siyu.core import periods
from siyu.core.periods import rate
from siyu.org.scope import Scope

GROUPS = {"day": "day", "brand": "brand_id", "branch": "branch_id", "store": "store_id", "guide": "staff_id"}  # fmt: skip


@dataclass
class SalesRow:
    key: object
    label: str = ""
    orders: int = 0
    sales_fen: int = 0
    online_fen: int = 0
    pos_fen: int = 0
    after_hours_fen: int = 0
    moments_fen: int = 0
    cross_city_fen: int = 0
    member_fen: int = 0
    cross_brand_fen: int = 0
    members: int = 0  # purchasing members
    multi_brand_members: int = 0
    pos_buyers: int = 0  # distinct (store, customer) POS buyers
    pos_buyer_friends: int = 0

    @property
    def after_hours_share(self) -> Decimal | None:
        return rate(self.after_hours_fen, self.online_fen)

    @property
    def moments_share(self) -> Decimal | None:
        return rate(self.moments_fen, self.online_fen)

    @property
    def cross_city_share(self) -> Decimal | None:
        return rate(self.cross_city_fen, self.online_fen)

    @property
    def member_share(self) -> Decimal | None:
        return rate(self.member_fen, self.sales_fen)

    @property
    def cross_brand_share(self) -> Decimal | None:
        return rate(self.cross_brand_fen, self.sales_fen)

    @property
    def multi_brand_member_share(self) -> Decimal | None:
        return rate(self.multi_brand_members, self.members)

    @property
    def friend_conversion(self) -> Decimal | None:
        return rate(self.pos_buyer_friends, self.pos_buyers)


def sales_kpis(*, scope: Scope, start: dt.date, end: dt.date, by: str = "day") -> list[SalesRow]:
    """The sales KPIs of the period in scope, one row per `by` (see GROUPS), best first (by
    day: in date order). A guide sees the orders credited to them."""
    from siyu.org.selectors import org_names
    from siyu.relations.kpis import friend_pairs

    key = GROUPS[by]
    orders = order_list(scope=scope, start=start, end=end).order_by()
    if by == "day":
        orders = orders.annotate(day=TruncDate("paid_at", tzinfo=periods.group_zone()))
    elif by == "guide":
        orders = orders.filter(staff__isnull=False)
    net = F("total_fen") - F("refunded_fen")
    mall = Q(channel=OrderChannel.MALL)
    rows: dict[object, SalesRow] = {}
    for values in orders.values(key).annotate(
        n=Count("id"), sales=Sum(net), online=Sum(net, filter=mall),
        pos=Sum(net, filter=Q(channel=OrderChannel.POS)),
        after=Sum(net, filter=mall & Q(is_after_hours=True)),
        moments=Sum(net, filter=mall & Q(is_moments=True)),
        cross_city=Sum(net, filter=mall & Q(is_cross_city=True)),
        member=Sum(net, filter=Q(is_member=True)), cross_brand=Sum(net, filter=Q(is_cross_brand=True)),
    ):  # fmt: skip
        rows[values[key]] = SalesRow(
            key=values[key], orders=values["n"], sales_fen=values["sales"] or 0,
            online_fen=values["online"] or 0, pos_fen=values["pos"] or 0,
            after_hours_fen=values["after"] or 0, moments_fen=values["moments"] or 0,
            cross_city_fen=values["cross_city"] or 0, member_fen=values["member"] or 0,
            cross_brand_fen=values["cross_brand"] or 0,
        )  # fmt: skip
    # Members buying from two brands or more, anywhere in the group, in the period.
    since, until = periods.period_bounds(start, end)
    multi = set(
        Order.objects.filter(paid_at__gte=since, paid_at__lt=until, is_member=True)
        .values("customer_id")
        .annotate(brands=Count("brand_id", distinct=True))
        .filter(brands__gte=2)
        .values_list("customer_id", flat=True)
    )
    for value, customer in orders.filter(is_member=True).values_list(key, "customer_id").distinct():
        rows[value].members += 1
        rows[value].multi_brand_members += customer in multi
    buyers = set(
        orders.filter(channel=OrderChannel.POS, customer_id__isnull=False)
        .values_list(key, "store_id", "customer_id")
        .distinct()
    )
    friends = friend_pairs(pairs={(s, c) for _k, s, c in buyers}, end=end)
    for value, store, customer in buyers:
        rows[value].pos_buyers += 1
        rows[value].pos_buyer_friends += (store, customer) in friends
    if by != "day":
        ids = [int(k) for k in rows if isinstance(k, int)]
        names = org_names(**{{"guide": "staff", "store": "stores", "branch": "branches", "brand": "brands"}[by]: ids})  # fmt: skip
        labels = names[
            {"guide": "staff", "store": "store", "branch": "branch", "brand": "brand"}[by]
        ]
        for row in rows.values():
            row.label = labels.get(row.key, str(row.key)) if isinstance(row.key, int) else ""
        return sorted(rows.values(), key=lambda r: (-r.sales_fen, r.label))
    for row in rows.values():
        row.label = str(row.key)
    return sorted(rows.values(), key=lambda r: r.label)


def total(rows: list[SalesRow]) -> SalesRow:
    """The rows added up (member and buyer counts too: a member in two rows counts twice)."""
    out = SalesRow(key=None)
    for row in rows:
        for name in SalesRow.__dataclass_fields__:
            if name not in ("key", "label"):
                setattr(out, name, getattr(out, name) + getattr(row, name))
    return out
