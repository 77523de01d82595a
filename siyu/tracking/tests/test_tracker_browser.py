"""tracker.js in a real browser (headless Chromium) against a running siyu.

A customer of the demo guide opens the guide's share link: the tracker sends the content view
with the share's attribution, product and cart events from the page's helpers, survives going
offline (the queued events go later with the same ids), and reports the dwell by sendBeacon
when the page goes away. The guide then opens the customer's card and sees that trail.
"""

from __future__ import annotations

import time

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from siyu.content import selectors as content_selectors
from siyu.content import services as content_services
from siyu.core.testing.browser import Browsing, login, shot
from siyu.members import services as member_services
from siyu.org.models import Staff
from siyu.tracking.models import DailyStat, Dim, Event

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
VISITOR = "feedc0de"  # the dev OAuth's made-up visitor behind this browser


def _arrived(customer_id: int, kind: str, count: int = 1, timeout: float = 10.0) -> list[Event]:
    """Wait until siyu has stored `count` events of `kind` for the customer."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            events = list(Event.objects.filter(customer_id=customer_id, type=kind).order_by("id"))
        except OperationalError:  # the live server is writing (SQLite's shared in-memory test db)
            events = []
        if len(events) >= count or time.monotonic() > deadline:
            return events
        time.sleep(0.1)


def test_tracker_events_arrive_attributed_and_the_guide_sees_the_trail(
    demo: str, browser: Browsing
) -> None:
    guide = Staff.objects.select_related("store").get(employee_no="guide")
    item = next(
        i for items in content_selectors.content_for_guide(staff=guide).values() for i in items
    )
    link, _forward = content_services.content_forward(staff=guide, content=item, channel="chat")
    customer = member_services.customer_create(
        name="林小姐", home_store=guide.store, owner_staff=guide,
        identities={"unionid": f"udev-{VISITOR}"},
    )  # fmt: skip

    # The customer opens the share link (WeChat's sign-in is the offline stand-in)
    visit = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    visit.add_cookies([{"name": "sy_dev_visitor", "value": VISITOR, "url": demo}])
    page = visit.new_page()
    page.goto(f"{demo}/s/{link.code}")
    expect(page.get_by_test_id("landing-body")).to_be_visible()
    [view] = _arrived(customer.pk, "content_view")
    assert (view.link_id, view.content_id, view.staff_id, view.store_id) == (
        link.pk, item.pk, guide.pk, guide.store_id,
    )  # fmt: skip
    # a time-ordered client id: the milliseconds it was made, in base 36, come first
    assert abs(int(view.id[:9], 36) - view.occurred_at.timestamp() * 1000) < 1000

    # The page's helpers: a product looked at and put in the cart
    page.evaluate("() => { siyu.product('DJ-2026-RED'); siyu.addToCart('DJ-2026-RED', 2); }")
    page.evaluate("() => siyu.flush()")
    [cart] = _arrived(customer.pk, "add_to_cart")
    assert (cart.product_code, cart.properties, cart.link_id) == (
        "DJ-2026-RED",
        {"qty": 2},
        link.pk,
    )

    # Offline: the event waits in localStorage; back online it goes, with the same id
    visit.set_offline(True)
    page.evaluate("() => siyu.track('coupon_claim', {properties: {coupon: 'WINTER50'}})")
    page.evaluate("() => siyu.flush()")
    queued = page.evaluate("() => JSON.parse(localStorage.getItem('siyu.queue'))")
    assert [e["type"] for e in queued] == ["coupon_claim"]
    assert not Event.objects.filter(customer_id=customer.pk, type="coupon_claim").exists()
    visit.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    [coupon] = _arrived(customer.pk, "coupon_claim")
    assert coupon.id == queued[0]["id"] and coupon.link_id == link.pk

    # Leaving the page: the visible time goes by sendBeacon
    page.wait_for_timeout(1200)
    page.goto("about:blank")
    [dwell] = _arrived(customer.pk, "view_end")
    assert dwell.dwell_ms >= 1000 and dwell.link_id == link.pk
    visit.close()

    # The rollups of the guide's link count the view, the cart and the reading time
    stat = DailyStat.objects.get(dim=Dim.LINK, key=link.pk, day=view.day)
    assert (stat.pv, stat.uv, stat.carts, stat.dwell_ms) == (1, 1, 1, dwell.dwell_ms)

    # The guide opens the customer's card: the trail of that browser session
    mobile = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    login(mobile, demo, "guide")
    mobile.goto(f"{demo}/m/customers/{customer.pk}/")
    day = mobile.get_by_test_id("trail-day")
    expect(day.get_by_test_id("trail-content")).to_contain_text(item.title)
    expect(day.get_by_test_id("trail-product")).to_contain_text("DJ-2026-RED")
    expect(day.get_by_test_id("funnel-day").get_by_test_id("carts")).to_have_text("1")
    expect(day.get_by_test_id("funnel-day").get_by_test_id("views")).to_have_text("1")
    shot(mobile, "tracking-trail")
    # …and the customer in their follow-up list, with the reasons behind the score
    mobile.goto(f"{demo}/m/follow-up/")
    entry = mobile.get_by_test_id(f"follow-up-{customer.pk}")
    expect(entry).to_contain_text("1 件加购未下单")
    expect(entry).to_contain_text("1 小时内活跃")
