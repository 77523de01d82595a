"""Writes of commerce: catalog and settings, orders, payments, POS orders, refunds.

Every write is one transaction. Paying an order (a gateway notice) and recording a POS
order both end in `_settle`: attribute the order (commerce.attribution) and accrue
commission (commerce.commission), so online and POS sales follow one path.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.commerce import attribution, commission, payments, routing
from siyu.commerce.models import (
    BranchStorefront,
    BrandStorefront,
    CommissionPlan,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Payment,
    Product,
    ProductLine,
    Refund,
    RefundLine,
    Routing,
    Sku,
)
from siyu.commerce.selectors import sellable_skus
from siyu.members import merge
from siyu.members.selectors import customer_survivor_id
from siyu.org.models import Branch, Brand, Staff, Store, StoreStatus
from siyu.org.scope import Capability, Scope, access

MAX_LINES = 50
MAX_QUANTITY = 999

# A merged customer's orders are the survivor's: their history, spend and tier with them.
merge.register_reference(Order, "customer_id")


# -- catalog and settings -----------------------------------------------------------------------
@transaction.atomic
def product_upsert(
    *,
    scope: Scope,
    brand: Brand,
    style_no: str,
    name: str,
    category: str,
    price_fen: int,
    product_line: str = ProductLine.CASUAL,
    season: str = "",
    images: Sequence[str] = (),
    skus: Sequence[dict[str, str]] = (),
) -> Product:
    """Create or update a style and its SKUs ({code, colour, size}); one price everywhere."""
    scope.require(Capability.MANAGE_COMMERCE)
    access(Brand.objects.all(), scope, pk=brand.pk)
    errors = {}
    if product_line not in ProductLine.values:
        errors["product_line"] = _("Unknown product line.")
    if not isinstance(price_fen, int) or price_fen <= 0:
        errors["price_fen"] = _("A price is a positive number of fen.")
    if not style_no.strip() or not name.strip():
        errors["style_no" if not style_no.strip() else "name"] = _("This field is required.")
    if errors:
        raise ValidationError(errors)
    product, _created = Product.objects.update_or_create(
        brand=brand,
        style_no=style_no.strip(),
        defaults={
            "name": name.strip(), "category": category.strip(), "product_line": product_line,
            "season": season, "price_fen": price_fen, "images": list(images),
        },
    )  # fmt: skip
    for sku in skus:
        existing = Sku.objects.filter(code=sku["code"]).first()
        if existing is not None and existing.product_id != product.pk:
            raise ValidationError({"skus": _("SKU %(code)s belongs to another style.") % sku})
        Sku.objects.update_or_create(
            code=sku["code"],
            defaults={"product": product, "colour": sku.get("colour", ""), "size": sku.get("size", "")},
        )  # fmt: skip
    return product


@transaction.atomic
def storefront_settings_set(
    *,
    scope: Scope,
    brand: Brand,
    routing_mode: str = Routing.NEAREST,
    hq_store: Store | None = None,
    attribution_days: int = attribution.DEFAULT_WINDOW_DAYS,
) -> BrandStorefront:
    """How a brand's mall routes customers and how long a share keeps its claim on an order."""
    scope.require(Capability.MANAGE_COMMERCE)
    if routing_mode not in Routing.values:
        raise ValidationError({"routing": _("Unknown routing mode.")})
    if hq_store is not None and hq_store.brand_id != brand.pk:
        raise ValidationError({"hq_store": _("The HQ store must be a store of the brand.")})
    if not 1 <= attribution_days <= 90:
        raise ValidationError({"attribution_days": _("Between 1 and 90 days.")})
    settings, _created = BrandStorefront.objects.update_or_create(
        brand=brand,
        defaults={"routing": routing_mode, "hq_store": hq_store, "attribution_days": attribution_days},
    )  # fmt: skip
    transaction.on_commit(routing.caches_clear)
    return settings


@transaction.atomic
def branch_storefront_set(*, scope: Scope, branch: Branch, store: Store) -> BranchStorefront:
    """The store whose storefront serves the branch's cities in "1 + N" routing."""
    scope.require(Capability.MANAGE_COMMERCE)
    if store.branch_id != branch.pk:
        raise ValidationError({"store": _("The store must belong to the branch.")})
    row, _created = BranchStorefront.objects.update_or_create(
        branch=branch, defaults={"store": store}
    )
    transaction.on_commit(routing.caches_clear)
    return row


