"""POS orders from a file (CSV or Excel), one row per order line, with a row-level report.

Rows of the same POS number at the same store make one order. An order whose rows are all
good is imported; an order with a bad row is skipped whole and the report names each bad
row with the reason per column. POS numbers already imported are counted as duplicates and
skipped, so a file imported twice adds nothing.

The import is built for volume (a brand's day of tills, or a month's backfill): everything
the rows refer to — stores, SKUs, cashiers, members, their facts — is read once per chunk of
orders, commission plans once per file and day; attribution and commission use the same
rules as a single order (`attribution.attribution_decide`, `commission.accrual_amounts`);
orders, lines and ledger rows are written as plain rows with one multi-row statement per
table (`core.sql.dicts_insert`). Each chunk is decided and priced first, reading only
(`_prepare`), then written in one transaction on the database's write turn (`_apply`), so
the write lock is held for the writing alone.

Columns (Chinese or English headers): pos_no/单号, store/门店编码, time/时间 (local time, or
ISO 8601 with a zone), cashier/收银员工号, member_phone/会员手机, member_card/会员卡号,
sku/SKU, quantity/数量, amount/实收金额 (yuan, e.g. 599.00).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import chain, compress, repeat
from operator import attrgetter, itemgetter
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from siyu.commerce import attribution, commission
from siyu.commerce.models import (
    CommissionEntry,
    EntryKind,
    Order,
    OrderChannel,
    OrderLine,
    OrderStatus,
    Sku,
)
from siyu.commerce.services import pos_number
from siyu.core import bulk, periods, sql
from siyu.core.tabular import canonical
from siyu.org.models import Staff, Store
from siyu.org.scope import Capability, Scope, scoped

HEADERS = {
    "pos_no": ("pos_no", "单号", "小票号", "POS单号"),
    "store": ("store", "门店编码", "门店"),
    "time": ("time", "时间", "销售时间"),
    "cashier": ("cashier", "收银员工号", "导购工号"),
    "member_phone": ("member_phone", "会员手机", "手机号"),
    "member_card": ("member_card", "会员卡号"),
    "sku": ("sku", "SKU", "商品编码"),
    "quantity": ("quantity", "数量"),
    "amount": ("amount", "实收金额", "金额"),
}
# Orders per chunk: each chunk reads what it refers to once and commits once, and a commit
# writes every page the chunk touched (the orders' (…, paid_at) indexes put new rows all over
# their B-trees), so larger chunks share more: 10,000 ran 6 % faster than 5,000 and 24 %
# faster than 1,000. Only the write holds SQLite's write lock, about half a second.
CHUNK_ORDERS = 10_000
MAX_LINES = 50


@dataclass
class PosReport:
    rows: int = 0
    created: int = 0  # orders
    duplicates: int = 0  # orders already imported
    skipped: int = 0  # orders with a bad row
    errors: list[dict[str, Any]] = field(default_factory=list)  # {"row": n, "fields": {col: msg}}

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows, "created": self.created, "duplicates": self.duplicates,
            "skipped": self.skipped, "errors": self.errors,
        }  # fmt: skip


@dataclass
class _Line:
    row: int
    sku: str
    quantity: int
    amount_fen: int


@dataclass
class _Order:
    store: str
    pos_no: str
    at: dt.datetime
    cashier: str
    phone: str
    card: str
    lines: list[_Line] = field(default_factory=list)
    bad: bool = False


def _when(value: Any, zone: dt.tzinfo) -> dt.datetime | None:
    """An aware moment; naive values (local time, as tills and Excel give it) are in `zone`."""
    if not isinstance(value, dt.datetime):
        value = periods.read_moment(str(value or ""))
        if value is None:
            return None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _text(value: Any) -> str:
    """A cell as stripped text (`canonical` has stripped strings already; Excel gives numbers)."""
    return value if type(value) is str else str(value or "").strip()


def _fen(value: Any) -> int | None:
    """Yuan (text like 599.00, or an Excel number) as fen; None if negative or finer than fen."""
    text = str(value).strip()
    whole, dot, cents = text.partition(".")
    if text.isascii() and whole.isdigit() and (cents.isdigit() and len(cents) <= 2 or not dot):
        return int(whole) * 100 + int(cents.ljust(2, "0"))  # the usual case, without a Decimal
    try:
        yuan = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if yuan < 0 or yuan != yuan.quantize(Decimal("0.01")):
        return None
    return int(yuan * 100)


def _parse(rows: Iterable[dict[str, Any]], report: PosReport) -> dict[tuple[str, str], _Order]:
    """Rows → orders by (store, POS no.), each row checked on its own."""
    orders: dict[tuple[str, str], _Order] = {}
    zone = periods.group_zone()
    times: dict[Any, dt.datetime | None] = {}  # the lines of an order share their time
    for index, raw in enumerate(rows, start=2):  # row 1 is the header
        report.rows += 1
        row = canonical(raw, HEADERS)
        get = row.get
        errors: dict[str, str] = {}
        pos_no, store, sku = _text(get("pos_no")), _text(get("store")), _text(get("sku"))
        for name, value in (("pos_no", pos_no), ("store", store), ("sku", sku)):
            if not value:
                errors[name] = _("This field is required.")
        stamp = get("time")
        at = times[stamp] if stamp in times else times.setdefault(stamp, _when(stamp, zone))
        if at is None:
            errors["time"] = _("A time like 2026-11-20 14:03 (local) or ISO 8601 with a zone.")
        try:
            quantity = int(_text(get("quantity")))
            if not 0 < quantity <= 999:
                raise ValueError
        except ValueError:
            errors["quantity"] = _("A quantity is from 1 to %(n)d.") % {"n": 999}
            quantity = 0
        amount = _fen(get("amount"))
        if amount is None:
            errors["amount"] = _("An amount in yuan, like 599.00, not negative.")
        key = (store, pos_no)
        order = orders.get(key)
        head = (at, _text(get("cashier")), _text(get("member_phone")), _text(get("member_card")))
        if order is None and pos_no and store:
            order = orders[key] = _Order(store, pos_no, *head)  # type: ignore[arg-type]
        elif order is not None and (order.at, order.cashier, order.phone, order.card) != head:
            errors["pos_no"] = _("Rows of one POS order disagree on time, cashier or member.")
        if errors:
            report.errors.append({"row": index, "fields": errors})
            if order is not None:
                order.bad = True
            continue
        assert order is not None
        order.lines.append(_Line(index, sku, quantity, amount))  # type: ignore[arg-type]
    return orders


def pos_import(
    *,
    scope: Scope,
    rows: Iterable[dict[str, Any]],
    progress: Callable[[int, int], None] | None = None,
) -> PosReport:
    """Import POS orders from rows (core.tabular.read_rows) into stores of the caller's scope."""
    scope.require(Capability.MANAGE_ORDERS)
    with bulk.gc_paused():
        return _import(scope, rows, progress)


