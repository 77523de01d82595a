"""The storefront's pages with Django's client: routing entry, cart, one order per checkout,
orders private to the browser that placed them."""

from __future__ import annotations

from django.test import Client

from siyu.commerce.models import Order, OrderStatus
from siyu.commerce.tests.factories import catalog


def test_checkout_places_one_order_and_only_its_browser_sees_it(world) -> None:
    catalog(world)
    shopper = Client()
    entered = shopper.get("/shop/", {"brand": "ALP", "lat": 41.8, "lng": 123.4})
    assert entered.status_code == 302 and entered["Location"].startswith("/shop/S")
    store = world.stores["s1"]
    page = shopper.get(f"/shop/{store.code}/").content.decode()
    assert "极寒羽绒服" in page and "大衣" not in page  # Beta's coat is not sold here
    shopper.post(f"/shop/{store.code}/cart/", {"sku": "ALP-P1-BK-M", "quantity": "2"})
    placed = shopper.post(f"/shop/{store.code}/checkout/")
    assert placed.status_code == 302
    order = Order.objects.get()
    assert (order.total_fen, order.status, order.store_id) == (
        2 * 129_900,
        OrderStatus.PENDING,
        store.pk,
    )
    # The form sent again (a double tap) finds an empty cart: still one order
    shopper.post(f"/shop/{store.code}/checkout/")
    assert Order.objects.count() == 1
    assert shopper.post(placed["Location"]).status_code == 302  # pay (the dev gateway)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert "已支付" in shopper.get(f"/shop/orders/{order.number}/").content.decode()
    stranger = Client()
    assert stranger.get(f"/shop/orders/{order.number}/").status_code == 404
    assert stranger.get(f"/shop/pay/{order.number}/").status_code == 404


def test_unsold_items_in_the_cart_are_refused_with_a_message(world) -> None:
    catalog(world)
    shopper = Client()
    shopper.post("/shop/S1/cart/", {"sku": "BET-C1-M", "quantity": "1"})
    answer = shopper.post("/shop/S1/checkout/")
    assert answer.status_code == 200 and "本店不销售 BET-C1-M" in answer.content.decode()
    assert not Order.objects.exists()
