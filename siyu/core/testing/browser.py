"""Headless Chromium through Playwright for page tests: fixtures and the few helpers every
browser test uses (log in as a demo login, keep a screenshot when asked).

Debian's Chromium is driven through `executable_path`: no browser download. `siyu/conftest.py`
loads this module as a plugin; the browser starts only for a test that asks for it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, sync_playwright

from siyu.core.generator import DEMO_PASSWORD

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test
# body are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
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
def demo(live_server, settings) -> str:
    """A small demo group built by the real generator behind a live server; its base URL
    (also the public URL that share links and posters point at)."""
    settings.SIYU_PUBLIC_URL = live_server.url
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


def login(page: Page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)
