"""Writes on relationships: channel codes, friendships from WeCom events, edits, transfers."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.members import merge
from siyu.members import services as member_services
from siyu.members.models import Customer, Gender, IdentityKind
from siyu.org import services as org_services
from siyu.org.models import Role, Staff, StaffStatus, Store
from siyu.org.scope import Scope, access
from siyu.relations.models import (
    ChannelCode,
    ChannelKind,
    Friendship,
    FriendshipStatus,
    Transfer,
    TransferKind,
    TransferStatus,
)
from siyu.relations.selectors import corp_tags
from siyu.wecom.client import WeComClient, WeComError

logger = logging.getLogger(__name__)
merge.register_reference(Friendship, "customer")
merge.register_reference(Transfer, "customer")
WECOM_GENDER = {1: Gender.MALE, 2: Gender.FEMALE}


@transaction.atomic
def channel_code_create(
    *,
    scope: Scope,
    kind: str,
    store: Store,
    staff: Staff | None = None,
    campaign: str = "",
    to_store_account: bool = False,
) -> ChannelCode:
    """A new contact way and its QR code, crediting `staff` (None: the store itself).

    Customers befriend the guide, or — with `to_store_account`, for brands that keep every
    customer on the store's unified account — the store account, still credited to the guide.
    """
    if kind not in ChannelKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    access(Store.objects.all(), scope, pk=store.pk)
    if staff is not None:
        access(Staff.objects.all(), scope, pk=staff.pk)
        if staff.store_id != store.pk or staff.status != StaffStatus.EMPLOYED:
            raise ValidationError({"staff": _("The guide must work at this store.")})
    wecom_userid = store.wecom_userid if staff is None or to_store_account else staff.wecom_userid
    if not wecom_userid:
        raise ValidationError(
            {
                "store" if staff is None or to_store_account else "staff": _(
                    "No WeCom account is set for it."
                )
            }
        )
    code = ChannelCode.objects.create(
        kind=kind,
        store=store,
        staff=staff,
        wecom_userid=wecom_userid,
        campaign=campaign.strip()[:50],
        state=f"tmp{uuid.uuid4().hex[:20]}",
    )
    code.state = f"sy{code.pk}"  # ≤ 30 chars, and the key callbacks bring back
    try:
        way = WeComClient().add_contact_way(
            users=[wecom_userid],
            state=code.state,
            remark=f"{kind}:{staff.name if staff else store.name}",
        )
    except WeComError as exc:
        raise exc.as_validation_error() from None
    code.config_id, code.qr_code = way["config_id"], way.get("qr_code", "")
    code.save()
    return code


def follow_fields(follow: dict[str, Any]) -> dict[str, Any]:
    """The remark, description and corp tags a WeCom follow carries.

    `batch/get_by_user` lists tag ids (`follow_info.tag_id[]`); `externalcontact/get` gives
    tag objects (`follow_user.tags[]`), of which only type 1 (corp tags) are siyu's to keep.
    """
    if "tags" in follow:
        tags = [
            t["tag_id"] for t in follow["tags"] or [] if t.get("type", 1) == 1 and t.get("tag_id")
        ]
    else:
        tags = list(follow.get("tag_id") or [])
    return {
        "remark": (follow.get("remark") or "")[:100],
        "description": (follow.get("description") or "")[:200],
        "tags": tags,
    }


def follow_apply(friendship: Friendship, follow: dict[str, Any]) -> bool:
    """Copy WeCom's remark, description and tags onto `friendship`; True when anything changed."""
    fresh = follow_fields(follow)
    if all(getattr(friendship, k) == v for k, v in fresh.items()):
        return False
    for k, v in fresh.items():
        setattr(friendship, k, v)
    friendship.save(update_fields=list(fresh))
    return True


def follow_added_at(follow: dict[str, Any]) -> dt.datetime | None:
    """When WeCom says the friendship began (`createtime`), if it says."""
    created = follow.get("createtime")
    return dt.datetime.fromtimestamp(int(created), tz=dt.UTC) if created else None


