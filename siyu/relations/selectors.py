"""Reads on relationships, always narrowed to the caller's scope."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from siyu.org.scope import Scope, access, scoped
from siyu.relations.models import ChannelCode, Friendship, FriendshipStatus, Transfer


def channel_code_list(
    *, scope: Scope, store_id: int | None = None, kind: str = ""
) -> QuerySet[ChannelCode]:
    # The friend count per code in the same query (the list shows it on every row).
    qs = scoped(ChannelCode.objects.select_related("store", "staff"), scope).annotate(
        friend_count=Count("friendships")
    )
    if store_id:
        qs = qs.filter(store_id=store_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-id")


def channel_code_get(*, scope: Scope, code_id: int) -> ChannelCode:
    return access(ChannelCode.objects.select_related("store", "staff"), scope, pk=code_id)


def friendship_list(
    *,
    scope: Scope,
    status: str = "",
    store_id: int | None = None,
    staff_id: int | None = None,
    customer_id: int | None = None,
) -> QuerySet[Friendship]:
    qs = scoped(
        Friendship.objects.select_related("customer", "staff", "store", "channel_code"), scope
    )
    for field, value in (
        ("status", status),
        ("store_id", store_id),
        ("credited_staff_id", staff_id),
        ("customer_id", customer_id),
    ):
        if value:
            qs = qs.filter(**{field: value})
    return qs.order_by("-id")


def friendship_get(*, scope: Scope, friendship_id: int) -> Friendship:
    return access(
        Friendship.objects.select_related("customer", "staff", "store", "channel_code"),
        scope,
        pk=friendship_id,
    )


def customer_friendships(*, scope: Scope, customer_id: int) -> QuerySet[Friendship]:
    """A customer's active friendships the caller may see (the card shows remark and tags)."""
    return friendship_list(scope=scope, customer_id=customer_id, status=FriendshipStatus.ACTIVE)


def transfer_list(*, scope: Scope, status: str = "") -> QuerySet[Transfer]:
    qs = scoped(
        Transfer.objects.select_related("friendship", "customer", "takeover_staff", "store"), scope
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-id")


CORP_TAGS_CACHE = "relations:corp_tags"


def corp_tags() -> list[dict]:
    """The corp's WeCom customer tags [{id, name, group}], cached for five minutes; [] if unreachable."""
    from django.core.cache import cache

    from siyu.wecom.client import WeComClient, WeComError

    tags = cache.get(CORP_TAGS_CACHE)
    if tags is None:
        try:
            tags = [
                {"id": t["id"], "name": t["name"], "group": g.get("group_name", "")}
                for g in WeComClient().corp_tags()
                for t in g.get("tag", [])
            ]
        except WeComError:
            return []
        cache.set(CORP_TAGS_CACHE, tags, 300)
    return tags


def external_userid_of(*, staff_id: int, customer_id: int) -> str | None:
    """The customer's WeCom external user id as the guide's active friend, if they are one."""
    return (
        Friendship.objects.filter(
            staff_id=staff_id, customer_id=customer_id, status=FriendshipStatus.ACTIVE
        )
        .values_list("external_userid", flat=True)
        .first()
    )
