"""Contests and leaderboards through the API and pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.utils import timezone

from siyu.commerce import services as commerce_services
from siyu.commerce.models import Order
from siyu.commerce.tests.factories import local, notice, root
from siyu.conftest import World
from siyu.guidetasks import contests
from siyu.guidetasks.models import Contest
from siyu.org.scope import scope_for_user

TODAY = timezone.localdate


def _early_today(second: int) -> dt.datetime:
    """A moment of today already past (seconds after local midnight)."""
    return local(TODAY(), 0) + dt.timedelta(seconds=second)


def _paid(world: World, store: str, customer: str, sku: str, at: dt.datetime) -> Order:
    """A mall order by a customer (credited to their bound guide), paid at `at`."""
    order = commerce_services.order_create(
        store=world.stores[store], items=[(sku, 1)], customer_id=world.customers[customer].pk,
        placed_at=at,
    )  # fmt: skip
    body, headers = notice(order.number, order.total_fen, paid_at=at)
    return commerce_services.payment_notice_handle(gateway_name="dev", body=body, headers=headers)


def _contest(world: World, kind: str, **over: Any) -> Contest:
    user = world.staff["hana"].user
    fields = {
        "brand": world.brands["alpine"], "kind": kind, "title": f"{kind} PK",
        "starts_on": TODAY() - dt.timedelta(days=2), "ends_on": TODAY() + dt.timedelta(days=5),
        **over,
    }  # fmt: skip
    return contests.contest_create(scope=scope_for_user(user), actor=user, **fields)


def _board(client: Client, contest: Contest, day: dt.date | None = None) -> dict[str, Any]:
    query = f"?day={day.isoformat()}" if day else ""
    response = client.get(f"/api/v1/contests/{contest.pk}/leaderboard{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_refund_moves_a_guide_down_the_amount_leaderboard(related_world: World) -> None:
    world = related_world
    yesterday = TODAY() - dt.timedelta(days=1)
    # Given Gia sold a parka yesterday and boots today; Gus a parka today (online)
    parka = _paid(world, "s1", "c1", "ALP-P1-BK-M", local(yesterday, 15))
    _paid(world, "s1", "c1", "ALP-B1-40", _early_today(1))
    _paid(world, "s2", "c3", "ALP-P1-BK-L", _early_today(2))
    contest = _contest(world, "amount")
    hana, gia = world.login(Client(), "hana"), world.login(Client(), "gia")
    hana.post(f"/api/v1/contests/{contest.pk}/refresh")
    board = _board(gia, contest)
    assert [(r["name"], r["rank"], r["value"]) for r in board["rows"]] == [
        ("Gia", 1, 129_900 + 59_900), ("Gus", 2, 129_900), ("Otto", 3, 0),
    ]  # fmt: skip
    assert board["mine"]["rank"] == 1 and board["entrants"] == 3
    # When Gia's parka is refunded today and the leaderboard is refreshed
    commerce_services.refund_create(
        scope=root(world), order=parka, number="R-1", items=[(parka.lines.get().pk, 1, None)]
    )
    refreshed = hana.post(f"/api/v1/contests/{contest.pk}/refresh").json()
    # Then Gus leads and Gia is second
    assert [(r["name"], r["rank"]) for r in refreshed["rows"]][:2] == [("Gus", 1), ("Gia", 2)]
    assert _board(gia, contest)["mine"]["rank"] == 2
    # Yesterday's final standings are as of yesterday's end: the refund came after
    contests.standings_compute(contest=contest, day=yesterday)
    final = _board(gia, contest, yesterday)
    assert (final["rows"][0]["name"], final["rows"][0]["value"]) == ("Gia", 129_900)
    # The page and the picture for groups
    page = gia.get(f"/m/contests/{contest.pk}/").content.decode()
    assert "#2" in page and "Gus" in page
    image = gia.get(f"/m/contests/{contest.pk}/board.png")
    assert image["Content-Type"] == "image/png" and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_streak_counts_consecutive_days_with_paid_online_orders(related_world: World) -> None:
    world = related_world
    for days_ago in (2, 1, 0):
        _paid(world, "s1", "c1", "ALP-B1-40", _early_today(1) - dt.timedelta(days=days_ago))
    _paid(world, "s2", "c3", "ALP-B1-40", _early_today(2) - dt.timedelta(days=2))
    _paid(world, "s2", "c3", "ALP-B1-40", _early_today(2))
    contest = _contest(world, "streak")
    contests.standings_refresh()
    rows = {r.staff.name: r for r in contest.standings.filter(day=TODAY())}
    assert (rows["Gia"].value, rows["Gia"].current, rows["Gia"].rank) == (3, 3, 1)
    assert (rows["Gus"].value, rows["Gus"].current, rows["Gus"].rank) == (1, 1, 2)
    assert (rows["Otto"].value, rows["Otto"].rank) == (0, 3)
    # Ties share a rank: a branch contest where nobody has sold yet
    quiet = _contest(world, "streak", branch=world.branches["north"], starts_on=TODAY())
    contests.standings_compute(contest=quiet, day=TODAY() - dt.timedelta(days=1))
    assert set(quiet.standings.values_list("rank", flat=True)) == {1}


def test_contest_input_and_who_sees_it(related_world: World) -> None:
    world = related_world
    hana = world.login(Client(), "hana")
    body = {
        "brand_id": world.brands["alpine"].pk, "kind": "amount", "title": "双12 PK",
        "starts_on": "2026-12-05", "ends_on": "2026-12-01",
    }  # fmt: skip
    wrong = hana.post("/api/v1/contests", body, content_type="application/json")
    assert wrong.status_code == 422 and "ends_on" in wrong.json()["fields"]
    body["ends_on"] = "2026-12-12"
    assert hana.post("/api/v1/contests", body, content_type="application/json").status_code == 201
    south = {**body, "branch_id": world.branches["south"].pk, "title": "South PK"}
    hana.post("/api/v1/contests", south, content_type="application/json")
    made = {"双12 PK", "South PK"}
    seen = {
        p: made
        & {c["title"] for c in world.login(Client(), p).get("/api/v1/contests").json()["results"]}
        for p in ("hana", "bo", "gia", "otto", "xena")
    }
    assert seen == {
        "hana": {"双12 PK", "South PK"}, "bo": {"双12 PK"}, "gia": {"双12 PK"},
        "otto": {"双12 PK", "South PK"}, "xena": set(),
    }  # fmt: skip
    # A branch manager's contest is for their branch only
    bo = world.login(Client(), "bo")
    refused = bo.post("/api/v1/contests", body, content_type="application/json")
    assert refused.status_code == 422 and "branch" in refused.json()["fields"]
