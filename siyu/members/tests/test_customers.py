"""Customers: identities, merge, consent, and the audited phone reveal (through the services)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from siyu.conftest import PHONES, World
from siyu.members import services
from siyu.members.models import (
    Consent,
    Customer,
    CustomerMerge,
    CustomerStatus,
    Identity,
    Membership,
    PhoneReveal,
)
from siyu.org.scope import scope_for_user


def test_phone_is_never_stored_in_clear(world: World) -> None:
    # Every column of every identity row, read raw from the database
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM members_identity")
        raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert raw  # there are rows to look at
    for phone in PHONES.values():
        assert phone not in raw and phone[-8:] not in raw


def test_create_customer_with_identities_and_membership(world: World) -> None:
    customer = services.customer_create(
        name="李雷",
        identities={"phone": "139 1111 2222", "pos_card": "P001"},
        home_store=world.stores["s1"],
        join_channel="wecom",
    )
    assert services.customer_resolve(kind="phone", value="+86 13911112222") == customer
    assert services.customer_resolve(kind="pos_card", value="P001") == customer
    assert customer.membership.join_brand == world.brands["alpine"]
    assert customer.membership.member_no.startswith("M")


def test_bad_phone_creates_nothing(world: World) -> None:
    before = Customer.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.customer_create(name="坏号码", identities={"phone": "12345", "unionid": "u-new"})
    assert "phone" in exc.value.message_dict
    assert Customer.objects.count() == before
    assert not Identity.objects.filter(key="u-new").exists()


def test_identity_belongs_to_one_customer(world: World) -> None:
    with pytest.raises(services.IdentityConflict) as exc:
        services.identity_attach(customer=world.customers["c2"], kind="phone", value=PHONES["c1"])
    assert exc.value.owner_id == world.customers["c1"].pk
    # Attaching it again to its owner is a no-op, not a duplicate
    again = services.identity_attach(
        customer=world.customers["c1"], kind="phone", value=PHONES["c1"]
    )
    assert Identity.objects.filter(customer=world.customers["c1"], kind="phone").count() == 1
    assert again.customer_id == world.customers["c1"].pk


def test_guide_must_work_at_the_home_store(world: World) -> None:
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            name="x", home_store=world.stores["s2"], owner_staff=world.staff["gia"]
        )
    assert "owner_staff" in exc.value.message_dict


def test_merge_moves_everything_and_keeps_a_record(world: World) -> None:
    # Given c2 (older membership) and c1, each with identities and consent answers
    c1, c2 = world.customers["c1"], world.customers["c2"]
    Membership.objects.filter(customer=c2).update(joined_at="2020-01-01T00:00:00Z")
    services.consent_set(customer=c1, channel="sms", granted=True, source="pos")
    services.consent_set(
        customer=c2, channel="sms", granted=False, source="unsubscribe"
    )  # later: wins
    services.consent_set(customer=c2, channel="oa", granted=True)
    admin = world.staff["ada"].user
    scope = scope_for_user(admin)
    services.customer_phone_reveal(scope=scope, actor=admin, customer=c2, reason="核对")
    identities = set(Identity.objects.filter(customer__in=[c1, c2]).values_list("pk", flat=True))
    c2_identities = set(Identity.objects.filter(customer=c2).values_list("pk", flat=True))
    c1_member_no = c1.membership.member_no
    c2_member_no = c2.membership.member_no

    # When c2 is merged into c1
    record = services.customer_merge(source=c2, target=c1, actor=admin, reason="same person")

    # Then every identity is c1's, the earlier membership survives, the latest consent wins
    assert set(Identity.objects.filter(customer=c1).values_list("pk", flat=True)) == identities
    assert Membership.objects.get(customer=c1).member_no == c2_member_no != c1_member_no
    assert not Membership.objects.filter(customer=c2).exists()
    assert {c.channel: c.granted for c in Consent.objects.filter(customer=c1)} == {
        "sms": False,
        "oa": True,
    }
    assert PhoneReveal.objects.filter(customer=c1).count() == 1
    c2.refresh_from_db()
    assert c2.status == CustomerStatus.MERGED and c2.merged_into == c1
    assert record.moved["members.phonereveal.customer"] == 1
    assert set(record.moved["identities"]) == c2_identities
    assert services.customer_resolve(kind="phone", value=PHONES["c2"]) == c1
    assert CustomerMerge.objects.filter(source=c2, target=c1, reason="same person").exists()


def test_merge_refuses_self_and_repeat(world: World) -> None:
    c1, c2 = world.customers["c1"], world.customers["c2"]
    with pytest.raises(ValidationError):
        services.customer_merge(source=c1, target=c1, actor=None, reason="x")
    services.customer_merge(source=c2, target=c1, actor=None, reason="x")
    with pytest.raises(ValidationError):
        services.customer_merge(source=c2, target=c1, actor=None, reason="again")
    assert CustomerMerge.objects.count() == 1


def test_a_merged_customer_is_answered_by_the_one_they_were_last_merged_into(world: World) -> None:  # fmt: skip
    from siyu.members.selectors import customer_survivor_id, customer_survivors

    c1, c2, c3 = (world.customers[k] for k in ("c1", "c2", "c3"))
    services.customer_merge(source=c3, target=c2, actor=None, reason="same person")
    services.customer_merge(source=c2, target=c1, actor=None, reason="same person")
    # c3 went into c2, which went into c1: both are c1 now; c1 itself was never merged
    assert customer_survivors({c1.pk, c2.pk, c3.pk}) == {c2.pk: c1.pk, c3.pk: c1.pk}
    assert [customer_survivor_id(c) for c in (c3.pk, c1.pk, None)] == [c1.pk, c1.pk, None]


def test_a_customer_read_before_a_merge_and_changed_after_it_stays_merged(world: World) -> None:  # fmt: skip
    c1, c2 = world.customers["c1"], world.customers["c2"]
    read_before = Customer.objects.get(pk=c2.pk)
    services.customer_merge(source=c2, target=c1, actor=None, reason="same person")
    services.customer_update(customer=read_before, name="改名")
    assert Customer.objects.get(pk=c2.pk).status == CustomerStatus.MERGED


def test_store_manager_reveals_with_an_audit_record(world: World) -> None:
    sam = world.staff["sam"].user
    phone = services.customer_phone_reveal(
        scope=scope_for_user(sam),
        actor=sam,
        customer=world.customers["c1"],
        reason="顾客要求回电",
        ip="10.0.0.1",
    )
    assert phone == "+86" + PHONES["c1"]
    record = PhoneReveal.objects.get()
    assert (record.actor, record.customer, record.reason) == (
        sam,
        world.customers["c1"],
        "顾客要求回电",
    )


def test_reveal_needs_a_reason_and_the_right(world: World) -> None:
    sam, gia = world.staff["sam"].user, world.staff["gia"].user
    with pytest.raises(ValidationError):
        services.customer_phone_reveal(
            scope=scope_for_user(sam), actor=sam, customer=world.customers["c1"], reason="  "
        )
    with pytest.raises(PermissionDenied):
        services.customer_phone_reveal(
            scope=scope_for_user(gia), actor=gia, customer=world.customers["c1"], reason="想看"
        )
    assert not PhoneReveal.objects.exists()


def test_consent_set_is_idempotent(world: World) -> None:
    c1 = world.customers["c1"]
    services.consent_set(customer=c1, channel="sms", granted=False, source="unsubscribe")
    services.consent_set(customer=c1, channel="sms", granted=False, source="unsubscribe")
    assert Consent.objects.filter(customer=c1, channel="sms").count() == 1
    with pytest.raises(ValidationError):
        services.consent_set(customer=c1, channel="fax", granted=True)


def test_customers_follow_their_store_into_another_branch(world: World, client) -> None:
    # Given S2 (with c3) moves from branch North to branch South
    from siyu.conftest import ROOT
    from siyu.org import services as org_services
    from siyu.org.scope import Level, Scope

    root = Scope(level=Level.GROUP, group_id=world.group.pk, capabilities=ROOT.capabilities)
    s2 = world.stores["s2"]
    org_services.store_upsert(
        scope=root,
        code="S2",
        name=s2.name,
        brand=s2.brand,
        branch=world.branches["south"],
        province_code="440000",
        city_code="440100",
    )
    # Then Bo (North) no longer sees c3 in any list, and c3 sits in South
    world.login(client, "bo")
    ids = {c["id"] for c in client.get("/api/v1/customers").json()["results"]}
    assert world.customers["c3"].pk not in ids and world.customers["c1"].pk in ids
    world.customers["c3"].refresh_from_db()
    assert world.customers["c3"].home_branch == world.branches["south"]
