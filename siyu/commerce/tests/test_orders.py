"""Orders end to end: a share at night → storefront → payment → refund → commission and
statements; store-account notes; POS orders; refusals that change nothing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from siyu.commerce import selectors, services
from siyu.commerce.models import CommissionEntry, Order, OrderStatus, Payment
from siyu.commerce.tests.factories import BOOTS_FEN, PARKA_FEN, catalog, local, notice, plan
from siyu.conftest import PHONES, ROOT
from siyu.content import services as content_services
from siyu.content.tests.factories import poster, publish
from siyu.tracking import services as tracking_services

NIGHT = dt.date(2026, 11, 20)


@pytest.fixture
def shop(world):
    plan(world)
    return catalog(world)


def _post(client: Client, url: str, payload: dict):
    return client.post(url, json.dumps(payload), content_type="application/json")


def _pay(order: Order, amount: int | None = None, signature: str | None = None):
    body, headers = notice(
        order.number, order.total_fen if amount is None else amount, local(NIGHT, 23, 25)
    )
    if signature is not None:
        headers = {"X-Siyu-Pay-Signature": signature}
    return Client().post(
        "/api/v1/commerce/payments/dev/notify", body, content_type="application/json",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()},
    )  # fmt: skip


def test_a_night_share_becomes_a_guides_sale_with_after_hours_commission_partly_clawed_back(
    world, shop
) -> None:
    # Given Gia forwards a poster and customer c2 (S1's, no guide of their own) opens it at 23:10
    item = publish(world, poster(world))
    link, _forward = content_services.content_forward(
        staff=world.staff["gia"], content=item, channel="moments"
    )
    source, _key = tracking_services.event_source_create(scope=ROOT, name="H5", kind="h5")
    c2 = world.customers["c2"]
    tracking_services.events_ingest(source=source, events=[{
        "id": "evt-night-0001", "type": "content_view", "share": link.code,
        "occurred_at": local(NIGHT, 23, 10).isoformat(), "device_id": "dev-c2",
        "customer": {"kind": "unionid", "value": "union-c2"},
    }])  # fmt: skip
    # When the storefront routes them (Gia's store) and they buy two parkas at 23:20
    route = selectors.storefront_for(brand=world.brands["alpine"], share_code=link.code)
    assert route is not None and (route.store_id, route.reason) == (world.stores["s1"].pk, "share")
    order = services.order_create(
        store=world.stores["s1"], items=[("ALP-P1-BK-M", 2)], customer_id=c2.pk,
        share_code=link.code, landed_at=local(NIGHT, 23, 10), placed_at=local(NIGHT, 23, 20),
    )  # fmt: skip
    assert (order.status, order.total_fen) == (OrderStatus.PENDING, 2 * PARKA_FEN)
    # …and the gateway says it is paid, and says it again
    body, headers = notice(order.number, order.total_fen, local(NIGHT, 23, 25))
    for _time in range(2):
        paid = Client().post(
            "/api/v1/commerce/payments/dev/notify", body, content_type="application/json",
            HTTP_X_SIYU_PAY_SIGNATURE=headers["X-Siyu-Pay-Signature"],
        )  # fmt: skip
        assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert Payment.objects.count() == 1
    order.refresh_from_db()
    # Then the order is Gia's, through the poster, after hours, by a member
    assert (order.attribution_rule, order.staff_id, order.content_id) == (
        "share", world.staff["gia"].pk, item.pk,
    )  # fmt: skip
    assert order.is_after_hours and order.is_moments
    assert not order.is_member  # c2 joined after that night (when the test world was made)
    assert not order.is_cross_city and not order.is_cross_brand
    # 3 % base + 2 points after hours on ¥2,598
    (accrual,) = CommissionEntry.objects.filter(order=order)
    assert (accrual.rate, accrual.amount_fen) == (Decimal("0.05"), 12_990)
    # When one parka comes back the next day (a refund is booked at the moment it is made)
    sam = world.login(Client(), "sam")
    line_id = order.lines.get().pk
    with time_machine.travel(local(NIGHT + dt.timedelta(days=1), 12, 0)):
        refund = _post(sam, f"/api/v1/commerce/orders/{order.pk}/refunds",
                       {"number": "R-1", "items": [{"line_id": line_id, "quantity": 1}]})  # fmt: skip
        resent = _post(sam, f"/api/v1/commerce/orders/{order.pk}/refunds",
                       {"number": "R-1", "items": [{"line_id": line_id, "quantity": 1}]})  # fmt: skip
    assert refund.status_code == 201 and refund.json()["amount_fen"] == PARKA_FEN
    assert resent.status_code == 201 and resent.json()["id"] == refund.json()["id"]
    # Then half the commission is taken back, and the month's statements show it
    assert sorted(CommissionEntry.objects.values_list("kind", "amount_fen")) == [
        ("accrual", 12_990), ("clawback", -6_495),
    ]  # fmt: skip
    ada = world.login(Client(), "ada")
    by_guide = ada.get("/api/v1/commerce/statement?month=2026-11&by=guide").json()
    assert [(r["label"], r["online_fen"], r["commission_fen"]) for r in by_guide] == [
        ("Gia", PARKA_FEN, 6_495)
    ]
    by_store = ada.get("/api/v1/commerce/statement?month=2026-11&by=store").json()
    assert [(r["key"], r["sales_fen"]) for r in by_store] == [(world.stores["s1"].pk, PARKA_FEN)]
    # When the other parka comes back in December, December's statement claws it back and
    # November's commission stays as it was settled
    with time_machine.travel(local(dt.date(2026, 12, 3), 12, 0)):
        late = _post(sam, f"/api/v1/commerce/orders/{order.pk}/refunds",
                     {"number": "R-2", "items": [{"line_id": line_id, "quantity": 1}]})  # fmt: skip
    assert late.status_code == 201
    november = ada.get("/api/v1/commerce/statement?month=2026-11&by=guide").json()
    december = ada.get("/api/v1/commerce/statement?month=2026-12&by=guide").json()
    assert [(r["label"], r["commission_fen"]) for r in november] == [("Gia", 6_495)]
    assert [(r["label"], r["commission_fen"]) for r in december] == [("Gia", -6_495)]


def test_the_first_payment_of_an_order_is_the_only_one_that_counts(world, shop) -> None:
    order = services.order_create(store=world.stores["s1"], items=[("ALP-B1-40", 1)])
    assert _pay(order, signature="0" * 64).status_code == 400  # not the gateway's
    assert _pay(order, amount=1).status_code == 400  # not the order's amount
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING and not Payment.objects.exists()
    body, headers = notice(order.number, order.total_fen)
    client = Client()
    meta = {"HTTP_X_SIYU_PAY_SIGNATURE": headers["X-Siyu-Pay-Signature"]}
    url = "/api/v1/commerce/payments/dev/notify"
    assert client.post(url, body, content_type="application/json", **meta).status_code == 200
    assert client.post(url, body, content_type="application/json", **meta).status_code == 200
    assert Payment.objects.count() == 1  # the same notice twice is one payment
    assert _pay(order).status_code == 400  # a second, different transaction is refused
    other = client.post(
        "/api/v1/commerce/payments/alipay/notify", body, content_type="application/json", **meta
    )
    assert other.status_code == 400  # not the configured gateway
    assert Payment.objects.count() == 1


def test_a_store_accounts_order_naming_a_guide_is_that_guides(world, shop) -> None:
    c1 = world.customers["c1"]  # bound to Gia at S1
    order = services.order_create(
        store=world.stores["s2"], items=[("ALP-P1-BK-L", 1)], customer_id=c1.pk,
        via_store_account=True, note="导购 G002 推荐，周末取", placed_at=local(NIGHT, 15),
    )  # fmt: skip
    _pay(order)
    order.refresh_from_db()
    assert (order.attribution_rule, order.staff_id) == ("note", world.staff["gus"].pk)
    assert not order.is_after_hours
    by_name = services.order_create(
        store=world.stores["s2"], items=[("ALP-P1-BK-L", 1)], customer_id=c1.pk,
        via_store_account=True, note="Gus", placed_at=local(NIGHT, 16),
    )  # fmt: skip
    _pay(by_name)
    by_name.refresh_from_db()
    assert by_name.staff_id == world.staff["gus"].pk
    # Without a name, the customer's bound guide is credited
    plain = services.order_create(
        store=world.stores["s2"], items=[("ALP-P1-BK-L", 1)], customer_id=c1.pk,
        via_store_account=True, note="尽快发货", placed_at=local(NIGHT, 17),
    )  # fmt: skip
    _pay(plain)
    plain.refresh_from_db()
    assert (plain.attribution_rule, plain.staff_id) == ("bound", world.staff["gia"].pk)


def test_pos_orders_are_the_cashiers_once_per_pos_number(world, shop) -> None:
    sam = world.login(Client(), "sam")  # S1's manager
    payload = {
        "store": "S1", "number": "20261120-0007", "placed_at": local(NIGHT, 14).isoformat(),
        "cashier": "G001", "customer": {"kind": "phone", "value": PHONES["c3"]},
        "items": [{"sku": "ALP-B1-40", "quantity": 1, "amount_fen": 49_900}],
    }  # fmt: skip
    created = _post(sam, "/api/v1/commerce/pos-orders", payload)
    assert created.status_code == 201, created.json()
    again = _post(sam, "/api/v1/commerce/pos-orders", payload)
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    body = created.json()
    assert (body["attribution_rule"], body["staff_id"], body["total_fen"]) == (
        "cashier", world.staff["gia"].pk, 49_900,
    )  # fmt: skip
    assert body["customer_id"] == world.customers["c3"].pk
    assert body["is_cross_city"] is False  # c3 belongs to S2, same city
    # outdoor line rate 4 % on what was paid
    assert CommissionEntry.objects.get().amount_fen == 1_996
    # S2 is not Sam's store
    outside = _post(sam, "/api/v1/commerce/pos-orders", {**payload, "store": "S2", "number": "X"})
    assert outside.status_code == 422 and "store" in outside.json()["fields"]
    assert Order.objects.count() == 1


def test_refunds_never_exceed_what_was_paid(world, shop) -> None:
    order = services.order_create(store=world.stores["s1"], items=[("ALP-P1-BK-M", 2)])
    _pay(order)
    line = order.lines.get()
    sam = world.login(Client(), "sam")
    url = f"/api/v1/commerce/orders/{order.pk}/refunds"
    too_many = _post(sam, url, {"number": "R-9", "items": [{"line_id": line.pk, "quantity": 3}]})
    assert too_many.status_code == 422 and "items.0.quantity" in too_many.json()["fields"]
    too_much = _post(sam, url, {"number": "R-9", "items": [
        {"line_id": line.pk, "quantity": 1, "amount_fen": 2 * PARKA_FEN + 1}]})  # fmt: skip
    assert too_much.status_code == 422 and "items.0.amount_fen" in too_much.json()["fields"]
    order.refresh_from_db()
    assert order.refunded_fen == 0 and not order.refunds.exists()
    for number in ("R-10", "R-11"):
        ok = _post(sam, url, {"number": number, "items": [{"line_id": line.pk, "quantity": 1}]})
        assert ok.status_code == 201
    order.refresh_from_db()
    assert order.refunded_fen == order.total_fen
    more = _post(sam, url, {"number": "R-12", "items": [{"line_id": line.pk, "quantity": 1}]})
    assert more.status_code == 422


def test_a_guide_sees_only_the_orders_credited_to_them(world, shop) -> None:
    order = services.order_create(
        store=world.stores["s1"], items=[("ALP-B1-40", 1)], customer_id=world.customers["c1"].pk,
        placed_at=local(timezone.localdate(), 15),  # in opening hours, this month
    )  # fmt: skip
    body, headers = notice(order.number, order.total_fen)  # paid now: this month
    Client().post(
        "/api/v1/commerce/payments/dev/notify",
        body,
        content_type="application/json",
        HTTP_X_SIYU_PAY_SIGNATURE=headers["X-Siyu-Pay-Signature"],
    )  # fmt: skip  (c1's bound guide: Gia)
    gia, gus = world.login(Client(), "gia"), world.login(Client(), "gus")
    assert [o["id"] for o in gia.get("/api/v1/commerce/orders").json()["results"]] == [order.pk]
    assert gus.get("/api/v1/commerce/orders").json()["results"] == []
    assert gus.get(f"/api/v1/commerce/orders/{order.pk}").status_code == 404
    mine = gia.get("/api/v1/commerce/my-month").json()
    assert (mine["key"], mine["online_fen"], mine["commission_fen"]) == (
        world.staff["gia"].pk, BOOTS_FEN, 2_396,  # outdoor: 4 %
    )  # fmt: skip
    panel = gia.get("/m/sales/month/", HTTP_HX_REQUEST="true").content.decode()
    assert "¥599.00" in panel and "¥23.96" in panel
    assert "¥599.00" not in gus.get("/m/sales/month/").content.decode()
