"""The storefront in a real browser (headless Chromium) against a running siyu: from a guide's
share to a paid order that is the guide's, with the tracker reporting along the way."""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from siyu.commerce import services
from siyu.commerce.models import CommissionEntry, Order, OrderStatus
from siyu.content import selectors as content_selectors
from siyu.content import services as content_services
from siyu.core.testing.browser import Browsing
from siyu.members import services as member_services
from siyu.org.models import Staff
from siyu.org.scope import Capability, Level, Scope
from siyu.tracking.models import Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VISITOR = "5h0pper"  # the dev OAuth's made-up visitor behind this browser


def _wait(read, timeout: float = 10.0):
    """Poll `read()` until it returns something truthy (the live server writes meanwhile)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            found = read()
        except OperationalError:  # SQLite's shared in-memory test database is being written
            found = None
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_customer_buys_through_a_guides_share_and_the_sale_is_the_guides(
    demo: str, browser: Browsing
) -> None:
    guide = Staff.objects.select_related("store", "store__brand").get(employee_no="guide")
    scope = Scope(level=Level.GROUP, group_id=guide.group_id, capabilities=frozenset(Capability))
    services.product_upsert(
        scope=scope, brand=guide.store.brand, style_no="DJ-SHOP-1", name="轻暖羽绒服",
        category="羽绒服", price_fen=89_900,
        skus=[{"code": "DJ-SHOP-1-M", "colour": "红", "size": "M"},
              {"code": "DJ-SHOP-1-L", "colour": "红", "size": "L"}],
    )  # fmt: skip
    item = next(
        i for items in content_selectors.content_for_guide(staff=guide).values() for i in items
    )
    link, _forward = content_services.content_forward(staff=guide, content=item, channel="moments")
    customer = member_services.customer_create(
        name="周女士", home_store=guide.store, identities={"unionid": f"udev-{VISITOR}"}
    )

    # The customer opens the guide's share, then its buy link into the guide's storefront
    visit = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    visit.add_cookies([{"name": "sy_dev_visitor", "value": VISITOR, "url": demo}])
    page = visit.new_page()
    page.goto(f"{demo}/s/{link.code}")
    expect(page.get_by_test_id("landing-body")).to_be_visible()
    page.goto(f"{demo}/shop/p/DJ-SHOP-1?share={link.code}&store={guide.store.code}")
    expect(page.get_by_test_id("price")).to_have_text("¥899.00")
    page.select_option("select[name=sku]", "DJ-SHOP-1-L")
    page.get_by_test_id("add-DJ-SHOP-1").click()
    expect(page.get_by_test_id("cart")).to_contain_text("× 1")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("amount")).to_have_text("¥899.00")
    page.get_by_test_id("pay-now").click()
    expect(page.get_by_test_id("status")).to_have_text("已支付")

    # Then the order is the guide's, through the shared content
    order = Order.objects.get(customer_id=customer.pk)
    assert (order.status, order.total_fen, order.attribution_rule) == (
        OrderStatus.PAID,
        89_900,
        "share",
    )
    assert (order.staff_id, order.content_id, order.is_moments) == (guide.pk, item.pk, True)
    assert CommissionEntry.objects.filter(order=order, staff=guide).count() == 1  # one line
    # …and the tracker told the story: the product, the cart, the payment (once)
    for kind in ("product_view", "add_to_cart", "order_paid"):
        events = _wait(lambda k=kind: list(Event.objects.filter(customer_id=customer.pk, type=k)))
        assert events and all(e.link_id == link.pk for e in events), kind
    page.reload()
    page.evaluate("() => siyu.flush()")
    time.sleep(0.5)
    paid = Event.objects.filter(customer_id=customer.pk, type="order_paid")
    assert [(e.order_ref, e.amount_fen) for e in paid] == [(order.number, 89_900)]
    visit.close()
