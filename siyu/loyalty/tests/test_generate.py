"""The generated loyalty data obeys the live rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from siyu.commerce.models import Order
from siyu.conftest import GENERATED_TODAY
from siyu.core.periods import group_zone
from siyu.loyalty import services
from siyu.loyalty.models import Account, Coupon, PointsEntry
from siyu.members.selectors import customer_birthdays


def test_generated_points_and_tiers_follow_the_orders(generated: Any) -> None:
    accounts = list(Account.objects.select_related("programme", "tier")[:40])
    assert accounts and {a.tier.code for a in Account.objects.select_related("tier")} >= {
        "basic",
        "gold",
    }
    at = dt.datetime.combine(GENERATED_TODAY, dt.time(0), group_zone())
    for account in accounts:
        # Each earn entry is the live rule applied to its order
        for entry in PointsEntry.objects.filter(account=account, kind="earn"):
            order = Order.objects.get(pk=entry.order_id)
            expected = services.earn_points(
                programme=account.programme, tier=account.tier, lines=[("", order.total_fen)],
                birthday=customer_birthdays({account.customer_id}).get(account.customer_id),
                at=order.paid_at,
            )  # fmt: skip
            assert entry.points == expected
        # The tier is the one the 12-month spend qualifies for (as of the reference date)
        spend = services.spend_12m(programme=account.programme, customer_id=account.customer_id, at=at - dt.timedelta(seconds=1))  # fmt: skip
        assert account.tier == services.qualifying(services.tiers_of(account.programme), spend)


def test_generated_coupons_are_used_on_real_orders_once(generated: Any) -> None:
    used = Coupon.objects.filter(status="redeemed")
    assert used.exists() and Coupon.objects.filter(status="issued").exists()
    orders = list(used.values_list("order_id", flat=True))
    assert len(orders) == len(set(orders))
    for coupon in used.select_related("template", "account")[:30]:
        order = Order.objects.get(pk=coupon.order_id)
        assert order.customer_id == coupon.account.customer_id
        assert coupon.starts_at <= order.paid_at < coupon.expires_at
        assert order.total_fen >= coupon.template.threshold_fen
