"""The commerce API: storefront routing, mall and POS orders, payment notices, refunds,
statements and a guide's month. Handlers are thin: they resolve ids inside the caller's
scope and call one service or selector."""

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import ref, scope_of
from siyu.commerce import kpis, payments, selectors, services
from siyu.commerce import pos_import as pos_import_module
from siyu.commerce.models import Order
from siyu.core.periods import check_period
from siyu.core.tabular import read_rows
from siyu.members.models import Customer
from siyu.members.selectors import customer_id_for
from siyu.org.models import Brand, Staff, Store
from siyu.org.scope import access

router = Router(tags=["commerce"])


def _store(request: HttpRequest, code: str) -> Store:
    store = Store.objects.filter(code=code).first()
    return ref(Store, scope_of(request), store.pk if store else 0, "store")  # type: ignore[return-value]


# -- routing (public) ---------------------------------------------------------------------------
class RouteOut(Schema):
    store_id: int
    store_code: str
    store_name: str
    reason: str
    city_code: str


class RouteQuery(Schema):
    brand: str = Field(description="brand code")
    share: str = Field("", max_length=16)
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)
    city: str = Field("", pattern=r"^(\d{6})?$", description="city adcode, if known")


@router.get("/commerce/route", auth=None, response={200: RouteOut, 404: dict})
def route(request: HttpRequest, query: Query[RouteQuery]):
    """The store whose storefront a customer lands on (share → location → HQ store), and why."""
    found = Brand.objects.filter(code=query.brand).first()
    result = (
        selectors.storefront_for(
            brand=found, share_code=query.share, latitude=query.lat, longitude=query.lng,
            city_code=query.city,
        )
        if found
        else None
    )  # fmt: skip
    if result is None:
        message = _("No storefront for this brand.")
        return Status(404, {"error": "not_found", "message": message, "fields": {}})
    store = Store.objects.get(pk=result.store_id)
    return {
        "store_id": store.pk, "store_code": store.code, "store_name": store.name,
        "reason": result.reason, "city_code": result.city_code,
    }  # fmt: skip


# -- orders -------------------------------------------------------------------------------------
class ItemIn(Schema):
    sku: str = Field(max_length=40)
    quantity: int = Field(ge=1, le=999)


class OrderIn(Schema):
    store: str = Field(description="store code")
    items: list[ItemIn] = Field(min_length=1, max_length=50)
    customer_id: int | None = None
    share: str = Field("", max_length=16)
    landed_at: dt.datetime | None = None
    note: str = Field("", max_length=200)
    coupon: str = Field("", max_length=16, description="the member's coupon code")
    via_store_account: bool = False
    client_ref: str = Field(
        "", max_length=64, description="your id: a retry returns the same order"
    )


class LineOut(Schema):
    id: int
    sku: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    refunded_quantity: int
    refunded_fen: int


class OrderOut(Schema):
    id: int
    number: str
    channel: str
    status: str
    store_id: int
    customer_id: int | None
    placed_at: dt.datetime
    paid_at: dt.datetime | None
    total_fen: int
    refunded_fen: int
    attribution_rule: str
    staff_id: int | None
    content_id: int | None
    is_moments: bool
    is_after_hours: bool
    is_cross_city: bool
    is_cross_brand: bool
    is_member: bool


class OrderDetailOut(OrderOut):
    lines: list[LineOut]


def _detail(order: Order) -> dict[str, Any]:
    out = OrderOut.from_orm(order).dict()
    out["lines"] = [
        {
            "id": line.pk, "sku": line.sku.code, "quantity": line.quantity,
            "unit_price_fen": line.unit_price_fen, "amount_fen": line.amount_fen,
            "refunded_quantity": line.refunded_quantity, "refunded_fen": line.refunded_fen,
        }
        for line in order.lines.all()
    ]  # fmt: skip
    return out


