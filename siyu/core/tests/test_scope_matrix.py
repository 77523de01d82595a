"""The scope matrix: every persona × every list and detail page and API endpoint.

Each resource names, for each persona, exactly which objects they must see. A list must
show exactly those (no more, no fewer); a detail must answer 200 for them and 404 for
every other object. Later apps add their resources to RESOURCES.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from siyu.conftest import World
from siyu.org import services as org_services
from siyu.org.models import ApiToken
from siyu.org.scope import scope_for_user

PERSONAS = ["ada", "hana", "bo", "sam", "gia", "gus", "token_s1"]


@dataclass
class Resource:
    name: str
    objects: Callable[[World], dict[str, Any]]  # key → object, the whole universe
    visible: dict[str, set[str]]  # persona → keys they may see
    api_list: str | None = None
    api_detail: str | None = None  # with {pk}
    page_list: str | None = None
    page_detail: str | None = None  # with {pk}
    page_link: str | None = None  # how a list page links an object, with {pk}


ALL_STORES = {"s1", "s2", "s3", "x1"}
CUSTOMERS_VISIBLE = {
    "ada": {"c1", "c2", "c3", "c4", "x1"},
    "hana": {"c1", "c2", "c3", "c4"},
    "bo": {"c1", "c2", "c3"},
    "sam": {"c1", "c2"},
    "gia": {"c1", "c2"},  # c2 only because she is c2's WeCom friend (relations widens the rule)
    "gus": {"c3"},
    "token_s1": {"c1", "c2"},
}
RESOURCES = [
    Resource(
        "stores",
        lambda w: w.stores,
        {
            "ada": ALL_STORES,
            "hana": {"s1", "s2", "s3"},
            "bo": {"s1", "s2"},
            "sam": {"s1"},
            "gia": {"s1"},
            "gus": {"s2"},
            "token_s1": {"s1"},
        },
        api_list="/api/v1/stores",
        api_detail="/api/v1/stores/{pk}",
        page_list="/console/stores/",
        page_detail="/console/stores/{pk}/",
        page_link="/console/stores/{pk}/",
    ),
    Resource(
        "staff",
        lambda w: w.staff,
        {
            "ada": {"ada", "hana", "bo", "sam", "gia", "gus", "otto", "xena"},
            "hana": {"hana", "bo", "sam", "gia", "gus", "otto"},
            "bo": {"bo", "sam", "gia", "gus"},
            "sam": {"sam", "gia"},
            "gia": {"gia"},
            "gus": {"gus"},
            "token_s1": {"sam", "gia"},
        },
        api_list="/api/v1/staff",
        api_detail="/api/v1/staff/{pk}",
        page_list="/console/staff/",
        page_detail="/console/staff/{pk}/",
        page_link="/console/staff/{pk}/",
    ),
    Resource(
        "customers",
        lambda w: w.customers,
        CUSTOMERS_VISIBLE,
        api_list="/api/v1/customers",
        api_detail="/api/v1/customers/{pk}",
        page_list="/console/customers/",
        page_detail="/console/customers/{pk}/",
        page_link="/console/customers/{pk}/",
    ),
    Resource(
        "workbench customers",
        lambda w: w.customers,
        {p: keys for p, keys in CUSTOMERS_VISIBLE.items() if p != "token_s1"},  # pages: people only
        page_list="/m/",
        page_detail="/m/customers/{pk}/",
        page_link="/m/customers/{pk}/",
    ),
    Resource(
        "customer trails",
        lambda w: w.customers,
        CUSTOMERS_VISIBLE,
        api_detail="/api/v1/customers/{pk}/trail",
        page_detail="/m/customers/{pk}/trail/",
    ),
    Resource(
        "channel codes",
        lambda w: w.codes,
        {
            "ada": {"gia", "gus", "otto", "xena", "s1"},
            "hana": {"gia", "gus", "otto", "s1"},
            "bo": {"gia", "gus", "s1"},
            "sam": {"gia", "s1"},
            "gia": {"gia"},
            "gus": {"gus"},
            "token_s1": {"gia", "s1"},
        },
        api_list="/api/v1/channel-codes",
        api_detail="/api/v1/channel-codes/{pk}",
        page_list="/console/channel-codes/",
        page_detail="/console/channel-codes/{pk}/badge/",
        page_link="/console/channel-codes/{pk}/badge/",
    ),
    Resource(
        "friendships",
        lambda w: w.friendships,
        {
            "ada": {"f1", "f2", "f3", "f4", "f5", "f6"},
            "hana": {"f1", "f2", "f3", "f4", "f5"},
            "bo": {"f1", "f2", "f3", "f4"},
            "sam": {"f1", "f2", "f3"},
            "gia": {"f1", "f2"},
            "gus": {"f4"},
            "token_s1": {"f1", "f2", "f3"},
        },
        api_list="/api/v1/friendships",
        api_detail="/api/v1/friendships/{pk}",
    ),
    Resource(
        "transfers",
        lambda w: w.transfers,
        {
            "ada": {"t1", "t2"},
            "hana": {"t1", "t2"},
            "bo": {"t1", "t2"},
            "sam": {"t1", "t2"},
            "gia": set(),  # a guide hands nothing over: the transfers page shows them none
            "gus": set(),
            "token_s1": {"t1", "t2"},
        },
        api_list="/api/v1/transfers",
        page_list="/console/transfers/",
        page_link='data-transfer="{pk}"',
    ),
    Resource(
        "content",
        lambda w: w.contents,
        {
            "ada": {"north", "south", "all", "draft", "beta"},
            "hana": {"north", "south", "all", "draft"},
            "bo": {"north", "all"},  # below HQ: only what is published for them
            "sam": {"north", "all"},
            "gia": {"north", "all"},
            "gus": {"north", "all"},
            "token_s1": {"north", "all"},
        },
        api_list="/api/v1/content",
        api_detail="/api/v1/content/{pk}",
        page_list="/console/content/",
        page_detail="/console/content/{pk}/",
        page_link="/console/content/{pk}/",
    ),
    Resource(
        "moments tasks",
        lambda w: w.moment_tasks,
        {
            "ada": {"s3"},
            "hana": {"s3"},
            "bo": set(),  # sent to S3's guides, in branch South
            "sam": set(),
            "gia": set(),
            "gus": set(),
            "token_s1": set(),
        },
        api_list="/api/v1/moment-tasks",
        api_detail="/api/v1/moment-tasks/{pk}",
    ),
    Resource(
        "orders",
        lambda w: w.orders,
        {
            "ada": {"o1", "o2", "o3", "o4", "ox"},
            "hana": {"o1", "o2", "o3", "o4"},
            "bo": {"o1", "o2", "o3"},
            "sam": {"o1", "o2"},
            "gia": {"o1"},  # credited to her
            "gus": {"o3"},
            "token_s1": {"o1", "o2"},
        },
        api_list="/api/v1/commerce/orders",
        api_detail="/api/v1/commerce/orders/{pk}",
    ),
    Resource(
        "tasks",
        lambda w: w.tasks,
        {
            "ada": {"north", "s3", "beta"},
            "hana": {"north", "s3"},
            "bo": {"north"},
            "sam": {"north"},  # Gia at S1 has one of its assignments
            "gia": {"north"},
            "gus": {"north"},
            "token_s1": {"north"},
        },
        api_list="/api/v1/tasks",
        api_detail="/api/v1/tasks/{pk}",
        page_list="/console/tasks/",
        page_detail="/console/tasks/{pk}/",
        page_link="/console/tasks/{pk}/",
    ),
    Resource(
        "assignments",
        lambda w: w.assignments,
        {
            "ada": {"gia", "gus", "otto", "xena"},
            "hana": {"gia", "gus", "otto"},
            "bo": {"gia", "gus"},
            "sam": {"gia"},
            "gia": {"gia"},
            "gus": {"gus"},
            "token_s1": {"gia"},
        },
        api_list="/api/v1/assignments",
        api_detail="/api/v1/assignments/{pk}",
        page_detail="/m/tasks/a/{pk}/",
    ),
    Resource(
        "contests",
        lambda w: w.contests,
        {
            "ada": {"alpine", "south", "beta"},
            "hana": {"alpine", "south"},
            "bo": {"alpine"},
            "sam": {"alpine"},
            "gia": {"alpine"},
            "gus": {"alpine"},
            "token_s1": {"alpine"},
        },
        api_list="/api/v1/contests",
        api_detail="/api/v1/contests/{pk}",
        page_list="/console/contests/",
        page_detail="/m/contests/{pk}/",
        page_link="/m/contests/{pk}/",
    ),
    Resource(
        "loyalty accounts",
        lambda w: w.accounts,
        CUSTOMERS_VISIBLE,
        api_list="/api/v1/loyalty/accounts",
        api_detail="/api/v1/loyalty/accounts/{pk}",
    ),
    Resource(
        "brands",
        lambda w: w.brands,
        {
            "ada": {"alpine", "beta"},
            "hana": {"alpine"},
            "bo": {"alpine"},
            "sam": {"alpine"},
            "gia": {"alpine"},
            "gus": {"alpine"},
            "token_s1": {"alpine"},
        },
        api_list="/api/v1/brands",
    ),
    Resource(
        "branches",
        lambda w: w.branches,
        {
            "ada": {"north", "south", "beta"},
            "hana": {"north", "south"},
            "bo": {"north"},
            "sam": {"north"},
            "gia": {"north"},
            "gus": {"north"},
            "token_s1": {"north"},
        },
        api_list="/api/v1/branches",
    ),
]


def _client(world: World, persona: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    if persona == "token_s1":
        scope = scope_for_user(world.staff["ada"].user)
        _token, secret = org_services.api_token_create(
            scope=scope, actor=world.staff["ada"].user, name="POS S1", store=world.stores["s1"]
        )
        return client, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    world.login(client, persona)
    return client, {}


def _api_ids(client: Client, url: str, headers: dict[str, str]) -> set[int]:
    ids: set[int] = set()
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        ids |= {item["id"] for item in body["results"]}
        url = body["next"]
    return ids


CASES = [(r, p) for r in RESOURCES for p in PERSONAS if p in r.visible]


@pytest.mark.parametrize(("resource", "persona"), CASES, ids=[f"{r.name}-{p}" for r, p in CASES])
def test_scope_matrix(related_world: World, resource: Resource, persona: str) -> None:
    world = related_world
    # Given the persona and the whole universe of this resource
    client, headers = _client(world, persona)
    universe = resource.objects(world)
    expected = {universe[k].pk for k in resource.visible[persona]}
    outside = {obj.pk for obj in universe.values()} - expected
    assert expected or outside, "something must be checked, or the test proves nothing"

    is_token = persona.startswith("token")
    if resource.api_list:
        # Then the API list shows exactly the persona's objects
        assert _api_ids(client, resource.api_list + "?page_size=2", headers) == expected
    if resource.api_detail:
        for pk in expected:
            assert client.get(resource.api_detail.format(pk=pk), **headers).status_code == 200
        for pk in outside:
            response = client.get(resource.api_detail.format(pk=pk), **headers)
            assert response.status_code == 404
            assert response.json()["error"] == "not_found"
    if resource.page_list and not is_token:
        html = client.get(resource.page_list).content.decode()
        shown = {pk for pk in expected | outside if resource.page_link.format(pk=pk) in html}
        assert shown == expected
    if resource.page_detail and not is_token:
        for pk in expected:
            assert client.get(resource.page_detail.format(pk=pk)).status_code == 200
        for pk in outside:
            assert client.get(resource.page_detail.format(pk=pk)).status_code == 404


def test_org_tree_page_shows_only_scope(world: World) -> None:
    # Bo manages North: the tree lists S1 and S2, never S3 (South) or X1 (Beta)
    client = world.login(Client(), "bo")
    html = client.get("/console/").content.decode()
    assert "门店S1" in html and "门店S2" in html
    assert "门店S3" not in html and "门店X1" not in html


def test_token_is_refused_after_revocation(world: World) -> None:
    client, headers = _client(world, "token_s1")
    assert client.get("/api/v1/customers", **headers).status_code == 200
    token = ApiToken.objects.get()
    org_services.api_token_revoke(scope=scope_for_user(world.staff["ada"].user), token=token)
    response = client.get("/api/v1/customers", **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


# -- behaviour figures: rollups and the follow-up list keep to the same tree ---------------------
GUIDES_WITH_FIGURES = {
    "ada": {"gia", "gus", "otto"},
    "hana": {"gia", "gus", "otto"},
    "bo": {"gia", "gus"},
    "sam": {"gia"},
    "gia": {"gia"},
    "gus": {"gus"},
    "token_s1": {"gia"},
}


@pytest.fixture
def tracked_world(related_world: World) -> World:
    """A content view and a cart through Gia's, Gus's and Otto's links by c1, c3 and c4."""
    import uuid

    from django.utils import timezone

    from siyu.content import services as content_services
    from siyu.tracking import services as tracking_services

    source, _key = tracking_services.event_source_create(
        scope=scope_for_user(related_world.staff["ada"].user), name="H5", kind="h5"
    )
    events = []
    for guide, customer in (("gia", "c1"), ("gus", "c3"), ("otto", "c4")):
        link, _forward = content_services.content_forward(
            staff=related_world.staff[guide],
            content=related_world.contents["all"],
            channel="chat",  # type: ignore[attr-defined]
        )
        for kind in ("content_view", "add_to_cart"):
            events.append({
                "id": uuid.uuid4().hex, "type": kind, "occurred_at": timezone.now().isoformat(),
                "share": link.code, "product": "P-1",
                "customer": {"kind": "unionid", "value": f"union-{customer}"},
            })  # fmt: skip
    assert tracking_services.events_ingest(source=source, events=events).accepted == 6
    return related_world


