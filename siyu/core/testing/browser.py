"""Headless Chromium through Playwright for page tests: fixtures and the few helpers every
browser test uses (log in as a demo login, keep a screenshot when asked). A test opens its
browser contexts through the `browser` fixture (a `Browsing`), which closes them and waits
for the live server before the test's database is emptied.

Debian's Chromium is driven through `executable_path`: no browser download. `siyu/conftest.py`
loads this module as a plugin; the browser starts only for a test that asks for it.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

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
def chromium() -> Iterator[Browser]:
    executable = os.environ.get("SIYU_CHROMIUM", "/usr/bin/chromium")
    assert Path(executable).exists(), (
        f"Chromium not found at {executable}: run `make test`, which installs it"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class _Counted:
    """The live server's WSGI application, counting the requests it is answering; once a
    test has settled (`settle`), it answers 503 without touching the database until the
    next test opens it again (`open`)."""

    QUIET_SECONDS = 0.3

    def __init__(self, app: Any) -> None:
        self.app = app
        self.lock = threading.Lock()
        self.busy = 0
        self.last = time.monotonic()
        self.closed = False

    def open(self) -> None:
        with self.lock:
            self.closed = False

    def __call__(self, environ: dict, start_response: Any) -> Any:
        with self.lock:
            if self.closed:  # a page's late beacon, after its test: the database is going
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"the test is over"]
            self.busy += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.busy -= 1
                self.last = time.monotonic()

    def settle(self, timeout: float = 10.0) -> None:
        """Return once no request is being answered and none has come for a moment, and
        answer none after (checked and closed under one lock, so none slips in between: a
        beacon sent later than the quiet moment had raced the database's teardown)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.busy and time.monotonic() - self.last >= self.QUIET_SECONDS:
                    self.closed = True
                    return
            time.sleep(0.05)
        raise AssertionError(f"the live server was still answering {self.busy} request(s)")


class Browsing:
    """One test's use of the browser: every context it opens is closed when the test ends,
    and the test ends only once the live server has answered what those pages sent as they
    closed. A closing page sends its last tracking events by beacon (tracker.js, on
    pagehide); answered after the test, they would be written while the test database is
    being emptied (on PostgreSQL, a TRUNCATE racing an ingest transaction)."""

    def __init__(self, browser: Browser, served: _Counted | None) -> None:
        self.browser = browser
        self.served = served
        self.contexts: list[BrowserContext] = []

    def new_context(self, **options: Any) -> BrowserContext:
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        return context

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        if self.served is not None:
            self.served.settle()


@pytest.fixture(autouse=True)
def _live_server_open(request: pytest.FixtureRequest) -> None:
    """Every test with the live server starts with it answering (a browser test before it on
    this worker closed it as it ended: `_Counted.settle`)."""
    if "live_server" in request.fixturenames:
        served = request.getfixturevalue("live_server").thread.httpd.get_app()
        if isinstance(served, _Counted):
            served.open()


@pytest.fixture
def browser(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[Browsing]:
    served = None
    if "live_server" in request.fixturenames:
        httpd = request.getfixturevalue("live_server").thread.httpd
        served = httpd.get_app()
        if not isinstance(served, _Counted):
            served = _Counted(served)
            httpd.set_app(served)
    browsing = Browsing(chromium, served)
    yield browsing
    browsing.close()


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
def page(browser: Browsing) -> Page:
    # An English browser: the UI must still open in Chinese until the person switches.
    return browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900}).new_page()


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
