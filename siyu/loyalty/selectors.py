"""Reads of loyalty, inside the caller's scope: the member card, points history, what is
left of benefits, coupons; and the member behind a member code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from siyu.loyalty import services
from siyu.loyalty.models import (
    Account,
    Benefit,
    BenefitPeriod,
    BenefitUse,
    Coupon,
    CouponStatus,
    PointsEntry,
)
from siyu.org.scope import Scope, access, scoped


def account_list(*, scope: Scope, customer_id: int | None = None) -> QuerySet[Account]:
    qs = scoped(Account.objects.select_related("programme", "tier"), scope)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-id")


def account_get(*, scope: Scope, account_id: int) -> Account:
    return access(Account.objects.select_related("programme", "tier"), scope, pk=account_id)


@dataclass
class BenefitLeft:
    benefit: Benefit
    used: int
    left: int
    available: bool  # the tier carries it and (birthday benefits) it is the birthday month


@dataclass
class Card:
    account: Account
    balance: int
    expiring: list[tuple[dt.date, int]]  # what is left of lots, by expiry, soonest first
    benefits: list[BenefitLeft] = field(default_factory=list)
    coupons: list[Coupon] = field(default_factory=list)
    next_tier: tuple[str, int] | None = None  # name, fen still to spend


def card(*, account: Account, at: dt.datetime | None = None) -> Card:
    """A member's card as they and their guide see it."""
    from siyu.members.selectors import customer_birthdays

    at = at or timezone.now()
    entries = list(account.points.values_list("pk", "points", "expires_on"))
    lots = [lot for lot in services.lots(entries) if lot.left > 0]
    expiring: dict[dt.date, int] = {}
    for lot in lots:
        expiring[lot.expires_on] = expiring.get(lot.expires_on, 0) + lot.left
    birthday = customer_birthdays({account.customer_id}).get(account.customer_id)
    month = timezone.localtime(at).month
    out = Card(
        account=account, balance=sum(p for _pk, p, _e in entries), expiring=sorted(expiring.items())
    )
    benefits = list(
        Benefit.objects.filter(programme_id=account.programme_id, active=True).select_related("tier").order_by("tier__rank", "code")
    )  # fmt: skip
    counts: dict[tuple[int, str], int] = {}
    for benefit_id, key in BenefitUse.objects.filter(account=account).values_list("benefit_id", "period_key"):  # fmt: skip
        counts[(benefit_id, key)] = counts.get((benefit_id, key), 0) + 1
    for benefit in benefits:
        used = counts.get((benefit.pk, services.period_key(benefit, at)), 0)
        carried = account.tier.rank >= benefit.tier.rank
        in_month = benefit.period != BenefitPeriod.BIRTHDAY_MONTH or (birthday is not None and birthday.month == month)  # fmt: skip
        out.benefits.append(
            BenefitLeft(benefit, used, max(benefit.limit - used, 0), carried and in_month)
        )
    out.coupons = list(
        account.coupons.filter(status=CouponStatus.ISSUED, expires_at__gt=at).select_related("template").order_by("expires_at")
    )  # fmt: skip
    higher = [t for t in services.tiers_of(account.programme) if t.rank > account.tier.rank and t.entry_fen is not None]  # fmt: skip
    if higher:
        spend = services.spend_12m(
            programme=account.programme, customer_id=account.customer_id, at=at
        )
        out.next_tier = (higher[0].name, max(int(higher[0].entry_fen or 0) - spend, 0))
    return out


def points_history(*, account: Account) -> QuerySet[PointsEntry]:
    return account.points.order_by("-at", "-id")


def balances(accounts: list[int]) -> dict[int, int]:
    rows = PointsEntry.objects.filter(account_id__in=accounts).values("account_id").annotate(n=Sum("points"))  # fmt: skip
    return {r["account_id"]: r["n"] or 0 for r in rows}


def member_for_code(*, scope: Scope, code: str) -> Any:
    """The customer behind a member code shown now (or in the last minute), if the caller
    serves members and can see them; else a field error on `code` (outside the scope looks
    like an expired code)."""
    from django.core.exceptions import ValidationError
    from django.http import Http404
    from django.utils.translation import gettext as _

    from siyu.loyalty.member_code import member_code_resolve
    from siyu.members.selectors import customer_get
    from siyu.org.scope import Capability

    scope.require(Capability.SERVE_MEMBERS)
    customer_id = member_code_resolve(code=code)
    try:
        if customer_id is None:
            raise Http404
        return customer_get(scope=scope, customer_id=customer_id)
    except Http404:
        raise ValidationError({"code": _("This code is not valid (any more).")}) from None
