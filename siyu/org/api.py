"""The org API: brands, branches, stores, staff, imports and API tokens."""

import datetime as dt
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, ref, scope_of
from siyu.core.tabular import read_rows
from siyu.org import imports, selectors, services
from siyu.org.models import Branch, Brand, Group, Store
from siyu.org.scope import Capability, Scope

router = Router(tags=["org"])


class BrandOut(Schema):
    id: int
    code: str
    name: str


class BranchOut(Schema):
    id: int
    code: str
    name: str
    brand_id: int
    region_codes: list[str]


class StoreFilters(Schema):
    q: str = ""
    brand_id: int | None = None
    branch_id: int | None = None
    city_code: str = ""
    status: str = ""


class StaffFilters(Schema):
    q: str = ""
    store_id: int | None = None
    branch_id: int | None = None
    role: str = ""
    status: str = ""


class StoreOut(Schema):
    id: int
    code: str
    name: str
    brand_id: int
    branch_id: int
    address: str
    province_code: str
    city_code: str
    district_code: str
    latitude: Decimal | None
    longitude: Decimal | None
    opens_at: dt.time | None
    closes_at: dt.time | None
    wecom_userid: str
    status: str


class StoreIn(Schema):
    name: str = Field(max_length=100)
    brand_id: int
    branch_id: int
    address: str = Field("", max_length=200)
    province_code: str = Field(max_length=6)
    city_code: str = Field(max_length=6)
    district_code: str = Field("", max_length=6)
    latitude: Decimal | None = Field(None, ge=-90, le=90)
    longitude: Decimal | None = Field(None, ge=-180, le=180)
    opens_at: dt.time | None = None
    closes_at: dt.time | None = None
    wecom_userid: str = Field("", max_length=64)
    status: str = "open"


class StaffOut(Schema):
    id: int
    employee_no: str
    name: str
    role: str
    brand_id: int | None
    branch_id: int | None
    store_id: int | None
    wecom_userid: str | None
    status: str
    hired_on: dt.date | None
    left_on: dt.date | None


class StaffIn(Schema):
    employee_no: str = Field(max_length=32)
    name: str = Field(max_length=50)
    role: str
    store_id: int | None = None
    branch_id: int | None = None
    brand_id: int | None = None
    wecom_userid: str | None = Field(None, max_length=64)
    hired_on: dt.date | None = None


class StaffMoveIn(Schema):
    role: str | None = None
    store_id: int | None = None
    branch_id: int | None = None
    effective_on: dt.date | None = None


class StaffResignIn(Schema):
    left_on: dt.date | None = None


class ImportRowError(Schema):
    row: int
    fields: dict[str, str]


class ImportReportOut(Schema):
    kind: str
    imported: int
    created: int
    updated: int
    errors: list[ImportRowError]


class TokenIn(Schema):
    name: str = Field(max_length=100)
    brand_id: int | None = None
    branch_id: int | None = None
    store_id: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    brand_id: int | None
    branch_id: int | None
    store_id: int | None
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


@router.get("/brands", response=list[BrandOut])
@paginate(CursorPagination, ordering=("id",))
def brand_list(request: HttpRequest):
    return selectors.brand_list(scope=scope_of(request))


@router.get("/branches", response=list[BranchOut])
@paginate(CursorPagination, ordering=("id",))
def branch_list(request: HttpRequest, brand_id: int | None = None):
    return selectors.branch_list(scope=scope_of(request), brand_id=brand_id)


@router.get("/stores", response=list[StoreOut])
@paginate(CursorPagination, ordering=("id",))
def store_list(request: HttpRequest, filters: Query[StoreFilters]):
    return selectors.store_list(scope=scope_of(request), **filters.dict())


@router.get("/stores/{store_id}", response=StoreOut)
def store_get(request: HttpRequest, store_id: int):
    return selectors.store_get(scope=scope_of(request), store_id=store_id)


def _store_fields(scope: Scope, payload: StoreIn) -> dict:
    fields = payload.dict(exclude={"brand_id", "branch_id"})
    fields["brand"] = ref(Brand, scope, payload.brand_id, "brand_id")
    fields["branch"] = ref(Branch, scope, payload.branch_id, "branch_id")
    return fields


