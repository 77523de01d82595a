"""The WeCom loop end to end: the fake WeCom calls a live siyu over HTTP, siyu calls it back.

100 customers scan guide Gia's badge → 100 friendships credited to Gia and that code; 5
block her → the block rate shows it; a resent callback changes nothing; Gia resigns → her
customers go to Gwen, one refuses and stays visible as refused.
"""

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from siyu.conftest import World, build_world
from siyu.members.models import Customer
from siyu.org import services as org_services
from siyu.org.scope import scope_for_user
from siyu.relations import kpis, services
from siyu.relations.models import Friendship, FriendshipStatus, Transfer, TransferStatus
from siyu.wecom import http
from siyu.wecom.models import CallbackEvent

pytestmark = pytest.mark.django_db(transaction=True)


def fake(corp, action: str, **body) -> dict:
    """Script the fake WeCom through its HTTP control API, as a test harness outside siyu would."""
    _status, raw = http.request(
        f"{corp.base_url}/fake/{action}",
        data=json.dumps(body).encode(),
        method="POST",
        content_type="application/json",
        timeout=60,
    )
    answer = json.loads(raw)
    assert answer["errcode"] == 0, answer
    return answer


@pytest.fixture
def wired(live_server, fake_wecom, immediate_tasks) -> tuple[World, object]:
    world = build_world()
    s1 = world.stores["s1"]
    s1.wecom_userid = "store_s1"
    s1.save()
    root = scope_for_user(world.staff["ada"].user)
    world.staff["gwen"] = org_services.staff_create(
        scope=root,
        group=world.group,
        employee_no="G010",
        name="Gwen",
        role="guide",
        store=s1,
        wecom_userid="wx_gwen",
    )
    fake_wecom.callback_url = f"{live_server.url}/wecom/callback"
    fake(
        fake_wecom,
        "members",
        members=[{"userid": s.wecom_userid, "name": s.name} for s in world.staff.values()]
        + [{"userid": "store_s1", "name": "S1"}],
    )
    return world, fake_wecom


def test_scan_block_resend_and_transfer(wired) -> None:
    world, corp = wired
    gia, gwen, sam = world.staff["gia"], world.staff["gwen"], world.staff["sam"]
    code = services.channel_code_create(
        scope=scope_for_user(sam.user), kind="badge", store=world.stores["s1"], staff=gia
    )
    assert code.config_id in corp.contact_ways and code.state == f"sy{code.pk}"

    # When 100 customers scan Gia's badge
    scans = fake(corp, "scan", state=code.state, count=100)
    assert scans["callback_status"] == [200] * 100
    mine = Friendship.objects.filter(
        credited_staff=gia, channel_code=code, status=FriendshipStatus.ACTIVE
    )
    assert mine.count() == 100
    assert (
        Customer.objects.filter(owner_staff=gia, identities__kind="external_userid").count() == 100
    )

    # And 5 of them delete or block her
    for external_userid in scans["external_userids"][:5]:
        fake(
            corp, "delete", userid=gia.wecom_userid, external_userid=external_userid, by="customer"
        )
    today = timezone.localdate()
    [row] = kpis.acquisition(scope=scope_for_user(sam.user), start=today, end=today, by="guide")
    assert (row.key, row.added, row.blocked, row.valid, str(row.block_rate)) == (
        gia.pk,
        100,
        5,
        95,
        "0.0500",
    )

    # The store's acquisition page shows the same numbers, and Gia's workbench her day
    client = Client()
    world.login(client, "sam")
    page = client.get("/console/acquisition/?by=guide").content.decode()
    assert 'data-testid="total-added">100<' in page and 'data-testid="total-blocked">5<' in page
    world.login(client, "gia")
    panel = client.get("/console/my-acquisition/").content.decode()
    assert "100" in panel and "95" in panel

    # A callback WeCom resends changes nothing
    events = CallbackEvent.objects.count()
    fake(corp, "resend", index=0)
    fake(corp, "resend", index=101)  # a deletion, too
    assert CallbackEvent.objects.count() == events
    assert mine.count() == 95 and Friendship.objects.filter(credited_staff=gia).count() == 100

    # Gia resigns: her friends are queued for the store account, and Sam chooses Gwen instead
    corp.members[gia.wecom_userid]["status"] = 5
    org_services.staff_resign(scope=scope_for_user(world.staff["ada"].user), staff=gia)
    assert (
        Transfer.objects.filter(takeover_userid="store_s1", status=TransferStatus.QUEUED).count()
        == 95
    )
    services.transfer_request(handover=gia, takeover=gwen, actor=sam.user)
    assert Transfer.objects.filter(takeover_staff=gwen, status=TransferStatus.QUEUED).count() == 95
    assert services.transfer_send(handover_userid=gia.wecom_userid) == 95

    # One customer refuses; the others accept
    waiting = list(
        Transfer.objects.filter(status=TransferStatus.WAITING).select_related("friendship")
    )
    refuser = waiting[0].friendship.external_userid
    fake(corp, "transfer", external_userid=refuser, outcome="refuse")
    for transfer in waiting[1:]:
        fake(
            corp, "transfer", external_userid=transfer.friendship.external_userid, outcome="accept"
        )
    assert services.transfer_poll() == 94
    assert services.transfer_poll() == 0  # nothing left to settle: polling again changes nothing

    assert Friendship.objects.filter(staff=gwen, status=FriendshipStatus.ACTIVE).count() == 94
    refused = Transfer.objects.get(friendship__external_userid=refuser)
    assert refused.status == TransferStatus.REFUSED
    assert Customer.objects.filter(owner_staff=gwen).count() == 94
    # The refused customer stays Gia's friend (and visible to the store) until someone acts
    assert (
        Friendship.objects.get(external_userid=refuser, status=FriendshipStatus.ACTIVE).wecom_userid
        == "wx_gia"
    )