@transaction.atomic
def commission_plan_set(
    *,
    scope: Scope,
    brand: Brand,
    valid_from: dt.date,
    base_rate: Decimal,
    after_hours_rate: Decimal,
    line_rates: dict[str, Decimal] | None = None,
) -> CommissionPlan:
    """A brand's commission rates from a date on."""
    scope.require(Capability.MANAGE_COMMERCE)
    rates = {"base_rate": base_rate, "after_hours_rate": after_hours_rate, **(line_rates or {})}
    bad = {
        k: _("A rate is between 0 and 1.")
        for k, v in rates.items()
        if not Decimal(0) <= Decimal(v) < 1
    }
    bad |= {
        k: _("Unknown product line.") for k in (line_rates or {}) if k not in ProductLine.values
    }
    if bad:
        raise ValidationError(bad)
    plan, _created = CommissionPlan.objects.update_or_create(
        brand=brand,
        valid_from=valid_from,
        defaults={
            "base_rate": base_rate, "after_hours_rate": after_hours_rate,
            "line_rates": {k: str(v) for k, v in (line_rates or {}).items()},
        },
    )  # fmt: skip
    return plan


# -- orders -------------------------------------------------------------------------------------
def _number(prefix: str, at: dt.datetime) -> str:
    return f"{prefix}{timezone.localtime(at):%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}"


def _items_checked(
    store: Store, items: Sequence[tuple[str, int]], *, online: bool = True
) -> list[tuple[Sku, Product, int]]:
    """The items as (sku, product, quantity): online, each sellable at the store today; in
    the store (POS), any SKU of the catalog (the online assortment does not bind the till)."""
    if not items:
        raise ValidationError({"items": _("An order needs at least one item.")})
    if len(items) > MAX_LINES:
        raise ValidationError(
            {"items": _("An order may hold at most %(n)d lines.") % {"n": MAX_LINES}}
        )
    codes = [code for code, _quantity in items]
    skus = {s.code: s for s in Sku.objects.select_related("product").filter(code__in=codes)}
    allowed = (
        sellable_skus(store=store, sku_ids={s.pk for s in skus.values()})
        if online
        else {s.pk for s in skus.values()}
    )
    errors: dict[str, str] = {}
    out = []
    for index, (code, quantity) in enumerate(items):
        sku = skus.get(code)
        if sku is None or sku.pk not in allowed:
            errors[f"items.{index}.sku"] = _("%(code)s is not sold at this store.") % {"code": code}
        elif not isinstance(quantity, int) or not 0 < quantity <= MAX_QUANTITY:
            errors[f"items.{index}.quantity"] = _("A quantity is from 1 to %(n)d.") % {
                "n": MAX_QUANTITY
            }
        else:
            out.append((sku, sku.product, quantity))
    if errors:
        raise ValidationError(errors)
    return out


def _lines_make(
    order: Order, items: Sequence[tuple[Sku, Product, int]], paid: Sequence[int] | None = None
) -> list[OrderLine]:
    lines = [
        OrderLine(
            order=order, sku=sku, brand_id=product.brand_id, product_line=product.product_line,
            quantity=quantity, unit_price_fen=product.price_fen,
            amount_fen=paid[i] if paid is not None else product.price_fen * quantity,
        )
        for i, (sku, product, quantity) in enumerate(items)
    ]  # fmt: skip
    return OrderLine.objects.bulk_create(lines)


@transaction.atomic
def order_create(
    *,
    store: Store,
    items: Sequence[tuple[str, int]],
    customer_id: int | None = None,
    share_code: str = "",
    landed_at: dt.datetime | None = None,
    note: str = "",
    via_store_account: bool = False,
    client_ref: str = "",
    placed_at: dt.datetime | None = None,
    coupon_code: str = "",
) -> Order:
    """A mall order awaiting payment, priced from the catalog, less the member's coupon if
    one is given (used by this order, once). A retried call with the same `client_ref`
    returns the first order. A customer merged since the caller looked them up buys as the
    customer they were merged into."""
    if client_ref:
        existing = Order.objects.filter(channel=OrderChannel.MALL, client_ref=client_ref).first()
        if existing is not None:
            return existing
    customer_id = customer_survivor_id(customer_id)
    if store.status != StoreStatus.OPEN:
        raise ValidationError({"store": _("This store is closed.")})
    checked = _items_checked(store, items)
    at = placed_at or timezone.now()
    paid = [p.price_fen * q for _s, p, q in checked]
    coupon, off = None, [0] * len(paid)
    if coupon_code:
        from siyu.loyalty import services as loyalty

        coupon = loyalty.coupon_for(code=coupon_code, customer_id=customer_id, at=at)
        off = loyalty.discount_for(coupon.template, [
            loyalty.Priced(p.product_line, p.category, p.brand_id, fen)
            for (_s, p, _q), fen in zip(checked, paid, strict=True)
        ])  # fmt: skip
        paid = [fen - cut for fen, cut in zip(paid, off, strict=True)]
    order = Order.objects.create(
        number=_number("M", at), client_ref=client_ref, channel=OrderChannel.MALL,
        status=OrderStatus.PENDING, brand_id=store.brand_id, branch_id=store.branch_id,
        store=store, customer_id=customer_id, placed_at=at, total_fen=sum(paid), note=note[:200],
        via_store_account=via_store_account, share_code=share_code[:16],
        landed_at=landed_at if share_code else None,
    )  # fmt: skip
    _lines_make(order, checked, paid)
    if coupon is not None:
        loyalty.coupon_redeem(coupon=coupon, order_id=order.pk, discount_fen=sum(off), at=at)
    return order


