"""Reads of commerce: what a store sells, routing a customer, orders, commission statements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from siyu.commerce import routing
from siyu.commerce.models import (
    Assortment,
    CommissionEntry,
    EntryKind,
    Order,
    OrderChannel,
    OrderStatus,
    Product,
    Sku,
    StoreSku,
)
from siyu.core.periods import period_bounds
from siyu.org.models import Brand, Store
from siyu.org.scope import Scope, access, scoped, stores_of


def _sold_here(store: Store, day: dt.date) -> Q:
    """Products a store sells online on a day: its brand's products that have no assortment
    rows, and any product whose assortment names the store or its branch for that day
    (subqueries, not joins, so a product is never repeated)."""
    listed = Assortment.objects.filter(
        Q(store_id=store.pk) | Q(branch_id=store.branch_id),
        Q(starts_on__isnull=True) | Q(starts_on__lte=day),
        Q(ends_on__isnull=True) | Q(ends_on__gte=day),
    ).values("product_id")
    unlisted = Q(brand_id=store.brand_id) & ~Q(pk__in=Assortment.objects.values("product_id"))
    return unlisted | Q(pk__in=listed)


def storefront_products(*, store: Store, day: dt.date | None = None) -> list[Product]:
    """What the store's storefront shows: active products it sells, each with the SKUs it
    sells (`sellable`), products with none left out."""
    day = day or timezone.localdate()
    blocked = StoreSku.objects.filter(store_id=store.pk, sellable=False).values("sku_id")
    products = (
        Product.objects.filter(_sold_here(store, day), active=True)
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.filter(active=True).exclude(pk__in=blocked).order_by("code"),
                to_attr="sellable",
            )
        )
        .order_by("category", "style_no")
    )
    return [p for p in products if p.sellable]


def sellable_skus(*, store: Store, sku_ids: Iterable[int], day: dt.date | None = None) -> set[int]:
    """Of these SKUs, the ones the store sells today (active, in its assortment, not blocked)."""
    day = day or timezone.localdate()
    return set(
        Sku.objects.filter(pk__in=set(sku_ids), active=True, product__active=True)
        .filter(product__in=Product.objects.filter(_sold_here(store, day)))
        .exclude(pk__in=StoreSku.objects.filter(store_id=store.pk, sellable=False).values("sku_id"))
        .values_list("pk", flat=True)
    )


def storefront_for(
    *,
    brand: Brand,
    share_code: str = "",
    customer_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    city_code: str = "",
) -> routing.Route | None:
    """Resolve the share code and the customer, then route (commerce.routing)."""
    from siyu.content.selectors import share_attribution
    from siyu.members.selectors import customer_facts

    share = share_attribution({share_code}).get(share_code) if share_code else None
    facts = customer_facts({customer_id}).get(customer_id) if customer_id else None
    return routing.storefront_route(
        brand_id=brand.pk, share_store_id=share.store_id if share else None,
        home_store_id=facts.home_store_id if facts else None,
        latitude=latitude, longitude=longitude, city_code=city_code,
    )  # fmt: skip


# -- orders -------------------------------------------------------------------------------------
def order_list(
    *,
    scope: Scope,
    start: dt.date | None = None,
    end: dt.date | None = None,
    channel: str = "",
    staff_id: int | None = None,
) -> QuerySet[Order]:
    """Paid orders in scope, newest first (a guide: the orders credited to them)."""
    qs = scoped(Order.objects.filter(status=OrderStatus.PAID), scope)
    if start and end:
        since, until = period_bounds(start, end)
        qs = qs.filter(paid_at__gte=since, paid_at__lt=until)
    if channel:
        qs = qs.filter(channel=channel)
    if staff_id:
        qs = qs.filter(staff_id=staff_id)
    return qs.select_related("store", "staff").order_by("-paid_at", "-id")


def order_get(*, scope: Scope, order_id: int) -> Order:
    return access(
        Order.objects.select_related("store", "staff", "cashier").prefetch_related(
            "lines__sku__product", "refunds__lines"
        ),
        scope,
        pk=order_id,
    )


def guide_day_sales(
    *,
    brand_id: int,
    branch_id: int | None,
    start: dt.date,
    end: dt.date,
    as_of: dt.datetime,
    online_only: bool,
) -> dict[tuple[int, dt.date], int]:
    """Net sales (fen) credited to each guide per local day of payment in [start, end], as
    known at `as_of`: orders paid by then, minus refunds made by then (for contests)."""
    from django.db.models.functions import TruncDate

    from siyu.commerce.models import Refund
    from siyu.core.periods import group_zone

    since, until = period_bounds(start, end)
    until = min(until, as_of)
    stores = {"brand_id": brand_id} | ({} if branch_id is None else {"branch_id": branch_id})
    orders = Order.objects.filter(
        stores_of(**stores), status=OrderStatus.PAID, staff__isnull=False,
        paid_at__gte=since, paid_at__lt=until,
    )  # fmt: skip
    if online_only:
        orders = orders.filter(channel=OrderChannel.MALL)
    zone = group_zone()
    sales: dict[tuple[int, dt.date], int] = {}
    for staff, day, fen in (
        orders.annotate(day=TruncDate("paid_at", tzinfo=zone))
        .values("staff_id", "day")
        .annotate(fen=Sum("total_fen"))
        .values_list("staff_id", "day", "fen")
        .order_by()
    ):
        sales[(staff, day)] = fen
    for staff, day, fen in (
        Refund.objects.filter(order__in=orders, refunded_at__lte=as_of)
        .annotate(day=TruncDate("order__paid_at", tzinfo=zone))
        .values("order__staff_id", "day")
        .annotate(fen=Sum("amount_fen"))
        .values_list("order__staff_id", "day", "fen")
        .order_by()
    ):
        sales[(staff, day)] = sales.get((staff, day), 0) - fen
    return sales


# -- statements ---------------------------------------------------------------------------------
@dataclass
class StatementRow:
    """One guide's (or store's) month: sales by channel, net of refunds, and commission."""

    key: int
    label: str
    online_fen: int = 0  # paid mall orders credited, net of refunds
    pos_fen: int = 0
    orders: int = 0
    accrued_fen: int = 0
    clawed_back_fen: int = 0  # negative

    @property
    def sales_fen(self) -> int:
        return self.online_fen + self.pos_fen

    @property
    def commission_fen(self) -> int:
        return self.accrued_fen + self.clawed_back_fen


def caller_month(*, scope: Scope, by: str) -> StatementRow | None:
    """This month's statement row of the caller themself (by guide) or of their store."""
    mine = scope.staff_id if by == "guide" else scope.store_id
    if mine is None:
        return None
    rows = statement(scope=scope, month=timezone.localdate(), by=by)
    return next((r for r in rows if r.key == mine), None)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def statement(*, scope: Scope, month: dt.date, by: str = "guide") -> list[StatementRow]:
    """The month's sales and commission per guide or per store, in scope. Sales are orders
    paid in the month net of all their refunds; commission is the ledger's month."""
    key = "staff_id" if by == "guide" else "store_id"
    first, last = month_bounds(month)
    rows: dict[int, StatementRow] = {}
    orders = order_list(scope=scope, start=first, end=last)
    if by == "guide":
        orders = orders.filter(staff__isnull=False)
    for value, channel, count, total, refunded in (
        orders.order_by()
        .values_list(key, "channel")
        .annotate(Count("id"), Sum("total_fen"), Sum("refunded_fen"))
    ):
        row = rows.setdefault(value, StatementRow(key=value, label=""))
        net = (total or 0) - (refunded or 0)
        if channel == OrderChannel.MALL:
            row.online_fen += net
        else:
            row.pos_fen += net
        row.orders += count
    ledger = scoped(CommissionEntry.objects.filter(month=first), scope)
    for value, kind, amount in (
        ledger.order_by().values_list(key, "kind").annotate(Sum("amount_fen"))
    ):
        row = rows.setdefault(value, StatementRow(key=value, label=""))
        if kind == EntryKind.ACCRUAL:
            row.accrued_fen += amount or 0
        else:
            row.clawed_back_fen += amount or 0
    from siyu.org.selectors import org_names

    names = org_names(**{"staff" if by == "guide" else "stores": list(rows)})
    labels = names.get("staff" if by == "guide" else "store", {})
    for row in rows.values():
        row.label = labels.get(row.key, str(row.key))
    return sorted(rows.values(), key=lambda r: (-r.sales_fen, r.label))


