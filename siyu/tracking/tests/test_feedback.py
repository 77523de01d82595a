"""What tracked behaviour feeds back: the customer's trail and the follow-up list for the
guide, the guide's shares of today, HQ's funnels and content performance — through the pages
and the API, each only within the caller's part of the org tree."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from siyu.conftest import ROOT, World
from siyu.content import services as content_services
from siyu.content.tests.factories import poster, publish
from siyu.tracking import selectors, services
from siyu.tracking.models import Event


def _event(kind: str, customer: str, minutes_ago: float = 1, **fields) -> dict:
    """An event `minutes_ago` (≤ 100) — squeezed, early in the day, so that it still falls on
    today: the figures of "today" must not depend on when the suite runs."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    elapsed = (now - midnight).total_seconds() / 60
    if minutes_ago <= 100:
        minutes_ago *= min(1.0, elapsed * 0.99 / 100)
    return {
        "id": uuid.uuid4().hex,
        "type": kind,
        "occurred_at": (now - dt.timedelta(minutes=minutes_ago)).isoformat(),
        "customer": {"kind": "unionid", "value": f"union-{customer}"},
        **fields,
    }


@pytest.fixture
def tracked(world: World) -> World:
    """c1 (Gia's) reads Gia's item twice for 3 minutes, looks at a product, leaves it in the
    cart; c3 (Gus's) views Gus's item once; c4 (Otto's, branch South) buys through Otto's."""
    source, _key = services.event_source_create(scope=ROOT, name="H5", kind="h5")
    item = publish(world, poster(world, title="羽绒服叠穿"))
    world.links = {  # type: ignore[attr-defined]
        name: content_services.content_forward(staff=world.staff[name], content=item, channel="chat")[0]
        for name in ("gia", "gus", "otto")
    }  # fmt: skip
    world.item = item  # type: ignore[attr-defined]
    gia, gus, otto = (world.links[n].code for n in ("gia", "gus", "otto"))  # type: ignore[attr-defined]
    result = services.events_ingest(
        source=source,
        events=[
            _event("content_view", "c1", 90, share=gia),
            _event("view_end", "c1", 88, share=gia, dwell_ms=120_000),
            _event("content_view", "c1", 30, share=gia),
            _event("view_end", "c1", 29, share=gia, dwell_ms=60_000),
            _event("product_view", "c1", 28, share=gia, product="DJ-2026"),
            _event("add_to_cart", "c1", 27, share=gia, product="DJ-2026"),
            _event("content_view", "c3", 60 * 30, share=gus),
            _event("content_view", "c4", 10, share=otto),
            _event("order_paid", "c4", 5, share=otto, order="SO-1", amount_fen=129_900),
        ],
    )
    assert result.accepted == 9 and not result.rejected
    return world


