"""A small catalog and commission plan for the test world (siyu/conftest.py), built through
the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from siyu.commerce import services
from siyu.commerce.models import Product
from siyu.commerce.payments import SIGNATURE_HEADER, DevGateway
from siyu.org.scope import Capability, Level, Scope

PARKA_FEN = 129_900  # ¥1,299
BOOTS_FEN = 59_900


def root(world: Any) -> Scope:
    """The world's group admin scope."""
    return Scope(level=Level.GROUP, group_id=world.group.pk, capabilities=frozenset(Capability))


def catalog(world: Any) -> dict[str, Product]:
    """Alpine: a down parka (extreme cold, 2 sizes) and snow boots (outdoor); Beta: a coat."""
    alpine, beta, scope = world.brands["alpine"], world.brands["beta"], root(world)
    return {
        "parka": services.product_upsert(
            scope=scope, brand=alpine, style_no="ALP-P1", name="极寒羽绒服", category="羽绒服",
            product_line="extreme_cold", price_fen=PARKA_FEN, season="2026AW",
            skus=[{"code": "ALP-P1-BK-M", "colour": "黑", "size": "M"},
                  {"code": "ALP-P1-BK-L", "colour": "黑", "size": "L"}],
        ),
        "boots": services.product_upsert(
            scope=scope, brand=alpine, style_no="ALP-B1", name="雪地靴", category="鞋",
            product_line="outdoor", price_fen=BOOTS_FEN,
            skus=[{"code": "ALP-B1-40", "colour": "棕", "size": "40"}],
        ),
        "coat": services.product_upsert(
            scope=scope, brand=beta, style_no="BET-C1", name="大衣", category="大衣",
            price_fen=99_900, skus=[{"code": "BET-C1-M", "colour": "驼", "size": "M"}],
        ),
    }  # fmt: skip


def plan(world: Any, brand: str = "alpine") -> None:
    """3 % base, 5 % after hours, outdoor 4 %, from long ago."""
    services.commission_plan_set(
        scope=root(world), brand=world.brands[brand], valid_from=dt.date(2020, 1, 1),
        base_rate=Decimal("0.03"), after_hours_rate=Decimal("0.05"),
        line_rates={"outdoor": Decimal("0.04")},
    )  # fmt: skip


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in the group's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def notice(
    order_number: str, amount_fen: int, paid_at: dt.datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """What the dev gateway sends when the customer has paid: body and headers."""
    body, signature = DevGateway().notice_make(
        order_number=order_number, amount_fen=amount_fen, paid_at=paid_at
    )
    return body, {SIGNATURE_HEADER: signature}
