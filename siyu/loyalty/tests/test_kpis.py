"""The loyalty KPIs through the API: liability, coupons and their ROI, conversion, member
sales share."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import timezone

from siyu.commerce import services as commerce_services
from siyu.commerce.tests.factories import notice
from siyu.conftest import World
from siyu.loyalty.models import Coupon
from siyu.members import services as member_services


def test_loyalty_kpis_follow_the_ledger_and_the_orders(related_world: World, fake_wecom: Any) -> None:  # fmt: skip
    world = related_world
    today = timezone.localdate().isoformat()
    # A new member joins and uses the first-order coupon on a parka, paid today
    mei = member_services.customer_create(
        name="美", home_store=world.stores["s1"], owner_staff=world.staff["gia"],
        identities={"phone": "13900001111"}, join_channel="mall",
    )  # fmt: skip
    coupon = Coupon.objects.get(account__customer_id=mei.pk)
    order = commerce_services.order_create(store=world.stores["s1"], items=[("ALP-P1-BK-M", 1)], customer_id=mei.pk, coupon_code=coupon.code)  # fmt: skip
    body, headers = notice(order.number, order.total_fen, paid_at=timezone.now())
    commerce_services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)
    hana = world.login(Client(), "hana")
    rows = {r["programme"]: r for r in hana.get(f"/api/v1/loyalty/kpis?start={today}&end={today}").json()}  # fmt: skip
    alpine = rows["Alpine 会员"]
    assert "Beta 会员" not in rows  # Hana sees Alpine's only
    # c1–c4 joined before (100 each) and Mei: 100 + 1,249 earned
    assert alpine["points_liability"] == 4 * 100 + 100 + 1_249
    assert (alpine["coupons_issued"], alpine["coupons_redeemed"]) == (
        5,
        1,
    )  # c1–c4 and Mei; hers used
    assert (alpine["coupon_discount_fen"], alpine["coupon_sales_fen"]) == (5_000, 124_900)
    assert alpine["coupon_roi"] == "24.9800"
    assert (alpine["joined"], alpine["converted"]) == (5, 1)  # the world's four joined today too
    assert alpine["member_sales_share"] == "1.0000"  # today's only sale was a member's
