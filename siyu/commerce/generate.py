"""Generator step for commerce (see core.generator): a catalog per brand, storefront
settings, commission plans, and a year of mall and POS orders with returns.

- Catalog: the 400 styles per brand that content items name (`DOWN-0001`…), in the brand's
  product lines, two colours and five sizes each; prices as the brand's price points.
- Storefronts: 极地 routes to the nearest store; 千行 runs "1 + N" (each branch's first store
  serves its provinces), both with an HQ store.
- Orders: about 2.5 a customer a year, seven in ten at the till. Seasonal: down jackets and
  snow boots peak in November–December. A POS order is rung up by a guide of the store,
  by a member six times in ten. A mall order is placed in the customer's store's storefront:
  more than half reached through a share of one of the store's guides (moments mostly);
  about 11 % of online sales fall after hours. About 3 % of orders have a line returned.
  Attribution and commission go through the same rules as live orders
  (`attribution_decide`, `commission.Tariff`), so statements and KPIs add up.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from decimal import Decimal
from typing import Any

from django.db import transaction

from siyu.commerce import attribution, commission
from siyu.commerce.models import (
    BranchStorefront,
    BrandStorefront,
    CommissionCampaign,
    CommissionEntry,
    CommissionPlan,
    EntryKind,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Product,
    Refund,
    RefundLine,
    Routing,
    Sku,
)
from siyu.core import periods, sql
from siyu.core.generator import Context

STYLES = 400
LINES = {
    "DOWN": [("extreme_cold", "极寒羽绒服", 25), ("outdoor", "户外羽绒服", 30), ("business", "商务羽绒服", 20), ("casual", "轻薄羽绒服", 25)],
    "STEP": [("outdoor", "雪地靴", 25), ("business", "通勤皮鞋", 25), ("casual", "休闲鞋", 35), ("kids", "童鞋", 15)],
}  # fmt: skip
SIZES = {"DOWN": ("S", "M", "L", "XL", "XXL"), "STEP": ("36", "37", "38", "39", "40")}
COLOURS = ("黑", "米白", "藏青", "酒红")
PRICES = (39_900, 59_900, 79_900, 99_900, 129_900, 159_900, 229_900)
ORDERS_PER_CUSTOMER_YEAR = 2.5
MALL_SHARE = 0.3
SEASON = (1.6, 1.0, 0.7, 0.6, 0.6, 0.5, 0.5, 0.6, 0.8, 1.2, 2.0, 2.2)  # Jan … Dec
WINTER_LINES = frozenset({"extreme_cold", "outdoor"})
# Local hour of online orders: about 11 % in [22:00, 10:00).
MALL_HOURS = (0.4, 0.15, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.6, 1.0, 3, 3.5, 4, 3.5, 3.5, 3.5, 3.8, 4, 4.5, 5.5, 6.5, 6.5, 2.4, 0.9)  # fmt: skip
POS_HOURS = (0,) * 10 + (2, 3, 4, 4, 4.5, 5, 5.5, 6, 6.5, 6.5, 5, 3) + (0, 0)
RETURN_SHARE = 0.03


def generate(ctx: Context) -> None:
    rng = ctx.rng("commerce")
    catalog = _catalog(ctx, rng)
    _settings(ctx)
    ctx.made["orders"] = _orders(ctx, rng, catalog)


def _catalog(ctx: Context, rng: random.Random) -> dict[int, list[tuple[int, str, int, list[int]]]]:
    """Products and SKUs per brand: {brand: [(product, line, price, [sku ids])]}."""
    from siyu.org.models import Brand

    out: dict[int, list[tuple[int, str, int, list[int]]]] = {}
    for brand in Brand.objects.order_by("pk"):
        if Product.objects.filter(brand=brand).exists():  # an earlier run got this far
            out[brand.pk] = [
                (p.pk, p.product_line, p.price_fen, [s.pk for s in p.skus.all()])
                for p in Product.objects.filter(brand=brand).prefetch_related("skus")
            ]
            continue
        lines = LINES.get(brand.code, LINES["DOWN"])
        cum = list(itertools.accumulate(w for *_x, w in lines))
        rows = []
        for n in range(1, STYLES + 1):
            line, name, _w = rng.choices(lines, cum_weights=cum)[0]
            rows.append({
                "brand_id": brand.pk, "style_no": f"{brand.code}-{n:04d}", "name": name,
                "category": name, "product_line": line, "season": "2026AW" if line in WINTER_LINES else "2026",
                "price_fen": rng.choice(PRICES),
            })  # fmt: skip
        ids = sql.dicts_insert(Product, rows)
        sizes = SIZES.get(brand.code, SIZES["DOWN"])
        skus = [
            {"product_id": pid, "code": f"{row['style_no']}-{c}{s}", "colour": colour, "size": s}
            for pid, row in zip(ids, rows, strict=True)
            for c, colour in enumerate(rng.sample(COLOURS, 2))
            for s in sizes
        ]  # fmt: skip
        sku_ids = iter(sql.dicts_insert(Sku, skus))
        per = 2 * len(sizes)
        out[brand.pk] = [
            (pid, row["product_line"], row["price_fen"], [next(sku_ids) for _ in range(per)])
            for pid, row in zip(ids, rows, strict=True)
        ]
        ctx.rows_written += len(rows) + len(skus)
    return out


def _settings(ctx: Context) -> None:
    from siyu.org.models import Branch, Brand, Store

    first = ctx.today.replace(month=1, day=1) - dt.timedelta(days=365)
    for brand in Brand.objects.order_by("pk"):
        hq = Store.objects.filter(brand=brand).order_by("pk").first()
        one_plus_n = brand.code == "STEP"
        BrandStorefront.objects.update_or_create(
            brand=brand,
            defaults={"hq_store": hq, "routing": Routing.BRANCH if one_plus_n else Routing.NEAREST},
        )
        if one_plus_n:
            for branch in Branch.objects.filter(brand=brand):
                store = Store.objects.filter(branch=branch).order_by("pk").first()
                if store is not None:
                    BranchStorefront.objects.update_or_create(
                        branch=branch, defaults={"store": store}
                    )
        CommissionPlan.objects.update_or_create(
            brand=brand, valid_from=first,
            defaults={
                "base_rate": Decimal("0.03"), "after_hours_rate": Decimal("0.05"),
                "line_rates": {"outdoor": "0.04", "extreme_cold": "0.035"},
            },
        )  # fmt: skip
        twelve = dt.date(ctx.today.year - (ctx.today < dt.date(ctx.today.year, 12, 12)), 12, 12)
        start = dt.datetime.combine(twelve, dt.time(), periods.group_zone())
        CommissionCampaign.objects.get_or_create(
            brand=brand, name="双12", starts_at=start,
            defaults={"ends_at": start + dt.timedelta(days=1), "rate": Decimal("0.06")},
        )  # fmt: skip


def _hour(rng: random.Random, cum: list[float]) -> int:
    return bisect.bisect_right(cum, rng.random() * cum[-1])


def _orders(ctx: Context, rng: random.Random, catalog: dict) -> int:
    """A year of orders, day by day, written in batches of days."""
    from siyu.content.models import ShareLink
    from siyu.members.models import Customer, Membership
    from siyu.members.selectors import CustomerFacts
    from siyu.org.models import Staff, Store
    from siyu.org.selectors import staff_facts

    stores = {s.pk: s for s in Store.objects.all()}
    by_brand: dict[int, list[int]] = {}
    for store in stores.values():
        by_brand.setdefault(store.brand_id, []).append(store.pk)
    guides_by_store: dict[int, list[int]] = ctx.made.get("guides_by_store") or {}
    if not guides_by_store:  # run on its own, on an existing database (the benchmarks)
        for pk, store in (
            Staff.objects.filter(role="guide", status="employed")
            .exclude(store=None)
            .values_list("pk", "store_id")
        ):
            guides_by_store.setdefault(store, []).append(pk)
    guides = staff_facts(set(Staff.objects.values_list("pk", flat=True)))
    joined = dict(Membership.objects.values_list("customer_id", "joined_at"))
    people = list(Customer.objects.values_list("pk", "home_store_id", "owner_staff_id"))
    if not people or not stores:
        return 0
    links: dict[
        int, list[tuple[int, int, str, int]]
    ] = {}  # store → (link, content, channel, guide)
    for pk, content, channel, staff, store in ShareLink.objects.exclude(staff=None).values_list(
        "pk", "content_id", "channel", "staff_id", "store_id"
    ):
        links.setdefault(store, []).append((pk, content, channel, staff))
    mall_cum = list(itertools.accumulate(MALL_HOURS))
    pos_cum = list(itertools.accumulate(POS_HOURS))
    zone = periods.group_zone()
    now = dt.datetime.combine(ctx.today, dt.time(21), zone)
    per_day = ORDERS_PER_CUSTOMER_YEAR * len(people) / 365 / (sum(SEASON) / 12)
    plans = {b: commission.plan_for(b, ctx.today) for b in catalog}
    tariffs = {
        b: commission.Tariff(plans[b], CommissionCampaign.objects.filter(brand_id=b))
        for b in catalog
    }
    batch: list[tuple[dict, Any, list[Any], list[Any], dict | None]] = []
    total, started = 0, time.perf_counter()
    for back in range(ctx.days - 1, -1, -1):
        day = ctx.today - dt.timedelta(days=back)
        count = int(
            per_day
            * SEASON[day.month - 1]
            * (1.3 if day.weekday() >= 5 else 1.0)
            * rng.uniform(0.85, 1.15)
        )
        for _ in range(count):
            customer, home, owner = rng.choice(people)
            store = stores[home]
            mall = rng.random() < MALL_SHARE
            if mall and rng.random() < 0.15:  # a share from a store elsewhere (family, travel)
                store = stores[rng.choice(by_brand[store.brand_id])]
            at = dt.datetime.combine(
                day, dt.time(_hour(rng, mall_cum if mall else pos_cum), rng.randint(0, 59)), zone
            )
            if at > now:
                continue
            member = rng.random() < (1.0 if mall else 0.6)
            facts = CustomerFacts(home, stores[home].city_code, owner if owner in guides and guides[owner].employed else None, joined.get(customer)) if member else None  # fmt: skip
            cashier = (
                rng.choice(guides_by_store[home])
                if not mall and guides_by_store.get(home)
                else None
            )
            share = None
            if mall and links.get(store.pk) and rng.random() < 0.55:
                link, content, channel, staff = rng.choice(links[store.pk])
                share = attribution.ShareTouch(link, content, channel, staff)
            bought = _lines(rng, catalog[store.brand_id], day, store.brand_id)
            decided = attribution.Draft(
                placed_at=at,
                cashier_id=cashier,
                channel=OrderChannel.MALL if mall else OrderChannel.POS,
            )
            known = attribution.Known(customer=facts, staff=guides, share=share)
            attribution.attribution_decide(
                order=decided, lines=bought, known=known, store_city=store.city_code
            )
            order = {
                "number": f"{'M' if mall else 'P'}{day:%y%m%d}{total:08d}", "channel": decided.channel,
                "status": OrderStatus.PAID, "brand_id": store.brand_id, "branch_id": store.branch_id,
                "store_id": store.pk, "customer_id": customer if member else None, "placed_at": at,
                "paid_at": at + dt.timedelta(minutes=1) if mall else at,
                "total_fen": sum(b.amount_fen for b in bought), "cashier_id": cashier,
                "share_code": "", "landed_at": at - dt.timedelta(hours=rng.randint(0, 48)) if share else None,
                "attribution_rule": decided.attribution_rule, "staff_id": decided.staff_id,
                "link_id": decided.link_id, "content_id": decided.content_id,
                "is_moments": decided.is_moments, "is_after_hours": decided.is_after_hours,
                "is_member": decided.is_member, "is_cross_city": decided.is_cross_city,
                "is_cross_brand": decided.is_cross_brand,
            }  # fmt: skip
            refund = None
            back_at = at + dt.timedelta(days=rng.randint(1, 20))
            if rng.random() < RETURN_SHARE and back_at < now:
                refund = {"line": rng.randrange(len(bought)), "at": back_at}
                line = bought[refund["line"]]
                order["refunded_fen"] = line.amount_fen
            amounts = tariffs[store.brand_id].amounts(
                placed_at=at, after_hours=decided.is_after_hours, lines=bought
            ) if decided.staff_id else []  # fmt: skip
            batch.append((order, decided, bought, amounts, refund))
            total += 1
        if len(batch) >= 5_000 or back == 0:
            _write(ctx, batch)
            batch = []
            ctx.progress("orders (days)", ctx.days - back, ctx.days, started)
    return total


def _lines(
    rng: random.Random, products: list, day: dt.date, brand_id: int
) -> list[attribution.DraftLine]:
    """One to three lines; in winter months the winter lines sell more."""
    winter = day.month in (11, 12, 1)
    out = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        product, line, price, skus = rng.choice(products)
        if winter and line not in WINTER_LINES and rng.random() < 0.5:
            product, line, price, skus = rng.choice(products)  # a second draw: winter goods win
        quantity = 1 if rng.random() < 0.85 else 2
        paid = price * quantity * rng.choice((100, 100, 100, 90, 85, 80)) // 100
        out.append(attribution.DraftLine(rng.choice(skus), brand_id, line, quantity, price, paid))
    return out


def _write(ctx: Context, batch: list) -> None:
    """Orders, lines, refunds and ledger rows of a batch, in one transaction."""
    if not batch:
        return
    with transaction.atomic():
        order_ids = sql.dicts_insert(Order, [order for order, *_rest in batch])
        line_rows, owners = [], []
        for order_id, (_order, _d, bought, _a, refund) in zip(order_ids, batch, strict=True):
            for index, b in enumerate(bought):
                back = refund is not None and refund["line"] == index  # returned whole
                line_rows.append({
                    "order_id": order_id, "sku_id": b.sku_id, "brand_id": b.brand_id,
                    "product_line": b.product_line, "quantity": b.quantity,
                    "unit_price_fen": b.unit_price_fen, "amount_fen": b.amount_fen,
                    "refunded_quantity": b.quantity if back else 0,
                    "refunded_fen": b.amount_fen if back else 0,
                })  # fmt: skip
                owners.append(order_id)
        line_ids = sql.dicts_insert(OrderLine, line_rows)
        by_order: dict[int, list[int]] = {}
        for line_id, order_id in zip(line_ids, owners, strict=True):
            by_order.setdefault(order_id, []).append(line_id)
        refunds, refunded = [], []
        for order_id, (order, _d, bought, _a, refund) in zip(order_ids, batch, strict=True):
            if refund is not None:
                line = bought[refund["line"]]
                refunds.append({
                    "order_id": order_id, "number": f"R{order['number']}", "amount_fen": line.amount_fen,
                    "reason": "尺码不合适", "refunded_at": refund["at"],
                })  # fmt: skip
                refunded.append((order_id, by_order[order_id][refund["line"]], line, refund["at"]))
        refund_ids = sql.dicts_insert(Refund, refunds)
        refund_line_ids = sql.dicts_insert(RefundLine, [
            {"refund_id": r, "line_id": line_id, "quantity": line.quantity, "amount_fen": line.amount_fen}
            for r, (_o, line_id, line, _at) in zip(refund_ids, refunded, strict=True)
        ])  # fmt: skip
        returned = {line_id: (rl, at) for rl, (_o, line_id, _l, at) in zip(refund_line_ids, refunded, strict=True)}  # fmt: skip
        entries = []
        for order_id, (order, decided, bought, amounts, _r) in zip(order_ids, batch, strict=True):
            month = commission.month_of(order["paid_at"])
            for line_id, b, (rate, amount) in zip(
                by_order[order_id], bought, amounts, strict=False
            ):
                entries.append({
                    "kind": EntryKind.ACCRUAL, "staff_id": decided.staff_id, "store_id": order["store_id"],
                    "order_id": order_id, "line_id": line_id, "month": month, "base_fen": b.amount_fen,
                    "rate": rate, "amount_fen": amount,
                })  # fmt: skip
                if line_id in returned:  # a whole line back: all of its commission
                    refund_line, at = returned[line_id]
                    entries.append({
                        "kind": EntryKind.CLAWBACK, "staff_id": decided.staff_id,
                        "store_id": order["store_id"], "order_id": order_id, "line_id": line_id,
                        "refund_line_id": refund_line, "month": commission.month_of(at),
                        "base_fen": -b.amount_fen, "rate": rate, "amount_fen": -amount,
                    })  # fmt: skip
        sql.dicts_insert(CommissionEntry, entries)
    ctx.rows_written += len(order_ids) + len(line_ids) + len(entries) + 2 * len(refunds)
