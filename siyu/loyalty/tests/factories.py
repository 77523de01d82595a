"""Alpine's loyalty programme for the test world, set up through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from siyu.commerce.tests.factories import root
from siyu.loyalty import setup
from siyu.loyalty.models import Programme

GOLD_FEN = 200_000  # ¥2,000 in 12 months


def programme(world: Any) -> Programme:
    """普卡 (base), 银卡 from ¥800, 金卡 from ¥2,000 (2× points); 1 point a yuan, 100 to
    join, double in the birthday month; a ¥50-off-¥300 first-order coupon (30 days); gold's
    laundry care once a year and a birthday gift in the birthday month."""
    scope = root(world)
    alpine = world.brands["alpine"]
    made = setup.programme_save(
        scope=scope, brand=alpine, name="Alpine 会员", join_bonus=100,
        birthday_multiplier=Decimal(2),
        tiers=[
            {"code": "basic", "name": "普卡", "rank": 0},
            {"code": "silver", "name": "银卡", "rank": 1, "threshold_fen": 80_000},
            {"code": "gold", "name": "金卡", "rank": 2, "threshold_fen": GOLD_FEN, "points_multiplier": 2},
        ],
    )  # fmt: skip
    setup.coupon_template_create(
        scope=scope, brand=alpine, name="新客首单立减 50", kind="amount", amount_fen=5_000,
        threshold_fen=30_000, valid_days=30, welcome=True,
    )  # fmt: skip
    setup.benefit_save(scope=scope, programme=made, code="laundry", name="羽绒服洗护", tier_code="gold", period="year")  # fmt: skip
    setup.benefit_save(scope=scope, programme=made, code="birthday", name="生日礼", tier_code="basic", period="birthday")  # fmt: skip
    made.refresh_from_db()
    return made


def day(days_ago: int = 0) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() - dt.timedelta(days=days_ago)
