"""The loyalty API: member cards and points, benefits used in store, coupons issued and
redeemed, member codes resolved, HQ adjustments, the loyalty KPIs. Handlers are thin."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, ref, scope_of
from siyu.core.periods import check_period
from siyu.loyalty import kpis, selectors, services
from siyu.loyalty.models import Benefit, CouponTemplate

router = Router(tags=["loyalty"])


class AccountOut(Schema):
    id: int
    programme_id: int
    customer_id: int
    tier: str
    tier_name: str
    tier_since: dt.datetime
    tier_until: dt.date

    @staticmethod
    def resolve_tier(obj: Any) -> str:
        return obj["tier"] if isinstance(obj, dict) else obj.tier.code

    @staticmethod
    def resolve_tier_name(obj: Any) -> str:
        return obj["tier_name"] if isinstance(obj, dict) else obj.tier.name


@router.get("/loyalty/accounts", response=list[AccountOut])
@paginate(CursorPagination, ordering=("-id",), page_size=50)
def account_list(request: HttpRequest, customer: int | None = None):
    return selectors.account_list(scope=scope_of(request), customer_id=customer)


class BenefitOut(Schema):
    code: str
    name: str
    used: int
    left: int
    available: bool


class CouponOut(Schema):
    code: str
    name: str
    expires_at: dt.datetime


class CardOut(AccountOut):
    balance: int
    expiring: list[tuple[dt.date, int]]
    benefits: list[BenefitOut]
    coupons: list[CouponOut]
    next_tier: str | None
    next_tier_fen: int | None


def _card(account: Any) -> dict[str, Any]:
    card = selectors.card(account=account)
    return {
        **AccountOut.from_orm(account).dict(), "balance": card.balance, "expiring": card.expiring,
        "benefits": [
            {"code": b.benefit.code, "name": b.benefit.name, "used": b.used, "left": b.left, "available": b.available}
            for b in card.benefits
        ],
        "coupons": [{"code": c.code, "name": c.template.name, "expires_at": c.expires_at} for c in card.coupons],
        "next_tier": card.next_tier[0] if card.next_tier else None,
        "next_tier_fen": card.next_tier[1] if card.next_tier else None,
    }  # fmt: skip


@router.get("/loyalty/accounts/{account_id}", response=CardOut)
def account_get(request: HttpRequest, account_id: int):
    """The member card: tier, points and what expires when, benefits left, coupons."""
    return _card(selectors.account_get(scope=scope_of(request), account_id=account_id))


class PointsOut(Schema):
    id: int
    kind: str
    points: int
    expires_on: dt.date | None
    order_id: int | None
    reason: str
    at: dt.datetime


@router.get("/loyalty/accounts/{account_id}/points", response=list[PointsOut])
@paginate(CursorPagination, ordering=("-id",), page_size=100)
def points_history(request: HttpRequest, account_id: int):
    account = selectors.account_get(scope=scope_of(request), account_id=account_id)
    return selectors.points_history(account=account)


class AdjustIn(Schema):
    points: int = Field(ge=-1_000_000, le=1_000_000)
    reason: str = Field(max_length=200)


@router.post("/loyalty/accounts/{account_id}/adjust", response={201: PointsOut})
def points_adjust(request: HttpRequest, account_id: int, payload: AdjustIn):
    """HQ adds or takes points, with a reason (audited)."""
    scope = scope_of(request)
    account = selectors.account_get(scope=scope, account_id=account_id)
    entry = services.points_adjust(scope=scope, actor=actor_of(request), account=account, points=payload.points, reason=payload.reason)  # fmt: skip
    return Status(201, entry)


class UseIn(Schema):
    channel: str = Field("store", pattern="^(store|online)$")


class UseOut(Schema):
    id: int
    benefit: str
    period_key: str
    channel: str
    at: dt.datetime


@router.post("/loyalty/accounts/{account_id}/benefits/{code}/use", response={201: UseOut})
def benefit_use(request: HttpRequest, account_id: int, code: str, payload: UseIn):
    """Serve a member's benefit (in store: the guide; online); refused over its limit."""
    scope = scope_of(request)
    account = selectors.account_get(scope=scope, account_id=account_id)
    benefit = Benefit.objects.filter(programme_id=account.programme_id, code=code).first()
    if benefit is None:
        raise ValidationError({"benefit": _("No such benefit in the member's programme.")})
    use = services.benefit_use(
        scope=scope, account=account, benefit=benefit, channel=payload.channel,
        staff_id=scope.staff_id, store_id=scope.store_id,
    )  # fmt: skip
    return Status(201, {"id": use.pk, "benefit": benefit.code, "period_key": use.period_key, "channel": use.channel, "at": use.at})  # fmt: skip


