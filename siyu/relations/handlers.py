"""What relationship callbacks do (registered with siyu.wecom.events)."""

import datetime as dt

from siyu.relations import services
from siyu.relations.models import FriendshipStatus
from siyu.wecom.events import handles

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