def credited_guide(code: ChannelCode | None, staff: Staff | None) -> Staff | None:
    """The guide credited with a new friend: the code's guide, else the member when a guide or manager."""
    if code is not None and code.staff is not None:
        return code.staff
    return staff if staff is not None and staff.role in (Role.GUIDE, Role.STORE_MANAGER) else None


def friendship_build(
    *,
    userid: str,
    external_userid: str,
    customer_id: int,
    store: Store,
    staff: Staff | None,
    credited: Staff | None,
    code: ChannelCode | None,
    follow: dict[str, Any],
    state: str,
    added_at: dt.datetime | None,
    is_duplicate: bool,
) -> Friendship:
    """An unsaved friendship as WeCom describes it; friendship_add saves one, the import bulk-creates many."""
    return Friendship(
        wecom_userid=userid,
        external_userid=external_userid,
        customer_id=customer_id,
        store=store,
        staff=staff,
        credited_staff=credited,
        channel_code=code,
        add_way=int(follow.get("add_way") or 0),
        state=state[:30],
        added_at=added_at or timezone.now(),
        is_duplicate=is_duplicate,
        **follow_fields(follow),
    )


def _member(userid: str) -> tuple[Staff | None, Store | None]:
    """The staff member or store account behind a WeCom member user id."""
    staff = Staff.objects.select_related("store").filter(wecom_userid=userid).first()
    if staff is not None:
        return staff, staff.store
    return None, Store.objects.filter(wecom_userid=userid).first()


def _resolve_customer(
    *, external_userid: str, contact: dict[str, Any], store: Store, guide: Staff | None
) -> Customer:
    """The customer behind a WeCom external contact: found by external_userid or unionid, else new.

    When the two identities belong to two customers, they are the same person: merged.
    """
    by_external = member_services.customer_resolve(
        kind=IdentityKind.EXTERNAL_USERID, value=external_userid
    )
    unionid = contact.get("unionid") or ""
    by_union = (
        member_services.customer_resolve(kind=IdentityKind.UNIONID, value=unionid)
        if unionid
        else None
    )
    if by_external and by_union and by_external.pk != by_union.pk:
        older, newer = sorted([by_external, by_union], key=lambda c: c.pk)
        member_services.customer_merge(
            source=newer, target=older, actor=None, reason="WeCom external_userid and unionid met"
        )
        by_external = by_union = older
    customer = by_external or by_union
    if customer is None:
        identities: dict[str, str] = {IdentityKind.EXTERNAL_USERID: external_userid}
        if unionid:
            identities[IdentityKind.UNIONID] = unionid
        return member_services.customer_create(
            name=(contact.get("name") or "")[:50],
            gender=WECOM_GENDER.get(int(contact.get("gender") or 0), Gender.UNKNOWN),
            home_store=store,
            owner_staff=guide if guide and guide.store_id == store.pk else None,
            identities=identities,
        )
    member_services.identity_attach(
        customer=customer, kind=IdentityKind.EXTERNAL_USERID, value=external_userid
    )
    if unionid:
        member_services.identity_attach(customer=customer, kind=IdentityKind.UNIONID, value=unionid)
    if customer.home_store_id is None:
        member_services.customer_update(
            customer=customer,
            home_store=store,
            owner_staff=guide if guide and guide.store_id == store.pk else None,
        )
    return customer