def _import(
    scope: Scope, rows: Iterable[dict[str, Any]], progress: Callable[[int, int], None] | None
) -> PosReport:
    report = PosReport()
    orders = list(_parse(rows, report).values())
    for order in orders:
        if len(order.lines) > MAX_LINES:
            order.bad = True
            report.errors.append({"row": order.lines[0].row, "fields": {"pos_no": _("An order may hold at most %(n)d lines.") % {"n": MAX_LINES}}})  # fmt: skip
    good = [o for o in orders if not o.bad]
    report.skipped = len(orders) - len(good)
    # Commission plans by brand and day, read once for the whole file.
    plans: dict[tuple[int, dt.date], Any] = {}
    for start in range(0, len(good), CHUNK_ORDERS):
        chunk = good[start : start + CHUNK_ORDERS]
        try:
            done = _chunk_import(scope, chunk, plans)
        except IntegrityError:  # another import wrote some of these numbers meanwhile
            done = _chunk_import(scope, chunk, plans)
        report.created += done.created
        report.duplicates += done.duplicates
        report.skipped += done.skipped
        report.errors += done.errors
        if progress is not None:
            progress(min(start + CHUNK_ORDERS, len(good)), len(good))
    return report


def _chunk_import(
    scope: Scope, chunk: Sequence[_Order], plans: dict[tuple[int, dt.date], Any]
) -> PosReport:
    """One chunk: decided outside any transaction, then written in one, on its write turn
    (what happened is added to the file's report only once the transaction has committed)."""
    ready = _prepare(scope, chunk, plans)
    if ready.orders:
        with sql.write_turn(), transaction.atomic():
            _apply(ready)
    ready.report.created = len(ready.orders)
    return ready.report


