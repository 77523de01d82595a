"""In a real browser (headless Chromium via Playwright): each demo role logs in and sees its scope.

The live server holds a small demo built by the real generator, so the logins printed by
`siyu run` are the ones tested here.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect, sync_playwright

from siyu.core.generator import DEMO_PASSWORD
from siyu.members.models import Customer, PhoneReveal
from siyu.org.models import Staff
from siyu.org.scope import scope_for_user
from siyu.org.selectors import store_list

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SIYU_SCREENSHOTS")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = os.environ.get("SIYU_CHROMIUM", "/usr/bin/chromium")
    assert Path(executable).exists(), (
        f"Chromium not found at {executable}: run `make test`, which installs it"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def demo(live_server) -> str:
    call_command(
        "generate",
        scale="demo",
        stores=6,
        guides=14,
        customers=300,
        seed=3,
        quiet=True,
        stdout=io.StringIO(),
    )
    return live_server.url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # An English browser: the UI must still open in Chinese until the person switches.
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


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
    if staff.role == "guide":
        mine = Customer.objects.filter(owner_staff=staff)
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