@transaction.atomic
def friendship_add(
    *,
    userid: str,
    external_userid: str,
    state: str = "",
    added_at: dt.datetime | None = None,
    detail: dict[str, Any] | None = None,
) -> Friendship | None:
    """Record that a member and a customer became friends (from a callback or a sync); idempotent.

    `detail` ({"external_contact", "follow_user"}) saves the API call when the caller has it.
    """
    active = Friendship.objects.filter(
        wecom_userid=userid, external_userid=external_userid, status=FriendshipStatus.ACTIVE
    ).first()
    if active is not None:
        return active
    staff, store = _member(userid)
    if store is None:
        logger.warning(
            "WeCom member %s belongs to no store: friendship with %s not recorded",
            userid,
            external_userid,
        )
        return None
    code = (
        ChannelCode.objects.select_related("staff").filter(state=state).first() if state else None
    )
    credited = credited_guide(code, staff)
    detail = detail or WeComClient().get_external_contact(external_userid)
    follow: dict[str, Any] = next(
        (f for f in detail["follow_user"] if f.get("userid") == userid), {}
    )
    customer = _resolve_customer(
        external_userid=external_userid,
        contact=detail["external_contact"],
        store=store,
        guide=credited,
    )
    added_at = added_at or follow_added_at(follow)
    duplicate = (
        Friendship.objects.filter(
            customer=customer, status=FriendshipStatus.ACTIVE, store__brand_id=store.brand_id
        )
        .exclude(store=store)
        .exists()
    )
    friendship = friendship_build(
        userid=userid,
        external_userid=external_userid,
        customer_id=customer.pk,
        store=store,
        staff=staff,
        credited=credited,
        code=code,
        follow=follow,
        state=state,
        added_at=added_at,
        is_duplicate=duplicate,
    )
    friendship.save()
    return friendship


@transaction.atomic
def friendship_end(
    *, userid: str, external_userid: str, status: str, at: dt.datetime | None = None
) -> Friendship | None:
    """End the active friendship of a pair (deleted by either side, or transferred); idempotent."""
    friendship = (
        Friendship.objects.select_for_update()
        .filter(
            wecom_userid=userid, external_userid=external_userid, status=FriendshipStatus.ACTIVE
        )
        .first()
    )
    if friendship is None:
        return None
    friendship.status, friendship.ended_at = status, at or timezone.now()
    friendship.save(update_fields=["status", "ended_at"])
    return friendship


@transaction.atomic
def friendship_refresh(*, userid: str, external_userid: str) -> Friendship | None:
    """Re-read remark, description and tags from WeCom after an edit made there."""
    friendship = Friendship.objects.filter(
        wecom_userid=userid, external_userid=external_userid, status=FriendshipStatus.ACTIVE
    ).first()
    if friendship is None:
        return None
    detail = WeComClient().get_external_contact(external_userid)
    follow = next((f for f in detail["follow_user"] if f.get("userid") == userid), None)
    if follow is not None:
        follow_apply(friendship, follow)
    return friendship


@transaction.atomic
def friendship_edit(
    *,
    friendship: Friendship,
    remark: str,
    description: str,
    add_tags: Sequence[str] = (),
    remove_tags: Sequence[str] = (),
    tags: Collection[str] | None = None,
) -> Friendship:
    """A guide edits a friend's remark, description and tags; WeCom is updated first, then siyu.

    Tags change either by `add_tags` / `remove_tags`, or by `tags`: the full set ticked among
    the corp's tags (anything WeCom does not offer is ignored, tags outside the list stay).
    The caller fetched `friendship` through its scope.
    """
    if tags is not None:
        offered = {t["id"] for t in corp_tags()}
        wanted = set(tags) & offered
        add_tags = sorted(wanted - set(friendship.tags))
        remove_tags = sorted((offered & set(friendship.tags)) - wanted)
    if friendship.status != FriendshipStatus.ACTIVE:
        raise ValidationError({"friendship": _("This customer is no longer a friend.")})
    if len(remark) > 100 or len(description) > 200:
        raise ValidationError({"remark": _("At most 100 characters; description at most 200.")})
    client = WeComClient()
    try:
        client.remark(
            userid=friendship.wecom_userid,
            external_userid=friendship.external_userid,
            remark=remark,
            description=description,
        )
        if add_tags or remove_tags:
            client.mark_tag(
                userid=friendship.wecom_userid,
                external_userid=friendship.external_userid,
                add=list(add_tags),
                remove=list(remove_tags),
            )
    except WeComError as exc:
        raise exc.as_validation_error() from None
    friendship.remark, friendship.description = remark, description
    friendship.tags = [t for t in friendship.tags if t not in remove_tags] + [
        t for t in add_tags if t not in friendship.tags
    ]
    friendship.save(update_fields=["remark", "description", "tags"])
    return friendship


