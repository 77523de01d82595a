"""POST /api/v1/events: per-event validation, idempotence, attribution, overload, rollups."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client
from django.utils import timezone

from siyu.conftest import ROOT
from siyu.content import services as content_services
from siyu.content.tests.factories import poster, publish
from siyu.tracking import services
from siyu.tracking.models import CustomerActivity, DailyStat, Event, VisitorDay


def _id() -> str:
    return uuid.uuid4().hex  # tests need unique ids, not time-ordered ones


@pytest.fixture
def key(world) -> str:
    _source, secret = services.event_source_create(scope=ROOT, name="H5", kind="h5")
    return secret


@pytest.fixture
def link(world):
    item = publish(world, poster(world))
    link, _forward = content_services.content_forward(
        staff=world.staff["gia"], content=item, channel="moments"
    )
    return link


def _send(key: str, events: list[dict], client: Client | None = None):
    return (client or Client()).post(
        "/api/v1/events",
        json.dumps({"events": events}),
        content_type="application/json",
        HTTP_X_SIYU_WRITE_KEY=key,
    )


def _event(kind: str = "content_view", **fields) -> dict:
    now = timezone.now()
    return {
        "id": _id(),
        "type": kind,
        "occurred_at": now.isoformat(),
        "device_id": "dev-1",
        **fields,
    }


def _closing(work: Callable[..., None]) -> Callable[..., None]:
    """`work` for a thread of its own, closing the thread's database connections as it ends:
    left open, they keep the test database in use, and PostgreSQL refuses to drop it."""

    def run(*args: Any) -> None:
        try:
            work(*args)
        finally:
            connections.close_all()

    return run


def _queued_behind_busy_writer(send, items: list) -> None:
    """`send(item)` for each item on its own thread while the process's writer is busy, so
    they queue up behind it, in this order; then the writer is let go and they finish."""
    writer = services.group_commit
    threads = []
    with writer._write_lock:
        for item in items:
            threads.append(threading.Thread(target=_closing(send), args=(item,)))
            threads[-1].start()
            while len(writer._queue) < len(threads):
                threading.Event().wait(0.005)
    for thread in threads:
        thread.join(timeout=30)


def test_a_resent_batch_stores_nothing_twice(key, link) -> None:
    batch = [
        _event(share=link.code),
        _event("view_end", share=link.code, dwell_ms=12_000),
        _event("add_to_cart", share=link.code, product="P-1"),
    ]
    first = _send(key, batch).json()
    assert first == {"accepted": 3, "duplicates": 0, "rejected": []}
    stats = list(
        DailyStat.objects.order_by("dim").values_list("dim", "pv", "uv", "dwell_ms", "carts")
    )
    again = _send(key, batch).json()
    assert again == {"accepted": 0, "duplicates": 3, "rejected": []}
    assert Event.objects.count() == 3
    assert (
        list(DailyStat.objects.order_by("dim").values_list("dim", "pv", "uv", "dwell_ms", "carts"))
        == stats
    )


def test_bad_events_come_back_with_index_and_reason_and_the_good_are_kept(key, link) -> None:
    good = _event(share=link.code)
    batch = [
        good,
        {"id": "x", "type": "content_view"},
        _event("teleport"),
        _event(occurred_at="yesterday"),
        _event(occurred_at="2026-02-30T10:00:00+08:00"),  # well formed, no such day
        _event(occurred_at=(timezone.now() + dt.timedelta(days=2)).isoformat()),
        _event("add_to_cart"),  # no product
        _event(device_id="", customer=None),
        _event(properties={"blob": "x" * 3000}),
        good,  # the same id again within the batch
    ]
    answer = _send(key, batch)
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] == 1 and body["duplicates"] == 1
    reasons = {r["index"]: r["reason"] for r in body["rejected"]}
    assert set(reasons) == {1, 2, 3, 4, 5, 6, 7, 8}
    assert "id must be" in reasons[1]
    assert "unknown type" in reasons[2]
    assert "occurred_at" in reasons[3] and "occurred_at" in reasons[4] and "future" in reasons[5]
    assert "needs a product" in reasons[6]
    assert "device_id or a customer" in reasons[7]
    assert "2 KB" in reasons[8]
    assert list(Event.objects.values_list("id", flat=True)) == [good["id"]]


def test_share_attribution_and_customers_are_resolved(world, key, link) -> None:
    c1 = world.customers["c1"]
    _send(key, [_event(device_id="phone-of-c1", share=link.code)])  # anonymous at first
    _send(
        key,
        [
            _event(
                "order_paid", device_id="phone-of-c1", share=link.code, order="O-1",
                amount_fen=129_900, customer={"kind": "unionid", "value": "union-c1"},
            )
        ],
    )  # fmt: skip
    # …and views again, now known: still one visitor, and the rollups still recompute
    _send(key, [_event(device_id="phone-of-c1", share=link.code, customer={"kind": "unionid", "value": "union-c1"})])  # fmt: skip
    assert services.rollups_stored() == services.rollups_recompute()[0]
    events = list(Event.objects.order_by("occurred_at"))
    assert [e.customer_id for e in events] == [c1.pk] * 3  # the earlier one is stitched
    assert {(e.link_id, e.content_id, e.staff_id, e.store_id) for e in events} == {
        (link.pk, link.content_id, world.staff["gia"].pk, world.stores["s1"].pk)
    }
    guide = DailyStat.objects.get(dim="guide", key=world.staff["gia"].pk)
    assert (guide.pv, guide.uv, guide.orders, guide.sales_fen) == (2, 1, 1, 129_900)
    assert (guide.brand_id, guide.branch_id, guide.store_id) == (
        world.brands["alpine"].pk, world.branches["north"].pk, world.stores["s1"].pk,
    )  # fmt: skip
    activity = CustomerActivity.objects.get(customer_id=c1.pk)
    assert (activity.last_type, activity.events, activity.orders) == ("content_view", 2, 1)


def test_viewers_siyu_does_not_know_are_told_apart_by_their_identity(world, key, link) -> None:
    """Views with no device whose identity names no customer siyu knows: each identity is
    one visitor (not all of them one), kept only as a keyed hash, and the rollups still
    recompute from the events."""
    strangers = [{"kind": "unionid", "value": f"stranger-{n}"} for n in range(3)]
    batch = [_event(share=link.code, device_id="", customer=who) for who in strangers]
    batch.append(_event(share=link.code, device_id="", customer=strangers[0]))  # again
    batch.append(_event(share=link.code, device_id="", customer={"kind": "unionid", "value": "union-c1"}))  # fmt: skip
    assert _send(key, batch).status_code == 200
    guide = DailyStat.objects.get(dim="guide", key=world.staff["gia"].pk)
    assert (guide.pv, guide.uv) == (5, 4)  # three strangers and c1
    figures, viewers = services.rollups_recompute()
    assert services.rollups_stored() == figures and services.visitors_stored() == viewers
    anonymous = Event.objects.filter(customer_id=None)
    keys = set(anonymous.values_list("visitor_key", flat=True))
    assert len(keys) == 3 and not any("stranger" in k for k in keys)


def test_an_identity_siyu_comes_to_know_gives_its_earlier_views_to_the_customer(world, key, link) -> None:  # fmt: skip
    """Device-less views of an identity siyu did not know yet, then the identity is attached
    to a customer who had viewed the same link that day under another identity: the next
    view of it stitches the earlier ones to the customer, who counts as one visitor, and the
    rollups still recompute from the events."""
    from siyu.members import services as members

    c1 = world.customers["c1"]
    late = {"kind": "unionid", "value": "late-1"}
    _send(key, [_event(share=link.code, device_id="", customer=late) for _ in range(2)])
    _send(key, [_event(share=link.code, device_id="", customer={"kind": "unionid", "value": "union-c1"})])  # fmt: skip
    stat = DailyStat.objects.get(dim="link", key=link.pk)
    assert (stat.pv, stat.uv) == (3, 2)  # not yet known to be the same person
    members.identity_attach(customer=c1, kind="unionid", value="late-1")
    _send(key, [_event(share=link.code, device_id="", customer=late)])
    stat.refresh_from_db()
    assert (stat.pv, stat.uv) == (4, 1)
    assert set(Event.objects.values_list("customer_id", flat=True)) == {c1.pk}
    assert list(VisitorDay.objects.values_list("visitor", flat=True)) == [f"c{c1.pk}"]
    figures, viewers = services.rollups_recompute()
    assert services.rollups_stored() == figures and services.visitors_stored() == viewers
    again = _send(
        key, [_event(share=link.code, device_id="", customer=late)]
    )  # nothing left to stitch
    assert again.json()["accepted"] == 1
    stat.refresh_from_db()
    assert (stat.pv, stat.uv) == (5, 1)


def test_a_merged_customers_events_activity_and_visits_are_the_survivors(world, key, link) -> None:  # fmt: skip
    """c1 and c2 viewed the same link today, with no device, and c2 once more on a phone:
    three visitors. When c2 turns out to be c1, their trail, activity, device link and
    landing visits are c1's, and the link's UV is two (c1, and the phone), as the events
    recompute to."""
    from siyu.members import services as members
    from siyu.tracking.models import DeviceLink

    c1, c2 = world.customers["c1"], world.customers["c2"]
    union = {c: {"kind": "unionid", "value": f"union-{c}"} for c in ("c1", "c2")}
    _send(key, [_event(share=link.code, device_id="", customer=union["c1"])])
    _send(key, [_event(share=link.code, device_id="", customer=union["c2"]) for _ in range(2)])
    _send(key, [_event("add_to_cart", share=link.code, device_id="phone-of-c2", customer=union["c2"], product="P-1")])  # fmt: skip
    _send(key, [_event(share=link.code, device_id="phone-of-c2")])
    visit = content_services.share_visit_record(link=link, device_id="phone-of-c2", unionid="union-c2")  # fmt: skip
    stat = DailyStat.objects.get(dim="link", key=link.pk)
    assert (stat.pv, stat.uv) == (4, 3)
    record = members.customer_merge(source=c2, target=c1, actor=None, reason="same person")
    visit.refresh_from_db()
    assert visit.customer_id == c1.pk
    stat.refresh_from_db()
    assert (stat.pv, stat.uv) == (4, 2)
    assert set(Event.objects.values_list("customer_id", flat=True)) == {c1.pk}
    assert record.moved["tracking.event.customer_id"] == 4
    assert DeviceLink.objects.get(device_id="phone-of-c2").customer_id == c1.pk
    assert not CustomerActivity.objects.filter(customer_id=c2.pk).exists()
    activity = CustomerActivity.objects.get(customer_id=c1.pk)
    assert (activity.events, activity.carts) == (1 + 4, 1)
    assert activity.last_type == "content_view"  # c2's, the latest
    figures, viewers = services.rollups_recompute()
    assert services.rollups_stored() == figures and services.visitors_stored() == viewers


def test_keys_sizes_and_shapes_are_checked(key) -> None:
    assert _send("wk_wrong", [_event()]).status_code == 401
    assert Client().post("/api/v1/events", "{}", content_type="application/json").status_code == 401
    too_many = _send(key, [_event() for _ in range(1001)])
    assert too_many.status_code == 413 and too_many.json()["error"] == "too_many"
    huge = Client().post(
        "/api/v1/events", json.dumps({"events": [], "pad": "x" * 1_100_000}),
        content_type="application/json", HTTP_X_SIYU_WRITE_KEY=key,
    )  # fmt: skip
    assert huge.status_code == 413
    not_json = Client().post(
        "/api/v1/events", "{nope", content_type="application/json", HTTP_X_SIYU_WRITE_KEY=key
    )
    assert not_json.status_code == 400 and not_json.json()["message"]
    assert Event.objects.count() == 0


def test_overload_is_429_with_retry_after_and_stores_nothing(key, monkeypatch) -> None:
    monkeypatch.setattr(services.admission, "wait_seconds", 0.05)
    taken = 0
    while services.admission.slots.acquire(blocking=False):  # every slot busy
        taken += 1
    try:
        answer = _send(key, [_event()])
    finally:
        for _ in range(taken):
            services.admission.slots.release()
    assert answer.status_code == 429 and answer["Retry-After"] == "1"
    assert Event.objects.count() == 0
    assert _send(key, [_event()]).json()["accepted"] == 1  # and it goes through afterwards


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_batches_count_once(world, key, link) -> None:
    batch = [_event(share=link.code, device_id=f"d{i}") for i in range(50)]
    answers: list[dict] = []

    def send() -> None:
        answers.append(_send(key, batch).json())

    threads = [threading.Thread(target=_closing(send)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    accepted = sum(a.get("accepted", 0) for a in answers if "accepted" in a)
    assert accepted == 50 and Event.objects.count() == 50
    assert DailyStat.objects.get(dim="link", key=link.pk).pv == 50
    assert DailyStat.objects.get(dim="link", key=link.pk).uv == 50


def test_rollups_equal_their_recomputation_and_rebuild_restores_them(world, key, link) -> None:
    other = content_services.content_forward(
        staff=world.staff["gus"], content=link.content, channel="chat"
    )[0]
    for round_ in range(3):
        batch = [
            _event(share=code, device_id=f"dev-{i % 7}", dwell_ms=0)
            for i, code in enumerate([link.code, other.code] * 10)
        ]
        batch += [_event("view_end", share=link.code, dwell_ms=1000 * (round_ + 1))]
        batch += [_event("add_to_cart", share=other.code, product="P-2")]
        _send(key, batch)
        _send(key, batch[:5])  # partly resent
    stored, (expected, _viewers) = services.rollups_stored(), services.rollups_recompute()
    assert stored == expected
    assert stored[(timezone.localdate(), "content", link.content_id)]["uv"] == 7
    assert services.visitors_stored() == _viewers
    out = io.StringIO()
    call_command("rollups", "check", stdout=out, verbosity=0)
    assert f"all {len(expected)} rollup rows and their visitors equal" in out.getvalue()
    VisitorDay.objects.filter(visitor="ddev-3").delete()  # a visitor forgotten: UV would drift
    theirs = sum("ddev-3" in people for people in _viewers.values())  # rows they viewed
    assert theirs >= 4  # guide, store, link and content at least
    with pytest.raises(CommandError, match=f"the UV visitors of {theirs} rollup rows differ"):
        call_command("rollups", "check", stdout=io.StringIO(), verbosity=0)
    DailyStat.objects.all().update(pv=0)  # damage them
    assert services.rollups_stored() != expected
    with pytest.raises(
        CommandError, match=f"{len(expected)} of {len(expected)} rollup rows differ"
    ):
        call_command("rollups", "check", stdout=io.StringIO(), verbosity=0)
    call_command("rollups", "rebuild", stdout=io.StringIO(), verbosity=0)
    assert services.rollups_stored() == expected
    assert services.visitors_stored() == _viewers


@pytest.mark.django_db(transaction=True)
def test_batches_waiting_together_share_a_commit_and_one_failure_is_nobody_elses(
    world, link
) -> None:
    from django.db import IntegrityError

    good, _key = services.event_source_create(scope=ROOT, name="H5", kind="h5")
    gone, _key = services.event_source_create(scope=ROOT, name="old", kind="h5")
    gone_id = gone.pk
    gone.delete()
    gone.pk = gone_id  # its events cannot be stored: the foreign key fails at commit
    shared = _event(share=link.code, device_id="dev-shared")
    batches = {
        "first": [shared, _event(share=link.code, device_id="dev-a")],
        "second": [dict(shared), _event("view_end", share=link.code, dwell_ms=5000)],
        "broken": [_event(share=link.code, device_id="dev-b")],
    }
    answers: dict[str, object] = {}

    def send(name: str) -> None:
        try:
            answers[name] = services.events_ingest(
                source=gone if name == "broken" else good, events=batches[name]
            )
        except Exception as exc:  # what the caller would see
            answers[name] = exc
        finally:
            connections.close_all()

    _queued_behind_busy_writer(send, list(batches))
    assert answers["first"] == services.IngestResult(accepted=2, duplicates=0)
    assert answers["second"] == services.IngestResult(accepted=1, duplicates=1)
    assert isinstance(answers["broken"], IntegrityError)
    assert Event.objects.count() == 3 and not services.group_commit._queue
    stat = DailyStat.objects.get(dim="link", key=link.pk)
    assert (stat.pv, stat.uv, stat.dwell_ms) == (2, 2, 5000)
    assert services.rollups_stored() == services.rollups_recompute()[0]


@pytest.mark.django_db(transaction=True)
def test_two_processes_writing_at_once_count_each_visitor_once(world, key, link) -> None:
    """Two web processes (each its own group commit) store views of the same known visitors
    at the same moment: each visitor counts once in each rollup row's UV. On PostgreSQL the
    writers run concurrently and the visitors' rows are locked while read; on SQLite one
    writer holds the database at a time."""
    from django.db import OperationalError

    source = services.event_source_authenticate(key)
    devices = [f"dev-{i}" for i in range(60)]
    services.events_ingest(source=source, events=[_event(share=link.code, device_id=d) for d in devices])  # fmt: skip
    rounds = [[_event(device_id=d, content_id=9000 + r) for d in devices] for r in range(8)]
    errors: list[BaseException] = []

    def process(writer: services.GroupCommit) -> None:
        try:
            for batch in rounds:  # each process gets every view (their own ids: new events)
                views = [{**e, "id": _id()} for e in batch]
                while True:
                    try:
                        services.events_ingest(source=source, events=views, writer=writer)
                        break
                    except OperationalError:  # busy: sent again, as the API's 429 asks
                        threading.Event().wait(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=process, args=(services.GroupCommit(),)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert Event.objects.count() == 60 + 2 * 8 * 60
    uv = dict(DailyStat.objects.filter(dim="content", key__gte=9000).values_list("key", "uv"))
    assert uv == {9000 + r: 60 for r in range(8)}
    stored, (expected, viewers) = services.rollups_stored(), services.rollups_recompute()
    assert stored == expected and services.visitors_stored() == viewers


@pytest.mark.django_db(transaction=True)
def test_new_batches_written_in_one_group_add_up(world, key, link) -> None:
    """Batches that queue behind a busy writer are written in one transaction from their
    own deltas, summed: PV adds up and a visitor in two of them counts once."""

    source = services.event_source_authenticate(key)
    batches = [
        [_event(share=link.code, device_id="dev-both"), _event(share=link.code, device_id=f"dev-{n}")]
        + [_event("view_end", share=link.code, device_id="dev-both", dwell_ms=1000 * (n + 1))]
        for n in range(3)
    ]  # fmt: skip
    answers: list[object] = []

    def send(batch: list[dict]) -> None:
        try:
            answers.append(services.events_ingest(source=source, events=batch))
        finally:
            connections.close_all()

    _queued_behind_busy_writer(send, batches)
    assert answers == [services.IngestResult(accepted=3, duplicates=0)] * 3
    stat = DailyStat.objects.get(dim="link", key=link.pk)
    assert (stat.pv, stat.uv, stat.dwell_ms) == (6, 4, 6000)
    stored, (expected, viewers) = services.rollups_stored(), services.rollups_recompute()
    assert stored == expected and services.visitors_stored() == viewers


@pytest.mark.django_db(transaction=True)
def test_an_identity_known_between_two_batches_of_one_group_counts_once(world, key, link) -> None:
    """Two batches written in one transaction: the first resolved an identity before it was
    attached to a customer, the second after. The second stitches the first's events, which
    that same transaction has just written, and their visitor rows."""

    from siyu.members import services as members

    source = services.event_source_authenticate(key)
    late = {"kind": "unionid", "value": "late-2"}
    c1 = world.customers["c1"]
    answers: list[object] = []

    def send(attach_first: bool) -> None:
        try:
            if attach_first:
                members.identity_attach(customer=c1, kind="unionid", value="late-2")
            answers.append(services.events_ingest(source=source, events=[_event(share=link.code, device_id="", customer=late)]))  # fmt: skip
        finally:
            connections.close_all()

    _queued_behind_busy_writer(send, [False, True])
    assert answers == [services.IngestResult(accepted=1, duplicates=0)] * 2
    stat = DailyStat.objects.get(dim="link", key=link.pk)
    assert (stat.pv, stat.uv) == (2, 1)
    assert set(Event.objects.values_list("customer_id", flat=True)) == {c1.pk}
    stored, (expected, viewers) = services.rollups_stored(), services.rollups_recompute()
    assert stored == expected and services.visitors_stored() == viewers
