"""POS orders from a file (CSV or Excel), one row per order line, with a row-level report.

Rows of the same POS number at the same store make one order. An order whose rows are all
good is imported; an order with a bad row is skipped whole and the report names each bad
row with the reason per column. POS numbers already imported are counted as duplicates and
skipped, so a file imported twice adds nothing.

The import is built for volume (a brand's day of tills, or a month's backfill): the rows
are read column by column (`core.tabular.columns`); everything they refer to — stores, SKUs,
cashiers, members, their facts — is read once per chunk of orders, commission plans once
per file and day; attribution and commission use the same rules as a single order
(`attribution.attribution_decide`, and `commission.Tariff`, which `accrual_amounts` uses);
orders, lines and ledger rows are written as plain rows, column by column, with one
multi-row statement per table (`core.sql.columns_insert`). Each chunk is decided and priced
first, reading only (`_prepare`), then written in one transaction on the database's write
turn (`_apply`), so the write lock is held for the writing alone.

Columns (Chinese or English headers): pos_no/单号, store/门店编码, time/时间 (local time, or
ISO 8601 with a zone), cashier/收银员工号, member_phone/会员手机, member_card/会员卡号,
sku/SKU, quantity/数量, amount/实收金额 (yuan, e.g. 599.00).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import chain, compress, count, repeat
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
from siyu.core.tabular import columns
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


# A line of a POS order: (row no. in the file, SKU code, quantity, amount in fen). A plain
# tuple: the import reads tens of thousands, and a dataclass per line cost about 1 µs.
_Line = tuple[int, str, int, int]


@dataclass(slots=True)
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
    # combine() sets the zone in a fifth of the time replace(tzinfo=…) takes (its keywords)
    return dt.datetime.combine(value, value.time(), zone) if value.tzinfo is None else value


def _text(value: Any) -> str:
    """A cell as stripped text (`columns` has stripped strings already; Excel gives numbers)."""
    return value if type(value) is str else str(value or "").strip()


def _quantity(value: Any) -> int | None:
    """A quantity from 1 to 999, or None."""
    try:
        quantity = int(_text(value))
    except ValueError:
        return None
    return quantity if 0 < quantity <= 999 else None


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


class _Memo(dict[Any, Any]):
    """convert(value), worked out the first time a value is asked for."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        found = self[value] = self.convert(value)
        return found


def _texts(values: list[Any]) -> list[str]:
    """Cells as stripped text: a CSV's are already; Excel's numbers and empty cells are not."""
    return values if set(map(type, values)) <= {str} else _each(_text, values)


def _each(convert: Callable[[Any], Any], values: list[Any]) -> list[Any]:
    """convert(value) of each value, once per distinct value: a file repeats its times,
    quantities, amounts and codes (`convert` returns None for a bad value, never raises)."""
    memo = _Memo(convert)
    try:
        return list(map(memo.__getitem__, values))
    except TypeError:  # an unhashable cell (rows handed over by code): one by one
        return list(map(convert, values))


def _row_errors(
    pos_no: str, store: str, sku: str, at: Any, quantity: Any, amount: Any
) -> dict[str, str]:
    """Each bad cell of a row, by column."""
    errors = {
        name: _("This field is required.")
        for name, value in (("pos_no", pos_no), ("store", store), ("sku", sku))
        if not value
    }
    if at is None:
        errors["time"] = _("A time like 2026-11-20 14:03 (local) or ISO 8601 with a zone.")
    if quantity is None:
        errors["quantity"] = _("A quantity is from 1 to %(n)d.") % {"n": 999}
    if amount is None:
        errors["amount"] = _("An amount in yuan, like 599.00, not negative.")
    return errors


def _parse(rows: Iterable[dict[str, Any]], report: PosReport) -> dict[tuple[str, str], _Order]:
    """Rows → orders by (store, POS no.), each row checked on its own. Cells are read and
    converted column by column (`tabular.columns`, each distinct value once); only grouping
    rows into orders goes row by row."""
    rows = rows if isinstance(rows, list) else list(rows)
    report.rows += len(rows)
    cells = columns(rows, HEADERS)
    zone = periods.group_zone()
    texts = [
        _texts(cells[name])
        for name in ("pos_no", "store", "sku", "cashier", "member_phone", "member_card")
    ]
    orders: dict[tuple[str, str], _Order] = {}
    for index, pos_no, store, sku, cashier, phone, card, at, quantity, amount in zip(
        count(2),  # row 1 is the header
        *texts,
        _each(lambda value: _when(value, zone), cells["time"]),
        _each(_quantity, cells["quantity"]),
        _each(_fen, cells["amount"]),
        strict=False,
    ):
        errors = (
            _row_errors(pos_no, store, sku, at, quantity, amount)
            if not (pos_no and store and sku) or at is None or quantity is None or amount is None
            else None
        )
        key = (store, pos_no)
        order = orders.get(key)
        if order is None:
            if pos_no and store:
                order = orders[key] = _Order(store, pos_no, at, cashier, phone, card)
        elif (
            order.at != at or order.cashier != cashier or order.phone != phone or order.card != card
        ):
            errors = errors or {}
            errors["pos_no"] = _("Rows of one POS order disagree on time, cashier or member.")
        if errors:
            report.errors.append({"row": index, "fields": errors})
            if order is not None:
                order.bad = True
            continue
        assert order is not None
        order.lines.append((index, sku, quantity, amount))
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
            report.errors.append({"row": order.lines[0][0], "fields": {"pos_no": _("An order may hold at most %(n)d lines.") % {"n": MAX_LINES}}})  # fmt: skip
    # Written store by store (in the file's order within each): an order's indexes that lead
    # with its store or guide, and the ledger's, then take a chunk's entries in runs on the
    # same pages rather than one at a random place each. −2.8 % of the import's instructions
    # (callgrind: 333,200 → 324,000 an order); sorting by time within a store as well cost
    # more than it saved.
    by_store: dict[str, list[_Order]] = {}
    for order in orders:
        if not order.bad:
            by_store.setdefault(order.store, []).append(order)
    good = list(chain.from_iterable(by_store.values()))
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
    report.errors.sort(key=itemgetter("row"))  # as the file has them
    return report


