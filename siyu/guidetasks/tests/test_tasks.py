"""Guide tasks through the API and the services: targeting, completion from data, manual
confirmation, reminders sent once, completion and overdue lists, cancelling."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from siyu.conftest import World
from siyu.content import services as content_services
from siyu.guidetasks import services, tasks
from siyu.guidetasks.models import Assignment, Contact, Reminder, Task
from siyu.guidetasks.tests.factories import task, wecom_members


def _api(world: World, persona: str) -> Client:
    return world.login(Client(), persona)


def _share_task_payload(world: World, **over: Any) -> dict[str, Any]:
    return {
        "brand_id": world.brands["alpine"].pk, "kind": "share", "title": "转发冬季新品",
        "content_id": world.contents["all"].pk,  # type: ignore[attr-defined]
        "targets": [{"level": "branch", "id": world.branches["north"].pk}],
        "due_at": (timezone.now() + dt.timedelta(hours=48)).isoformat(), **over,
    }  # fmt: skip


def _mine(world: World, guide: str, t: Task) -> Assignment:
    return Assignment.objects.get(task=t, staff=world.staff[guide])


def test_share_task_to_a_branch_completes_from_forwards_reminds_the_rest_once(
    related_world: World, fake_wecom: Any
) -> None:
    world = related_world
    wecom_members(world, fake_wecom)
    # Given HQ (Hana) aims a share task at branch North (Gia at S1, Gus at S2)
    response = _api(world, "hana").post(
        "/api/v1/tasks", _share_task_payload(world), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["assignments"] == 2
    t = Task.objects.get(pk=response.json()["id"])
    assert set(t.assignments.values_list("staff__name", flat=True)) == {"Gia", "Gus"}
    # When Gia forwards the item in her workbench, and the detection job runs
    content_services.content_forward(staff=world.staff["gia"], content=world.contents["all"], channel="moments")  # type: ignore[attr-defined]  # fmt: skip
    assert tasks.detect.call() == 1
    # Then she is done without touching the task, with the forward as evidence; Gus is not
    gia, gus = _mine(world, "gia", t), _mine(world, "gus", t)
    assert (gia.status, gia.done_how, gia.evidence["channel"]) == ("done", "auto", "moments")
    assert "forward" in gia.evidence and gus.status == "open"
    assert tasks.detect.call() == 0  # a second run changes nothing
    # When the reminder window opens (24 h before the deadline), twice
    window = t.due_at - dt.timedelta(hours=2)
    assert services.reminders_send(now=window) == 1
    assert services.reminders_send(now=window + dt.timedelta(minutes=15)) == 0
    # Then Gus got exactly one WeCom message, Gia none; S2 has no manager to summarise to
    to_gus = [m for m in fake_wecom.app_messages if m["touser"] == "wx_gus"]
    assert len(to_gus) == 1 and t.title in to_gus[0]["content"]
    assert not [m for m in fake_wecom.app_messages if m["touser"] == "wx_gia"]
    summary = Reminder.objects.get(task=t, kind="store")
    assert summary.store == world.stores["s2"] and summary.error == "no WeCom account"
    # When the deadline passes
    Task.objects.filter(pk=t.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
    t.assignments.update(due_at=timezone.now() - dt.timedelta(minutes=1))
    hana = _api(world, "hana")
    # Then Gus is overdue, and the branch's completion is one of two
    overdue = hana.get(f"/api/v1/tasks/overdue?task={t.pk}").json()["results"]
    assert [a["staff_id"] for a in overdue] == [world.staff["gus"].pk]
    rows = hana.get(f"/api/v1/tasks/completion?by=branch&task={t.pk}").json()
    assert [(r["label"], r["done"], r["assignments"], r["overdue"]) for r in rows] == [
        ("North", 1, 2, 1)
    ]
    assert rows[0]["completion"] == "0.5000"
    page = hana.get(f"/console/tasks/{t.pk}/?branch={world.branches['north'].pk}").content.decode()
    assert "门店S1" in page and "门店S2" in page and "50.0 %" in page


def test_reminder_goes_to_store_managers_and_a_failed_send_is_retried(
    related_world: World, fake_wecom: Any
) -> None:
    world = related_world
    wecom_members(world, fake_wecom)
    t = task(world, target=("store", "s1"), content=world.contents["all"], roles=["guide"])  # type: ignore[attr-defined]
    window = t.due_at - dt.timedelta(hours=1)
    # Given WeCom refuses the first sending run
    fake_wecom.faults.append({"path": "message/send", "errcode": 60020, "times": 5})
    assert services.reminders_send(now=window) == 0
    assert fake_wecom.app_messages == []
    assert Reminder.objects.filter(task=t, sent_at=None).count() == 2
    # When the next run comes, WeCom answers: Gia and Sam (S1's manager) each hear once
    fake_wecom.faults.clear()
    assert services.reminders_send(now=window + dt.timedelta(minutes=15)) == 2
    assert services.reminders_send(now=window + dt.timedelta(minutes=30)) == 0
    assert sorted(m["touser"] for m in fake_wecom.app_messages) == ["wx_gia", "wx_sam"]
    assert (
        "门店S1" in next(m for m in fake_wecom.app_messages if m["touser"] == "wx_sam")["content"]
    )


def test_task_input_errors_name_their_fields(related_world: World) -> None:
    hana = _api(related_world, "hana")
    world = related_world
    before = Task.objects.count()
    cases = [
        ({"due_at": (timezone.now() - dt.timedelta(hours=1)).isoformat()}, "due_at"),
        ({"content_id": world.contents["draft"].pk}, "content"),  # type: ignore[attr-defined]
        ({"targets": [{"level": "store", "id": world.stores["x1"].pk}]}, "targets"),
        ({"kind": "add_friends", "content_id": None}, "friends_goal"),
        ({"kind": "checklist", "content_id": None, "checklist": []}, "checklist"),
        ({"kind": "follow_up", "content_id": None, "customer_ids": [world.customers["x1"].pk]}, "customers"),
    ]  # fmt: skip
    for change, field in cases:
        response = hana.post(
            "/api/v1/tasks", _share_task_payload(world, **change), content_type="application/json"
        )
        assert response.status_code in (400, 422), (change, response.content)
        assert field in response.json()["fields"], (change, response.json())
    assert Task.objects.count() == before  # nothing half-made
    # A guide may not create tasks at all
    gia = _api(world, "gia")
    refused = gia.post("/api/v1/tasks", _share_task_payload(world), content_type="application/json")
    assert refused.status_code == 403


def test_follow_up_by_logged_contact_and_wecom_message(
    related_world: World, fake_wecom: Any
) -> None:
    world = related_world
    wecom_members(world, fake_wecom)
    c1, c2 = world.customers["c1"], world.customers["c2"]
    # Given a follow-up task for c1 (Gia's customer) aimed at S1: only Gia gets it
    t = task(world, kind="follow_up", target=("store", "s1"), customer_ids=[c1.pk])
    assert list(t.assignments.values_list("staff__name", flat=True)) == ["Gia"]
    a = _mine(world, "gia", t)
    gia = _api(world, "gia")
    url = f"/api/v1/assignments/{a.pk}/contacts"
    # When she logs a contact with someone not on her list: refused, by field
    wrong = gia.post(
        url, {"customer_id": c2.pk, "channel": "call"}, content_type="application/json"
    )
    assert wrong.status_code == 422 and "customer_id" in wrong.json()["fields"]
    # When she messages c1 through WeCom (twice: a retry)
    body = {"customer_id": c1.pk, "channel": "wecom_message", "note": "新品到店，欢迎试穿"}
    first = gia.post(url, body, content_type="application/json")
    again = gia.post(url, body, content_type="application/json")
    assert first.status_code == 201 and first.json()["msgid"]
    assert again.json()["id"] == first.json()["id"] and Contact.objects.count() == 1
    # Then the assignment is done, the item carries the message id
    detail = gia.get(f"/api/v1/assignments/{a.pk}").json()
    assert detail["status"] == "done" and detail["items"][0]["contacted_at"]
    assert a.items.get().evidence["msgid"] == first.json()["msgid"]


def test_a_merged_customer_on_a_follow_up_list_is_one_item_contacted(world: World) -> None:
    from siyu.members import services as member_services

    c1 = world.customers["c1"]
    twin = member_services.customer_create(name="顾客c1", home_store=world.stores["s1"], owner_staff=world.staff["gia"], identities={"phone": "13900009999"})  # fmt: skip
    # Given Gia's follow-up list of c1 and a record that turns out to be c1 too, which she called
    t = task(world, kind="follow_up", target=("staff", "gia"), customer_ids=[c1.pk, twin.pk])
    a = _mine(world, "gia", t)
    alone = _mine(world, "gia", task(world, kind="follow_up", target=("staff", "gia"), customer_ids=[twin.pk]))  # fmt: skip
    url = f"/api/v1/assignments/{a.pk}/contacts"
    gia = _api(world, "gia")
    call = gia.post(url, {"customer_id": twin.pk, "channel": "call"}, content_type="application/json")  # fmt: skip
    assert call.status_code == 201
    a.refresh_from_db()
    assert (a.status, a.progress, a.goal) == ("open", 1, 2)
    # When the twin is merged into c1
    record = member_services.customer_merge(source=twin, target=c1, actor=None, reason="同一人")
    # Then the list holds c1 once, contacted by that call, and the assignment is done
    a.refresh_from_db()
    assert (a.status, a.progress, a.goal, a.done_how) == ("done", 1, 1, "auto")
    item = a.items.get()
    assert (item.customer_id, item.evidence["contact"]) == (c1.pk, call.json()["id"])
    assert Contact.objects.get().customer_id == c1.pk
    # …and a list that held only the twin now holds c1, still to be contacted
    assert list(alone.items.values_list("customer_id", "contacted_at")) == [(c1.pk, None)]
    assert record.moved["guidetasks.followupitem.customer_id"] == 2
    assert record.moved["guidetasks.contact.customer_id"] == 1


def test_group_message_checklist_and_manual_confirmation(
    related_world: World, fake_wecom: Any
) -> None:
    world = related_world
    wecom_members(world, fake_wecom)
    gia = _api(world, "gia")
    group = task(world, kind="group_message", target=("staff", "gia"), message="双12 预告", content=world.contents["all"])  # type: ignore[attr-defined]  # fmt: skip
    a = _mine(world, "gia", group)
    sent = gia.post(f"/api/v1/assignments/{a.pk}/send").json()
    assert sent["status"] == "done" and sent["evidence"]["msgid"] and sent["evidence"]["link"]
    assert gia.post(f"/api/v1/assignments/{a.pk}/send").json()["evidence"] == sent["evidence"]
    checklist = task(world, kind="checklist", target=("staff", "gia"), checklist=["陈列", "试穿镜", "海报"])  # fmt: skip
    b = _mine(world, "gia", checklist)
    url = f"/api/v1/assignments/{b.pk}/confirm"
    part = gia.post(url, {"ticked": [0, 2]}, content_type="application/json").json()
    assert (part["status"], part["progress"]) == ("open", 2)
    assert (
        gia.post(url, {"ticked": [0, 1, 2]}, content_type="application/json").json()["status"]
        == "done"
    )
    share = task(world, target=("staff", "gia"), content=world.contents["all"])  # type: ignore[attr-defined]
    c = _mine(world, "gia", share)
    url = f"/api/v1/assignments/{c.pk}/confirm"
    assert "note" in gia.post(url, {}, content_type="application/json").json()["fields"]
    done = gia.post(url, {"note": "在企微侧边栏转发了"}, content_type="application/json").json()
    assert (done["done_how"], done["evidence"]["note"]) == ("manual", "在企微侧边栏转发了")
    # Gus cannot confirm Gia's assignment: he cannot even see it
    gus = _api(world, "gus")
    assert gus.post(url, {"note": "x" * 5}, content_type="application/json").status_code == 404


def test_add_friends_counts_valid_friends_in_the_window(related_world: World) -> None:
    world = related_world
    # Gia's badge brought c1 and c2 (related_world); a task started before asks for 2
    t = task(world, kind="add_friends", target=("staff", "gia"), friends_goal=2,
             starts_at=timezone.now() - dt.timedelta(hours=1))  # fmt: skip
    assert services.assignments_detect() == 1
    a = _mine(world, "gia", t)
    assert (a.status, a.progress) == ("done", 2) and len(a.evidence["friendships"]) == 2
    # Three asked for: two counted, still open
    more = task(world, kind="add_friends", target=("staff", "gia"), friends_goal=3,
                starts_at=timezone.now() - dt.timedelta(hours=1))  # fmt: skip
    services.assignments_detect()
    b = _mine(world, "gia", more)
    assert (b.status, b.progress) == ("open", 2)


def test_cancel_is_for_whoever_sees_the_whole_task(related_world: World) -> None:
    world = related_world
    t = task(world, target=("brand", "alpine"), content=world.contents["all"])  # type: ignore[attr-defined]
    bo = _api(world, "bo")
    assert bo.post(f"/api/v1/tasks/{t.pk}/cancel").status_code == 403  # reaches South too
    hana = _api(world, "hana")
    assert hana.post(f"/api/v1/tasks/{t.pk}/cancel").json()["status"] == "cancelled"
    assert set(t.assignments.values_list("status", flat=True)) == {"cancelled"}


def test_workbench_shows_my_tasks_and_the_forward_completes_at_once(related_world: World) -> None:
    world = related_world
    t = task(world, target=("store", "s1"), content=world.contents["north"])  # type: ignore[attr-defined]
    gia = _api(world, "gia")
    panel = gia.get("/m/tasks/panel/").content.decode()
    assert t.title in panel and 'data-testid="open-tasks">2<' in panel  # and related_world's
    gia.post(f"/m/content/{world.contents['north'].pk}/forward/", {"channel": "chat"})  # type: ignore[attr-defined]
    page = gia.get("/m/tasks/").content.decode()
    assert 'data-testid="done"' in page and 'data-testid="overdue"' not in page
    assert _mine(world, "gia", t).status == "done"


@pytest.mark.parametrize("guides", [30])
def test_creating_a_task_for_many_guides_writes_one_assignment_each(
    related_world: World, guides: int, django_assert_max_num_queries: Any
) -> None:
    from siyu.org import services as org_services
    from siyu.org.models import Role
    from siyu.org.scope import scope_for_user

    world = related_world
    root = scope_for_user(world.staff["ada"].user)
    for n in range(guides):
        org_services.staff_create(
            scope=root, group=world.group, employee_no=f"GX{n:03d}", name=f"导购{n}",
            role=Role.GUIDE, store=world.stores["s2"],
        )  # fmt: skip
    # Query count stays flat however many guides there are
    with django_assert_max_num_queries(20):
        t = task(world, target=("branch", "north"), content=world.contents["all"])  # type: ignore[attr-defined]
    assert t.assignments.count() == guides + 2


def test_the_task_form_says_what_is_wrong_and_makes_nothing(related_world: World) -> None:
    world = related_world
    hana = _api(world, "hana")
    before = Task.objects.count()
    form = {
        "brand": world.brands["alpine"].pk, "kind": "share", "title": "转发", "level": "store",
        "codes": "S1, S9", "due_at": "2099-01-01T10:00", "content": world.contents["all"].pk,  # type: ignore[attr-defined]
    }  # fmt: skip
    page = hana.post("/console/tasks/", form, follow=True).content.decode()
    assert "S9" in page and Task.objects.count() == before  # an unknown store code, named
    page = hana.post("/console/tasks/", {**form, "codes": "S1", "due_at": ""}, follow=True).content.decode()  # fmt: skip
    assert "请填写截止日期和时间" in page and Task.objects.count() == before
    page = hana.post("/console/tasks/", {**form, "codes": "S1", "due_at": "2099-02-30T10:00"}, follow=True).content.decode()  # fmt: skip
    assert "请填写截止日期和时间" in page and Task.objects.count() == before  # no 30 February
    made = hana.post("/console/tasks/", {**form, "codes": "S1"})
    assert made.status_code == 302 and Task.objects.count() == before + 1


def test_a_reminder_wecom_refuses_is_kept_with_the_reason(related_world: World, fake_wecom: Any) -> None:  # fmt: skip
    world = related_world
    wecom_members(world, fake_wecom)
    fake_wecom.members["wx_gia"]["status"] = 5  # left the corp: WeCom lists her in invaliduser
    t = task(world, target=("store", "s1"), content=world.contents["all"])  # type: ignore[attr-defined]
    assert services.reminders_send(now=t.due_at - dt.timedelta(hours=1)) == 1  # Sam's summary
    refused = Reminder.objects.get(task=t, kind="guide", staff=world.staff["gia"])
    assert refused.sent_at is not None and refused.error == "invalid WeCom user"
    assert [m["touser"] for m in fake_wecom.app_messages] == ["wx_sam"]


def test_an_overdue_task_says_so_on_the_guides_list(related_world: World) -> None:
    world = related_world
    t = task(world, target=("staff", "gia"), kind="checklist", checklist=["陈列"])
    Task.objects.filter(pk=t.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    t.assignments.update(due_at=timezone.now() - dt.timedelta(hours=1))
    page = _api(world, "gia").get("/m/tasks/").content.decode()
    assert 'data-testid="overdue"' in page and "去完成" in page
