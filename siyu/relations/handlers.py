"""What relationship callbacks do (registered with siyu.wecom.events).

New friends arrive in bursts (a store event, a poster campaign), so consecutive
`add_external_contact` callbacks are handled as a batch: their contact details are
fetched from WeCom concurrently, then written through the onboarding import's page path
(`sync.apply_page`), a few queries for the whole batch. A single add, or one whose detail
could not be fetched, takes the one-by-one path (`on_add`).
"""

import datetime as dt
from typing import Any

from siyu.relations import services, sync
from siyu.relations.models import FriendshipStatus, SyncKind, SyncRun
from siyu.wecom.client import WeComClient
from siyu.wecom.events import Fields, handles, handles_batch

EVENT = "change_external_contact"


def _at(fields: dict[str, str]) -> dt.datetime | None:
    created = fields.get("CreateTime", "")
    return dt.datetime.fromtimestamp(int(created), tz=dt.UTC) if created.isdigit() else None


@handles(EVENT, "add_external_contact")
@handles(EVENT, "add_half_external_contact")
def on_add(fields: dict[str, str]) -> None:
    services.friendship_add(
        userid=fields["UserID"],
        external_userid=fields["ExternalUserID"],
        state=fields.get("State", ""),
    )


def _details(batch: list[Fields]) -> list[dict[str, Any] | None]:
    """Each add as a batch/get_by_user item ({external_contact, follow_info}), or None."""
    found = WeComClient().get_external_contacts([f["ExternalUserID"] for f in batch])
    items: list[dict[str, Any] | None] = []
    for fields in batch:
        detail = found.get(fields["ExternalUserID"])
        if not isinstance(detail, dict):
            items.append(None)  # the one-by-one path raises and records why
            continue
        follow = next(
            (f for f in detail["follow_user"] if f.get("userid") == fields["UserID"]), None
        )
        if follow is None:
            items.append(None)
            continue
        # The callback's State is what the customer scanned; it wins over the follow's copy.
        follow = {**follow, "state": fields.get("State") or follow.get("state", "")}
        items.append({"external_contact": detail["external_contact"], "follow_info": follow})
    return items


@handles_batch(EVENT, "add_external_contact", "add_half_external_contact", prepare=_details)
def on_adds(batch: list[Fields], items: list[dict[str, Any]]) -> None:
    page, pairs = [], set()
    for fields, item in zip(batch, items, strict=True):
        pair = (fields["UserID"], fields["ExternalUserID"])
        if pair not in pairs:  # a pair added twice in one burst is one friendship
            pairs.add(pair)
            page.append(item)
    org = sync.Org.load(
        userids={u for u, _e in pairs}, states={i["follow_info"]["state"] for i in page}
    )
    # An unsaved run only tallies; callbacks are not a sync run.
    sync.apply_page(SyncRun(kind=SyncKind.FULL, changes=[]), page, set(), org)


@handles(EVENT, "del_follow_user")
def on_customer_deleted(fields: dict[str, str]) -> None:
    services.friendship_end(
        userid=fields["UserID"],
        external_userid=fields["ExternalUserID"],
        status=FriendshipStatus.DELETED_BY_CUSTOMER,
        at=_at(fields),
    )


@handles(EVENT, "del_external_contact")
def on_staff_deleted(fields: dict[str, str]) -> None:
    by_transfer = fields.get("Source") == "DELETE_BY_TRANSFER"
    services.friendship_end(
        userid=fields["UserID"],
        external_userid=fields["ExternalUserID"],
        status=FriendshipStatus.TRANSFERRED if by_transfer else FriendshipStatus.DELETED_BY_STAFF,
        at=_at(fields),
    )


@handles(EVENT, "edit_external_contact")
def on_edit(fields: dict[str, str]) -> None:
    services.friendship_refresh(userid=fields["UserID"], external_userid=fields["ExternalUserID"])


@handles(EVENT, "transfer_fail")
def on_transfer_fail(fields: dict[str, str]) -> None:
    services.transfer_failed(
        takeover_userid=fields["UserID"],
        external_userid=fields["ExternalUserID"],
        reason=fields.get("FailReason", ""),
    )
