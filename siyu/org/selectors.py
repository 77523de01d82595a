"""Reads on the org tree, always narrowed to the caller's scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from siyu.org.models import ApiToken, Branch, Brand, Staff, StaffMove, StaffStatus, Store
from siyu.org.scope import Capability, Scope, access, scoped


def brand_list(*, scope: Scope) -> QuerySet[Brand]:
    return scoped(Brand.objects.all(), scope).distinct().order_by("code")


def branch_list(*, scope: Scope, brand_id: int | None = None) -> QuerySet[Branch]:
    qs = scoped(Branch.objects.select_related("brand"), scope).distinct()
    if brand_id:
        qs = qs.filter(brand_id=brand_id)
    return qs.order_by("code")


def store_list(
    *,
    scope: Scope,
    q: str = "",
    brand_id: int | None = None,
    branch_id: int | None = None,
    city_code: str = "",
    status: str = "",
) -> QuerySet[Store]:
    qs = scoped(Store.objects.select_related("brand", "branch"), scope)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(code__startswith=q.upper()))
    for field, value in (
        ("brand_id", brand_id),
        ("branch_id", branch_id),
        ("city_code", city_code),
        ("status", status),
    ):
        if value:
            qs = qs.filter(**{field: value})
    return qs.order_by("code")


def store_get(*, scope: Scope, store_id: int) -> Store:
    return access(Store.objects.select_related("brand", "branch"), scope, pk=store_id)


def staff_list(
    *,
    scope: Scope,
    q: str = "",
    store_id: int | None = None,
    branch_id: int | None = None,
    role: str = "",
    status: str = "",
) -> QuerySet[Staff]:
    qs = scoped(Staff.objects.select_related("brand", "branch", "store"), scope)
    if q:
        qs = qs.filter(Q(name__contains=q) | Q(employee_no__startswith=q))
    for field, value in (
        ("store_id", store_id),
        ("branch_id", branch_id),
        ("role", role),
        ("status", status),
    ):
        if value:
            qs = qs.filter(**{field: value})
    return qs.order_by("employee_no")


def staff_get(*, scope: Scope, staff_id: int) -> Staff:
    return access(
        Staff.objects.select_related("brand", "branch", "store", "user"), scope, pk=staff_id
    )


def org_tree(*, scope: Scope) -> list[dict]:
    """Brands → branches → stores in scope, with staff counts, for the console's tree (4 queries)."""
    brands = list(brand_list(scope=scope))
    branches = list(branch_list(scope=scope))
    stores = list(
        store_list(scope=scope).annotate(
            staff_count=Count("staff", filter=Q(staff__status="employed"))
        )
    )
    by_branch: dict[int, list[Store]] = {}
    for store in stores:
        by_branch.setdefault(store.branch_id, []).append(store)
    return [
        {
            "brand": brand,
            "branches": [
                {"branch": b, "stores": by_branch.get(b.pk, [])}
                for b in branches
                if b.brand_id == brand.pk
            ],
        }
        for brand in brands
    ]


def staff_moves(*, staff: Staff) -> QuerySet[StaffMove]:
    """A staff member's history, oldest first (the caller fetched `staff` through its scope)."""
    return staff.moves.select_related("from_store", "to_store", "actor")


def api_token_list(*, scope: Scope) -> QuerySet[ApiToken]:
    scope.require(Capability.MANAGE_TOKENS)
    return scoped(ApiToken.objects.select_related("created_by"), scope).order_by("-id")


def api_token_get(*, scope: Scope, token_id: int) -> ApiToken:
    scope.require(Capability.MANAGE_TOKENS)
    return access(ApiToken.objects.all(), scope, pk=token_id)


def store_places(store_ids: set[int]) -> dict[int, tuple[int, int]]:
    """(brand id, branch id) of each store, in one query (for rollups and event attribution)."""
    if not store_ids:
        return {}
    rows = Store.objects.filter(pk__in=store_ids).values_list("pk", "brand_id", "branch_id")
    return {pk: (brand, branch) for pk, brand, branch in rows}


def org_names(
    *,
    staff: Iterable[int] = (),
    stores: Iterable[int] = (),
    branches: Iterable[int] = (),
    brands: Iterable[int] = (),
) -> dict[str, dict[int, str]]:
    """Display names by id for figures keyed by ids: {"staff"|"store"|"branch"|"brand": …}."""
    out: dict[str, dict[int, str]] = {}
    for name, model, ids in (
        ("staff", Staff, staff), ("store", Store, stores), ("branch", Branch, branches),
        ("brand", Brand, brands),
    ):  # fmt: skip
        wanted = {i for i in ids if i is not None}
        out[name] = (
            dict(model.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}
        )
    return out


@dataclass(frozen=True)
class StaffFacts:
    store_id: int | None
    brand_id: int | None  # the staff member's brand, else their store's
    employed: bool


def staff_facts(staff_ids: set[int]) -> dict[int, StaffFacts]:
    """Store, brand and whether still employed, of each staff member, in one query."""
    if not staff_ids:
        return {}
    rows = Staff.objects.filter(pk__in=staff_ids).values_list(
        "pk", "store_id", "brand_id", "store__brand_id", "status"
    )
    return {
        pk: StaffFacts(store, brand or store_brand, status == StaffStatus.EMPLOYED)
        for pk, store, brand, store_brand, status in rows
    }


def store_team(store_id: int) -> list[tuple[int, str, str]]:
    """(id, name, employee no.) of the employed staff of a store."""
    return list(
        Staff.objects.filter(store_id=store_id, status=StaffStatus.EMPLOYED).values_list(
            "pk", "name", "employee_no"
        )
    )
