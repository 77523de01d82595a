"""Reads of the content hub: the library, what reaches a guide, share links, per-item stats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from siyu.content.models import (
    Content,
    ContentTarget,
    Forward,
    MomentTask,
    Scenario,
    ShareLink,
    ShareVisit,
    Status,
    TargetLevel,
)
from siyu.org.models import Staff, Store
from siyu.org.scope import Scope, access, scoped

Place = tuple[int, int, int, str, str]  # store id, brand id, branch id, province, city


def reach_q(places: Iterable[Place]) -> Q:
    """Items aimed at the whole brand, or at a branch, province, city or store of `places`
    (one IN list per level, however many stores)."""
    places = list(places)
    wanted = (
        Q(level=TargetLevel.STORE, code__in={str(p[0]) for p in places})
        | Q(level=TargetLevel.BRANCH, code__in={str(p[2]) for p in places})
        | Q(level=TargetLevel.PROVINCE, code__in={p[3] for p in places})
        | Q(level=TargetLevel.CITY, code__in={p[4] for p in places})
    )
    aimed = ContentTarget.objects.filter(wanted).values("content_id")
    return Q(targeted=False) | Q(pk__in=aimed)


def stores_reached(content: Content, stores: Iterable[Store]) -> list[Store]:
    """Those of `stores` the item is aimed at (one query for its targets)."""
    stores = list(stores)
    if not content.targeted:
        return stores
    targets = set(content.targets.values_list("level", "code"))
    return [s for s in stores if aims_at(s) & targets]


def aims_at(store: Store) -> set[tuple[str, str]]:
    """The (level, code) targets that reach `store`: itself, its branch, province and city."""
    return {
        (TargetLevel.STORE, str(store.pk)), (TargetLevel.BRANCH, str(store.branch_id)),
        (TargetLevel.PROVINCE, store.province_code), (TargetLevel.CITY, store.city_code),
    }  # fmt: skip


def target_labels(content: Content) -> list[tuple[str, str]]:
    """(level, name) of each target, for pages (one query per level that has targets)."""
    from siyu.org import regions
    from siyu.org.models import Branch

    targets = list(content.targets.all())
    ids = {
        level: [int(t.code) for t in targets if t.level == level]
        for level in (TargetLevel.BRANCH, TargetLevel.STORE)
    }
    names: dict[str, dict[int, str]] = {
        TargetLevel.BRANCH: dict(Branch.objects.filter(pk__in=ids[TargetLevel.BRANCH]).values_list("pk", "name")) if ids[TargetLevel.BRANCH] else {},
        TargetLevel.STORE: dict(Store.objects.filter(pk__in=ids[TargetLevel.STORE]).values_list("pk", "name")) if ids[TargetLevel.STORE] else {},
    }  # fmt: skip
    return [
        (
            t.get_level_display(),
            regions.name(t.code) if t.level in (TargetLevel.PROVINCE, TargetLevel.CITY)
            else names[t.level].get(int(t.code), t.code),
        )
        for t in targets
    ]  # fmt: skip


def guide_of(scope: Scope) -> Staff:
    """The guide (or store manager) behind a scope, with their store; refused for anyone else."""
    from django.core.exceptions import PermissionDenied

    staff = (
        Staff.objects.select_related("store").filter(pk=scope.staff_id).first()
        if scope.staff_id is not None
        else None
    )
    if staff is None or staff.store is None:
        raise PermissionDenied("guides only")
    return staff


def live_q(now: dt.datetime | None = None) -> Q:
    """Published and inside its window at `now`."""
    now = now or timezone.now()
    return (
        Q(status=Status.PUBLISHED)
        & (Q(publish_at__isnull=True) | Q(publish_at__lte=now))
        & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
    )


def is_live(content: Content, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        content.status == Status.PUBLISHED
        and (content.publish_at is None or content.publish_at <= now)
        and (content.expires_at is None or content.expires_at > now)
    )


def place_of(store: Store) -> Place:
    return (store.pk, store.brand_id, store.branch_id, store.province_code, store.city_code)


def content_list(
    *,
    scope: Scope,
    q: str = "",
    kind: str = "",
    status: str = "",
    category: str = "",
    campaign: str = "",
    brand_id: int | None = None,
) -> QuerySet[Content]:
    """The library as the caller sees it. `q`: every whitespace-separated term must appear in
    the title, body, copy or campaign (substring match, so Chinese needs no word breaking)."""
    items = scoped(Content.objects.select_related("brand"), scope)
    for term in q.split()[:5]:
        items = items.filter(
            Q(title__icontains=term)
            | Q(body__icontains=term)
            | Q(share_copy__icontains=term)
            | Q(campaign__icontains=term)
        )
    filters = {
        "kind": kind,
        "status": status,
        "category": category,
        "campaign": campaign,
        "brand_id": brand_id,
    }
    return items.filter(**{k: v for k, v in filters.items() if v}).order_by("-id")


def content_get(*, scope: Scope, content_id: int) -> Content:
    return access(Content.objects.select_related("brand"), scope, pk=content_id)


GUIDE_FEED_PER_SCENARIO = (
    20  # what a guide scrolls through in a day; older items stay in HQ's library
)


def content_for_guide(*, staff: Staff, now: dt.datetime | None = None) -> dict[str, list[Content]]:
    """Today's items for a guide's store and region, grouped by scenario (an item may sit in
    several), newest first, at most GUIDE_FEED_PER_SCENARIO each."""
    assert staff.store is not None, "a guide without a store has no content"
    # Choose by id and scenario first, then load only the chosen items with their images and
    # targets: a store can have hundreds of live items, and loading all of them cost 40 ms.
    live = (
        Content.objects.filter(
            live_q(now), reach_q([place_of(staff.store)]), brand_id=staff.store.brand_id
        )
        # Newest first; an item published without a set time went live when it was published
        .order_by(Coalesce("publish_at", "updated_at").desc(), "-id")
        .values_list("id", "scenarios")[:500]
    )
    chosen: dict[str, list[int]] = {s.value: [] for s in Scenario}
    for pk, scenarios in live:
        for scenario in scenarios or [Scenario.CHAT]:
            shown = chosen.setdefault(scenario, [])
            if len(shown) < GUIDE_FEED_PER_SCENARIO:
                shown.append(pk)
    wanted = {pk for pks in chosen.values() for pk in pks}
    items = Content.objects.filter(pk__in=wanted).prefetch_related("images", "targets")
    by_id = {item.pk: item for item in items}
    grouped = {scenario: [by_id[pk] for pk in pks] for scenario, pks in chosen.items()}
    return grouped


def share_link_by_code(code: str) -> ShareLink | None:
    """A share link from its public code (landing pages: no caller scope)."""
    return (
        ShareLink.objects.select_related("content", "content__brand", "staff", "store")
        .filter(code=code)
        .first()
    )


def content_stats(*, scope: Scope, content: Content) -> dict[str, Any]:
    """Forwards, guides forwarding, visits and distinct visitors of one item, in scope."""
    forwards = scoped(Forward.objects.filter(content=content), scope).aggregate(
        forwards=Count("id"), guides=Count("staff_id", distinct=True)
    )
    visits = scoped(ShareVisit.objects.filter(content=content), scope).aggregate(
        pv=Count("id"), uv=Count("device_id", distinct=True)
    )
    return {**forwards, **visits}


def moment_task_list(*, scope: Scope) -> QuerySet[MomentTask]:
    return scoped(MomentTask.objects.select_related("content"), scope).order_by("-id")


def moment_task_get(*, scope: Scope, task_id: int) -> MomentTask:
    return access(MomentTask.objects.select_related("content"), scope, pk=task_id)


@dataclass(frozen=True)
class Attribution:
    """What a share code credits: the link, its content (and brand), the guide and store."""

    link_id: int
    content_id: int
    brand_id: int
    staff_id: int | None
    store_id: int | None
    channel: str = ""


def share_attribution(codes: set[str]) -> dict[str, Attribution]:
    """Each known share code's attribution, in one query (event ingestion per batch, orders)."""
    if not codes:
        return {}
    rows = ShareLink.objects.filter(code__in=codes).values_list(
        "code", "pk", "content_id", "content__brand_id", "staff_id", "store_id", "channel"
    )
    return {
        code: Attribution(link, content, brand, staff, store, channel)
        for code, link, content, brand, staff, store, channel in rows
    }


