"""Commission: the rate of a sale, accruals when paid and claw-backs when refunded.

The ledger (`CommissionEntry`) is append-only; a guide's commission for a month is the sum
of its entries in that month. How a line's rate is chosen is documented in
docs/commerce.md ("Commission").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from siyu.commerce.models import (
    CommissionCampaign,
    CommissionEntry,
    CommissionPlan,
    EntryKind,
    Order,
    OrderLine,
    RefundLine,
)
from siyu.core import periods

NO_PLAN = CommissionPlan(base_rate=Decimal(0), after_hours_rate=Decimal(0), line_rates={})


def fen(amount: Decimal) -> int:
    """Decimal fen to whole fen, half up (commission is paid in whole fen)."""
    return _half_up(*amount.as_integer_ratio())


def month_of(at: dt.datetime) -> dt.date:
    """The first day of the local month of a moment (the ledger's period)."""
    return periods.local(at).date().replace(day=1)


def plan_for(brand_id: int, day: dt.date) -> CommissionPlan:
    """The brand's plan in force on a day (no plan: every rate is zero)."""
    plan = (
        CommissionPlan.objects.filter(brand_id=brand_id, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    return plan or NO_PLAN


def line_rate(
    plan: CommissionPlan,
    campaigns: Sequence[CommissionCampaign],
    product_line: str,
    after_hours: bool,
) -> Decimal:
    """Campaign → product line → base; after hours, the after-hours premium on top."""
    rate = next((c.rate for c in campaigns if c.product_line in ("", product_line)), None)
    if rate is None:
        rate = Decimal(str(plan.line_rates.get(product_line, plan.base_rate)))
    if after_hours:
        rate += max(plan.after_hours_rate - plan.base_rate, Decimal(0))
    return rate


def campaigns_for(
    brand_id: int, since: dt.datetime, until: dt.datetime
) -> list[CommissionCampaign]:
    """The brand's campaigns overlapping [since, until], highest rate first."""
    return list(
        CommissionCampaign.objects.filter(
            brand_id=brand_id, starts_at__lte=until, ends_at__gt=since
        ).order_by("-rate")
    )


class Tariff:
    """A brand's plan and campaigns (those overlapping the orders to price), pricing one
    order's lines after another. Each rate is worked out once per (campaigns running,
    product line, after hours) and each amount in integers, rounded as `fen` rounds: an
    import prices tens of thousands of lines, and a rate looked up and a Decimal product
    rounded per line cost about 2 µs."""

    def __init__(self, plan: CommissionPlan, campaigns: Sequence[CommissionCampaign]) -> None:
        self.plan, self.campaigns = plan, list(campaigns)
        self._rates: dict[tuple[Any, ...], tuple[Decimal, int, int]] = {}

    def amounts(
        self, *, placed_at: dt.datetime, after_hours: bool, lines: Sequence[Any]
    ) -> list[tuple[Decimal, int]]:
        """(rate, amount in fen) of each line (`amount_fen`, `product_line`) of a paid order
        credited to a guide; only the campaigns running at `placed_at` apply."""
        running = tuple(c for c in self.campaigns if c.starts_at <= placed_at < c.ends_at)
        rates, out, ran = self._rates, [], tuple(map(id, running))
        for line in lines:
            key = (ran, line.product_line, after_hours)
            found = rates.get(key)
            if found is None:
                rate = line_rate(self.plan, running, line.product_line, after_hours)
                found = rates[key] = (rate, *rate.as_integer_ratio())
            rate, numerator, denominator = found
            out.append((rate, _half_up(line.amount_fen * numerator, denominator)))
        return out


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (> 0) to a whole number, halves away from zero: how `fen`
    and `Tariff` round commission to whole fen."""
    whole, rest = divmod(abs(numerator), denominator)
    whole += 2 * rest >= denominator
    return whole if numerator >= 0 else -whole


def accrual_amounts(
    *,
    placed_at: dt.datetime,
    after_hours: bool,
    lines: Sequence[Any],
    plan: CommissionPlan,
    campaigns: Sequence[CommissionCampaign],
) -> list[tuple[Decimal, int]]:
    """(rate, amount in fen) of each line of a paid order credited to a guide. `lines` need
    `amount_fen` and `product_line`; only the campaigns running at `placed_at` apply. (For
    many orders of one brand and plan, keep one `Tariff`.)"""
    return Tariff(plan, campaigns).amounts(
        placed_at=placed_at, after_hours=after_hours, lines=lines
    )


def accruals_make(
    *,
    order: Order,
    lines: Sequence[OrderLine],
    plan: CommissionPlan,
    campaigns: Sequence[CommissionCampaign],
) -> list[CommissionEntry]:
    """The accrual entries (unsaved) of a just-paid order: none when no guide is credited
    (the sale still counts for the store)."""
    if order.staff_id is None or order.paid_at is None:
        return []
    amounts = accrual_amounts(
        placed_at=order.placed_at, after_hours=order.is_after_hours, lines=lines, plan=plan,
        campaigns=campaigns,
    )  # fmt: skip
    return [
        CommissionEntry(
            kind=EntryKind.ACCRUAL, staff_id=order.staff_id, store_id=order.store_id,
            order=order, line=line, month=month_of(order.paid_at), base_fen=line.amount_fen,
            rate=rate, amount_fen=amount,
        )
        for line, (rate, amount) in zip(lines, amounts, strict=True)
    ]  # fmt: skip


def commission_accrue(*, order: Order, lines: Sequence[OrderLine]) -> list[CommissionEntry]:
    """Accrue the credited guide's commission on each line of a just-paid order."""
    at = order.placed_at
    entries = accruals_make(
        order=order, lines=lines, plan=plan_for(order.brand_id, timezone.localtime(at).date()),
        campaigns=campaigns_for(order.brand_id, at, at),
    )  # fmt: skip
    return CommissionEntry.objects.bulk_create(entries)


def commission_clawback(
    *, order: Order, refund_lines: Sequence[RefundLine], at: dt.datetime
) -> list[CommissionEntry]:
    """Take back commission for refunded lines, in proportion to the amount refunded. The
    total taken back from a line is recomputed from everything refunded on it so far, so
    partial refunds that add up to the whole take back exactly what was accrued."""
    if not refund_lines:
        return []
    accruals = {
        e.line_id: e
        for e in CommissionEntry.objects.filter(
            kind=EntryKind.ACCRUAL, line_id__in=[r.line_id for r in refund_lines]
        )
    }
    taken = dict(
        CommissionEntry.objects.filter(kind=EntryKind.CLAWBACK, line_id__in=list(accruals))
        .values("line_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("line_id", "total")
    )
    entries = []
    for refund_line in refund_lines:
        accrual = accruals.get(refund_line.line_id)
        if accrual is None:
            continue  # nothing was accrued (no guide credited)
        line = refund_line.line
        due = -fen(Decimal(accrual.amount_fen) * line.refunded_fen / line.amount_fen)
        amount = due - taken.get(line.pk, 0)
        taken[line.pk] = due
        entries.append(
            CommissionEntry(
                kind=EntryKind.CLAWBACK, staff_id=accrual.staff_id, store_id=accrual.store_id,
                order=order, line=line, refund_line=refund_line, month=month_of(at),
                base_fen=-refund_line.amount_fen, rate=accrual.rate, amount_fen=amount,
            )
        )  # fmt: skip
    return CommissionEntry.objects.bulk_create(entries)