# -- transfers ---------------------------------------------------------------------------------
@transaction.atomic
def transfer_request(
    *, handover: Staff, takeover: Staff | None = None, actor: Any = None, store: Store | None = None
) -> list[Transfer]:
    """Queue every active friend of `handover` for `takeover` (None: the store's account).

    Resigned staff go through WeCom's resigned transfer, others through in-service transfer.
    Transfers still queued follow the latest choice of takeover; ones already sent to WeCom
    are left alone, so asking twice changes nothing.
    """
    store = store or handover.store  # the store they leave, when they moved
    if store is None:
        raise ValidationError({"handover": _("Only store staff have customers to hand over.")})
    if takeover is not None:
        if (
            takeover.pk == handover.pk
            or takeover.status != StaffStatus.EMPLOYED
            or not takeover.wecom_userid
        ):
            raise ValidationError(
                {"takeover": _("Choose an employed colleague with a WeCom account.")}
            )
        takeover_userid = takeover.wecom_userid
    else:
        if not store.wecom_userid:
            raise ValidationError(
                {"takeover": _("The store has no WeCom account: choose a guide.")}
            )
        takeover_userid = store.wecom_userid
    kind = (
        TransferKind.RESIGNED
        if handover.status == StaffStatus.RESIGNED
        else TransferKind.IN_SERVICE
    )
    mine = Transfer.objects.filter(handover_userid=handover.wecom_userid)
    mine.filter(status=TransferStatus.QUEUED).update(
        takeover_userid=takeover_userid, takeover_staff=takeover, kind=kind, requested_by=actor
    )
    open_statuses = (TransferStatus.QUEUED, TransferStatus.WAITING)
    pending = set(mine.filter(status__in=open_statuses).values_list("friendship_id", flat=True))
    created = [
        Transfer(
            friendship=f,
            customer_id=f.customer_id,
            store=store,
            kind=kind,
            handover_userid=handover.wecom_userid or "",
            takeover_userid=takeover_userid,
            takeover_staff=takeover,
            requested_by=actor,
        )
        for f in Friendship.objects.filter(
            wecom_userid=handover.wecom_userid, status=FriendshipStatus.ACTIVE, store=store
        )
        if f.pk not in pending
    ]
    Transfer.objects.bulk_create(created)
    return list(mine.filter(status=TransferStatus.QUEUED).select_related("friendship"))


def transfer_send(*, handover_userid: str) -> int:
    """Send the queued transfers of one member to WeCom (100 at a time); returns how many went."""
    sent = 0
    client = WeComClient()
    groups: dict[tuple[str, str], list[Transfer]] = {}
    for t in Transfer.objects.select_related("friendship").filter(
        handover_userid=handover_userid, status=TransferStatus.QUEUED
    ):
        groups.setdefault((t.takeover_userid, t.kind), []).append(t)
    for (takeover_userid, kind), transfers in groups.items():
        for start in range(0, len(transfers), 100):
            chunk = {t.friendship.external_userid: t for t in transfers[start : start + 100]}
            try:
                results = client.transfer_customers(
                    handover=handover_userid,
                    takeover=takeover_userid,
                    external_userids=list(chunk),
                    resigned=kind == TransferKind.RESIGNED,
                )
            except WeComError as exc:
                results = [{"external_userid": e, "errcode": exc.errcode} for e in chunk]
            with transaction.atomic():
                for result in results:
                    transfer = chunk.get(result.get("external_userid", ""))
                    if transfer is None:
                        continue
                    code = int(result.get("errcode", 0))
                    transfer.errcode = code or None
                    transfer.status = TransferStatus.WAITING if code == 0 else TransferStatus.FAILED
                    if code:
                        transfer.finished_at = timezone.now()
                    transfer.save(update_fields=["status", "errcode", "finished_at"])
                    sent += code == 0
    return sent