def content_brands(content_ids: set[int]) -> dict[int, int]:
    """The brand of each content item, in one query."""
    if not content_ids:
        return {}
    return dict(Content.objects.filter(pk__in=content_ids).values_list("pk", "brand_id"))


def content_titles(content_ids: Iterable[int]) -> dict[int, str]:
    """The title of each content item, in one query (for figures keyed by content id)."""
    wanted = {i for i in content_ids if i is not None}
    if not wanted:
        return {}
    return dict(Content.objects.filter(pk__in=wanted).values_list("pk", "title"))


def share_links(link_ids: Iterable[int]) -> dict[int, ShareLink]:
    """Share links by id, with their content (for figures keyed by link id)."""
    return {
        link.pk: link
        for link in ShareLink.objects.select_related("content").filter(pk__in=set(link_ids))
    }


def forwards_by_link(*, staff_id: int, since: dt.datetime, until: dt.datetime) -> dict[int, int]:
    """How often a guide forwarded each of their links in [since, until)."""
    rows = (
        Forward.objects.filter(staff_id=staff_id, at__gte=since, at__lt=until)
        .values("link_id")
        .annotate(n=Count("id"))
        .values_list("link_id", "n")
    )
    return dict(rows)


def share_visits(*, since: dt.datetime, until: dt.datetime) -> Iterable[tuple]:
    """Visits in [since, until) as (at, link, content, guide, store, device, customer) tuples in
    time order (the generator puts behaviour events behind them)."""
    return (
        ShareVisit.objects.filter(at__gte=since, at__lt=until)
        .order_by("at", "id")
        .values_list(
            "at", "link_id", "content_id", "staff_id", "store_id", "device_id", "customer_id"
        )
        .iterator(chunk_size=20_000)
    )