def _chunk_import(
    scope: Scope, chunk: Sequence[_Order], plans: dict[tuple[int, dt.date], Any]
) -> PosReport:
    """One chunk: decided outside any transaction, then written in one, on its write turn
    (what happened is added to the file's report only once the transaction has committed)."""
    ready = _prepare(scope, chunk, plans)
    if ready.numbers:
        with sql.write_turn(), transaction.atomic():
            _apply(ready)
    ready.report.created = len(ready.numbers)
    return ready.report


def _refuse(report: PosReport, order: _Order, column: str, message: str) -> None:
    report.skipped += 1
    report.errors.append({"row": order.lines[0][0], "fields": {column: message}})


@dataclass(slots=True, frozen=True)
class _Store:
    """What a chunk needs of a store: plain values (a model's foreign key ids are read
    through a descriptor, and the import reads each several times an order)."""

    pk: int
    brand_id: int
    branch_id: int
    city_code: str


@dataclass
class _Ready:
    """A chunk's orders decided and priced, not yet written, column by column (an order's
    row is laid out from these in `_apply`); `report` holds its duplicates and refusals."""

    report: PosReport
    numbers: list[str] = field(default_factory=list)
    stores: list[_Store] = field(default_factory=list)
    customers: list[int | None] = field(default_factory=list)
    moments: list[dt.datetime] = field(default_factory=list)
    cashiers: list[int | None] = field(default_factory=list)
    decided: list[attribution.Draft] = field(default_factory=list)
    lines: list[list[attribution.DraftLine]] = field(default_factory=list)
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
        code: _Store(pk, brand, branch, city)
        for code, pk, brand, branch, city in scoped(Store.objects.all(), scope)
        .filter(code__in={o.store for o in chunk})
        .values_list("code", "pk", "brand_id", "branch_id", "city_code")
    }
    numbers = {
        pos_number(stores[o.store].brand_id, o.pos_no): o for o in chunk if o.store in stores
    }
    existing = _numbers_taken(list(numbers))
    codes = {sku for o in chunk for _row, sku, _q, _a in o.lines}
    skus = {
        code: (pk, brand, line, price)
        for code, pk, brand, line, price in Sku.objects.filter(code__in=codes).values_list(
            "code", "pk", "product__brand_id", "product__product_line", "product__price_fen"
        )
    }
    unknown = codes - skus.keys()
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
    # What the rules know of an order is its customer's facts and the guides: one each.
    knowns: dict[int | None, attribution.Known] = {}
    first, last = min(o.at for o in chunk), max(o.at for o in chunk)
    campaigns: dict[int, list[Any]] = {}  # by brand, those overlapping the chunk's orders
    tariffs: dict[tuple[int, dt.date], commission.Tariff] = {}  # by brand and local day
    months: dict[dt.date, dt.date] = {}  # the ledger month of each local day
    for number, pos in numbers.items():
        store = stores[pos.store]
        if number in existing:
            report.duplicates += 1
            continue
        if unknown and (bad := [sku for _row, sku, _q, _a in pos.lines if sku in unknown]):
            _refuse(report, pos, "sku", _("Unknown SKU %(code)s.") % {"code": bad[0]})
            continue
        cashier = cashiers.get(pos.cashier) if pos.cashier else None
        if pos.cashier and (cashier is None or guides[cashier].store_id != store.pk):
            _refuse(
                report, pos, "cashier", _("No staff member of this store has this employee no.")
            )
            continue
        customer_id = members.get(("pos_card", pos.card)) if pos.card else None
        if customer_id is None and pos.phone:
            customer_id = members.get(("phone", pos.phone))
        known = knowns.get(customer_id)
        if known is None:
            facts = customers.get(customer_id) if customer_id is not None else None
            known = knowns[customer_id] = attribution.Known(customer=facts, staff=guides)
        bought = [
            attribution.DraftLine(sku[0], sku[1], sku[2], quantity, sku[3], amount)
            for _row, code, quantity, amount in pos.lines
            for sku in (skus[code],)  # (pk, brand, product line, price)
        ]
        decided = attribution.Draft(placed_at=pos.at, cashier_id=cashier)
        attribution.attribution_decide(
            order=decided, lines=bought, known=known, store_city=store.city_code
        )
        ready.numbers.append(number)
        ready.stores.append(store)
        ready.customers.append(customer_id)
        ready.moments.append(pos.at)
        ready.cashiers.append(cashier)
        ready.decided.append(decided)
        ready.lines.append(bought)
        if decided.staff_id is None:
            ready.accruals.append((None, None))
            continue
        brand, day = store.brand_id, periods.local(pos.at).date()
        tariff = tariffs.get((brand, day))
        if tariff is None:
            if (brand, day) not in plans:
                plans[(brand, day)] = commission.plan_for(brand, day)
            if brand not in campaigns:
                campaigns[brand] = commission.campaigns_for(brand, first, last)
            tariff = tariffs[(brand, day)] = commission.Tariff(plans[(brand, day)], campaigns[brand])  # fmt: skip
            months[day] = commission.month_of(pos.at)
        ready.accruals.append((months[day], tariff.amounts(
            placed_at=pos.at, after_hours=decided.is_after_hours, lines=bought
        )))  # fmt: skip
    for pos in chunk:
        if pos.store not in stores:
            _refuse(report, pos, "store", _("No such store in your part of the organisation."))
    return ready


