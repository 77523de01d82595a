"""Writes on the org tree: stores, staff and their moves, API tokens. One transaction each."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.org import regions
from siyu.org.models import (
    ApiToken,
    Branch,
    Brand,
    Group,
    Role,
    Staff,
    StaffMove,
    StaffMoveKind,
    StaffStatus,
    Store,
    StoreStatus,
)
from siyu.org.scope import Capability, Level, Scope, scoped

_store_moved_hooks: list[Callable[[Store], object]] = []


def on_store_moved(hook: Callable[[Store], object]) -> None:
    """Call `hook(store)` whenever a store changes brand or branch (apps that copy them register)."""
    _store_moved_hooks.append(hook)


_staff_left_hooks: list[Callable[[Staff, Store], object]] = []


def on_staff_left(hook: Callable[[Staff, Store], object]) -> None:
    """Call `hook(staff, store)` when a staff member resigns from or moves out of `store`
    (relations queues their customers for a colleague or the store account)."""
    _staff_left_hooks.append(hook)


TOKEN_PREFIX = "siyu_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for)


def check_in_scope(
    scope: Scope,
    *,
    brand: Brand | None = None,
    branch: Branch | None = None,
    store: Store | None = None,
) -> None:
    """Refuse to place anything at a node outside the caller's scope."""
    node_ok = {
        Level.GROUP: True,
        Level.BRAND: brand is not None and brand.pk == scope.brand_id,
        Level.BRANCH: branch is not None and branch.pk == scope.branch_id,
        Level.STORE: store is not None and store.pk == scope.store_id,
        Level.SELF: False,
    }[scope.level]
    if not node_ok:
        raise ValidationError(
            {
                "store" if store else "branch" if branch else "brand": _(
                    "Outside the part of the organisation you manage."
                )
            }
        )


def check_visible(scope: Scope, obj: Store | Staff, field: str) -> None:
    """Refuse to change an existing store or staff member that lies outside the caller's scope."""
    if not scoped(type(obj)._default_manager.filter(pk=obj.pk), scope).exists():
        raise ValidationError({field: _("Outside the part of the organisation you manage.")})


