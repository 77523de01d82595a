"""The relations API: channel codes, friendships (guides edit remark and tags), acquisition, transfers."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, ref, scope_of
from siyu.core.periods import check_period
from siyu.org.models import Staff, Store
from siyu.org.scope import Capability
from siyu.relations import kpis, selectors, services, tasks

router = Router(tags=["relations"])


class ChannelCodeIn(Schema):
    kind: str
    store_id: int
    staff_id: int | None = None
    campaign: str = Field("", max_length=50)
    to_store_account: bool = False  # customers add the store account; the guide is still credited


class ChannelCodeOut(Schema):
    id: int
    kind: str
    store_id: int
    staff_id: int | None
    wecom_userid: str
    campaign: str
    state: str
    qr_code: str
    active: bool
    created_at: dt.datetime


class FriendshipOut(Schema):
    id: int
    customer_id: int
    customer_name: str = Field(alias="customer.name")
    wecom_userid: str
    store_id: int
    staff_id: int | None
    credited_staff_id: int | None
    channel_code_id: int | None
    added_at: dt.datetime
    status: str
    ended_at: dt.datetime | None
    remark: str
    description: str
    tags: list[str]
    is_duplicate: bool


class FriendshipFilters(Schema):
    status: str = ""
    store_id: int | None = None
    staff_id: int | None = None
    customer_id: int | None = None


class FriendshipPatch(Schema):
    remark: str = Field(max_length=100)
    description: str = Field("", max_length=200)
    add_tags: list[str] = Field(default_factory=list)
    remove_tags: list[str] = Field(default_factory=list)


class AcquisitionQuery(Schema):
    start: dt.date | None = None
    end: dt.date | None = None
    by: str = Field("day", pattern="^(day|guide|store|branch)$")


class AcquisitionRowOut(Schema):
    key: str | None
    label: str
    added: int
    duplicates: int
    blocked: int
    valid: int
    target: int | None
    validity: Decimal | None
    duplicate_rate: Decimal | None
    block_rate: Decimal | None


class TransferIn(Schema):
    handover_staff_id: int
    takeover_staff_id: int | None = None  # None: the store's unified account


class TransferOut(Schema):
    id: int
    customer_id: int
    store_id: int
    kind: str
    handover_userid: str
    takeover_userid: str
    takeover_staff_id: int | None
    status: str
    errcode: int | None
    requested_at: dt.datetime
    finished_at: dt.datetime | None


@router.get("/channel-codes", response=list[ChannelCodeOut])
@paginate(CursorPagination, ordering=("-id",))
def channel_code_list(request: HttpRequest, store_id: int | None = None, kind: str = ""):
    return selectors.channel_code_list(scope=scope_of(request), store_id=store_id, kind=kind)


@router.get("/channel-codes/{code_id}", response=ChannelCodeOut)
def channel_code_get(request: HttpRequest, code_id: int):
    return selectors.channel_code_get(scope=scope_of(request), code_id=code_id)


@router.post("/channel-codes", response={201: ChannelCodeOut})
def channel_code_create(request: HttpRequest, payload: ChannelCodeIn):
    scope = scope_of(request)
    scope.require(Capability.MANAGE_RELATIONS)
    code = services.channel_code_create(
        scope=scope,
        kind=payload.kind,
        store=ref(Store, scope, payload.store_id, "store_id"),
        staff=ref(Staff, scope, payload.staff_id, "staff_id"),
        campaign=payload.campaign,
        to_store_account=payload.to_store_account,
    )
    return Status(201, code)


@router.get("/friendships", response=list[FriendshipOut])
@paginate(CursorPagination, ordering=("-id",))
def friendship_list(request: HttpRequest, filters: Query[FriendshipFilters]):
    return selectors.friendship_list(scope=scope_of(request), **filters.dict())


@router.get("/friendships/{friendship_id}", response=FriendshipOut)
def friendship_get(request: HttpRequest, friendship_id: int):
    return selectors.friendship_get(scope=scope_of(request), friendship_id=friendship_id)


@router.patch("/friendships/{friendship_id}", response=FriendshipOut)
def friendship_edit(request: HttpRequest, friendship_id: int, payload: FriendshipPatch):
    """Edit remark, description and tags; WeCom is updated first (remark, mark_tag)."""
    scope = scope_of(request)
    scope.require(Capability.EDIT_CUSTOMERS)
    friendship = selectors.friendship_get(scope=scope, friendship_id=friendship_id)
    return services.friendship_edit(
        friendship=friendship,
        remark=payload.remark,
        description=payload.description,
        add_tags=payload.add_tags,
        remove_tags=payload.remove_tags,
    )


@router.get("/acquisition", response=list[AcquisitionRowOut])
def acquisition(request: HttpRequest, query: Query[AcquisitionQuery]):
    """Friends added, duplicates, blocks, valid friends and targets in the period (default: today)."""
    start, end = check_period(query.start, query.end)
    rows = kpis.acquisition(scope=scope_of(request), start=start, end=end, by=query.by)
    return [
        {
            **row.__dict__,
            "key": str(row.key) if row.key is not None else None,
            "validity": row.validity,
            "duplicate_rate": row.duplicate_rate,
            "block_rate": row.block_rate,
        }
        for row in rows
    ]


@router.get("/transfers", response=list[TransferOut])
@paginate(CursorPagination, ordering=("-id",))
def transfer_list(request: HttpRequest, status: str = ""):
    return selectors.transfer_list(scope=scope_of(request), status=status)


@router.post("/transfers", response={201: list[TransferOut]})
def transfer_request(request: HttpRequest, payload: TransferIn):
    """Hand a guide's customers to a colleague (or the store account) and send it to WeCom."""
    scope = scope_of(request)
    scope.require(Capability.MANAGE_RELATIONS)
    handover = ref(Staff, scope, payload.handover_staff_id, "handover_staff_id")
    takeover = ref(Staff, scope, payload.takeover_staff_id, "takeover_staff_id")
    with transaction.atomic():
        queued = services.transfer_request(
            handover=handover, takeover=takeover, actor=actor_of(request)
        )
        transaction.on_commit(lambda: tasks.send_transfers.enqueue(handover.wecom_userid or ""))
    return Status(201, queued)
