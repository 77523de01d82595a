"""Reads of the content hub: the library, what reaches a guide, share links, per-item stats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
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
    """Items aimed at the whole brand, or at a branch, province, city or store of `places`."""
    wanted = Q(pk__in=[])
    for store_id, _brand, branch_id, province, city in places:
        wanted |= (
            Q(level=TargetLevel.STORE, code=str(store_id))
            | Q(level=TargetLevel.BRANCH, code=str(branch_id))
            | Q(level=TargetLevel.PROVINCE, code=province)
            | Q(level=TargetLevel.CITY, code=city)
        )
    aimed = ContentTarget.objects.filter(wanted).values("content_id")
    return Q(targeted=False) | Q(pk__in=aimed)


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


def content_for_guide(*, staff: Staff, now: dt.datetime | None = None) -> dict[str, list[Content]]:
    """Today's items for a guide's store and region, grouped by scenario (an item may sit in
    several), newest first."""
    assert staff.store is not None, "a guide without a store has no content"
    items = list(
        Content.objects.filter(
            live_q(now), reach_q([place_of(staff.store)]), brand_id=staff.store.brand_id
        )
        .prefetch_related("images")
        .order_by("-publish_at", "-id")[:200]
    )
    grouped: dict[str, list[Content]] = {s.value: [] for s in Scenario}
    for item in items:
        for scenario in item.scenarios or [Scenario.CHAT]:
            grouped.setdefault(scenario, []).append(item)
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
