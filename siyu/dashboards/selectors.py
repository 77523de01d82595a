"""The mobile BI figures of one day, in the caller's scope (docs/guidetasks.md, "Mobile BI"):
stores ranked by sales (all and online, net of refunds), each store's share rate, forwards
and task completion; for a store manager (or a store's scope) also each guide's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from siyu.core.periods import rate
from siyu.core.ranking import competition_ranks
from siyu.org.models import StoreStatus
from siyu.org.scope import Level, Scope


@dataclass
class BiRow:
    key: int
    label: str
    sales_fen: int = 0
    online_fen: int = 0
    rank: int = 0
    online_rank: int = 0
    active_guides: int = 0
    sharing_guides: int = 0
    forwards: int = 0
    pv: int = 0
    uv: int = 0
    assignments: int = 0
    done: int = 0

    @property
    def share_rate(self) -> Decimal | None:
        return rate(self.sharing_guides, self.active_guides)

    @property
    def completion(self) -> Decimal | None:
        return rate(self.done, self.assignments)


@dataclass
class DailyBi:
    day: dt.date
    stores: list[BiRow]
    guides: list[BiRow] = field(default_factory=list)


def _ranks(rows: list[BiRow], value: str, rank: str) -> None:
    """Set `rank` on each row by `value`, highest first (ties share a rank)."""
    ordered = sorted(rows, key=lambda r: -getattr(r, value))
    for row, place in zip(
        ordered, competition_ranks([getattr(r, value) for r in ordered]), strict=True
    ):
        setattr(row, rank, place)


def daily_bi(*, scope: Scope, day: dt.date) -> DailyBi:
    from siyu.commerce.kpis import sales_kpis
    from siyu.content.mix import store_shares
    from siyu.guidetasks.selectors import completion, guide_shares
    from siyu.org.selectors import store_list

    stores = {
        pk: BiRow(key=pk, label=name)
        for pk, name in store_list(scope=scope, status=StoreStatus.OPEN).values_list("pk", "name")
    }
    for row in sales_kpis(scope=scope, start=day, end=day, by="store"):
        if row.key in stores:
            stores[row.key].sales_fen, stores[row.key].online_fen = row.sales_fen, row.online_fen  # type: ignore[index]
    for store, shares in store_shares(scope=scope, start=day, end=day).items():
        if store in stores:
            target = stores[store]
            target.active_guides, target.sharing_guides = (
                shares.active_guides,
                shares.sharing_guides,
            )
            target.forwards = shares.forwards
    for done in completion(scope=scope, by="store", running_on=day):
        if done.key in stores:
            stores[done.key].assignments, stores[done.key].done = done.assignments, done.done  # type: ignore[index]
    rows = list(stores.values())
    _ranks(rows, "sales_fen", "rank")
    _ranks(rows, "online_fen", "online_rank")
    rows.sort(key=lambda r: (r.rank, r.label))
    guides: list[BiRow] = []
    if scope.level >= Level.STORE:
        rows_of: dict[int, BiRow] = {}

        def guide_row(key: int, label: str) -> BiRow:
            return rows_of.setdefault(key, BiRow(key=key, label=label))

        for sold in sales_kpis(scope=scope, start=day, end=day, by="guide"):
            entry = guide_row(int(sold.key), sold.label)  # type: ignore[call-overload]
            entry.sales_fen, entry.online_fen = sold.sales_fen, sold.online_fen
        for shared in guide_shares(scope=scope, start=day, end=day):
            entry = guide_row(shared.key, shared.label)
            entry.forwards, entry.pv, entry.uv = shared.forwards, shared.pv, shared.uv
        for done in completion(scope=scope, by="guide", running_on=day):
            if done.key is not None:
                entry = guide_row(done.key, done.label)
                entry.assignments, entry.done = done.assignments, done.done
        guides = list(rows_of.values())
        _ranks(guides, "sales_fen", "rank")
        guides.sort(key=lambda r: (r.rank, r.label))
    return DailyBi(day=day, stores=rows, guides=guides)