@router.post("/stores", response={201: StoreOut})
def store_create(request: HttpRequest, code: str, payload: StoreIn):
    scope = scope_of(request)
    store, created = services.store_upsert(scope=scope, code=code, **_store_fields(scope, payload))
    return Status(201, store)


@router.put("/stores/{store_id}", response=StoreOut)
def store_update(request: HttpRequest, store_id: int, payload: StoreIn):
    scope = scope_of(request)
    store = selectors.store_get(scope=scope, store_id=store_id)
    return services.store_upsert(scope=scope, code=store.code, **_store_fields(scope, payload))[0]


@router.get("/staff", response=list[StaffOut])
@paginate(CursorPagination, ordering=("id",))
def staff_list(request: HttpRequest, filters: Query[StaffFilters]):
    return selectors.staff_list(scope=scope_of(request), **filters.dict())


@router.get("/staff/{staff_id}", response=StaffOut)
def staff_get(request: HttpRequest, staff_id: int):
    return selectors.staff_get(scope=scope_of(request), staff_id=staff_id)


@router.post("/staff", response={201: StaffOut})
def staff_create(request: HttpRequest, payload: StaffIn):
    scope = scope_of(request)
    staff = services.staff_create(
        scope=scope,
        group=Group.objects.get(pk=scope.group_id),
        employee_no=payload.employee_no,
        name=payload.name,
        role=payload.role,
        store=ref(Store, scope, payload.store_id, "store_id"),
        branch=ref(Branch, scope, payload.branch_id, "branch_id"),
        brand=ref(Brand, scope, payload.brand_id, "brand_id"),
        wecom_userid=payload.wecom_userid,
        hired_on=payload.hired_on,
        actor=actor_of(request),
    )
    return Status(201, staff)


@router.post("/staff/{staff_id}/move", response=StaffOut)
def staff_move(request: HttpRequest, staff_id: int, payload: StaffMoveIn):
    scope = scope_of(request)
    return services.staff_move(
        scope=scope,
        staff=selectors.staff_get(scope=scope, staff_id=staff_id),
        role=payload.role,
        store=ref(Store, scope, payload.store_id, "store_id"),
        branch=ref(Branch, scope, payload.branch_id, "branch_id"),
        effective_on=payload.effective_on,
        actor=actor_of(request),
    )


@router.post("/staff/{staff_id}/resign", response=StaffOut)
def staff_resign(request: HttpRequest, staff_id: int, payload: StaffResignIn):
    scope = scope_of(request)
    return services.staff_resign(
        scope=scope,
        staff=selectors.staff_get(scope=scope, staff_id=staff_id),
        left_on=payload.left_on,
        actor=actor_of(request),
    )


@router.post("/imports/{kind}", response=ImportReportOut)
def org_import(request: HttpRequest, kind: str, file: UploadedFile = File(...)):
    """Import stores or staff (kind = stores | staff) from a .csv or .xlsx file; row-level report."""
    scope = scope_of(request)
    scope.require(Capability.MANAGE_ORG)
    rows = read_rows(file, file.name or "")
    if kind == "stores":
        return imports.stores_import(scope=scope, rows=rows).as_dict()
    if kind == "staff":
        return imports.staff_import(scope=scope, rows=rows, actor=actor_of(request)).as_dict()
    raise Http404(kind)


@router.get("/tokens", response=list[TokenOut])
@paginate(CursorPagination, ordering=("-id",))
def token_list(request: HttpRequest):
    scope = scope_of(request)
    return selectors.api_token_list(scope=scope)


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn):
    scope = scope_of(request)
    token, secret = services.api_token_create(
        scope=scope,
        actor=request.user,
        name=payload.name,
        brand=ref(Brand, scope, payload.brand_id, "brand_id"),
        branch=ref(Branch, scope, payload.branch_id, "branch_id"),
        store=ref(Store, scope, payload.store_id, "store_id"),
    )
    token.secret = secret
    return Status(201, token)


@router.post("/tokens/{token_id}/revoke", response=TokenOut)
def token_revoke(request: HttpRequest, token_id: int):
    scope = scope_of(request)
    return services.api_token_revoke(
        scope=scope, token=selectors.api_token_get(scope=scope, token_id=token_id)
    )