@router.post("/commerce/orders", response={201: OrderDetailOut})
def order_create(request: HttpRequest, payload: OrderIn):
    """A mall order awaiting payment, priced from the catalog (for a mini-program's back end)."""
    scope = scope_of(request)
    store = _store(request, payload.store)
    customer = ref(Customer, scope, payload.customer_id, "customer_id")
    order = services.order_create(
        store=store, items=[(i.sku, i.quantity) for i in payload.items],
        customer_id=customer.pk if customer else None, share_code=payload.share,
        landed_at=payload.landed_at, note=payload.note,
        via_store_account=payload.via_store_account, client_ref=payload.client_ref,
        coupon_code=payload.coupon,
    )  # fmt: skip
    return Status(201, _detail(selectors.order_get(scope=scope, order_id=order.pk)))


class PosItemIn(ItemIn):
    amount_fen: int = Field(ge=0, description="what was paid for the line")


class IdentityIn(Schema):
    kind: str = Field(pattern="^(phone|pos_card|unionid|mp_openid|external_userid|other)$")
    value: str = Field(min_length=1, max_length=128)


class PosOrderIn(Schema):
    store: str
    number: str = Field(min_length=1, max_length=32, description="the POS order no.")
    placed_at: dt.datetime
    cashier: str = Field("", description="employee no. of the cashier")
    customer: IdentityIn | None = Field(None, description="the member as the POS knows them")
    items: list[PosItemIn] = Field(min_length=1, max_length=50)
    coupon: str = Field("", max_length=16, description="the member's coupon the till took")


@router.post("/commerce/pos-orders", response={200: OrderDetailOut, 201: OrderDetailOut})
def pos_order_record(request: HttpRequest, payload: PosOrderIn):
    """A paid POS order; the same POS number again returns the first (200, not 201)."""
    scope = scope_of(request)
    store = _store(request, payload.store)
    cashier = Staff.objects.filter(employee_no=payload.cashier).first() if payload.cashier else None
    if payload.cashier and cashier is None:
        raise ValidationError({"cashier": _("No staff member has this employee no.")})
    # The shopper may belong to any store (a member buying away from home): named by an
    # identity, not by an id the caller would need to see; an unknown one is a non-member.
    who = payload.customer
    order, created = services.pos_order_record(
        scope=scope, store=store, number=payload.number, placed_at=payload.placed_at,
        items=[(i.sku, i.quantity, i.amount_fen) for i in payload.items], cashier=cashier,
        customer_id=customer_id_for(kind=who.kind, value=who.value) if who else None,
        coupon_code=payload.coupon,
    )  # fmt: skip
    detail = _detail(selectors.order_get(scope=scope, order_id=order.pk))
    return Status(201 if created else 200, detail)


class PosImportOut(Schema):
    rows: int
    created: int
    duplicates: int
    skipped: int
    errors: list[dict]


@router.post("/commerce/pos-orders/import", response=PosImportOut)
def pos_import(request: HttpRequest, file: UploadedFile = File(...)):
    """POS orders from a .csv or .xlsx file (one row per line; see docs/commerce.md): orders
    with a bad row are skipped whole and reported by row; POS numbers seen before are
    counted as duplicates."""
    rows = read_rows(file, file.name or "")
    return pos_import_module.pos_import(scope=scope_of(request), rows=rows).as_dict()


