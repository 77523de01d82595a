"""HQ's settings of loyalty: programmes and their tiers, benefits, coupon templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from siyu.loyalty.models import (
    Benefit,
    BenefitPeriod,
    CouponTemplate,
    DiscountKind,
    Programme,
    Tier,
)
from siyu.org.models import Brand
from siyu.org.scope import Capability, Level, Scope, access


def _brand(scope: Scope, brand: Brand | None) -> Brand | None:
    scope.require(Capability.MANAGE_LOYALTY)
    if brand is None:
        if scope.level != Level.GROUP:
            raise ValidationError(
                {"brand": _("Only the group's admins set a group-wide programme.")}
            )
        return None
    return access(Brand.objects.all(), scope, pk=brand.pk)


@transaction.atomic
def programme_save(
    *,
    scope: Scope,
    brand: Brand | None,
    name: str,
    tiers: Sequence[dict[str, Any]],
    points_per_yuan: Decimal = Decimal(1),
    join_bonus: int = 0,
    birthday_multiplier: Decimal = Decimal(1),
    line_multipliers: dict[str, str] | None = None,
    fen_per_point: int = 1,
    grace_days: int = 30,
) -> Programme:
    """Create or update the programme of a brand (or the group) and its tiers (by code; a
    tier members hold is never removed)."""
    brand = _brand(scope, brand)
    if not name.strip():
        raise ValidationError({"name": _("Name the programme.")})
    ranks = sorted(int(t.get("rank", -1)) for t in tiers)
    if not tiers or ranks != list(range(len(tiers))):
        raise ValidationError({"tiers": _("Tiers are ranked 0, 1, 2… with 0 the base tier.")})
    for t in tiers:
        share = t.get("top_share")
        if int(t["rank"]) > 0 and t.get("threshold_fen") is None and share is None:
            raise ValidationError({"tiers": _("Each tier above the base needs a spend threshold or a top share.")})  # fmt: skip
        if share is not None and not 0 < Decimal(str(share)) < 1:
            raise ValidationError({"tiers": _("A top share is between 0 and 1.")})
    programme, _created = Programme.objects.update_or_create(
        brand=brand,
        defaults={
            "name": name.strip(), "points_per_yuan": points_per_yuan, "join_bonus": join_bonus,
            "birthday_multiplier": birthday_multiplier, "line_multipliers": line_multipliers or {},
            "fen_per_point": fen_per_point, "grace_days": grace_days,
        },
    )  # fmt: skip
    # Ranks move: park the old ones out of the way first (ranks are unique per programme).
    for tier in programme.tiers.all():
        tier.rank += 100
        tier.save(update_fields=["rank"])
    for t in tiers:
        Tier.objects.update_or_create(
            programme=programme, code=t["code"],
            defaults={
                "name": t["name"], "rank": int(t["rank"]), "threshold_fen": t.get("threshold_fen"),
                "top_share": t.get("top_share"), "points_multiplier": Decimal(str(t.get("points_multiplier", 1))),
            },
        )  # fmt: skip
    if programme.tiers.filter(rank__gte=100).exists():
        raise ValidationError({"tiers": _("Keep every tier members can hold; rename it instead.")})
    return programme


@transaction.atomic
def programme_settings_set(
    *, scope: Scope, programme: Programme, name: str, points_per_yuan: Decimal, join_bonus: int,
    birthday_multiplier: Decimal, grace_days: int,
) -> Programme:  # fmt: skip
    """HQ changes a programme's settings (tiers stay as they are)."""
    _brand(scope, programme.brand)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Name the programme.")
    if not (Decimal(0) < points_per_yuan <= 100 and Decimal(1) <= birthday_multiplier <= 10):
        errors["points_per_yuan"] = _("Points per yuan up to 100, a birthday multiplier from 1 to 10.")  # fmt: skip
    if join_bonus < 0 or not 0 <= grace_days <= 366:
        errors["join_bonus"] = _("A bonus of zero or more, a grace of 0 to 366 days.")
    if errors:
        raise ValidationError(errors)
    programme.name, programme.points_per_yuan, programme.join_bonus = (
        name.strip(),
        points_per_yuan,
        join_bonus,
    )
    programme.birthday_multiplier, programme.grace_days = birthday_multiplier, grace_days
    programme.save()
    return programme


@transaction.atomic
def benefit_save(
    *, scope: Scope, programme: Programme, code: str, name: str, tier_code: str, period: str, limit: int = 1,
) -> Benefit:  # fmt: skip
    _brand(scope, programme.brand)
    tier = programme.tiers.filter(code=tier_code).first()
    if tier is None:
        raise ValidationError({"tier": _("No such tier in this programme.")})
    if period not in BenefitPeriod.values or limit < 1:
        raise ValidationError({"period": _("Choose a period and a limit of at least one.")})
    benefit, _created = Benefit.objects.update_or_create(
        programme=programme, code=code,
        defaults={"name": name, "tier": tier, "period": period, "limit": limit, "active": True},
    )  # fmt: skip
    return benefit


@transaction.atomic
def coupon_template_create(
    *, scope: Scope, brand: Brand, name: str, kind: str, amount_fen: int = 0, percent: int = 0,
    cap_fen: int | None = None, threshold_fen: int = 0, product_lines: Sequence[str] = (),
    categories: Sequence[str] = (), valid_from: dt.datetime | None = None,
    valid_to: dt.datetime | None = None, valid_days: int | None = None,
    points_cost: int | None = None, welcome: bool = False,
) -> CouponTemplate:  # fmt: skip
    """A coupon template of a brand; `welcome` makes it the programme's first-order coupon."""
    found = _brand(scope, brand)
    assert found is not None
    brand = found
    errors: dict[str, str] = {}
    if kind == DiscountKind.AMOUNT and amount_fen <= 0:
        errors["amount_fen"] = _("Give the amount off.")
    elif kind == DiscountKind.PERCENT and not 0 < percent < 100:
        errors["percent"] = _("A percent off is between 1 and 99.")
    elif kind not in DiscountKind.values:
        errors["kind"] = _("Amount off or percent off.")
    if not valid_days and valid_to is None:
        errors["valid_to"] = _("Give an end date or a number of days from issue.")
    if valid_from and valid_to and valid_to <= valid_from:
        errors["valid_to"] = _("The end must come after the start.")
    if errors:
        raise ValidationError(errors)
    template = CouponTemplate.objects.create(
        brand=brand, name=name, kind=kind, amount_fen=amount_fen, percent=percent, cap_fen=cap_fen,
        threshold_fen=threshold_fen, product_lines=list(product_lines), categories=list(categories),
        valid_from=valid_from, valid_to=valid_to, valid_days=valid_days, points_cost=points_cost,
    )  # fmt: skip
    if welcome:
        programme = Programme.objects.filter(brand=brand).first()
        if programme is None:
            raise ValidationError({"welcome": _("Set up the brand's programme first.")})
        programme.welcome_template = template
        programme.save(update_fields=["welcome_template"])
    return template
