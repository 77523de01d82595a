"""The member card in a real browser (headless Chromium via Playwright), on the demo: the
member opens their card and shows the code; the guide types it in, lands on the member's
customer card and serves the birthday gift with one tap; the member's card then shows it
used."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from siyu.core.testing.browser import Browsing, login, shot
from siyu.loyalty.member_code import member_code
from siyu.loyalty.models import Account, BenefitUse
from siyu.loyalty.views import card_token
from siyu.members.models import Customer
from siyu.org.models import Staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_shows_code_guide_serves_birthday_gift(demo: str, browser: Browsing) -> None:
    guide = Staff.objects.get(employee_no="guide")
    account = Account.objects.filter(
        customer_id__in=Customer.objects.filter(owner_staff=guide).values("pk"),
        programme__brand_id=guide.store.brand_id,
    ).first()
    assert account is not None, "the demo guide must serve a member"
    # Given it is the member's birthday month
    Customer.objects.filter(pk=account.customer_id).update(birthday=timezone.localdate().replace(year=1991, day=1))  # fmt: skip

    member = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    member.goto(f"{demo}/h5/card/{card_token(account.customer_id)}/")
    expect(member.get_by_test_id("member-code").locator("svg")).to_be_visible()
    # The QR code holds this minute's code; the guide's scanner reads it (here: typed in).
    code = member_code(customer_id=account.customer_id)
    shot(member, "member-card")

    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    login(page, demo, "guide")
    page.goto(f"{demo}/m/")
    page.get_by_test_id("member-code").click()
    page.fill("input[name=code]", code)
    page.click("button")
    card = page.get_by_test_id("member-card")
    expect(card).to_contain_text(account.tier.name)
    card.get_by_test_id("use-birthday").click()
    expect(page.get_by_test_id("member-card")).to_contain_text("剩余 0 / 1")
    use = BenefitUse.objects.get(account=account, benefit__code="birthday")
    assert (use.staff_id, use.store_id, use.channel) == (guide.pk, guide.store_id, "store")
    member.reload()
    expect(member.locator("body")).to_contain_text("剩余 0 / 1")
    shot(page, "guide-serves")