def _refuse(report: PosReport, order: _Order, column: str, message: str) -> None:
    report.skipped += 1
    report.errors.append({"row": order.lines[0].row, "fields": {column: message}})


@dataclass
class _Ready:
    """A chunk's orders decided and priced, not yet written; `report` holds its duplicates
    and refusals."""

    report: PosReport
    orders: list[dict[str, Any]] = field(default_factory=list)  # Order rows, no ids yet
    lines: list[list[attribution.DraftLine]] = field(default_factory=list)  # of each order
    # Of each order: its ledger month and (rate, commission) per line, or None for the
    # amounts when no guide is credited.
    accruals: list[tuple[dt.date | None, list[tuple[Decimal, int]] | None]] = field(
        default_factory=list
    )


def _prepare(
    scope: Scope, chunk: Sequence[_Order], plans: dict[tuple[int, dt.date], Any]
) -> _Ready:
    """Check what a chunk of orders refers to, decide attribution and price commission: reads
    only, so that the write that follows holds the database's write lock briefly."""
    from siyu.members.selectors import customer_facts, customer_ids_for
    from siyu.org.selectors import staff_facts

    ready = _Ready(PosReport())
    report = ready.report
    stores = {
        s.code: s
        for s in scoped(Store.objects.all(), scope).filter(code__in={o.store for o in chunk})
    }
    numbers = {
        pos_number(stores[o.store].brand_id, o.pos_no): o for o in chunk if o.store in stores
    }
    existing = _numbers_taken(list(numbers))
    skus = {
        code: (pk, brand, line, price)
        for code, pk, brand, line, price in Sku.objects.filter(
            code__in={line.sku for o in chunk for line in o.lines}
        ).values_list("code", "pk", "product__brand_id", "product__product_line", "product__price_fen")
    }  # fmt: skip
    cashiers = dict(
        Staff.objects.filter(employee_no__in={o.cashier for o in chunk if o.cashier}).values_list(
            "employee_no", "pk"
        )
    )
    members = customer_ids_for(
        {("phone", o.phone) for o in chunk if o.phone}
        | {("pos_card", o.card) for o in chunk if o.card}
    )
    customers = customer_facts(set(members.values()))
    guides = staff_facts(set(cashiers.values()) | {c.owner_staff_id for c in customers.values() if c.owner_staff_id})  # fmt: skip
    campaigns: dict[int, list[Any]] = {}  # by brand, those overlapping the chunk's orders
    months: dict[dt.date, dt.date] = {}  # the ledger month of each local day
    first, last = min(o.at for o in chunk), max(o.at for o in chunk)
    for number, pos in numbers.items():
        store = stores[pos.store]
        if number in existing:
            report.duplicates += 1
            continue
        unknown = [line for line in pos.lines if line.sku not in skus]
        if unknown:
            _refuse(report, pos, "sku", _("Unknown SKU %(code)s.") % {"code": unknown[0].sku})
            continue
        cashier = cashiers.get(pos.cashier) if pos.cashier else None
        if pos.cashier and (cashier is None or guides[cashier].store_id != store.pk):
            _refuse(
                report, pos, "cashier", _("No staff member of this store has this employee no.")
            )
            continue
        customer_id = members.get(("pos_card", pos.card)) or members.get(("phone", pos.phone))
        bought = [
            attribution.DraftLine(*skus[line.sku][:2], skus[line.sku][2], line.quantity, skus[line.sku][3], line.amount_fen)
            for line in pos.lines
        ]  # fmt: skip
        decided = attribution.Draft(placed_at=pos.at, cashier_id=cashier)
        known = attribution.Known(customer=customers.get(customer_id or 0), staff=guides)
        attribution.attribution_decide(
            order=decided, lines=bought, known=known, store_city=store.city_code
        )
        ready.orders.append({
            "number": number, "channel": OrderChannel.POS, "status": OrderStatus.PAID,
            "brand_id": store.brand_id, "branch_id": store.branch_id, "store_id": store.pk,
            "customer_id": customer_id, "placed_at": pos.at, "paid_at": pos.at,
            "total_fen": sum(b.amount_fen for b in bought), "cashier_id": cashier,
            "attribution_rule": decided.attribution_rule, "staff_id": decided.staff_id,
            "is_after_hours": decided.is_after_hours, "is_member": decided.is_member,
            "is_cross_city": decided.is_cross_city, "is_cross_brand": decided.is_cross_brand,
        })  # fmt: skip
        ready.lines.append(bought)
        if decided.staff_id is None:
            ready.accruals.append((None, None))
            continue
        brand, day = store.brand_id, periods.local(pos.at).date()
        if (brand, day) not in plans:
            plans[(brand, day)] = commission.plan_for(brand, day)
        if day not in months:
            months[day] = commission.month_of(pos.at)
        if brand not in campaigns:
            campaigns[brand] = commission.campaigns_for(brand, first, last)
        ready.accruals.append((months[day], commission.accrual_amounts(
            placed_at=pos.at, after_hours=decided.is_after_hours, lines=bought,
            plan=plans[(brand, day)], campaigns=campaigns[brand],
        )))  # fmt: skip
    for pos in chunk:
        if pos.store not in stores:
            _refuse(report, pos, "store", _("No such store in your part of the organisation."))
    return ready