class OrderFilters(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    channel: str = Field("", pattern="^(mall|pos)?$")


@router.get("/commerce/orders", response=list[OrderOut])
@paginate(CursorPagination, ordering=("-id",))
def order_list(request: HttpRequest, filters: Query[OrderFilters]):
    """Paid orders in your scope (a guide: those credited to you)."""
    return selectors.order_list(scope=scope_of(request), **filters.dict())


@router.get("/commerce/orders/{order_id}", response=OrderDetailOut)
def order_get(request: HttpRequest, order_id: int):
    return _detail(selectors.order_get(scope=scope_of(request), order_id=order_id))


class RefundItemIn(Schema):
    line_id: int
    quantity: int = Field(ge=1)
    amount_fen: int | None = Field(None, ge=0, description="default: the paid price of that many")


class RefundIn(Schema):
    number: str = Field(
        min_length=1, max_length=40, description="your refund no.: a retry is a no-op"
    )
    items: list[RefundItemIn] = Field(min_length=1)
    reason: str = Field("", max_length=200)


class RefundOut(Schema):
    id: int
    number: str
    amount_fen: int
    refunded_at: dt.datetime


@router.post("/commerce/orders/{order_id}/refunds", response={201: RefundOut})
def refund_create(request: HttpRequest, order_id: int, payload: RefundIn):
    """Refund some lines of a paid order; never more than was paid for a line."""
    scope = scope_of(request)
    order = access(Order.objects.all(), scope, pk=order_id)
    refund = services.refund_create(
        scope=scope, order=order, number=payload.number, reason=payload.reason,
        items=[(i.line_id, i.quantity, i.amount_fen) for i in payload.items],
    )  # fmt: skip
    return Status(201, refund)


# -- payment notices (the gateway calls) --------------------------------------------------------
@router.post("/commerce/payments/{gateway}/notify", auth=None, response={200: dict, 400: dict})
def payment_notify(request: HttpRequest, gateway: str):
    """A payment gateway's notice. Bad signature or mismatch: 400 and nothing changes; the
    same notice again: 200 and nothing changes."""
    headers = dict(request.headers)
    try:
        order = services.payment_notice_handle(
            gateway_name=gateway, body=request.body, headers=headers
        )
    except payments.BadNotice as exc:
        return Status(400, {"error": "bad_notice", "message": str(exc), "fields": {}})
    return Status(200, {"order": order.number, "status": order.status})


# -- statements ---------------------------------------------------------------------------------
class SalesKpiOut(Schema):
    key: str | None
    label: str
    orders: int
    sales_fen: int
    online_fen: int
    pos_fen: int
    after_hours_share: Decimal | None
    moments_share: Decimal | None
    cross_city_share: Decimal | None
    member_share: Decimal | None
    cross_brand_share: Decimal | None
    multi_brand_member_share: Decimal | None
    friend_conversion: Decimal | None
    pos_buyers: int
    pos_buyer_friends: int


class SalesQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    by: str = Field("day", pattern="^(day|brand|branch|store|guide)$")


@router.get("/commerce/kpis", response=list[SalesKpiOut])
def sales_kpis(request: HttpRequest, query: Query[SalesQuery]):
    """Sales KPIs of product.md in the period (default today) by day, brand, branch, store or
    guide: online sales, after-hours, moments, cross-city, member and cross-brand shares, and
    the transacting-customer friend conversion."""
    start, end = check_period(query.start, query.end)
    rows = kpis.sales_kpis(scope=scope_of(request), start=start, end=end, by=query.by)
    return [
        {
            **{name: getattr(r, name) for name in SalesKpiOut.model_fields if name not in ("key",)},
            "key": str(r.key) if r.key is not None else None,
        }
        for r in rows
    ]


class StatementOut(Schema):
    key: int
    label: str
    online_fen: int
    pos_fen: int
    sales_fen: int
    orders: int
    accrued_fen: int
    clawed_back_fen: int
    commission_fen: int


def _month(text: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}", text or ""):
        raise ValidationError({"month": _("A month is written YYYY-MM.")})
    return dt.date(int(text[:4]), int(text[5:]), 1)


def _statement_out(row: selectors.StatementRow) -> dict[str, Any]:
    return {
        "key": row.key, "label": row.label, "online_fen": row.online_fen, "pos_fen": row.pos_fen,
        "sales_fen": row.sales_fen, "orders": row.orders, "accrued_fen": row.accrued_fen,
        "clawed_back_fen": row.clawed_back_fen, "commission_fen": row.commission_fen,
    }  # fmt: skip


class StatementQuery(Schema):
    month: str = Field(description="YYYY-MM")
    by: str = Field("guide", pattern="^(guide|store)$")


@router.get("/commerce/statement", response=list[StatementOut])
def statement(request: HttpRequest, query: Query[StatementQuery]):
    """A month's sales (net of refunds, online and POS) and commission per guide or store."""
    rows = selectors.statement(scope=scope_of(request), month=_month(query.month), by=query.by)
    return [_statement_out(r) for r in rows]


@router.get("/commerce/my-month", response=StatementOut)
def my_month(request: HttpRequest):
    """The calling guide's sales and commission this month."""
    scope = scope_of(request)
    mine = selectors.caller_month(scope=scope, by="guide")
    return _statement_out(mine or selectors.StatementRow(key=scope.staff_id or 0, label=""))
