"""Turning a person into their scope, and who may do what."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from siyu.conftest import World
from siyu.org import services
from siyu.org.models import StaffMove
from siyu.org.scope import Capability, Level, scope_for_user


@pytest.mark.parametrize(
    ("persona", "level"),
    [
        ("ada", Level.GROUP),
        ("hana", Level.BRAND),
        ("bo", Level.BRANCH),
        ("sam", Level.STORE),
        ("gia", Level.SELF),
    ],
)
def test_each_role_gets_its_level(world: World, persona: str, level: Level) -> None:
    assert scope_for_user(world.staff[persona].user).level == level


def test_hq_operator_without_brand_sees_the_group(world: World) -> None:
    ada = scope_for_user(world.staff["ada"].user)
    staff = services.staff_create(
        scope=ada, group=world.group, employee_no="H9", name="Hal", role="hq_operator"
    )
    assert scope_for_user(staff.user).level == Level.GROUP


def test_only_some_roles_reveal_phones(world: World) -> None:
    can = {
        p: scope_for_user(world.staff[p].user).can(Capability.REVEAL_PHONE)
        for p in ("ada", "hana", "bo", "sam", "gia")
    }
    assert can == {"ada": True, "hana": True, "bo": False, "sam": True, "gia": False}


def test_resigned_staff_have_no_scope_and_cannot_log_in(world: World, client) -> None:
    ada = scope_for_user(world.staff["ada"].user)
    services.staff_resign(scope=ada, staff=world.staff["gia"])
    services.staff_resign(scope=ada, staff=world.staff["gia"])  # resent: nothing more happens
    with pytest.raises(PermissionDenied):
        scope_for_user(world.staff["gia"].user)
    assert StaffMove.objects.filter(staff=world.staff["gia"], kind="resign").count() == 1
    world.login(client, "gia")
    assert client.get("/m/").status_code == 403
    assert client.get("/api/v1/customers").status_code == 401


def test_move_keeps_history_and_changes_scope(world: World) -> None:
    ada = scope_for_user(world.staff["ada"].user)
    services.staff_move(scope=ada, staff=world.staff["gia"], store=world.stores["s3"])
    gia = scope_for_user(world.staff["gia"].user)
    assert (gia.store_id, gia.branch_id) == (world.stores["s3"].pk, world.branches["south"].pk)
    move = StaffMove.objects.get(staff=world.staff["gia"], kind="move")
    assert (move.from_store, move.to_store) == (world.stores["s1"], world.stores["s3"])


def test_managers_cannot_place_people_outside_their_scope(world: World) -> None:
    hana = scope_for_user(world.staff["hana"].user)
    with pytest.raises(ValidationError):
        services.staff_create(
            scope=hana,
            group=world.group,
            employee_no="Z1",
            name="Zed",
            role="guide",
            store=world.stores["x1"],
        )
    sam = scope_for_user(world.staff["sam"].user)
    with pytest.raises(PermissionDenied):  # store managers do not manage the org
        services.staff_create(
            scope=sam,
            group=world.group,
            employee_no="Z2",
            name="Zoe",
            role="guide",
            store=world.stores["s1"],
        )


def test_placement_must_nest(world: World) -> None:
    ada = scope_for_user(world.staff["ada"].user)
    with pytest.raises(ValidationError) as exc:
        services.staff_create(
            scope=ada,
            group=world.group,
            employee_no="Z3",
            name="Zia",
            role="guide",
            store=world.stores["s1"],
            branch=world.branches["south"],
        )
    assert "branch" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.staff_create(
            scope=ada, group=world.group, employee_no="Z4", name="Zac", role="guide"
        )
    assert "store" in exc.value.message_dict


def test_hq_cannot_take_over_another_brands_store_or_staff(world: World) -> None:
    # Hana runs Alpine; X1 and Xena belong to Beta
    hana = scope_for_user(world.staff["hana"].user)
    x1 = world.stores["x1"]
    with pytest.raises(ValidationError) as exc:
        services.store_upsert(
            scope=hana,
            code="X1",
            name="抢来的店",
            brand=world.brands["alpine"],
            branch=world.branches["north"],
            province_code="210000",
            city_code="210100",
        )
    assert "code" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.staff_move(scope=hana, staff=world.staff["xena"], store=world.stores["s1"])
    with pytest.raises(ValidationError):
        services.staff_resign(scope=hana, staff=world.staff["xena"])
    x1.refresh_from_db()
    world.staff["xena"].refresh_from_db()
    assert (x1.brand, x1.name) == (world.brands["beta"], "门店X1")
    assert (world.staff["xena"].store, world.staff["xena"].status) == (x1, "employed")
