"""The mobile BI page and API: the right stores, ranking, share rates and completion, and
nothing outside the caller's part of the tree."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from siyu.conftest import World
from siyu.content import services as content_services
from siyu.guidetasks import services

TODAY = timezone.localdate


def test_branch_managers_mobile_bi_keeps_to_the_branch(related_world: World) -> None:
    world = related_world
    # Given the POS orders of 2026-11-20 (related_world: S1 two, S2 one, S3 and X1 one each)
    bo = world.login(Client(), "bo")
    figures = bo.get("/api/v1/bi?day=2026-11-20").json()
    assert [(s["label"], s["rank"], s["sales_fen"]) for s in figures["stores"]] == [
        ("门店S1", 1, 100_000), ("门店S2", 2, 50_000),
    ]  # fmt: skip
    assert figures["guides"] == []  # a branch manager sees stores, not each guide
    # And today: Gia forwards "north" again, completing related_world's share task for North
    content_services.content_forward(staff=world.staff["gia"], content=world.contents["north"], channel="chat")  # type: ignore[attr-defined]  # fmt: skip
    services.assignments_detect(task_id=world.tasks["north"].pk)  # type: ignore[attr-defined]
    today = {s["label"]: s for s in bo.get(f"/api/v1/bi?day={TODAY()}").json()["stores"]}
    assert set(today) == {"门店S1", "门店S2"}
    assert (today["门店S1"]["share_rate"], today["门店S2"]["share_rate"]) == ("1.0000", "0.0000")
    assert (today["门店S1"]["completion"], today["门店S2"]["completion"]) == ("1.0000", "0.0000")
    page = bo.get(f"/m/bi/?day={TODAY()}").content.decode()
    assert "门店S1" in page and "门店S2" in page
    assert "门店S3" not in page and "门店X1" not in page
    # A store manager also sees each of the store's guides
    sam = world.login(Client(), "sam").get(f"/api/v1/bi?day={TODAY()}").json()
    assert [s["label"] for s in sam["stores"]] == ["门店S1"]
    assert [(g["label"], g["forwards"], g["done"]) for g in sam["guides"]] == [("Gia", 2, 1)]


def test_a_day_that_does_not_exist_shows_yesterday_on_the_page_and_is_refused_by_the_api(
    related_world: World,
) -> None:
    bo = related_world.login(Client(), "bo")
    page = bo.get("/m/bi/?day=2026-02-30")
    assert page.status_code == 200
    yesterday = TODAY() - dt.timedelta(days=1)
    html = page.content.decode()
    assert yesterday.strftime("%m-%d") in html  # the page's day, and its "day before" link:
    assert f"?day={(yesterday - dt.timedelta(days=1)).isoformat()}" in html
    answer = bo.get("/api/v1/bi?day=2026-02-30")
    assert answer.status_code in (400, 422) and "day" in str(answer.json())
