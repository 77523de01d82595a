"""Commission amounts: each line's rate by the documented rule (campaign → product line →
base, the after-hours premium on top), its commission rounded half up to whole fen — the
same whether one order is priced alone or thousands through one Tariff."""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal

from siyu.commerce import commission
from siyu.commerce.attribution import DraftLine
from siyu.commerce.models import CommissionCampaign, CommissionPlan

PLAN = CommissionPlan(
    base_rate=Decimal("0.0125"), after_hours_rate=Decimal("0.0375"),
    line_rates={"outdoor": "0.0250"},
)  # fmt: skip
NOON = dt.datetime(2026, 11, 20, 4, tzinfo=dt.UTC)
CAMPAIGN = CommissionCampaign(
    pk=7, product_line="extreme_cold", rate=Decimal("0.0615"),
    starts_at=NOON - dt.timedelta(hours=1), ends_at=NOON + dt.timedelta(hours=1),
)  # fmt: skip


def _expected(amount_fen: int, product_line: str, after_hours: bool, at: dt.datetime) -> Decimal:
    """The rule spelled out with Decimals, as docs/commerce.md states it."""
    running = CAMPAIGN.starts_at <= at < CAMPAIGN.ends_at and product_line == "extreme_cold"
    rate = CAMPAIGN.rate if running else Decimal(PLAN.line_rates.get(product_line, PLAN.base_rate))
    if after_hours:
        rate += PLAN.after_hours_rate - PLAN.base_rate
    return (Decimal(amount_fen) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def test_each_line_earns_its_rate_rounded_half_up_alone_or_through_one_tariff() -> None:
    rng = random.Random(5)
    tariff = commission.Tariff(PLAN, [CAMPAIGN])
    halves = 0
    for amount in [*range(0, 400), *(rng.randint(1, 10_000_000) for _ in range(2_000))]:
        line = rng.choice(["", "outdoor", "extreme_cold"])
        after_hours = rng.random() < 0.5
        at = NOON + dt.timedelta(hours=rng.choice([-2, 0, 2]))
        lines = [DraftLine(1, 1, line, 1, amount, amount)]
        expected = _expected(amount, line, after_hours, at)
        alone = commission.accrual_amounts(
            placed_at=at, after_hours=after_hours, lines=lines, plan=PLAN, campaigns=[CAMPAIGN]
        )
        shared = tariff.amounts(placed_at=at, after_hours=after_hours, lines=lines)
        assert alone == shared == [(alone[0][0], int(expected))], (amount, line, after_hours, at)
        assert commission.fen(Decimal(amount) * alone[0][0]) == int(
            expected
        )  # claw-backs' rounding
        halves += (Decimal(amount) * alone[0][0]) % 1 == Decimal("0.5")
    assert halves > 10  # the half-up case came up, not only clear roundings
