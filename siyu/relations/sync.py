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

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from siyu.org.models import Staff, StaffStatus, Store
from siyu.relations import services
from siyu.relations.models import Friendship, FriendshipStatus, SyncKind, SyncRun
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
    ids = set(staff.values_list("wecom_userid", flat=True))
    ids |= set(Store.objects.exclude(wecom_userid="").values_list("wecom_userid", flat=True))
    return sorted(ids)


def _note(run: SyncRun, change: str, userid: str, external_userid: str) -> None:
    if len(run.changes) < KEEP_CHANGES:
        run.changes.append({"change": change, "userid": userid, "external_userid": external_userid})


def _apply(run: SyncRun, item: dict, seen: set[tuple[str, str]]) -> None:
    contact, follow = item.get("external_contact", {}), item.get("follow_info", {})
    userid, external_userid = follow.get("userid", ""), contact.get("external_userid", "")
    seen.add((userid, external_userid))
    run.seen += 1
    active = Friendship.objects.filter(
        wecom_userid=userid, external_userid=external_userid, status=FriendshipStatus.ACTIVE
    ).first()
    if active is None:
        added_at = (
            dt.datetime.fromtimestamp(int(follow.get("createtime") or 0), tz=dt.UTC)
            if follow.get("createtime")
            else None
        )
        detail = {
            "external_contact": contact,
            "follow_user": [{**follow, "tag_id": follow.get("tag_id", [])}],
        }
        if services.friendship_add(
            userid=userid,
            external_userid=external_userid,
            state=follow.get("state", ""),
            added_at=added_at,
            detail=detail,
        ):
            run.added += 1
            _note(run, "added", userid, external_userid)
        return
    fresh = (
        (follow.get("remark") or "")[:100],
        (follow.get("description") or "")[:200],
        list(follow.get("tag_id") or []),
    )
    if (active.remark, active.description, active.tags) != fresh:
        active.remark, active.description, active.tags = fresh
        active.save(update_fields=["remark", "description", "tags"])
        run.updated += 1
        _note(run, "updated", userid, external_userid)


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
    if kind == SyncKind.RECONCILE and run.position.get("chunk", 0):
        run.position = {
            "chunk": 0,
            "cursor": "",
        }  # reconciliation needs the whole picture: restart it
    for index in range(run.position.get("chunk", 0), len(chunks)):
        cursor = run.position.get("cursor", "") if index == run.position.get("chunk", 0) else ""
        for page, next_cursor in client.iter_contacts_by_user(chunks[index], cursor=cursor):
            with transaction.atomic():
                for item in page:
                    _apply(run, item, seen)
                run.position = {"chunk": index if next_cursor else index + 1, "cursor": next_cursor}
                run.save()
            if progress:
                progress(run, index + 1, len(chunks))
    if kind == SyncKind.RECONCILE:
        _end_missing(run, set(userids), seen)
    run.finished_at = timezone.now()
    run.save()
    return run


def _end_missing(run: SyncRun, userids: set[str], seen: set[tuple[str, str]]) -> None:
    """Friendships siyu holds active that WeCom no longer lists: a callback was lost."""
    active = Friendship.objects.filter(status=FriendshipStatus.ACTIVE, wecom_userid__in=userids)
    for pk, userid, external_userid in active.values_list(
        "pk", "wecom_userid", "external_userid"
    ).iterator():
        if (userid, external_userid) not in seen:
            Friendship.objects.filter(pk=pk).update(
                status=FriendshipStatus.LOST, ended_at=timezone.now()
            )
            run.ended += 1
            _note(run, "ended", userid, external_userid)