def _numbers_taken(numbers: Sequence[str]) -> set[str]:
    """Which of these order numbers (at most a chunk's, under SQLite's parameter limit) exist,
    in plain SQL (the ORM binds a chunk's thousands of numbers one by one in Python)."""
    where, params = sql.any_of("number", numbers)
    with sql.driver_cursor() as cursor:
        cursor.execute(f"SELECT number FROM {Order._meta.db_table} WHERE {where}", params)  # noqa: S608
        return {number for (number,) in cursor.fetchall()}


def _apply(ready: _Ready) -> None:
    """Write a prepared chunk (in the caller's transaction): orders, lines and ledger rows as
    plain rows, the lines and ledger rows column by column (`sql.columns_insert`: building a
    model instance, or even a dict, for each cost more than writing it), then members' points
    and tiers by the same rule as a single paid order."""
    from siyu.loyalty.services import Paid, orders_paid

    order_ids = sql.dicts_insert(Order, ready.orders)
    lines = list(chain.from_iterable(ready.lines))
    counts = list(map(len, ready.lines))
    line_ids = sql.columns_insert(OrderLine, {
        "order_id": _per_line(order_ids, counts),
        **{name: list(map(attrgetter(name), lines)) for name in _LINE_FIELDS},
    })  # fmt: skip
    # Ledger rows: one per line of each order credited to a guide.
    credited = _per_line([amounts is not None for _m, amounts in ready.accruals], counts)

    def of_credited(column: Iterable[Any]) -> list[Any]:  # a lines' column, credited lines only
        return list(compress(column, credited))

    priced = list(chain.from_iterable(amounts for _m, amounts in ready.accruals if amounts))
    sql.columns_insert(CommissionEntry, {
        "kind": [EntryKind.ACCRUAL] * len(priced),
        "staff_id": of_credited(_per_line([o["staff_id"] for o in ready.orders], counts)),
        "store_id": of_credited(_per_line([o["store_id"] for o in ready.orders], counts)),
        "order_id": of_credited(_per_line(order_ids, counts)),
        "line_id": of_credited(line_ids),
        "month": of_credited(_per_line([month for month, _a in ready.accruals], counts)),
        "base_fen": of_credited(map(attrgetter("amount_fen"), lines)),
        "rate": list(map(itemgetter(0), priced)),
        "amount_fen": list(map(itemgetter(1), priced)),
    })  # fmt: skip
    orders_paid([
        Paid(order_id, row["brand_id"], row["customer_id"], row["placed_at"], [(b.product_line, b.amount_fen) for b in bought])
        for order_id, row, bought in zip(order_ids, ready.orders, ready.lines, strict=True)
        if row["is_member"] and row["customer_id"] is not None
    ])  # fmt: skip


_LINE_FIELDS = ("sku_id", "brand_id", "product_line", "quantity", "unit_price_fen", "amount_fen")


def _per_line(values: Sequence[Any], counts: Sequence[int]) -> list[Any]:
    """Each order's value once for each of its lines (`counts`), as a column of the lines."""
    return list(chain.from_iterable(map(repeat, values, counts)))