RESULT_STATUS = {1: TransferStatus.DONE, 3: TransferStatus.REFUSED, 4: TransferStatus.LIMIT}


def transfer_poll() -> int:
    """Read WeCom's results for waiting transfers and settle the finished ones; returns how many."""
    client = WeComClient()
    settled = 0
    waiting = Transfer.objects.filter(status=TransferStatus.WAITING)
    for handover, takeover, kind in waiting.values_list(
        "handover_userid", "takeover_userid", "kind"
    ).distinct():
        results = client.transfer_results(
            handover=handover, takeover=takeover, resigned=kind == TransferKind.RESIGNED
        )
        for result in results:
            status = RESULT_STATUS.get(int(result.get("status", 2)))
            if status is not None:
                settled += transfer_settle(
                    handover_userid=handover,
                    external_userid=result["external_userid"],
                    status=status,
                )
    return settled


@transaction.atomic
def transfer_settle(*, handover_userid: str, external_userid: str, status: str) -> int:
    """Apply a transfer's outcome; on success the customer moves to the takeover. Idempotent."""
    transfer = (
        Transfer.objects.select_for_update(
            of=("self",)
        )  # not the nullable joined rows (PostgreSQL)
        .select_related("friendship", "takeover_staff")
        .filter(
            handover_userid=handover_userid,
            friendship__external_userid=external_userid,
            status=TransferStatus.WAITING,
        )
        .first()
    )
    if transfer is None:
        return 0
    transfer.status, transfer.finished_at = status, timezone.now()
    transfer.save(update_fields=["status", "finished_at"])
    if status != TransferStatus.DONE:
        return 1
    old = transfer.friendship
    friendship_end(
        userid=old.wecom_userid,
        external_userid=external_userid,
        status=FriendshipStatus.TRANSFERRED,
    )
    staff, store = _member(transfer.takeover_userid)
    Friendship.objects.get_or_create(
        wecom_userid=transfer.takeover_userid,
        external_userid=external_userid,
        status=FriendshipStatus.ACTIVE,
        defaults={
            "customer_id": old.customer_id,
            "store": store or old.store,
            "staff": staff,
            "credited_staff": old.credited_staff,
            "channel_code": old.channel_code,
            "state": old.state,
            "added_at": timezone.now(),
            "remark": old.remark,
            "description": old.description,
            "tags": old.tags,
        },
    )
    customer = Customer.objects.get(pk=old.customer_id)
    if customer.owner_staff_id == old.staff_id:
        member_services.customer_update(
            customer=customer,
            owner_staff=staff if staff and staff.store_id == customer.home_store_id else None,
        )
    return 1


def transfer_failed(*, takeover_userid: str, external_userid: str, reason: str) -> int:
    """A `transfer_fail` callback: the customer refused, or the takeover is full."""
    transfer = Transfer.objects.filter(
        takeover_userid=takeover_userid,
        friendship__external_userid=external_userid,
        status=TransferStatus.WAITING,
    ).first()
    if transfer is None:
        return 0
    status = TransferStatus.LIMIT if reason == "customer_limit_exceed" else TransferStatus.REFUSED
    return transfer_settle(
        handover_userid=transfer.handover_userid, external_userid=external_userid, status=status
    )


def _queue_for_store_account(staff: Staff, store: Store) -> None:
    """When a guide leaves a store, their friends there are queued for its account (the fallback)."""
    if staff.wecom_userid and store.wecom_userid:
        transfer_request(handover=staff, takeover=None, store=store)


org_services.on_staff_left(_queue_for_store_account)