def _settle(order: Order) -> None:
    """Attribute a just-paid order, accrue its guide's commission, and its member's points
    and tier (loyalty)."""
    from siyu.loyalty.services import order_paid

    lines = list(order.lines.all())
    attribution.order_attribute(order=order, lines=lines)
    order.save()
    commission.commission_accrue(order=order, lines=lines)
    order_paid(order=order, lines=lines)


@transaction.atomic
def payment_notice_handle(*, gateway_name: str, body: bytes, headers: dict[str, str]) -> Order:
    """Apply a gateway's payment notice: signature checked (payments.BadNotice otherwise);
    the same notice again changes nothing; an amount other than the order's is refused."""
    gateway = payments.gateway(gateway_name)
    notice = gateway.notice_read(body, headers)
    order = Order.objects.select_for_update().filter(number=notice.order_number).first()
    if order is None:
        raise payments.BadNotice("unknown order")
    done = Payment.objects.filter(
        gateway=gateway.name, transaction_id=notice.transaction_id
    ).first()
    if done is not None:
        return order  # a resent notice
    if order.status == OrderStatus.PAID:
        raise payments.BadNotice("the order was already paid by another transaction")
    if order.status != OrderStatus.PENDING or notice.amount_fen != order.total_fen:
        raise payments.BadNotice("the amount or the order's state does not match")
    Payment.objects.create(
        order=order, gateway=gateway.name, transaction_id=notice.transaction_id,
        amount_fen=notice.amount_fen, paid_at=notice.paid_at, notice=notice.raw,
    )  # fmt: skip
    order.status, order.paid_at = OrderStatus.PAID, notice.paid_at
    _settle(order)
    return order


def pos_number(brand_id: int, pos_no: str) -> str:
    """siyu's order no. for a till's order no.: POS numbers are unique per brand only."""
    return f"P{brand_id}-{pos_no.strip()}"


@transaction.atomic
def pos_order_record(
    *,
    scope: Scope,
    store: Store,
    number: str,
    placed_at: dt.datetime,
    items: Sequence[tuple[str, int, int]],
    cashier: Staff | None = None,
    customer_id: int | None = None,
    coupon_code: str = "",
) -> tuple[Order, bool]:
    """A paid POS order (sku code, quantity, amount paid per line), once per POS order
    number: returns (order, created); the same number again returns the first order. A
    coupon the till took is checked (the member's, valid, its threshold met by the lines'
    list prices) and used by this order. A merged customer buys as the one they were merged
    into."""
    scope.require(Capability.MANAGE_ORDERS)
    access(Store.objects.all(), scope, pk=store.pk)
    number = pos_number(store.brand_id, number)
    existing = Order.objects.filter(number=number).first()
    if existing is not None:
        return existing, False
    customer_id = customer_survivor_id(customer_id)
    if cashier is not None and cashier.store_id != store.pk:
        raise ValidationError({"cashier": _("The cashier works at another store.")})
    checked = _items_checked(
        store, [(code, quantity) for code, quantity, _amount in items], online=False
    )
    amounts = [amount for _code, _quantity, amount in items]
    if any(not isinstance(a, int) or a < 0 for a in amounts):
        raise ValidationError(
            {"items": _("A line's amount is a whole number of fen, not negative.")}
        )
    order = Order.objects.create(
        number=number, channel=OrderChannel.POS, status=OrderStatus.PAID,
        brand_id=store.brand_id, branch_id=store.branch_id, store=store,
        customer_id=customer_id, placed_at=placed_at, paid_at=placed_at,
        total_fen=sum(amounts), cashier=cashier,
    )  # fmt: skip
    _lines_make(order, checked, amounts)
    if coupon_code:
        from siyu.loyalty import services as loyalty

        coupon = loyalty.coupon_for(code=coupon_code, customer_id=customer_id, at=placed_at)
        off = loyalty.discount_for(coupon.template, [
            loyalty.Priced(p.product_line, p.category, p.brand_id, p.price_fen * q)
            for _s, p, q in checked
        ])  # fmt: skip
        loyalty.coupon_redeem(coupon=coupon, order_id=order.pk, discount_fen=sum(off), at=placed_at)
    _settle(order)
    return order, True