def test_a_customer_met_through_two_identities_is_one_person(wired) -> None:
    world, corp = wired
    gia = world.staff["gia"]
    code = services.channel_code_create(
        scope=scope_for_user(world.staff["sam"].user),
        kind="poster",
        store=world.stores["s1"],
        staff=gia,
    )
    # c1 already has unionid "union-c1" (from the POS); they now scan as a WeCom contact with it
    scans = fake(
        corp, "scan", state=code.state, customers=[{"name": "老顾客", "unionid": "union-c1"}]
    )
    friendship = Friendship.objects.get(external_userid=scans["external_userids"][0])
    assert friendship.customer == world.customers["c1"]
    assert world.customers["c1"].identities.filter(kind="external_userid").count() == 1


def test_store_account_friends_are_credited_to_the_guides_code(wired) -> None:
    world, corp = wired
    sam = world.staff["sam"]
    store_code = services.channel_code_create(
        scope=scope_for_user(sam.user), kind="store", store=world.stores["s1"]
    )
    fake(corp, "scan", state=store_code.state, count=3)
    assert (
        Friendship.objects.filter(wecom_userid="store_s1", staff=None, credited_staff=None).count()
        == 3
    )
    # A guide's code that adds the store account: the friend is the store's, credited to the guide
    gia_code = services.channel_code_create(
        scope=scope_for_user(sam.user),
        kind="badge",
        store=world.stores["s1"],
        staff=world.staff["gia"],
        to_store_account=True,
    )
    assert gia_code.wecom_userid == "store_s1"
    fake(corp, "scan", state=gia_code.state, count=2)
    via_store = Friendship.objects.filter(channel_code=gia_code)
    assert {(f.wecom_userid, f.staff_id, f.credited_staff_id) for f in via_store} == {
        ("store_s1", None, world.staff["gia"].pk)
    }
    assert via_store.count() == 2
    # …and a duplicate: a customer already friends with S1 befriends S2 of the same brand
    gus = world.staff["gus"]
    s2_code = services.channel_code_create(
        scope=scope_for_user(world.staff["ada"].user),
        kind="badge",
        store=world.stores["s2"],
        staff=gus,
    )
    external = Friendship.objects.filter(wecom_userid="store_s1").first().external_userid
    corp.contacts[external]["external_userid"] = external
    fake(corp, "scan", state=s2_code.state, customers=[corp.contacts[external]])
    assert Friendship.objects.get(
        wecom_userid=gus.wecom_userid, external_userid=external
    ).is_duplicate
    today = timezone.localdate()
    rows = {
        r.key: r
        for r in kpis.acquisition(
            scope=scope_for_user(world.staff["bo"].user), start=today, end=today, by="store"
        )
    }
    assert (rows[world.stores["s2"].pk].duplicates, rows[world.stores["s2"].pk].valid) == (1, 0)
    assert rows[world.stores["s1"].pk].added == 5  # 3 through the store code, 2 through Gia's
    by_guide = kpis.acquisition(
        scope=scope_for_user(world.staff["sam"].user), start=today, end=today, by="guide"
    )
    assert {(r.key, r.label, r.added) for r in by_guide} == {
        (None, "门店企微号（不指定导购）", 3),
        (world.staff["gia"].pk, "Gia", 2),
    }


def test_transacting_conversion_formula(wired) -> None:
    world, corp = wired
    gia = world.staff["gia"]
    code = services.channel_code_create(
        scope=scope_for_user(world.staff["sam"].user),
        kind="badge",
        store=world.stores["s1"],
        staff=gia,
    )
    fake(
        corp,
        "scan",
        state=code.state,
        customers=[{"name": "甲", "unionid": "union-c1"}, {"name": "乙", "unionid": "union-c2"}],
    )
    s1, c1, c2, c3 = (
        world.stores["s1"],
        world.customers["c1"],
        world.customers["c2"],
        world.customers["c3"],
    )
    today = timezone.localdate()
    # Buyers at S1: c1 and c2 (friends of S1 staff), c3 (not a friend of S1); c1 at S2 does not count for S2
    pairs = [
        (s1.pk, c1.pk),
        (s1.pk, c2.pk),
        (s1.pk, c3.pk),
        (s1.pk, c1.pk),
        (world.stores["s2"].pk, c1.pk),
    ]
    friends, buyers, share = kpis.transacting_friend_conversion(order_customers=pairs, end=today)
    assert (friends, buyers, str(share)) == (2, 4, "0.5000")
    # Ended before the period's end: no longer counts
    Friendship.objects.filter(customer=c2).update(
        status="deleted_by_customer", ended_at=timezone.now() - dt.timedelta(hours=1)
    )
    assert kpis.transacting_friend_conversion(order_customers=pairs, end=today)[0] == 1


def test_a_guide_who_moves_hands_over_the_old_stores_friends(wired) -> None:
    world, corp = wired
    gia = world.staff["gia"]
    code = services.channel_code_create(
        scope=scope_for_user(world.staff["sam"].user),
        kind="badge",
        store=world.stores["s1"],
        staff=gia,
    )
    fake(corp, "scan", state=code.state, count=4)
    # Gia moves from S1 to S2 (in service): her S1 friends are queued for the S1 account
    org_services.staff_move(
        scope=scope_for_user(world.staff["ada"].user), staff=gia, store=world.stores["s2"]
    )
    queued = Transfer.objects.filter(status=TransferStatus.QUEUED)
    assert queued.count() == 4
    assert {(t.kind, t.takeover_userid, t.store_id) for t in queued} == {
        ("in_service", "store_s1", world.stores["s1"].pk)
    }