# -- for loyalty ----------------------------------------------------------------------------------
def net_spend(
    *,
    brand_ids: Iterable[int] | None,
    since: dt.datetime,
    until: dt.datetime,
    customer_ids: Iterable[int] | None = None,
) -> dict[int, int]:
    """Each customer's paid orders in [since, until) net of their refunds (fen), of these
    brands (None: every brand); customers without orders are left out."""
    from django.db.models import F

    orders = Order.objects.filter(
        status=OrderStatus.PAID, customer_id__isnull=False, paid_at__gte=since, paid_at__lt=until
    )
    if customer_ids is not None:
        orders = orders.filter(customer_id__in=list(customer_ids))
    if brand_ids is not None:
        orders = orders.filter(brand_id__in=list(brand_ids))
    rows = (
        orders.values("customer_id")
        .annotate(fen=Sum(F("total_fen") - F("refunded_fen")))
        .values_list("customer_id", "fen")
        .order_by()
    )
    return {
        customer: fen or 0
        for customer, fen in rows.iterator(chunk_size=50_000)
        if customer is not None
    }


def order_nets(order_ids: Iterable[int]) -> dict[int, int]:
    """Net (paid minus refunded) of each paid order."""
    rows = Order.objects.filter(pk__in=list(order_ids), status=OrderStatus.PAID).values_list(
        "pk", "total_fen", "refunded_fen"
    )
    return {pk: total - refunded for pk, total, refunded in rows}


def paid_times(*, customer_ids: Iterable[int], since: dt.datetime, until: dt.datetime) -> dict[int, list[dt.datetime]]:  # fmt: skip
    """When each customer's paid orders in [since, until) were paid."""
    out: dict[int, list[dt.datetime]] = {}
    rows = Order.objects.filter(
        status=OrderStatus.PAID, customer_id__in=list(customer_ids), paid_at__gte=since, paid_at__lt=until,
    ).values_list("customer_id", "paid_at")  # fmt: skip
    for customer, at in rows:
        if customer is not None and at is not None:
            out.setdefault(customer, []).append(at)
    return out