@pytest.mark.parametrize("persona", PERSONAS)
def test_behaviour_figures_keep_to_the_callers_tree(tracked_world: World, persona: str) -> None:
    world = tracked_world
    client, headers = _client(world, persona)
    names = {world.staff[k].name: k for k in world.staff}
    rows = client.get("/api/v1/tracking/funnel?by=guide", **headers).json()
    assert {names[r["label"]] for r in rows} == GUIDES_WITH_FIGURES[persona]
    customers = {world.customers[k].pk: k for k in world.customers}
    follow = client.get("/api/v1/tracking/follow-up", **headers).json()
    assert {customers[r["customer_id"]] for r in follow} == CUSTOMERS_VISIBLE[persona] & {
        "c1",
        "c3",
        "c4",
    }
    if not persona.startswith("token"):
        html = client.get("/console/behaviour/?by=guide").content.decode()
        assert {
            k for name, k in names.items() if f"<td>{name}</td>" in html
        } == GUIDES_WITH_FIGURES[persona]


# -- sales statements keep to the same tree ------------------------------------------------------
STATEMENT_VISIBLE = {
    "ada": ({"gia", "gus", "otto", "xena"}, {"s1", "s2", "s3", "x1"}),
    "hana": ({"gia", "gus", "otto"}, {"s1", "s2", "s3"}),
    "bo": ({"gia", "gus"}, {"s1", "s2"}),
    "sam": ({"gia"}, {"s1"}),
    "gia": ({"gia"}, {"s1"}),
    "gus": ({"gus"}, {"s2"}),
    "token_s1": ({"gia"}, {"s1"}),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_sales_statements_keep_to_the_callers_tree(related_world: World, persona: str) -> None:
    world = related_world
    client, headers = _client(world, persona)
    guides, stores = STATEMENT_VISIBLE[persona]
    url = "/api/v1/commerce/statement?month=2026-11&by="
    by_guide = client.get(url + "guide", **headers).json()
    assert {r["key"] for r in by_guide} == {world.staff[g].pk for g in guides}
    by_store = client.get(url + "store", **headers).json()
    assert {r["key"] for r in by_store} == {world.stores[s].pk for s in stores}
    assert all(r["commission_fen"] > 0 for r in by_guide)  # each cashier's ledger is there
    kpis = "/api/v1/commerce/kpis?start=2026-11-20&end=2026-11-20&by="
    assert {int(r["key"]) for r in client.get(kpis + "guide", **headers).json()} == {
        world.staff[g].pk for g in guides
    }
    assert {int(r["key"]) for r in client.get(kpis + "store", **headers).json()} == {
        world.stores[s].pk for s in stores
    }
    if not persona.startswith("token"):
        page = client.get(
            "/console/sales/?start=2026-11-20&end=2026-11-20&by=store"
        ).content.decode()
        assert {s for s in ALL_STORES if f"<td>门店{s.upper()}</td>" in page} == stores


# -- task completion and the mobile BI keep to the same tree ----------------------------------
COMPLETION_VISIBLE = {
    "ada": {"gia", "gus", "otto", "xena"},
    "hana": {"gia", "gus", "otto"},
    "bo": {"gia", "gus"},
    "sam": {"gia"},
    "gia": {"gia"},
    "gus": {"gus"},
    "token_s1": {"gia"},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_task_completion_and_bi_keep_to_the_callers_tree(
    related_world: World, persona: str
) -> None:
    world = related_world
    client, headers = _client(world, persona)
    rows = client.get("/api/v1/tasks/completion?by=guide", **headers).json()
    assert {r["key"] for r in rows} == {world.staff[g].pk for g in COMPLETION_VISIBLE[persona]}
    bi = client.get("/api/v1/bi?day=2026-11-20", **headers).json()
    _guides, stores = STATEMENT_VISIBLE[persona]
    assert {s["label"] for s in bi["stores"]} == {world.stores[k].name for k in stores}
    assert {g["key"] for g in bi["guides"]} <= {
        world.staff[g].pk for g in COMPLETION_VISIBLE[persona]
    }
