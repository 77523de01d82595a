"""Loyalty KPIs (product.md and docs/loyalty.md), per programme, inside the caller's scope:
member sales share (sales by members ÷ all sales, commerce's rule), tier distribution, points liability, coupons issued / redeemed with their ROI, and
new-customer conversion (members who joined in the period and paid a first order within
30 days ÷ members who joined)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Q, Sum

from siyu.core.periods import period_bounds, rate
from siyu.loyalty.models import Account, Coupon, CouponStatus, PointsEntry, Programme
from siyu.org.scope import Scope, scoped

CONVERSION_DAYS = 30


def loyalty_kpis(*, scope: Scope, start: dt.date, end: dt.date, now: dt.datetime) -> list[dict[str, Any]]:  # fmt: skip
    from siyu.commerce.kpis import sales_kpis, total
    from siyu.commerce.selectors import order_nets, paid_times
    from siyu.members.selectors import joined_members

    since, until = period_bounds(start, end)
    by_brand = {row.key: row for row in sales_kpis(scope=scope, start=start, end=end, by="brand")}
    out = []
    for programme in scoped(Programme.objects.all(), scope).order_by("pk"):
        accounts = scoped(Account.objects.filter(programme=programme), scope)
        tiers = Counter(dict(accounts.values("tier__name").annotate(n=Count("id")).values_list("tier__name", "n")))  # fmt: skip
        liability = scoped(PointsEntry.objects.filter(account__programme=programme), scope).aggregate(n=Sum("points"))["n"] or 0  # fmt: skip
        coupons = scoped(Coupon.objects.filter(account__programme=programme, issued_at__gte=since, issued_at__lt=until), scope)  # fmt: skip
        counted = coupons.aggregate(
            issued=Count("id"), redeemed=Count("id", filter=Q(status=CouponStatus.REDEEMED)),
            discount=Sum("discount_fen", filter=Q(status=CouponStatus.REDEEMED)),
        )  # fmt: skip
        used_on = [o for o in coupons.filter(status=CouponStatus.REDEEMED).values_list("order_id", flat=True) if o is not None]  # fmt: skip
        sales: int = sum(order_nets(used_on).values())
        joined = joined_members(scope=scope, since=since, until=until, brand_id=programme.brand_id)
        window = dt.timedelta(days=CONVERSION_DAYS)
        paid = paid_times(customer_ids=joined, since=since, until=until + window) if joined else {}
        converted = sum(
            1 for c, at in joined.items() if any(at <= p < at + window for p in paid.get(c, ()))
        )
        discount = counted["discount"] or 0
        sales_row = by_brand.get(programme.brand_id) if programme.brand_id else total(list(by_brand.values()))  # fmt: skip
        out.append({
            "member_sales_share": sales_row.member_share if sales_row else None,
            "programme": programme.name, "members": sum(tiers.values()), "tiers": dict(tiers),
            "points_liability": liability, "points_liability_fen": liability * programme.fen_per_point,
            "coupons_issued": counted["issued"], "coupons_redeemed": counted["redeemed"],
            "redemption_rate": rate(counted["redeemed"], counted["issued"]),
            "coupon_discount_fen": discount, "coupon_sales_fen": sales,
            "coupon_roi": rate(sales, discount), "joined": len(joined), "converted": converted,
            "new_customer_conversion": rate(converted, len(joined)),
        })  # fmt: skip
    return out