def _numbers_taken(numbers: Sequence[str]) -> set[str]:
    """Which of these order numbers exist (plain SQL, `sql.rows_in`)."""
    statement = f"SELECT number FROM {Order._meta.db_table} WHERE {{in}}"  # noqa: S608
    return {number for (number,) in sql.rows_in(statement, "number", numbers)}


def _apply(ready: _Ready) -> None:
    """Write a prepared chunk (in the caller's transaction): orders, lines and ledger rows as
    plain rows, column by column (`sql.columns_insert`: building a model instance, or even a
    dict, for each cost more than writing it), then members' points and tiers by the same
    rule as a single paid order."""
    from siyu.loyalty.services import Paid, orders_paid

    decided, size = ready.decided, len(ready.numbers)
    staff = list(map(attrgetter("staff_id"), decided))
    store_ids = list(map(attrgetter("pk"), ready.stores))
    is_member = list(map(attrgetter("is_member"), decided))
    order_ids = sql.columns_insert(Order, {
        "number": ready.numbers, "channel": [OrderChannel.POS] * size,
        "status": [OrderStatus.PAID] * size,
        "brand_id": list(map(attrgetter("brand_id"), ready.stores)),
        "branch_id": list(map(attrgetter("branch_id"), ready.stores)), "store_id": store_ids,
        "customer_id": ready.customers, "placed_at": ready.moments, "paid_at": ready.moments,
        "total_fen": [sum(map(attrgetter("amount_fen"), bought)) for bought in ready.lines],
        "cashier_id": ready.cashiers, "staff_id": staff, "is_member": is_member,
        **{name: list(map(attrgetter(name), decided)) for name in _DECIDED_FIELDS},
    })  # fmt: skip
    lines = list(chain.from_iterable(ready.lines))
    owner = list(chain.from_iterable(map(repeat, range(size), map(len, ready.lines))))
    line_ids = sql.columns_insert(OrderLine, {
        "order_id": list(map(order_ids.__getitem__, owner)),
        **{name: list(map(attrgetter(name), lines)) for name in _LINE_FIELDS},
    })  # fmt: skip
    # Ledger rows: one per line of each order credited to a guide.
    credited = list(map([amounts is not None for _m, amounts in ready.accruals].__getitem__, owner))
    payee = list(compress(owner, credited))  # the order (position) of each credited line

    def of_payee(column: Sequence[Any]) -> list[Any]:  # an orders' column, for each such line
        return list(map(column.__getitem__, payee))

    priced = list(chain.from_iterable(amounts for _m, amounts in ready.accruals if amounts))
    sql.columns_insert(CommissionEntry, {
        "kind": [EntryKind.ACCRUAL] * len(priced),
        "staff_id": of_payee(staff), "store_id": of_payee(store_ids),
        "order_id": of_payee(order_ids), "line_id": list(compress(line_ids, credited)),
        "month": of_payee([month for month, _a in ready.accruals]),
        "base_fen": list(compress(map(attrgetter("amount_fen"), lines), credited)),
        "rate": list(map(itemgetter(0), priced)),
        "amount_fen": list(map(itemgetter(1), priced)),
    }, ids=False)  # fmt: skip
    orders_paid([
        Paid(order_id, store.brand_id, customer, at, [(b.product_line, b.amount_fen) for b in bought])
        for order_id, store, customer, at, bought, member in zip(
            order_ids, ready.stores, ready.customers, ready.moments, ready.lines, is_member, strict=True
        )
        if member and customer is not None
    ])  # fmt: skip


# The rest of an order's row, as attribution decided it.
_DECIDED_FIELDS = ("attribution_rule", "is_after_hours", "is_cross_city", "is_cross_brand")
_LINE_FIELDS = ("sku_id", "brand_id", "product_line", "quantity", "unit_price_fen", "amount_fen")
