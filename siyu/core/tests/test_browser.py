"""In a real browser (headless Chromium via Playwright): each demo role logs in and sees its scope.

The live server holds a small demo built by the real generator, so the logins printed by
`siyu run` are the ones tested here.
"""

from __future__ import annotations

import re

import pytest
from django.db.models import Q
from playwright.sync_api import Page, expect

from siyu.core.testing.browser import login, shot
from siyu.members.models import Customer, PhoneReveal
from siyu.org.models import Staff
from siyu.org.scope import scope_for_user
from siyu.org.selectors import store_list
from siyu.relations.models import Friendship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("username", ["admin", "hq", "branch"])
def test_console_roles_see_exactly_their_stores(demo: str, page: Page, username: str) -> None:
    staff = Staff.objects.get(employee_no=username)
    expected = {s.name for s in store_list(scope=scope_for_user(staff.user))}
    login(page, demo, username)
    expect(page).to_have_url(f"{demo}/console/")
    expect(page.get_by_test_id("whoami")).to_contain_text(staff.name)
    shown = set(page.locator("[data-testid=org-tree] a").all_inner_texts())
    assert shown == expected
    shot(page, f"console-{username}")


@pytest.mark.parametrize("username", ["store", "guide", "guide2"])
def test_workbench_roles_see_exactly_their_customers(demo: str, page: Page, username: str) -> None:
    staff = Staff.objects.get(employee_no=username)
    if staff.role == "guide":  # the customers they serve, and their WeCom friends
        mine = Customer.objects.filter(
            Q(owner_staff=staff)
            | Q(
                pk__in=Friendship.objects.filter(staff=staff, status="active").values("customer_id")
            )
        )
    else:
        mine = Customer.objects.filter(home_store=staff.store)
    expected_ids = set(mine.values_list("pk", flat=True))
    login(page, demo, username)
    expect(page).to_have_url(f"{demo}/m/")
    links = page.locator("[data-testid=my-customers] a")
    hrefs = set(links.evaluate_all("els => els.map(e => e.getAttribute('href'))"))
    ids = {int(re.search(r"/m/customers/(\d+)/", h).group(1)) for h in hrefs}
    assert ids and ids <= expected_ids
    assert len(ids) == min(30, len(expected_ids))  # the first page of their book
    # The card opens and shows only the masked phone
    links.first.click()
    expect(page.get_by_test_id("customer-card")).to_be_visible()
    assert not re.search(r"1[3-9]\d{9}", page.content())
    shot(page, f"workbench-{username}")


def test_store_manager_reveals_a_phone_with_a_reason(demo: str, page: Page) -> None:
    staff = Staff.objects.get(employee_no="store")
    customer = Customer.objects.filter(home_store=staff.store, identities__kind="phone").first()
    login(page, demo, "store")
    page.goto(f"{demo}/console/customers/{customer.pk}/")
    masked = page.locator("#phone").inner_text()
    assert "****" in masked
    page.fill("#reveal input[name=reason]", "顾客来电要求回拨")
    page.click("#reveal button")
    revealed = page.get_by_test_id("revealed-phone")
    expect(revealed).to_contain_text("+86")
    assert revealed.inner_text().split()[0][-4:] == masked[-4:]
    assert (
        PhoneReveal.objects.filter(
            customer=customer, actor=staff.user, reason="顾客来电要求回拨"
        ).count()
        == 1
    )
    shot(page, "reveal")


def test_language_switch_to_english(demo: str, page: Page) -> None:
    login(page, demo, "hq")
    expect(page.locator("h1")).to_have_text("组织架构")
    page.select_option("select[name=language]", "en")
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("Organisation")


def test_customer_search_updates_results_in_place(demo: str, page: Page) -> None:
    login(page, demo, "hq")
    page.goto(f"{demo}/console/customers/")
    target = (
        Customer.objects.filter(home_store__brand__code="DOWN").exclude(name="").order_by("-id")[5]
    )
    page.fill("input[name=q]", target.name)
    page.click("form.filters button[type=submit]")
    expect(page).to_have_url(re.compile(r"q="))
    rows = page.locator("[data-testid=customer-table] tbody tr")
    expect(rows.first).to_contain_text(target.name[:1])
    for text in rows.all_inner_texts():
        assert target.name in text.split("\t")[0] or text.split("\t")[0].startswith(target.name)