class RewardOut(Schema):
    code: str
    name: str
    expires_at: dt.datetime
    balance: int


@router.post("/loyalty/accounts/{account_id}/rewards/{template_id}", response={201: RewardOut})
def reward_redeem(request: HttpRequest, account_id: int, template_id: int):
    """Spend a member's points on a reward (a coupon or gift of a template with a points cost)."""
    scope = scope_of(request)
    account = selectors.account_get(scope=scope, account_id=account_id)
    template = CouponTemplate.objects.filter(pk=template_id, brand_id=account.programme.brand_id).first()  # fmt: skip
    if template is None:
        raise ValidationError({"template": _("No such reward in the member's programme.")})
    coupon = services.reward_redeem(scope=scope, account=account, template=template)
    return Status(201, {"code": coupon.code, "name": template.name, "expires_at": coupon.expires_at, "balance": services.balance(account)})  # fmt: skip


class IssueIn(Schema):
    template_id: int
    customer_ids: list[int] = Field(min_length=1, max_length=100_000)


class IssuedOut(Schema):
    issued: int
    codes: list[str]


@router.post("/loyalty/coupons/issue", response={201: IssuedOut})
def coupons_issue(request: HttpRequest, payload: IssueIn):
    """A coupon of a template to each listed member (HQ)."""
    scope = scope_of(request)
    template = ref(CouponTemplate, scope, payload.template_id, "template_id")
    coupons = services.coupons_issue(scope=scope, template=template, customer_ids=payload.customer_ids)  # fmt: skip
    return Status(201, {"issued": len(coupons), "codes": [c.code for c in coupons[:1000]]})


class CodeOut(Schema):
    customer_id: int
    name: str
    accounts: list[CardOut]


@router.get("/loyalty/member-code/{code}", response=CodeOut)
def member_code_resolve(request: HttpRequest, code: str):
    """The member behind the code they show (this minute's or the last), with their cards."""
    scope = scope_of(request)
    customer = selectors.member_for_code(scope=scope, code=code)
    accounts = selectors.account_list(scope=scope, customer_id=customer.pk)
    return {"customer_id": customer.pk, "name": customer.name, "accounts": [_card(a) for a in accounts]}  # fmt: skip


class KpiOut(Schema):
    programme: str
    member_sales_share: Decimal | None
    members: int
    tiers: dict[str, int]
    points_liability: int
    points_liability_fen: int
    coupons_issued: int
    coupons_redeemed: int
    redemption_rate: Decimal | None
    coupon_discount_fen: int
    coupon_sales_fen: int
    coupon_roi: Decimal | None
    joined: int
    converted: int
    new_customer_conversion: Decimal | None


@router.get("/loyalty/kpis", response=list[KpiOut])
def loyalty_kpis(request: HttpRequest, start: dt.date | None = None, end: dt.date | None = None):
    """Per programme in scope: tier distribution, points liability, coupons issued,
    redeemed and their ROI, and new-customer conversion for members joined in [start, end]."""
    start, end = check_period(start, end)
    return kpis.loyalty_kpis(scope=scope_of(request), start=start, end=end, now=timezone.now())
