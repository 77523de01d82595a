"""No clear phone number reaches a guide: every page and API response they can open is scanned.

The page list comes from the URL conf and the API list from the OpenAPI schema, so every
endpoint a later app adds is scanned without editing this file; a new path parameter only
needs a value in PARAMS. Logs are checked too.
"""

from __future__ import annotations

import io
import logging
import logging.config
import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from siyu.conftest import PHONES, World
from siyu.members.pii import MOBILE_RE

NOT_PAGES = ("admin/", "api/", "logout/", "i18n/", "static/", "media/")


def params(world: World) -> dict[str, list[Any]]:
    """Every value a path parameter can take in the test world, in or out of the guide's scope."""
    return {
        "customer_id": [c.pk for c in world.customers.values()],
        "store_id": [s.pk for s in world.stores.values()],
        "staff_id": [s.pk for s in world.staff.values()],
        "token_id": [1],
        "code_id": [c.pk for c in world.codes.values()],
        "friendship_id": [f.pk for f in world.friendships.values()],
        "content_id": [c.pk for c in world.contents.values()],
        "task_id": [t.pk for t in world.moment_tasks.values()]
        + [t.pk for t in world.tasks.values()],
        "assignment_id": [a.pk for a in world.assignments.values()],
        "account_id": [a.pk for a in world.accounts.values()],
        "token": ["not-a-signed-token"],
        "contest_id": [c.pk for c in world.contests.values()],
        "code": [link.code for link in world.links.values()]
        + [s.code for s in world.stores.values()],
        "order_id": [o.pk for o in world.orders.values()],
        "number": [o.number for o in world.orders.values()],
        "style_no": ["ALP-P1", "BET-C1"],
    }


def _page_patterns(resolver: URLResolver, prefix: str = "") -> list[str]:
    routes = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(NOT_PAGES) or route.startswith("^"):
            continue
        if isinstance(entry, URLResolver):
            routes += _page_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            routes.append(route)
    return routes


def _expand(route: str, values: dict[str, list[int]], style: str) -> list[str]:
    pattern = r"<(?:\w+:)?(\w+)>" if style == "django" else r"\{(\w+)\}"
    names = re.findall(pattern, route)
    for name in names:
        assert name in values, f"add example values for the path parameter {name!r} to PARAMS"
    urls = [route]
    for name in names:
        token = re.compile(
            r"<(?:\w+:)?" + name + ">" if style == "django" else r"\{" + name + r"\}"
        )
        urls = [token.sub(str(v), u, count=1) for u in urls for v in values[name]]
    return urls


# A phone-shaped run inside a longer token (a random hex id, a QR URL) is not a phone: the
# world's own phones are looked for anywhere below, other phone shapes only standing alone.
STANDALONE = re.compile(r"(?<![0-9A-Za-z])(?:" + MOBILE_RE.pattern + r")(?![0-9A-Za-z])")


def _scan(body: str, where: str) -> None:
    found = STANDALONE.search(body)
    assert found is None, f"clear phone number {found.group(0)!r} in {where}"
    for phone in PHONES.values():
        assert phone not in body, f"{phone} in {where}"


@pytest.mark.parametrize("persona", ["gia", "gus"])
def test_no_phone_on_any_page_a_guide_opens(related_world: World, persona: str) -> None:
    world = related_world
    client = world.login(Client(), persona)
    values = params(world)
    opened = 0
    for route in _page_patterns(get_resolver()):
        for url in _expand("/" + route, values, "django"):
            response = client.get(url)
            if response.status_code == 200 and response.streaming:
                opened += 1
                assert response["Content-Type"] == "image/png", url  # a poster: no text to leak
                b"".join(response.streaming_content)
            elif response.status_code == 200 and response["Content-Type"] == "image/png":
                opened += 1  # a leaderboard picture: names and amounts, drawn, no text to leak
            elif response.status_code == 200:
                opened += 1
                _scan(response.content.decode(), url)
            if response.status_code == 302:
                opened += 1
    assert opened >= 8  # the workbench, the customer card, the console lists…


@pytest.mark.parametrize("persona", ["gia", "gus"])
def test_no_phone_in_any_api_response_to_a_guide(related_world: World, persona: str) -> None:
    world = related_world
    client = world.login(Client(), persona)
    schema = client.get("/api/openapi.json").json()
    values = params(world)
    answered = 0
    for path, operations in schema["paths"].items():
        if "get" not in operations:
            continue
        for url in _expand(path, values, "openapi"):
            response = client.get(url)
            answered += response.status_code == 200
            _scan(response.content.decode(), url)
    assert answered >= 5


def test_guide_sees_masked_phone_of_own_customer(world: World) -> None:
    # The mask is there (so the scan above is looking at real phone fields)
    client = world.login(Client(), "gia")
    c1 = world.customers["c1"]
    assert client.get(f"/api/v1/customers/{c1.pk}").json()["phone_masked"] == "138****8001"
    assert "138****8001" in client.get(f"/m/customers/{c1.pk}/").content.decode()


def test_guide_cannot_reveal(world: World) -> None:
    client = world.login(Client(), "gia")
    c1 = world.customers["c1"]
    response = client.post(
        f"/api/v1/customers/{c1.pk}/reveal-phone",
        {"reason": "call"},
        content_type="application/json",
    )
    assert response.status_code == 403
    _scan(response.content.decode(), "reveal refusal")
    page = client.post(f"/console/customers/{c1.pk}/reveal-phone/", {"reason": "call"})
    assert page.status_code == 403
    _scan(page.content.decode(), "reveal page refusal")


def test_logs_never_hold_a_clear_phone(world: World) -> None:
    # Given the logging set-up of settings.py, writing to a buffer
    logging.config.dictConfig(settings.LOGGING)
    handler = logging.getLogger().handlers[0]
    buffer = io.StringIO()
    handler.setStream(buffer)  # type: ignore[attr-defined]
    # When anything logs a phone — as text or as an argument
    logging.getLogger("siyu.test").warning("customer phone 13800138001 and %s", "+86 139-0013-9002")
    # Then the line is written with both masked
    line: Any = buffer.getvalue()
    assert "138****8001" in line and "139****9002" in line
    _scan(line, "log output")