def test_the_guide_sees_the_trail_of_their_customer_and_no_one_elses(tracked: World) -> None:
    gia = tracked.login(Client(), "gia")
    page = gia.get(f"/m/customers/{tracked.customers['c1'].pk}/trail/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "羽绒服叠穿" in html and "DJ-2026" in html
    assert "3分0秒" in html  # 2 + 1 minutes read, in Chinese by default
    trail = gia.get(f"/api/v1/customers/{tracked.customers['c1'].pk}/trail").json()
    assert trail["day"]["funnel"] == {
        "views": 2,
        "products": 1,
        "carts": 1,
        "orders": 0,
        "sales_fen": 0,
    }
    assert trail["day"]["dwell_ms"] == 180_000
    assert trail["day"]["contents"][0]["views"] == 2
    # Gus serves c3, not c1: the trail is as unreachable as the customer
    gus = tracked.login(Client(), "gus")
    assert gus.get(f"/m/customers/{tracked.customers['c1'].pk}/trail/").status_code == 404
    assert gus.get(f"/api/v1/customers/{tracked.customers['c1'].pk}/trail").status_code == 404
    # c3's view was 30 hours ago: in the 7-day window, not the 24-hour one
    week = gus.get(f"/api/v1/customers/{tracked.customers['c3'].pk}/trail").json()
    assert (week["day"]["funnel"]["views"], week["week"]["funnel"]["views"]) == (0, 1)


def test_follow_up_ranks_by_a_score_whose_reasons_add_up(tracked: World) -> None:
    now = timezone.now()
    score, reasons = selectors.intent_score(
        {"last_at": now - dt.timedelta(minutes=27), "views": 2, "dwell_ms": 180_000, "products": 1,
         "carts": 1, "removes": 0, "orders": 0},
        now,
    )  # fmt: skip
    assert [points for _why, points in reasons] == [40, 4, 6, 4, 15]
    assert score == 69
    # Bo (branch North) sees c1 (open cart, within the hour) above c3 (one view, 30 h ago)
    bo = tracked.login(Client(), "bo")
    rows = bo.get("/api/v1/tracking/follow-up").json()
    assert [r["customer_id"] for r in rows] == [
        tracked.customers["c1"].pk,
        tracked.customers["c3"].pk,
    ]
    assert rows[0]["score"] == sum(r["points"] for r in rows[0]["reasons"]) == 69
    assert rows[0]["phone_masked"].count("*") >= 4
    gia = tracked.login(Client(), "gia")
    page = gia.get("/m/follow-up/").content.decode()
    assert "1 件加购未下单" in page and tracked.customers["c3"].name not in page


def test_shares_today_count_the_guides_own_links(tracked: World) -> None:
    rows = tracked.login(Client(), "gia").get("/api/v1/tracking/shares-today").json()
    assert [(r["code"], r["forwards"], r["pv"], r["uv"], r["carts"]) for r in rows] == [
        (tracked.links["gia"].code, 1, 2, 1, 1)  # type: ignore[attr-defined]
    ]
    page = tracked.login(Client(), "otto").get("/m/shares/today/").content.decode()
    assert tracked.links["otto"].code in page and tracked.links["gia"].code not in page  # type: ignore[attr-defined]


def test_funnels_by_region_store_guide_and_content_within_scope(tracked: World) -> None:
    hana = tracked.login(Client(), "hana")
    week = {"start": (timezone.localdate() - dt.timedelta(days=6)).isoformat()}
    regions = {
        r["label"]: r for r in hana.get("/api/v1/tracking/funnel", {**week, "by": "region"}).json()
    }
    assert {k: (r["pv"], r["uv"], r["carts"], r["orders"], r["sales_fen"]) for k, r in regions.items()} == {
        "North": (3, 2, 1, 0, 0), "South": (1, 1, 0, 1, 129_900),
    }  # fmt: skip
    assert regions["South"]["order_rate"] == "1.0000"
    item = tracked.item.pk  # type: ignore[attr-defined]
    by_guide = hana.get(
        "/api/v1/tracking/funnel", {**week, "by": "guide", "content_id": item}
    ).json()
    assert {r["label"]: r["pv"] for r in by_guide} == {"Gia": 2, "Gus": 1, "Otto": 1}
    by_content = hana.get("/api/v1/tracking/funnel", {**week, "by": "content"}).json()
    assert [(r["label"], r["pv"], r["orders"]) for r in by_content] == [("羽绒服叠穿", 4, 1)]
    # Bo (branch North) sees North only; Gia only her own rows
    bo = (
        tracked.login(Client(), "bo").get("/api/v1/tracking/funnel", {**week, "by": "store"}).json()
    )
    assert sorted(r["label"] for r in bo) == ["门店S1", "门店S2"]
    gia = (
        tracked.login(Client(), "gia")
        .get("/api/v1/tracking/funnel", {**week, "by": "guide"})
        .json()
    )
    assert [(r["label"], r["pv"]) for r in gia] == [("Gia", 2)]
    # The page: Chinese labels, the total row
    page = hana.get("/console/behaviour/", {**week, "by": "region"}).content.decode()
    assert "按区域" in page and 'data-testid="total-pv">4<' in page
    assert Event.objects.count() == 9


def test_bad_funnel_queries_are_refused_per_field(tracked: World) -> None:
    hana = tracked.login(Client(), "hana")
    assert hana.get("/api/v1/tracking/funnel", {"by": "planet"}).status_code == 422
    bad = hana.get("/api/v1/tracking/funnel", {"start": "2026-11-20", "end": "2026-11-01"})
    assert bad.status_code == 422 and "start" in bad.json()["fields"]
