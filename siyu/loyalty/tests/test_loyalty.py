"""Loyalty end to end through the services commerce and members call, and the API: joining,
the first-order coupon used once, points, gold at once, the laundry benefit once a year,
claw-back on a refund, expiry on schedule, and a coupon that fifty people try at once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from siyu.commerce import services as commerce_services
from siyu.commerce.tests.factories import local, notice, root
from siyu.conftest import World
from siyu.core.testing.race import race
from siyu.loyalty import member_code, services
from siyu.loyalty.models import Account, Coupon, PointsEntry, TierChange
from siyu.loyalty.tests.factories import programme
from siyu.members import services as member_services


def _join(world: World, name: str = "美", phone: str = "13900001111", at: dt.datetime | None = None) -> Any:  # fmt: skip
    return member_services.customer_create(
        name=name, home_store=world.stores["s1"], owner_staff=world.staff["gia"],
        identities={"phone": phone}, join_channel="mall", joined_at=at,
    )  # fmt: skip


def _buy(world: World, customer: Any, sku: str, coupon: str = "") -> Any:
    order = commerce_services.order_create(
        store=world.stores["s1"], items=[(sku, 1)], customer_id=customer.pk, coupon_code=coupon
    )
    body, headers = notice(order.number, order.total_fen, paid_at=timezone.now())
    return commerce_services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)


def _points(account: Account) -> int:
    return services.balance(account)


def test_join_coupon_points_gold_benefit_refund_expiry(world: World, fake_wecom: Any) -> None:
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    # Given a customer joins: the joining bonus and the first-order coupon
    mei = _join(world)
    account = Account.objects.get(customer_id=mei.pk)
    welcome = Coupon.objects.get(account=account, reason="welcome")
    assert (account.tier.code, _points(account)) == ("basic", 100)
    # When she buys a parka (¥1,299) with it: ¥50 off, the coupon is used
    first = _buy(world, mei, "ALP-P1-BK-M", coupon=welcome.code)
    assert first.total_fen == 129_900 - 5_000
    welcome.refresh_from_db()
    assert (welcome.status, welcome.order_id, welcome.discount_fen) == ("redeemed", first.pk, 5_000)
    # …and a second try with the same coupon is refused, by field, with nothing made
    with pytest.raises(ValidationError) as refused:
        commerce_services.order_create(store=world.stores["s1"], items=[("ALP-B1-40", 1)], customer_id=mei.pk, coupon_code=welcome.code)  # fmt: skip
    assert "coupon" in refused.value.message_dict
    # Then she earned a point a yuan, and ¥1,249 of spend made her silver at once
    account.refresh_from_db()
    assert (_points(account), account.tier.code) == (100 + 1_249, "silver")
    # When a second parka takes her 12-month spend past ¥2,000: gold at once
    second = _buy(world, mei, "ALP-P1-BK-L")
    account.refresh_from_db()
    assert account.tier.code == "gold"
    assert list(TierChange.objects.filter(account=account).values_list("reason", "to_tier__code")) == [
        ("join", "basic"), ("upgrade", "silver"), ("upgrade", "gold"),
    ]  # fmt: skip
    assert _points(account) == 100 + 1_249 + 1_299  # earned at the tier she held when paying
    # The guide serves the laundry benefit in store; a second one this year is refused
    gia = world.login(Client(), "gia")
    url = f"/api/v1/loyalty/accounts/{account.pk}/benefits/laundry/use"
    assert gia.post(url, {}, content_type="application/json").status_code == 201
    again = gia.post(url, {}, content_type="application/json")
    assert again.status_code == 422 and "benefit" in again.json()["fields"]
    card = gia.get(f"/api/v1/loyalty/accounts/{account.pk}").json()
    assert {b["code"]: b["left"] for b in card["benefits"]}["laundry"] == 0
    # When the second parka is returned, its points are taken back (once, however resent)
    refund = commerce_services.refund_create(
        scope=root(world), order=second, number="R-9", items=[(second.lines.get().pk, 1, None)]
    )
    services.order_refunded(order=second, refund=refund)  # a resent refund changes nothing
    assert _points(account) == 100 + 1_249
    assert PointsEntry.objects.filter(account=account, kind="clawback").count() == 1
    # Unspent points expire at the end of next year, and not a day before
    end_of_next_year = dt.date(timezone.localdate().year + 1, 12, 31)
    assert services.points_expire(today=end_of_next_year) == 0
    assert services.points_expire(today=end_of_next_year + dt.timedelta(days=1)) == 1_349
    assert services.points_expire(today=end_of_next_year + dt.timedelta(days=2)) == 0
    assert _points(account) == 0


def test_oldest_points_are_spent_first() -> None:
    d1, d2 = dt.date(2026, 12, 31), dt.date(2027, 12, 31)
    # 100 expiring 2026, 50 expiring 2027; 120 spent → 0 left of the first, 30 of the second
    left = services.lots([(1, 100, d1), (2, 50, d2), (3, -120, None)])
    assert [(lot.entry_id, lot.left) for lot in left] == [(1, 0), (2, 30)]


def test_non_members_earn_nothing_and_a_guide_cannot_adjust(world: World) -> None:
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    stranger = member_services.customer_create(name="路人", home_store=world.stores["s1"])
    _buy(world, stranger, "ALP-B1-40")
    assert not Account.objects.filter(customer_id=stranger.pk).exists()
    mei = _join(world)
    account = Account.objects.get(customer_id=mei.pk)
    gia = world.login(Client(), "gia")
    body = {"points": 500, "reason": "补偿"}
    url = f"/api/v1/loyalty/accounts/{account.pk}/adjust"
    assert gia.post(url, body, content_type="application/json").status_code == 403
    hana = world.login(Client(), "hana")
    assert (
        "reason"
        in hana.post(url, {"points": 5, "reason": ""}, content_type="application/json").json()[
            "fields"
        ]
    )
    made = hana.post(url, body, content_type="application/json")
    assert made.status_code == 201 and _points(account) == 600
    assert PointsEntry.objects.get(pk=made.json()["id"]).actor == world.staff["hana"].user


def test_member_code_resolves_now_and_not_tomorrow(world: World) -> None:
    programme(world)
    mei = _join(world)
    code = member_code.member_code(customer_id=mei.pk)
    gia = world.login(Client(), "gia")
    found = gia.get(f"/api/v1/loyalty/member-code/{code}").json()
    assert found["customer_id"] == mei.pk and found["accounts"][0]["tier"] == "basic"
    later = timezone.now() + dt.timedelta(days=1)
    assert member_code.member_code_resolve(code=code, at=later) is None
    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert member_code.member_code_resolve(code=forged) is None
    # Gus (another store) cannot turn Mei's code into her card
    gus = world.login(Client(), "gus")
    assert gus.get(f"/api/v1/loyalty/member-code/{code}").status_code == 422


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_attempts_redeem_a_coupon_once(world: World) -> None:
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    mei = _join(world)
    coupon = Coupon.objects.get(account__customer_id=mei.pk)
    results = race(
        lambda n: services.coupon_redeem(
            coupon=coupon, order_id=10_000 + n, discount_fen=5_000, at=timezone.now()
        )  # fmt: skip
    )
    assert sorted(results).count("ok") == 1 and len(results) == 50
    coupon.refresh_from_db()
    assert coupon.status == "redeemed" and 10_000 <= coupon.order_id < 10_050


def test_a_pos_order_uses_the_members_coupon_once(world: World) -> None:
    from siyu.commerce.models import Order
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    mei = _join(world)
    coupon = Coupon.objects.get(account__customer_id=mei.pk)
    sam = world.login(Client(), "sam")
    body = {
        "store": "S1", "number": "T-1", "placed_at": timezone.now().isoformat(), "cashier": "G001",
        "customer": {"kind": "phone", "value": "13900001111"}, "coupon": coupon.code,
        "items": [{"sku": "ALP-P1-BK-M", "quantity": 1, "amount_fen": 124_900}],
    }  # fmt: skip
    first = sam.post("/api/v1/commerce/pos-orders", body, content_type="application/json")
    assert first.status_code == 201, first.content
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id, coupon.discount_fen) == (
        "redeemed",
        first.json()["id"],
        5_000,
    )
    again = sam.post("/api/v1/commerce/pos-orders", {**body, "number": "T-2"}, content_type="application/json")  # fmt: skip
    assert again.status_code == 422 and "coupon" in again.json()["fields"]
    assert not Order.objects.filter(number__endswith="T-2").exists()  # nothing half-made
    # The member earned points on the till's amount
    account = Account.objects.get(customer_id=mei.pk)
    assert services.balance(account) == 100 + 1_249


def test_pos_file_import_earns_points_once_and_upgrades(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    mei = _join(world, at=local(dt.date(2026, 11, 1), 10))  # before the till's orders
    lan = _join(world, name="兰", phone="13900002222", at=local(dt.date(2026, 11, 1), 11))
    rows = (
        "单号,门店编码,时间,收银员工号,会员手机,会员卡号,SKU,数量,实收金额\n"
        "B1,S1,2026-11-20 13:00,G001,13900001111,,ALP-P1-BK-M,1,1299.00\n"
        "B2,S1,2026-11-20 14:00,G001,13900001111,,ALP-P1-BK-L,1,1299.00\n"
        "B3,S1,2026-11-20 15:00,G001,13900002222,,ALP-P1-BK-L,1,1299.00\n"
    )
    bo = world.login(Client(), "bo")
    for _twice in range(2):
        response = bo.post("/api/v1/commerce/pos-orders/import", {"file": SimpleUploadedFile("pos.csv", rows.encode())})  # fmt: skip
        assert response.status_code == 200, response.content
    account = Account.objects.get(customer_id=mei.pk)
    # Two parkas, earned once each despite the file coming twice, and gold (¥2,598 in 12 months)
    assert PointsEntry.objects.filter(account=account, kind="earn").count() == 2
    assert (services.balance(account), account.tier.code) == (100 + 1_299 + 1_299, "gold")
    # Lan's one parka (¥1,299) made her silver in the same chunk, with its history row
    other = Account.objects.get(customer_id=lan.pk)
    assert other.tier.code == "silver" and other.tier_since == local(dt.date(2026, 11, 20), 15)
    assert TierChange.objects.filter(account=other, reason="upgrade").count() == 1


def test_a_merged_members_points_tier_coupons_and_orders_are_the_survivors(world: World) -> None:  # fmt: skip
    from siyu.commerce.models import Order
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    made = programme(world)
    # Given Mei (silver: one parka) and Lan (gold: two parkas), each with points and a coupon
    mei, lan = _join(world), _join(world, name="兰", phone="13900002222")
    _buy(world, mei, "ALP-P1-BK-M")
    _buy(world, lan, "ALP-P1-BK-M")
    _buy(world, lan, "ALP-P1-BK-L")
    ours, theirs = (Account.objects.get(customer_id=c.pk) for c in (mei, lan))
    points = services.balance(ours), services.balance(theirs)
    assert (ours.tier.code, theirs.tier.code) == ("silver", "gold")
    # When they turn out to be one person, and Lan is merged into Mei
    record = member_services.customer_merge(source=lan, target=mei, actor=None, reason="同一人")
    # Then Mei has one account with every point, both coupons, the higher tier (with its
    # history row), and Lan's orders, which count in her 12-month spend
    account = Account.objects.get(customer_id=mei.pk)
    assert not Account.objects.filter(customer_id=lan.pk).exists()
    assert services.balance(account) == sum(points)
    assert (account.tier.code, account.tier_since) == ("gold", theirs.tier_since)
    assert TierChange.objects.filter(account=account, reason="merge", to_tier__code="gold").count() == 1  # fmt: skip
    assert Coupon.objects.filter(account=account, reason="welcome").count() == 2
    assert Order.objects.filter(customer_id=mei.pk).count() == 3
    assert services.spend_12m(programme=made, customer_id=mei.pk, at=timezone.now()) == 3 * 129_900
    assert record.moved["loyalty.account.customer_id"] == 1
    assert record.moved["commerce.order.customer_id"] == 2


def test_a_merged_member_of_the_same_tier_keeps_it_as_long_as_either_held_it(world: World) -> None:  # fmt: skip
    programme(world)
    mei = _join(world, at=local(dt.date(2026, 1, 5), 10))
    lan = _join(world, name="兰", phone="13900002222")  # joined today: held a year from now
    held = Account.objects.get(customer_id=lan.pk).tier_until
    member_services.customer_merge(source=lan, target=mei, actor=None, reason="同一人")
    account = Account.objects.get(customer_id=mei.pk)
    assert (account.tier.code, account.tier_until) == ("basic", held)
    assert not TierChange.objects.filter(account=account, reason="merge").exists()


def _mei_and_lan(world: World) -> tuple[Any, Any]:
    """Two members of a programme, in a store with a catalog and a commission plan."""
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    return _join(world), _join(world, name="兰", phone="13900002222")


def test_an_order_that_reaches_a_merged_customer_late_is_swept_to_the_survivor(world: World) -> None:  # fmt: skip
    from siyu.commerce.models import Order

    mei, lan = _mei_and_lan(world)
    member_services.customer_merge(source=lan, target=mei, actor=None, reason="同一人")
    assert member_services.customer_merges_sweep() == {}  # nothing late: nothing moves
    # Given the row a till import leaves when it looked Lan up just before the merge and
    # wrote just after it: an order put on her, as that race would
    late, _created = commerce_services.pos_order_record(
        scope=root(world), store=world.stores["s1"], number="LATE-1", placed_at=timezone.now(),
        items=[("ALP-P1-BK-M", 1, 129_900)], cashier=world.staff["gia"],
    )  # fmt: skip
    Order.objects.filter(pk=late.pk).update(customer_id=lan.pk)
    # When the sweep runs (every ten minutes), through the task the scheduler enqueues
    from siyu.members import tasks as member_tasks

    assert member_tasks.merges_sweep.call() == 1
    # Then the order is Mei's (her spend and history), and a second sweep finds nothing
    assert Order.objects.get(pk=late.pk).customer_id == mei.pk
    assert member_services.customer_merges_sweep() == {}


def test_an_order_naming_a_merged_customer_is_the_survivors_and_earns_on_her_account(world: World) -> None:  # fmt: skip
    mei, lan = _mei_and_lan(world)
    member_services.customer_merge(source=lan, target=mei, actor=None, reason="同一人")
    account = Account.objects.get(customer_id=mei.pk)
    before = _points(account)
    # When a mini-program's back end and a till, each holding Lan's id from before the merge,
    # record her purchases
    mall = _buy(world, lan, "ALP-P1-BK-M")
    till, _created = commerce_services.pos_order_record(
        scope=root(world), store=world.stores["s1"], number="T-9", placed_at=timezone.now(),
        items=[("ALP-B1-40", 1, 59_900)], cashier=world.staff["gia"], customer_id=lan.pk,
    )  # fmt: skip
    # Then both orders are Mei's, she earned their points on her account, and Lan has none
    assert (mall.customer_id, till.customer_id) == (mei.pk, mei.pk)
    assert (mall.is_member, till.is_member) == (True, True)
    assert _points(account) == before + 1_299 + 599
    assert not Account.objects.filter(customer_id=lan.pk).exists()


def test_points_of_an_order_looked_up_just_before_a_merge_go_to_the_survivor(world: World) -> None:  # fmt: skip
    mei, lan = _mei_and_lan(world)
    order, _created = commerce_services.pos_order_record(
        scope=root(world), store=world.stores["s1"], number="T-10", placed_at=timezone.now(),
        items=[("ALP-P1-BK-M", 1, 129_900)], cashier=world.staff["gia"],
    )  # fmt: skip
    member_services.customer_merge(source=lan, target=mei, actor=None, reason="同一人")
    account = Account.objects.get(customer_id=mei.pk)
    before = _points(account)
    # When a POS import's chunk, which read Lan as a member a moment before the merge,
    # earns points for her order after it
    earned = services.orders_paid([
        services.Paid(order.pk, order.brand_id, lan.pk, order.paid_at, [("extreme_cold", 129_900)])
    ])  # fmt: skip
    # Then Mei earns them, and no account (nor a joining bonus) is made for Lan
    assert earned == 1
    assert _points(account) == before + 1_299
    assert PointsEntry.objects.get(kind="earn", order_id=order.pk).account_id == account.pk
    assert not Account.objects.filter(customer_id=lan.pk).exists()


def test_points_buy_a_reward_never_beyond_the_balance(world: World) -> None:
    from siyu.loyalty import setup

    programme(world)
    mei = _join(world)  # 100 points for joining
    account = Account.objects.get(customer_id=mei.pk)
    gift = setup.coupon_template_create(
        scope=root(world), brand=world.brands["alpine"], name="保暖袜礼品", kind="amount",
        amount_fen=3_900, valid_days=60, points_cost=80,
    )  # fmt: skip
    gia = world.login(Client(), "gia")
    url = f"/api/v1/loyalty/accounts/{account.pk}/rewards/{gift.pk}"
    first = gia.post(url)
    assert first.status_code == 201 and first.json()["balance"] == 20
    again = gia.post(url)
    assert again.status_code == 422 and "points" in again.json()["fields"]
    assert services.balance(account) == 20
    assert Coupon.objects.filter(account=account, reason="points").count() == 1


def test_points_per_line_multiplier_tier_and_birthday_month() -> None:
    from decimal import Decimal

    from siyu.loyalty.models import Programme, Tier

    programme = Programme(points_per_yuan=Decimal(1), birthday_multiplier=Decimal(2), line_multipliers={"outdoor": "1.5"})  # fmt: skip
    gold = Tier(rank=2, points_multiplier=Decimal(2))
    at = timezone.make_aware(dt.datetime(2026, 3, 5, 12))  # noqa: DTZ001 - made aware at once
    lines = [("outdoor", 10_000), ("casual", 5_099)]  # ¥100 × 1.5 + ¥50.99
    assert (
        services.earn_points(programme=programme, tier=gold, lines=lines, birthday=None, at=at)
        == 401
    )
    march = dt.date(1990, 3, 9)
    assert (
        services.earn_points(programme=programme, tier=gold, lines=lines, birthday=march, at=at)
        == 803
    )
    plain = Programme(points_per_yuan=Decimal(1), birthday_multiplier=Decimal(2))
    assert (
        services.earn_points(programme=plain, tier=gold, lines=lines, birthday=None, at=at) == 301
    )


def test_an_unpaid_order_is_cancelled_and_gives_its_coupon_back(world: World) -> None:
    from siyu.commerce.models import Order
    from siyu.commerce.tests.factories import catalog, plan

    plan(world)
    catalog(world)
    programme(world)
    mei = _join(world)
    coupon = Coupon.objects.get(account__customer_id=mei.pk)
    unpaid = commerce_services.order_create(store=world.stores["s1"], items=[("ALP-P1-BK-M", 1)], customer_id=mei.pk, coupon_code=coupon.code)  # fmt: skip
    assert commerce_services.orders_cancel_unpaid() == 0  # not yet: 30 minutes to pay
    later = timezone.now() + dt.timedelta(minutes=31)
    assert commerce_services.orders_cancel_unpaid(now=later) == 1
    assert Order.objects.get(pk=unpaid.pk).status == "cancelled"
    coupon.refresh_from_db()
    assert (coupon.status, coupon.order_id) == ("issued", None)
    # …and she can use it on her next order, which she pays
    paid = _buy(world, mei, "ALP-P1-BK-M", coupon=coupon.code)
    assert paid.status == "paid" and paid.total_fen == 124_900
    # A payment notice for the cancelled order is refused
    from siyu.commerce.payments import BadNotice

    body, headers = notice(unpaid.number, unpaid.total_fen)
    with pytest.raises(BadNotice):
        commerce_services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)


def test_a_group_programme_serves_brands_without_their_own(world: World) -> None:
    from siyu.commerce.tests.factories import catalog, plan
    from siyu.loyalty import setup

    plan(world, "beta")
    catalog(world)
    programme(world)  # Alpine's own
    ada = root(world)
    setup.programme_save(scope=ada, brand=None, name="集团会员", join_bonus=10, tiers=[{"code": "member", "name": "集团卡", "rank": 0}])  # fmt: skip
    # Hana (Alpine's HQ) may not set a group-wide programme
    from siyu.org.scope import scope_for_user

    with pytest.raises(ValidationError):
        setup.programme_save(scope=scope_for_user(world.staff["hana"].user), brand=None, name="x", tiers=[{"code": "m", "name": "m", "rank": 0}])  # fmt: skip
    # A Beta member joins and buys a Beta coat: the group's programme, not Alpine's
    lin = member_services.customer_create(
        name="琳", home_store=world.stores["x1"], identities={"phone": "13900003333"}, join_channel="pos",
    )  # fmt: skip
    order = commerce_services.order_create(store=world.stores["x1"], items=[("BET-C1-M", 1)], customer_id=lin.pk)  # fmt: skip
    body, headers = notice(order.number, order.total_fen, paid_at=timezone.now())
    commerce_services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)
    account = Account.objects.select_related("programme").get(customer_id=lin.pk)
    assert account.programme.name == "集团会员"
    assert services.balance(account) == 10 + 999
