"""A burst of new-friend callbacks: stored as they arrive, drained by one task in batches.

The fake WeCom posts real encrypted callbacks to a live siyu whose tasks go to the database
queue; the worker (django-tasks-db's db_worker) then drains them. The batch path must give
what the one-by-one path gives: attribution, order (a deletion after its add), one
friendship per pair, and a failure kept on the event that caused it.
"""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from siyu.conftest import build_world
from siyu.org.scope import scope_for_user
from siyu.relations import services
from siyu.relations.models import Friendship, FriendshipStatus
from siyu.relations.tests.test_end_to_end import fake
from siyu.wecom.models import CallbackEvent, CallbackStatus

pytestmark = pytest.mark.django_db(transaction=True)

ADD = {"Event": "change_external_contact", "ChangeType": "add_external_contact"}


def _drains() -> int:
    return DBTaskResult.objects.filter(task_path__endswith="drain_callbacks").count()


def test_a_burst_is_drained_in_batches_with_the_same_effects(
    live_server, fake_wecom, caplog
) -> None:
    world = build_world()
    gia, sam = world.staff["gia"], world.staff["sam"]
    fake_wecom.callback_url = f"{live_server.url}/wecom/callback"
    fake(fake_wecom, "members", members=[{"userid": gia.wecom_userid, "name": gia.name}])
    code = services.channel_code_create(
        scope=scope_for_user(sam.user), kind="badge", store=world.stores["s1"], staff=gia
    )

    # 30 customers scan Gia's badge; another's add arrives twice with a different
    # WelcomeCode (two callbacks, one friendship); one then deletes her; one add names a
    # customer WeCom does not know.
    scans = fake(fake_wecom, "scan", state=code.state, count=30)
    assert scans["callback_status"] == [200] * 30
    twice = fake_wecom.add_friend(
        userid=gia.wecom_userid, contact={"name": "两次"}, state=code.state
    )
    for welcome in ("w1", "w2"):
        record = fake_wecom.send_callback(
            {
                **ADD,
                "UserID": gia.wecom_userid,
                "ExternalUserID": twice,
                "State": code.state,
                "WelcomeCode": welcome,
            }
        )
        assert record["status"] == 200
    gone = scans["external_userids"][1]
    fake(fake_wecom, "delete", userid=gia.wecom_userid, external_userid=gone, by="customer")
    fake_wecom.send_callback(
        {**ADD, "UserID": gia.wecom_userid, "ExternalUserID": "wmNOBODY", "State": code.state}
    )

    # Nothing is processed while receiving, and the whole burst queued one drain
    assert CallbackEvent.objects.filter(status=CallbackStatus.PENDING).count() == 34
    assert Friendship.objects.count() == 0
    assert _drains() == 1

    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)

    assert "batch failed" not in caplog.text  # the batch path did it, not the fallback
    mine = Friendship.objects.filter(credited_staff=gia, channel_code=code)
    assert mine.filter(status=FriendshipStatus.ACTIVE).count() == 30
    assert mine.get(external_userid=gone).status == FriendshipStatus.DELETED_BY_CUSTOMER
    assert mine.get(external_userid=twice).status == FriendshipStatus.ACTIVE
    failed = CallbackEvent.objects.get(status=CallbackStatus.FAILED)
    assert failed.fields["ExternalUserID"] == "wmNOBODY" and "84061" in failed.last_error
    assert CallbackEvent.objects.filter(status=CallbackStatus.DONE).count() == 33

    # A later callback asks for a new drain; a resent one changes nothing
    fake(fake_wecom, "resend", index=0)
    assert CallbackEvent.objects.count() == 34
    fake(fake_wecom, "scan", state=code.state, count=1)
    assert _drains() == 2
