"""Health, landing, language, scheduler, and bounded queries on list pages."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from siyu.conftest import World
from siyu.core import schedule
from siyu.core.models import PeriodicRun


def test_healthz_reports_the_database(db) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"status": "ok", "vendor": connection.vendor},
    }


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("gia", "/m/"),
        ("sam", "/m/"),
        ("bo", "/console/"),
        ("hana", "/console/"),
        ("ada", "/console/"),
    ],
)
def test_each_role_lands_on_its_front(
    world: World, client: Client, persona: str, target: str
) -> None:
    world.login(client, persona)
    assert client.get("/")["Location"] == target


def test_anonymous_is_sent_to_login(db) -> None:
    response = Client().get("/console/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_chinese_by_default_english_on_request(world: World, client: Client) -> None:
    world.login(client, "hana")
    assert "<h1>顾客</h1>" in client.get("/console/customers/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/console/customers/"})
    html = client.get("/console/customers/").content.decode()
    assert "<h1>Customers</h1>" in html and "<h1>顾客</h1>" not in html


def test_browser_language_does_not_override_chinese(world: World, client: Client) -> None:
    world.login(client, "hana")
    html = client.get("/console/customers/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "<h1>顾客</h1>" in html
    api = client.get("/api/v1/customers/999999", HTTP_ACCEPT_LANGUAGE="en-US")
    assert api.json()["message"] == "未找到。"


def test_store_list_names_cities(world: World, client: Client) -> None:
    world.login(client, "hana")
    assert "沈阳市" in client.get("/console/stores/").content.decode()


def test_scheduler_claims_each_due_job_once(db, monkeypatch) -> None:
    ran = []
    monkeypatch.setattr(
        schedule, "PERIODIC", [("test.job", dt.timedelta(hours=1), lambda: ran.append(1))]
    )
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    assert schedule.tick(now) == []  # first seen: due one interval later, not at start-up
    assert schedule.tick(now + hour) == ["test.job"]
    assert schedule.tick(now + hour + dt.timedelta(minutes=5)) == []  # a second scheduler or tick
    assert schedule.tick(now + 2 * hour) == ["test.job"]
    assert len(ran) == 2
    assert PeriodicRun.objects.get(name="test.job").last_run_at == now + 2 * hour


@pytest.mark.parametrize(
    "url", ["/console/", "/console/stores/", "/console/staff/", "/console/customers/", "/m/"]
)
def test_list_pages_use_a_fixed_number_of_queries(
    world: World, client: Client, url: str, django_assert_max_num_queries
) -> None:
    world.login(client, "ada")
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200


def test_htmx_request_gets_only_the_results(world: World, client: Client) -> None:
    world.login(client, "hana")
    response = client.get(
        "/console/customers/?q=顾客c1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    html = response.content.decode()
    assert "<html" not in html and 'data-testid="customer-table"' in html
    assert f"/console/customers/{world.customers['c1'].pk}/" in html
    assert f"/console/customers/{world.customers['c2'].pk}/" not in html


@pytest.mark.parametrize(
    "url", ["/console/channel-codes/", "/console/transfers/", "/console/acquisition/"]
)
def test_relations_pages_use_a_fixed_number_of_queries(
    related_world: World, url: str, django_assert_max_num_queries
) -> None:
    client = related_world.login(Client(), "ada")
    with django_assert_max_num_queries(12):  # never one query per code, transfer or row
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/console/sales/?start=2026-11-01&end=2026-11-30&by=store",
        "/console/sales/?start=2026-11-01&end=2026-11-30&by=day",
        "/console/statements/?month=2026-11&by=guide",
        "/api/v1/commerce/orders",
        "/api/v1/commerce/kpis?start=2026-11-01&end=2026-11-30&by=guide",
        "/api/v1/commerce/statement?month=2026-11&by=store",
    ],
)
def test_commerce_lists_use_a_fixed_number_of_queries(
    related_world: World, url: str, django_assert_max_num_queries
) -> None:
    client = related_world.login(Client(), "ada")
    with django_assert_max_num_queries(12):  # never one query per order, store or guide
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "persona,url",
    [
        ("ada", "/console/tasks/"),
        ("ada", "/console/contests/"),
        ("ada", "/console/shares/?start=2026-11-01&end=2026-11-30"),
        ("bo", "/m/bi/?day=2026-11-20"),
        ("sam", "/m/bi/?day=2026-11-20"),
        ("ada", "/api/v1/tasks"),
        ("ada", "/api/v1/assignments"),
        ("ada", "/api/v1/tasks/overdue"),
        ("ada", "/api/v1/tasks/completion?by=guide"),
        ("ada", "/api/v1/contests"),
        ("ada", "/api/v1/guides/shares?start=2026-11-01&end=2026-11-30"),
        ("gia", "/m/tasks/"),
        ("gia", "/m/tasks/panel/"),
    ],
)
def test_task_and_bi_lists_use_a_fixed_number_of_queries(
    related_world: World, persona: str, url: str, django_assert_max_num_queries
) -> None:
    client = related_world.login(Client(), persona)
    with django_assert_max_num_queries(30):  # never one query per task, guide or store
        assert client.get(url).status_code == 200


def test_task_pages_with_a_task_and_a_contest_use_a_fixed_number_of_queries(
    related_world: World, django_assert_max_num_queries
) -> None:
    from siyu.guidetasks import contests

    world = related_world
    contests.standings_compute(contest=world.contests["alpine"], day=dt.date(2026, 11, 20))  # type: ignore[attr-defined]
    client = world.login(Client(), "ada")
    for url in (
        f"/console/tasks/{world.tasks['north'].pk}/?by=guide",  # type: ignore[attr-defined]
        f"/m/contests/{world.contests['alpine'].pk}/",  # type: ignore[attr-defined]
        f"/api/v1/contests/{world.contests['alpine'].pk}/leaderboard",  # type: ignore[attr-defined]
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
