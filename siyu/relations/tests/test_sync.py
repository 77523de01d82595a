"""Onboarding import and reconciliation against the fake WeCom: resumable, repeatable, reported."""

import pytest

from siyu.conftest import World
from siyu.relations import sync
from siyu.relations.models import Friendship, FriendshipStatus, SyncKind, SyncRun
from siyu.wecom.client import WeComError


@pytest.fixture
def wecom_with_friends(world: World, fake_wecom):
    for store in world.stores.values():
        store.wecom_userid = f"store_{store.code.lower()}"
        store.save()
    members = [s.wecom_userid for s in world.staff.values() if s.store_id] + ["store_s1"]
    fake_wecom.members.update({m: {"name": m, "status": 1} for m in members})
    for i in range(230):  # more than two pages for Gia alone
        fake_wecom.add_friend(userid="wx_gia", contact={"name": f"顾客{i}"}, state="")
    for i in range(20):
        fake_wecom.add_friend(userid="store_s1", contact={"name": f"店客{i}"}, state="")
    # An existing customer, known to siyu by unionid, is among Gus's friends
    fake_wecom.add_friend(
        userid="wx_gus", contact={"name": "老顾客", "unionid": "union-c3"}, state=""
    )
    return fake_wecom


def test_full_import_then_repeat_changes_nothing(world: World, wecom_with_friends) -> None:
    run = sync.sync_run(kind=SyncKind.FULL)
    assert (run.seen, run.added, run.updated, run.ended) == (251, 251, 0, 0)
    assert (
        Friendship.objects.filter(wecom_userid="wx_gia", status=FriendshipStatus.ACTIVE).count()
        == 230
    )
    assert Friendship.objects.get(wecom_userid="wx_gus").customer == world.customers["c3"]
    again = sync.sync_run(kind=SyncKind.FULL)
    assert (again.added, again.updated) == (0, 0) and Friendship.objects.count() == 251


def test_an_interrupted_import_resumes_where_it_stopped(world: World, wecom_with_friends) -> None:
    # WeCom answers the first page, then keeps refusing (past the client's retries)
    wecom_with_friends.faults.append(
        {"path": "externalcontact/batch/get_by_user", "errcode": 45009, "times": 10, "after": 1}
    )
    with pytest.raises(WeComError):
        sync.sync_run(kind=SyncKind.FULL)
    interrupted = SyncRun.objects.get()
    assert (
        interrupted.finished_at is None
        and interrupted.added == 100
        and interrupted.position["cursor"]
    )
    wecom_with_friends.faults.clear()
    resumed = sync.sync_run(kind=SyncKind.FULL)
    assert resumed.pk == interrupted.pk and resumed.finished_at is not None
    assert resumed.added == 251 and Friendship.objects.count() == 251


def test_reconciliation_repairs_lost_callbacks(world: World, wecom_with_friends) -> None:
    sync.sync_run(kind=SyncKind.FULL)
    # Callbacks lost: one friend gone in WeCom, one new friend, one remark edited there
    gone = next(e for (u, e) in wecom_with_friends.follows if u == "wx_gia")
    del wecom_with_friends.follows[("wx_gia", gone)]
    new = wecom_with_friends.add_friend(userid="wx_gia", contact={"name": "新朋友"}, state="")
    edited = next(e for (u, e) in wecom_with_friends.follows if u == "store_s1")
    wecom_with_friends.follows[("store_s1", edited)]["remark"] = "VIP"
    run = sync.sync_run(kind=SyncKind.RECONCILE)
    assert (run.added, run.updated, run.ended) == (1, 1, 1)
    assert {c["change"] for c in run.changes} == {"added", "updated", "ended"}
    assert Friendship.objects.get(external_userid=gone).status == FriendshipStatus.LOST
    assert Friendship.objects.filter(external_userid=new, status=FriendshipStatus.ACTIVE).exists()
    assert Friendship.objects.get(external_userid=edited).remark == "VIP"
    assert sync.sync_run(kind=SyncKind.RECONCILE).ended == 0


def test_reconciliation_refuses_to_end_most_friendships_at_once(
    world: World, wecom_with_friends
) -> None:
    sync.sync_run(kind=SyncKind.FULL)
    wecom_with_friends.follows.clear()  # WeCom answers with nobody (an outage, lost access)
    run = sync.sync_run(kind=SyncKind.RECONCILE)
    assert run.ended == 0 and run.changes[-1] == {
        "change": "refused",
        "missing": 251,
        "active": 251,
    }
    assert Friendship.objects.filter(status=FriendshipStatus.ACTIVE).count() == 251
