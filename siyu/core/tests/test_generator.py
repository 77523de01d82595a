"""The data generator: deterministic, consistent, and scoped like real data."""

import datetime as dt
import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from siyu.content.models import Content, Forward
from siyu.members import pii
from siyu.members.models import Customer, Identity, Membership
from siyu.org import regions
from siyu.org.models import Branch, Role, Staff, Store
from siyu.org.scope import scope_for_user
from siyu.org.selectors import store_list
from siyu.relations.models import Friendship

SMALL = {
    "scale": "demo",
    "stores": 8,
    "guides": 20,
    "customers": 600,
    "seed": 7,
    "today": dt.date(2026, 11, 20),
    "quiet": True,
}


def _digest() -> str:
    rows = [
        list(Store.objects.order_by("id").values_list("code", "name", "city_code", "latitude")),
        list(
            Staff.objects.order_by("id").values_list(
                "employee_no", "name", "role", "store_id", "status"
            )
        ),
        list(
            Customer.objects.order_by("id").values_list(
                "name", "gender", "birthday", "home_store_id", "owner_staff_id"
            )
        ),
        list(Identity.objects.order_by("id").values_list("kind", "key", "masked")),
        list(
            Membership.objects.order_by("id").values_list("member_no", "join_channel", "joined_at")
        ),
        list(
            Friendship.objects.order_by("id").values_list(
                "wecom_userid",
                "external_userid",
                "customer_id",
                "added_at",
                "status",
                "is_duplicate",
            )
        ),
        list(Content.objects.order_by("id").values_list("title", "kind", "status", "publish_at")),
        list(Forward.objects.order_by("id").values_list("content_id", "staff_id", "channel", "at")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _wipe() -> None:
    call_command("flush", interactive=False, verbosity=0)


@pytest.mark.django_db(transaction=True)
def test_same_seed_same_data_other_seed_other_data() -> None:
    call_command("generate", **SMALL, stdout=io.StringIO())
    first = _digest()
    _wipe()
    call_command("generate", **SMALL, stdout=io.StringIO())
    assert _digest() == first
    _wipe()
    call_command("generate", **{**SMALL, "seed": 8}, stdout=io.StringIO())
    assert _digest() != first


@pytest.mark.django_db(transaction=True)
def test_generated_data_is_consistent() -> None:
    call_command("generate", **SMALL, stdout=io.StringIO())
    assert Store.objects.count() == 8
    assert Staff.objects.filter(role=Role.GUIDE).count() == 20
    assert Customer.objects.count() == 600
    # Stores sit in real cities of the provinces their branch covers
    for store in Store.objects.select_related("branch"):
        city = regions.get(store.city_code)
        assert city is not None and city.level == "city"
        assert store.province_code in store.branch.region_codes
        assert abs(store.latitude - city.latitude) < 1
    # Phones are valid, unique, encrypted and masked
    phones = [
        pii.decrypt(v)
        for v in Identity.objects.filter(kind="phone").values_list("encrypted_value", flat=True)
    ]
    assert len(phones) == len(set(phones)) > 400
    assert all(pii.normalize_phone(p) == p for p in phones)
    assert len({p[-4:] for p in phones[:100]}) > 90  # neighbours look like different people
    # Each guide serves customers of their own store only
    assert (
        not Customer.objects.exclude(owner_staff=None)
        .exclude(owner_staff__store=F("home_store"))
        .exists()
    )
    # The demo logins exist and sit where the README says
    assert (
        Staff.objects.get(employee_no="guide").store
        != Staff.objects.get(employee_no="guide2").store
    )
    branch = Staff.objects.get(employee_no="branch")
    assert set(store_list(scope=scope_for_user(branch.user))) == set(
        Store.objects.filter(branch=branch.branch)
    )
    assert Branch.objects.count() == 14


@pytest.mark.django_db(transaction=True)
def test_refuses_a_database_that_has_data() -> None:
    call_command("generate", **SMALL, stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("generate", **SMALL, stdout=io.StringIO())