def content_products() -> dict[int, tuple[int, list[str]]]:
    """Every item's brand and linked product codes."""
    return {
        pk: (brand, [c for c in [code, *(codes or [])] if c])
        for pk, brand, code, codes in Content.objects.values_list(
            "pk", "brand_id", "product_code", "product_codes"
        )
    }


def first_forwards(
    *,
    content_id: int,
    staff_ids: Iterable[int],
    since: dt.datetime,
    until: dt.datetime,
    channel: str = "",
) -> dict[int, dict[str, Any]]:
    """Each guide's first forward of an item in [since, until) (optionally on one channel):
    the evidence that a share task was done."""
    from siyu.content.models import MomentSender

    rows = Forward.objects.filter(
        content_id=content_id, staff_id__in=list(staff_ids), at__gte=since, at__lt=until
    ).order_by("at", "id")
    if channel:
        rows = rows.filter(channel=channel)
    found: dict[int, dict[str, Any]] = {}
    for forward, staff, code, chan, when in rows.values_list(
        "pk", "staff_id", "link__code", "channel", "at"
    ):
        found.setdefault(staff, {"forward": forward, "link": code, "channel": chan, "at": when})
    if channel in ("", "moments"):
        # A moments task of the item that the guide posted (WeCom's publish status).
        posted = MomentSender.objects.filter(
            task__content_id=content_id, staff_id__in=list(staff_ids), posted=True,
            task__created_at__gte=since, checked_at__lt=until,
        ).values_list("staff_id", "task_id", "checked_at")  # fmt: skip
        for staff, task, checked in posted:
            found.setdefault(staff, {"moment_task": task, "channel": "moments", "at": checked})
    return found


def forwards_per_guide(*, scope: Scope, since: dt.datetime, until: dt.datetime) -> dict[int, int]:
    """How many forwards each guide in scope made in [since, until)."""
    rows = scoped(Forward.objects.filter(at__gte=since, at__lt=until), scope)
    return dict(rows.values("staff_id").annotate(n=Count("id")).values_list("staff_id", "n"))
