"""Scope rules of loyalty: every row belongs to a member, and a member is seen exactly as
their customer record is (home store up the tree; a guide: the customers they serve,
friends included), so the customer's rule is the one truth. Programmes and templates are
read by everyone of their brand."""

from collections.abc import Callable

from django.db.models import Q

from siyu.loyalty.models import Account, BenefitUse, Coupon, CouponTemplate, PointsEntry, Programme
from siyu.members.models import Customer
from siyu.org.models import Branch, Store
from siyu.org.scope import Level, Rule, Scope, register, scope_q


def _members(path: str, level: Level, key: str) -> Callable[[int], Q]:
    def q(value: int) -> Q:
        scope = Scope(level=level, group_id=0, **{key: value})
        customers = Customer.objects.filter(scope_q(Customer, scope)).values("pk")
        return Q(**{f"{path}customer_id__in": customers})

    return q


def _through_member(path: str) -> Rule:
    return Rule(
        group=None,
        brand=_members(path, Level.BRAND, "brand_id"),
        branch=_members(path, Level.BRANCH, "branch_id"),
        store=_members(path, Level.STORE, "store_id"),
        staff=_members(path, Level.SELF, "staff_id"),
    )


register(Account, _through_member(""))
for model in (PointsEntry, BenefitUse, Coupon):
    register(model, _through_member("account__"))


def _of_brand(path: str) -> Rule:
    return Rule(
        group=None,
        brand=lambda b: Q(**{f"{path}brand_id": b}) | Q(**{f"{path}brand__isnull": True}),
        branch=lambda b: Q(**{f"{path}brand_id__in": Branch.objects.filter(pk=b).values("brand_id")}) | Q(**{f"{path}brand__isnull": True}),
        store=lambda s: Q(**{f"{path}brand_id__in": Store.objects.filter(pk=s).values("brand_id")}) | Q(**{f"{path}brand__isnull": True}),
    )  # fmt: skip


register(Programme, _of_brand(""))
register(CouponTemplate, _of_brand(""))
