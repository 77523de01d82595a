"""The members API: customers, identities, merges, consent and the audited phone reveal."""

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, client_ip, ref, scope_of
from siyu.members import selectors, services
from siyu.members.models import Customer
from siyu.org.models import Staff, Store
from siyu.org.scope import Capability

router = Router(tags=["members"])


class CustomerFilters(Schema):
    q: str = ""
    store_id: int | None = None
    brand_id: int | None = None
    branch_id: int | None = None
    owner_staff_id: int | None = None
    join_channel: str = ""


class MembershipOut(Schema):
    member_no: str
    join_brand_id: int
    join_store_id: int | None
    join_channel: str
    joined_at: dt.datetime


class CustomerOut(Schema):
    id: int
    name: str
    gender: str
    birthday: dt.date | None
    phone_masked: str | None
    home_store_id: int | None
    owner_staff_id: int | None
    membership: MembershipOut | None = None
    created_at: dt.datetime

    @staticmethod
    def resolve_membership(obj: object) -> object:
        # A customer without membership raises RelatedObjectDoesNotExist on access.
        return getattr(obj, "membership", None)


class IdentityOut(Schema):
    kind: str
    platform: str
    value: str


class CustomerDetailOut(CustomerOut):
    identities: list[IdentityOut] = Field(alias="identities_shown")


class CustomerIn(Schema):
    name: str = Field("", max_length=50)
    gender: str = "unknown"
    birthday: dt.date | None = None
    home_store_id: int | None = None
    owner_staff_id: int | None = None
    phone: str | None = Field(None, max_length=32)
    identities: dict[str, str] = Field(default_factory=dict)
    join_channel: str | None = None
    joined_at: dt.datetime | None = None


class CustomerPatch(Schema):
    name: str | None = Field(None, max_length=50)
    gender: str | None = None
    birthday: dt.date | None = None
    home_store_id: int | None = None
    owner_staff_id: int | None = None


class IdentityIn(Schema):
    kind: str
    value: str = Field(max_length=128)
    platform: str = Field("", max_length=32)


class MergeIn(Schema):
    source_id: int
    reason: str = Field(min_length=1, max_length=200)


class MergeOut(Schema):
    id: int
    source_id: int
    target_id: int
    reason: str
    moved: dict
    created_at: dt.datetime


class RevealIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class RevealOut(Schema):
    phone: str


class ConsentIn(Schema):
    channel: str
    granted: bool
    source: str = Field("", max_length=32)


class ConsentOut(Schema):
    channel: str
    granted: bool
    source: str
    changed_at: dt.datetime


def _detail(customer: Customer) -> Customer:
    """The customer with the identities it may show attached for the detail schema."""
    customer.identities_shown = selectors.customer_identities(customer=customer)
    return customer


@router.get("/customers", response=list[CustomerOut])
@paginate(CursorPagination, ordering=("-id",))
def customer_list(request: HttpRequest, filters: Query[CustomerFilters]):
    """Customers in your scope; `q` is a full phone number, a member no. or the start of a name."""
    return selectors.customer_list(scope=scope_of(request), **filters.dict())


@router.get("/customers/{customer_id}", response=CustomerDetailOut)
def customer_get(request: HttpRequest, customer_id: int):
    return _detail(selectors.customer_get(scope=scope_of(request), customer_id=customer_id))


@router.post("/customers", response={201: CustomerDetailOut})
def customer_create(request: HttpRequest, payload: CustomerIn):
    scope = scope_of(request)
    home_store = ref(Store, scope, payload.home_store_id, "home_store_id")
    owner = ref(Staff, scope, payload.owner_staff_id, "owner_staff_id")
    home_store, owner = services.customer_place_for(
        scope=scope, home_store=home_store, owner_staff=owner
    )
    identities = dict(payload.identities)
    if payload.phone:
        identities["phone"] = payload.phone
    customer = services.customer_create(
        name=payload.name,
        gender=payload.gender,
        birthday=payload.birthday,
        home_store=home_store,
        owner_staff=owner,
        identities=identities,
        join_channel=payload.join_channel,
        joined_at=payload.joined_at,
    )
    return Status(201, _detail(selectors.customer_get(scope=scope, customer_id=customer.pk)))


@router.patch("/customers/{customer_id}", response=CustomerDetailOut)
def customer_update(request: HttpRequest, customer_id: int, payload: CustomerPatch):
    scope = scope_of(request)
    scope.require(Capability.EDIT_CUSTOMERS)
    customer = selectors.customer_get(scope=scope, customer_id=customer_id)
    fields = payload.dict(exclude_unset=True)
    if "home_store_id" in fields:
        fields["home_store"] = ref(Store, scope, fields.pop("home_store_id"), "home_store_id")
    if "owner_staff_id" in fields:
        fields["owner_staff"] = ref(Staff, scope, fields.pop("owner_staff_id"), "owner_staff_id")
    services.check_reassignment(scope=scope, fields=fields)
    services.customer_update(customer=customer, **fields)
    return _detail(selectors.customer_get(scope=scope, customer_id=customer_id))


@router.post("/customers/{customer_id}/identities", response={201: IdentityOut})
def identity_attach(request: HttpRequest, customer_id: int, payload: IdentityIn):
    scope = scope_of(request)
    scope.require(Capability.EDIT_CUSTOMERS)
    customer = selectors.customer_get(scope=scope, customer_id=customer_id)
    identity = services.identity_attach(
        customer=customer, kind=payload.kind, value=payload.value, platform=payload.platform
    )
    shown = identity.masked if identity.kind == "phone" else identity.key
    return Status(201, {"kind": identity.kind, "platform": identity.platform, "value": shown})


@router.post("/customers/{customer_id}/merge", response={201: MergeOut})
def customer_merge(request: HttpRequest, customer_id: int, payload: MergeIn):
    """Merge customer `source_id` into this one; both must be in your scope."""
    scope = scope_of(request)
    scope.require(Capability.MERGE_CUSTOMERS)
    target = selectors.customer_get(scope=scope, customer_id=customer_id)
    source = selectors.customer_get(scope=scope, customer_id=payload.source_id)
    return Status(
        201,
        services.customer_merge(
            source=source, target=target, actor=actor_of(request), reason=payload.reason
        ),
    )


@router.post("/customers/{customer_id}/reveal-phone", response=RevealOut)
def customer_phone_reveal(request: HttpRequest, customer_id: int, payload: RevealIn):
    """The phone in clear, for roles allowed to see it; every call leaves an audit record."""
    scope = scope_of(request)
    customer = selectors.customer_get(scope=scope, customer_id=customer_id)
    actor = actor_of(request)
    if actor is None:
        raise PermissionDenied("integrations never see phones in clear")
    phone = services.customer_phone_reveal(
        scope=scope, actor=actor, customer=customer, reason=payload.reason, ip=client_ip(request)
    )
    return {"phone": phone}


@router.get("/customers/{customer_id}/consents", response=list[ConsentOut])
def consent_list(request: HttpRequest, customer_id: int):
    customer = selectors.customer_get(scope=scope_of(request), customer_id=customer_id)
    return selectors.customer_consents(customer=customer)


@router.put("/customers/{customer_id}/consents", response=ConsentOut)
def consent_set(request: HttpRequest, customer_id: int, payload: ConsentIn):
    scope = scope_of(request)
    scope.require(Capability.EDIT_CUSTOMERS)
    customer = selectors.customer_get(scope=scope, customer_id=customer_id)
    return services.consent_set(
        customer=customer, channel=payload.channel, granted=payload.granted, source=payload.source
    )
