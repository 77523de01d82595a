"""Onboarding import and nightly reconciliation of friendships with WeCom.

A brand that already has WeCom friends imports them once (`full`); afterwards callbacks
keep siyu current, and a nightly `reconcile` repairs what a lost callback missed: friends
WeCom has that siyu lacks are added, remarks and tags refreshed, and friendships siyu
thinks active but WeCom no longer lists are ended as `lost`. Both walk
`batch/get_by_user` over every member (guides and store accounts, 100 at a time), save
their position after every page so an interrupted run resumes where it stopped, and
report what they changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from siyu.core import sql
from siyu.members import services as member_services
from siyu.members.models import Gender, Identity, IdentityKind
from siyu.org.models import Staff, StaffStatus, Store
from siyu.relations import services
from siyu.relations.models import ChannelCode, Friendship, FriendshipStatus, SyncKind, SyncRun
from siyu.wecom.client import WeComClient

CHUNK = 100  # members per batch/get_by_user request
KEEP_CHANGES = 200


def members() -> list[str]:
    """Every WeCom member whose friends siyu tracks, in a stable order (so positions resume)."""
    staff = (
        Staff.objects.filter(status=StaffStatus.EMPLOYED)
        .exclude(wecom_userid=None)
        .exclude(store=None)
    )
    ids = {u for u in staff.values_list("wecom_userid", flat=True) if u}
    ids |= set(Store.objects.exclude(wecom_userid="").values_list("wecom_userid", flat=True))
    return sorted(ids)


def _note(run: SyncRun, change: str, userid: str, external_userid: str) -> None:
    if len(run.changes) < KEEP_CHANGES:
        run.changes.append({"change": change, "userid": userid, "external_userid": external_userid})


@dataclass
class Org:
    """What a run needs to know about members and codes, read once instead of per friendship."""

    members: dict[str, tuple[Staff | None, Store]]
    codes: dict[str, ChannelCode]

    @classmethod
    def load(cls, *, userids: set[str] | None = None, states: set[str] | None = None) -> Org:
        """Every member and code, or (for a batch of callbacks) only the ones named."""
        stores, staff = Store.objects.exclude(wecom_userid=""), Staff.objects.exclude(store=None)
        codes = ChannelCode.objects.select_related("staff")
        if userids is not None:
            stores = stores.filter(wecom_userid__in=userids)
            staff = staff.filter(wecom_userid__in=userids)
        if states is not None:
            codes = codes.filter(state__in=states)
        members: dict[str, tuple[Staff | None, Store]] = {}
        for store in stores:
            members[store.wecom_userid] = (None, store)
        for person in staff.select_related("store").exclude(wecom_userid=None):
            if person.wecom_userid and person.store is not None:
                members[person.wecom_userid] = (person, person.store)
        return cls(members=members, codes={c.state: c for c in codes})


def apply_page(run: SyncRun, page: list[dict], seen: set[tuple[str, str]], org: Org) -> None:
    """Apply one page of batch/get_by_user items ({external_contact, follow_info}): a few
    queries for the page, not per friendship. Also the path of a batch of new-friend
    callbacks. Each (member, customer) pair may appear once in `page`."""
    items = []
    for item in page:
        contact, follow = item.get("external_contact", {}), item.get("follow_info", {})
        pair = (follow.get("userid", ""), contact.get("external_userid", ""))
        seen.add(pair)
        run.seen += 1
        items.append((pair, contact, follow))
    externals = {pair[1] for pair, _c, _f in items}
    active = {
        (f.wecom_userid, f.external_userid): f
        for f in Friendship.objects.filter(
            status=FriendshipStatus.ACTIVE, external_userid__in=externals
        )
    }
    unionids = {c.get("unionid") for _p, c, _f in items if c.get("unionid")}
    owner: dict[tuple[str, str], int] = {
        (kind, key): customer_id
        for kind, key, customer_id in Identity.objects.filter(
            Q(kind=IdentityKind.EXTERNAL_USERID, key__in=externals)
            | Q(kind=IdentityKind.UNIONID, key__in=unionids)
        ).values_list("kind", "key", "customer_id")
    }
    to_add: list[tuple] = []
    people: list[dict[str, Any]] = []
    person_of: dict[str, int] = {}
    for pair, contact, follow in items:
        userid, external = pair
        existing = active.get(pair)
        if existing is not None:
            if services.follow_apply(existing, follow):
                run.updated += 1
                _note(run, "updated", userid, external)
            continue
        if userid not in org.members:
            continue
        by_external = owner.get((IdentityKind.EXTERNAL_USERID, external))
        by_union = owner.get((IdentityKind.UNIONID, contact.get("unionid") or ""))
        if by_union and by_external != by_union:
            # Known by unionid (perhaps as another customer too): the one-by-one path attaches
            # or merges through members' rules.
            detail = {"external_contact": contact, "follow_user": [follow]}
            if services.friendship_add(
                userid=userid,
                external_userid=external,
                state=follow.get("state", ""),
                added_at=services.follow_added_at(follow),
                detail=detail,
            ):
                run.added += 1
                _note(run, "added", userid, external)
            continue
        staff, store = org.members[userid]
        code = org.codes.get(follow.get("state", ""))
        credited = services.credited_guide(code, staff)
        if by_external is None and external not in person_of:
            identities = {IdentityKind.EXTERNAL_USERID: external}
            if contact.get("unionid"):
                identities[IdentityKind.UNIONID] = contact["unionid"]
            person_of[external] = len(people)
            people.append(
                {
                    "name": contact.get("name", ""),
                    "home_store": store,
                    "identities": identities,
                    "gender": services.WECOM_GENDER.get(contact.get("gender"), Gender.UNKNOWN),
                    "owner_staff": credited
                    if credited is not None and credited.store_id == store.pk
                    else None,
                }
            )
        to_add.append((pair, follow, store, staff, credited, code, by_external))
    created = member_services.customers_create_bulk(people=people)
    rows = []
    customer_ids = [c if c else created[person_of[pair[1]]].pk for pair, *_rest, c in to_add]
    at_stores: dict[int, set[int]] = {}
    for customer_id, store_id in Friendship.objects.filter(
        customer_id__in=customer_ids, status=FriendshipStatus.ACTIVE
    ).values_list("customer_id", "store_id"):
        at_stores.setdefault(customer_id, set()).add(store_id)
    brand_of = dict(
        Store.objects.filter(pk__in={s for ids in at_stores.values() for s in ids}).values_list(
            "pk", "brand_id"
        )
    )
    for (pair, follow, store, staff, credited, code, _by), customer_id in zip(
        to_add, customer_ids, strict=True
    ):
        others = {s for s in at_stores.get(customer_id, set()) if s != store.pk}
        duplicate = any(brand_of.get(s, store.brand_id) == store.brand_id for s in others)
        brand_of[store.pk] = store.brand_id
        at_stores.setdefault(customer_id, set()).add(store.pk)
        rows.append(
            services.friendship_build(
                userid=pair[0],
                external_userid=pair[1],
                customer_id=customer_id,
                store=store,
                staff=staff,
                credited=credited,
                code=code,
                follow=follow,
                state=follow.get("state") or "",
                added_at=services.follow_added_at(follow),
                is_duplicate=duplicate,
            )
        )
        _note(run, "added", *pair)
    sql.instances_insert(rows)
    run.added += len(rows)


def sync_run(
    *,
    kind: str = SyncKind.FULL,
    resume: bool = True,
    progress: Callable[[SyncRun, int, int], None] | None = None,
) -> SyncRun:
    """Import (or reconcile) friendships from WeCom; resumes an unfinished run of the same kind."""
    run = (
        SyncRun.objects.filter(kind=kind, finished_at=None).order_by("-id").first()
        if resume
        else None
    )
    run = run or SyncRun.objects.create(kind=kind, position={"chunk": 0, "cursor": ""})
    userids = members()
    chunks = [userids[i : i + CHUNK] for i in range(0, len(userids), CHUNK)]
    client = WeComClient()
    seen: set[tuple[str, str]] = set()
    org = Org.load()
    if kind == SyncKind.RECONCILE and run.position.get("chunk", 0):
        run.position = {
            "chunk": 0,
            "cursor": "",
        }  # reconciliation needs the whole picture: restart it
    for index in range(run.position.get("chunk", 0), len(chunks)):
        cursor = run.position.get("cursor", "") if index == run.position.get("chunk", 0) else ""
        for page, next_cursor in client.iter_contacts_by_user(chunks[index], cursor=cursor):
            with transaction.atomic():
                apply_page(run, page, seen, org)
                run.position = {"chunk": index if next_cursor else index + 1, "cursor": next_cursor}
                run.save()
            if progress:
                progress(run, index + 1, len(chunks))
    if kind == SyncKind.RECONCILE:
        _end_missing(run, set(userids), seen)
    run.finished_at = timezone.now()
    run.save()
    return run


MAX_LOST_SHARE = 0.2  # ending more than this share of friendships at once smells of a WeCom outage


def _end_missing(run: SyncRun, userids: set[str], seen: set[tuple[str, str]]) -> None:
    """Friendships siyu holds active that WeCom no longer lists: a callback was lost.

    When WeCom suddenly lists far fewer friends than siyu knows (an outage, lost access, an
    empty test corp), nothing is ended: the run records why and a person looks.
    """
    active = Friendship.objects.filter(status=FriendshipStatus.ACTIVE, wecom_userid__in=userids)
    pairs = list(active.values_list("pk", "wecom_userid", "external_userid"))
    missing = [(pk, u, e) for pk, u, e in pairs if (u, e) not in seen]
    if len(missing) > max(50, MAX_LOST_SHARE * len(pairs)):
        run.changes.append({"change": "refused", "missing": len(missing), "active": len(pairs)})
        return
    for pk, userid, external_userid in missing:
        Friendship.objects.filter(pk=pk).update(
            status=FriendshipStatus.LOST, ended_at=timezone.now()
        )
        run.ended += 1
        _note(run, "ended", userid, external_userid)