def check_store_fields(
    *, brand: Brand, branch: Branch, province_code: str, city_code: str, district_code: str = ""
) -> None:
    """A store's branch belongs to its brand and its place codes name a real place in order."""
    errors = {}
    if branch.brand_id != brand.pk:
        errors["branch"] = _("This branch belongs to another brand.")
    province = regions.get(province_code)
    if province is None or province.level != "province":
        errors["province_code"] = _("Unknown province.")
    city = regions.get(city_code)
    if city is None or city.level != "city" or city.province_code != province_code:
        errors["city_code"] = _("Unknown city, or not in this province.")
    if district_code:
        district = regions.get(district_code)
        if district is None or district.level != "district" or district.city_code != city_code:
            errors["district_code"] = _("Unknown district, or not in this city.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def store_upsert(*, scope: Scope, code: str, **fields: Any) -> tuple[Store, bool]:
    """Create the store with `code`, or update it; returns (store, created)."""
    scope.require(Capability.MANAGE_ORG)
    code = code.strip().upper()
    if not code:
        raise ValidationError({"code": _("This field is required.")})
    if not (fields.get("name") or "").strip():
        raise ValidationError({"name": _("This field is required.")})
    if fields.get("status", StoreStatus.OPEN) not in StoreStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    check_store_fields(
        brand=fields["brand"],
        branch=fields["branch"],
        province_code=fields["province_code"],
        city_code=fields["city_code"],
        district_code=fields.get("district_code", ""),
    )
    existing = Store.objects.select_for_update().filter(code=code).first()
    if existing is not None:
        check_visible(scope, existing, "code")
    check_in_scope(
        scope,
        brand=fields["brand"],
        branch=fields["branch"],
        store=existing,
    )
    store, created = Store.objects.update_or_create(code=code, defaults=fields)
    if existing is not None and (existing.brand_id, existing.branch_id) != (
        store.brand_id,
        store.branch_id,
    ):
        for hook in _store_moved_hooks:
            hook(store)
    return store, created


def _check_placement(
    *, role: str, brand: Brand | None, branch: Branch | None, store: Store | None
) -> None:
    """Each role needs the node of its level, and the nodes must nest."""
    errors = {}
    if role not in Role.values:
        errors["role"] = _("Unknown role.")
    elif role in (Role.GUIDE, Role.STORE_MANAGER) and store is None:
        errors["store"] = _("Guides and store managers work at a store.")
    elif role == Role.BRANCH_MANAGER and branch is None:
        errors["branch"] = _("A branch manager manages a branch.")
    if store is not None and branch is not None and store.branch_id != branch.pk:
        errors["branch"] = _("The store is not in this branch.")
    if branch is not None and brand is not None and branch.brand_id != brand.pk:
        errors["brand"] = _("The branch is not in this brand.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def staff_create(
    *,
    scope: Scope,
    group: Group,
    employee_no: str,
    name: str,
    role: str,
    store: Store | None = None,
    branch: Branch | None = None,
    brand: Brand | None = None,
    wecom_userid: str | None = None,
    hired_on: dt.date | None = None,
    password: str | None = None,
    actor: Any = None,
) -> Staff:
    """A new staff member with a login (username = employee no.); no password means WeCom login only."""
    scope.require(Capability.MANAGE_ORG)
    employee_no, name = employee_no.strip(), name.strip()
    errors = {}
    if not employee_no:
        errors["employee_no"] = _("This field is required.")
    elif Staff.objects.filter(employee_no=employee_no).exists():
        errors["employee_no"] = _("This employee no. is taken.")
    if not name:
        errors["name"] = _("This field is required.")
    if wecom_userid and Staff.objects.filter(wecom_userid=wecom_userid).exists():
        errors["wecom_userid"] = _("This WeCom user id is taken.")
    if errors:
        raise ValidationError(errors)
    branch = branch or (store.branch if store else None)
    brand = brand or (branch.brand if branch else None)
    _check_placement(role=role, brand=brand, branch=branch, store=store)
    check_in_scope(scope, brand=brand, branch=branch, store=store)
    user = get_user_model().objects.create_user(username=employee_no, password=password)
    hired = hired_on or timezone.localdate()
    staff = Staff.objects.create(
        user=user,
        group=group,
        employee_no=employee_no,
        name=name,
        role=role,
        brand=brand,
        branch=branch,
        store=store,
        wecom_userid=wecom_userid or None,
        hired_on=hired,
    )
    StaffMove.objects.create(
        staff=staff,
        kind=StaffMoveKind.HIRE,
        to_role=role,
        to_store=store,
        to_branch=branch,
        effective_on=hired,
        actor=actor,
    )
    return staff


@transaction.atomic
def staff_move(
    *,
    scope: Scope,
    staff: Staff,
    role: str | None = None,
    store: Store | None = None,
    branch: Branch | None = None,
    effective_on: dt.date | None = None,
    actor: Any = None,
) -> Staff:
    """Move a staff member to another store/branch or role, keeping the history.

    Customers they serve stay with them until the relationships app hands them over.
    """
    scope.require(Capability.MANAGE_ORG)
    check_visible(scope, staff, "employee_no")
    if staff.status != StaffStatus.EMPLOYED:
        raise ValidationError({"status": _("This staff member has left.")})
    new_role = role or staff.role
    new_branch = branch or (store.branch if store else staff.branch)
    new_store = (
        store
        if store is not None
        else (staff.store if new_role in (Role.GUIDE, Role.STORE_MANAGER) else None)
    )
    new_brand = new_branch.brand if new_branch else staff.brand
    _check_placement(role=new_role, brand=new_brand, branch=new_branch, store=new_store)
    check_in_scope(scope, brand=new_brand, branch=new_branch, store=new_store)
    move = StaffMove(
        staff=staff,
        kind=StaffMoveKind.MOVE,
        from_role=staff.role,
        to_role=new_role,
        from_store=staff.store,
        to_store=new_store,
        from_branch=staff.branch,
        to_branch=new_branch,
        effective_on=effective_on or timezone.localdate(),
        actor=actor,
    )
    staff.role, staff.store, staff.branch, staff.brand = new_role, new_store, new_branch, new_brand
    staff.save()
    move.save()
    if move.from_store is not None and move.from_store != new_store:
        for hook in _staff_left_hooks:
            hook(staff, move.from_store)
    return staff


@transaction.atomic
def staff_resign(
    *, scope: Scope, staff: Staff, left_on: dt.date | None = None, actor: Any = None
) -> Staff:
    """Mark a staff member as left: they can no longer log in; the move is recorded."""
    scope.require(Capability.MANAGE_ORG)
    check_visible(scope, staff, "employee_no")
    if staff.status == StaffStatus.RESIGNED:
        return staff  # resending the same resignation changes nothing
    left = left_on or timezone.localdate()
    staff.status, staff.left_on = StaffStatus.RESIGNED, left
    staff.save()
    StaffMove.objects.create(
        staff=staff,
        kind=StaffMoveKind.RESIGN,
        from_role=staff.role,
        from_store=staff.store,
        from_branch=staff.branch,
        effective_on=left,
        actor=actor,
    )
    if staff.store is not None:
        for hook in _staff_left_hooks:
            hook(staff, staff.store)
    return staff


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    scope: Scope,
    actor: Any,
    name: str,
    brand: Brand | None = None,
    branch: Branch | None = None,
    store: Store | None = None,
) -> tuple[ApiToken, str]:
    """A new API token bound to an org node; returns it with the secret, shown only now."""
    scope.require(Capability.MANAGE_TOKENS)
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        name=name.strip(),
        prefix=secret[:12],
        key_hash=_token_hash(secret),
        group_id=scope.group_id,
        brand=brand,
        branch=branch,
        store=store,
        created_by=actor,
    )
    return token, secret


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live token for `secret`, its last-used time refreshed at most once a minute."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.filter(key_hash=_token_hash(secret), revoked_at__isnull=True).first()
    if token is not None:
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
    return token


@transaction.atomic
def api_token_revoke(*, scope: Scope, token: ApiToken) -> ApiToken:
    scope.require(Capability.MANAGE_TOKENS)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