@transaction.atomic
def refund_create(
    *,
    scope: Scope,
    order: Order,
    number: str,
    items: Sequence[tuple[int, int, int | None]],
    reason: str = "",
    refunded_at: dt.datetime | None = None,
) -> Refund:
    """Refund (line id, quantity, amount or None for the line's paid price of that many)
    of a paid order. Never more than was paid for a line, in quantity or money. A resent
    refund number returns the first refund."""
    scope.require(Capability.MANAGE_ORDERS)
    existing = Refund.objects.filter(number=number).first()
    if existing is not None:
        if existing.order_id != order.pk:
            raise ValidationError({"number": _("This refund number belongs to another order.")})
        return existing
    order = access(Order.objects.select_for_update(), scope, pk=order.pk)
    if order.status != OrderStatus.PAID:
        raise ValidationError({"order": _("Only a paid order can be refunded.")})
    lines = {line.pk: line for line in order.lines.select_for_update().order_by("pk")}
    if not items:
        raise ValidationError({"items": _("Name the lines to refund.")})
    errors: dict[str, str] = {}
    planned: list[tuple[OrderLine, int, int]] = []
    for index, (line_id, quantity, amount) in enumerate(items):
        line = lines.get(line_id)
        if line is None:
            errors[f"items.{index}.line"] = _("No such line in this order.")
            continue
        left = line.quantity - line.refunded_quantity
        if not isinstance(quantity, int) or not 0 < quantity <= left:
            errors[f"items.{index}.quantity"] = _("At most %(n)d can be refunded.") % {"n": left}
            continue
        money_left = line.amount_fen - line.refunded_fen
        if amount is None:  # the paid price of that many units; the last ones take the rest
            amount = money_left if quantity == left else line.amount_fen * quantity // line.quantity
        if not isinstance(amount, int) or not 0 <= amount <= money_left:
            errors[f"items.{index}.amount_fen"] = _("At most %(n)d fen can be refunded.") % {
                "n": money_left
            }
            continue
        planned.append((line, quantity, amount))
    if errors:
        raise ValidationError(errors)
    at = refunded_at or timezone.now()
    try:
        with transaction.atomic():
            refund = Refund.objects.create(
                order=order, number=number, amount_fen=sum(a for _l, _q, a in planned),
                reason=reason[:200], refunded_at=at,
            )  # fmt: skip
    except IntegrityError:  # the same number, sent twice at once
        return Refund.objects.get(number=number)
    refund_lines = []
    for line, quantity, amount in planned:
        line.refunded_quantity += quantity
        line.refunded_fen += amount
        line.save(update_fields=["refunded_quantity", "refunded_fen"])
        refund_lines.append(
            RefundLine(refund=refund, line=line, quantity=quantity, amount_fen=amount)
        )
    RefundLine.objects.bulk_create(refund_lines)
    order.refunded_fen += refund.amount_fen
    order.save(update_fields=["refunded_fen"])
    commission.commission_clawback(order=order, refund_lines=refund_lines, at=at)
    from siyu.loyalty.services import order_refunded

    order_refunded(order=order, refund=refund)
    return refund


def orders_cancel_unpaid(*, now: dt.datetime | None = None) -> int:
    """Cancel mall orders left unpaid past COMMERCE_PENDING_MINUTES, one transaction each
    (a payment arriving at the same moment wins: the row is locked and re-read), and give
    back the coupon each one used; returns how many were cancelled."""
    from django.conf import settings

    from siyu.loyalty.services import coupon_release

    now = now or timezone.now()
    stale = now - dt.timedelta(minutes=settings.COMMERCE_PENDING_MINUTES)
    cancelled = 0
    for pk in Order.objects.filter(status=OrderStatus.PENDING, placed_at__lt=stale).values_list("pk", flat=True).order_by("pk"):  # fmt: skip
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=pk)
            if order.status != OrderStatus.PENDING:
                continue
            order.status = OrderStatus.CANCELLED
            order.save(update_fields=["status"])
            coupon_release(order_id=order.pk)
            cancelled += 1
    return cancelled
