"""Contests (PK): creation, and the standings of a day computed from commerce's orders.

- streak: the longest run of consecutive local days in the period, each with online orders
  credited to the guide whose net amount (refunds made by the standing's time taken off)
  is above zero; `current` is the run still going on the standing's day.
- amount: the net amount of the guide's orders paid in the period (online, or online and
  in store), refunds made by the standing's time taken off.
Eligible: guides employed now, in the contest's brand (and branch), hired on or before
`hired_by` when set (an unknown hiring date is eligible). Ties share a rank (1, 2, 2, 4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.periods import period_bounds
from siyu.core.ranking import competition_ranks
from siyu.guidetasks.models import Contest, ContestChannel, ContestKind, Standing
from siyu.org.models import Branch, Brand, Role, Staff, StaffStatus
from siyu.org.scope import Capability, Level, Scope, access

MAX_DAYS = 92


@transaction.atomic
def contest_create(
    *,
    scope: Scope,
    actor: Any,
    brand: Brand,
    kind: str,
    title: str,
    starts_on: dt.date,
    ends_on: dt.date,
    branch: Branch | None = None,
    channel: str = ContestChannel.ONLINE,
    hired_by: dt.date | None = None,
) -> Contest:
    """A contest among the guides of a brand, or of one of its branches."""
    scope.require(Capability.MANAGE_TASKS)
    brand = access(Brand.objects.all(), scope, pk=brand.pk)
    errors: dict[str, str] = {}
    if branch is not None:
        branch = access(Branch.objects.all(), scope, pk=branch.pk)
        if branch.brand_id != brand.pk:
            errors["branch"] = _("Choose a branch of the contest's brand.")
    elif scope.level >= Level.BRANCH:
        errors["branch"] = _("A branch manager's contest is for their branch.")
    if kind not in ContestKind.values:
        errors["kind"] = _("Choose a kind of contest.")
    if channel not in ContestChannel.values:
        errors["channel"] = _("Choose which orders count.")
    if not title.strip():
        errors["title"] = _("Give the contest a title.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The contest must end on or after its first day.")
    elif (ends_on - starts_on).days >= MAX_DAYS:
        errors["ends_on"] = _("A contest runs at most 92 days.")
    if errors:
        raise ValidationError(errors)
    return Contest.objects.create(
        brand=brand, branch=branch, kind=kind,
        channel=ContestChannel.ONLINE if kind == ContestKind.STREAK else channel,
        title=title.strip(), starts_on=starts_on, ends_on=ends_on, hired_by=hired_by,
        created_by=actor,
    )  # fmt: skip


def _eligible(contest: Contest) -> list[tuple[int, int, str]]:
    guides = Staff.objects.filter(
        role=Role.GUIDE, status=StaffStatus.EMPLOYED, store__brand_id=contest.brand_id
    )
    if contest.branch_id is not None:
        guides = guides.filter(store__branch_id=contest.branch_id)
    if contest.hired_by is not None:
        guides = guides.filter(Q(hired_on__isnull=True) | Q(hired_on__lte=contest.hired_by))
    return list(guides.values_list("pk", "store_id", "name"))


def _streaks(days: set[dt.date], first: dt.date, last: dt.date) -> tuple[int, int]:
    """(longest run, run ending on `last`) of consecutive days of `days` in [first, last]."""
    best = run = 0
    day = first
    while day <= last:
        run = run + 1 if day in days else 0
        best = max(best, run)
        day += dt.timedelta(days=1)
    return best, run


def standings_compute(
    *, contest: Contest, day: dt.date, now: dt.datetime | None = None
) -> list[Standing]:
    """The standings of `contest` as of the end of `day` (or now, for today), stored in
    place of any earlier computation of that day."""
    from siyu.commerce.selectors import guide_day_sales

    now = now or timezone.now()
    last = min(day, contest.ends_on)
    as_of = min(now, period_bounds(day, day)[1])
    sales = (
        guide_day_sales(
            brand_id=contest.brand_id, branch_id=contest.branch_id, start=contest.starts_on,
            end=last, as_of=as_of, online_only=contest.channel == ContestChannel.ONLINE,
        )
        if last >= contest.starts_on
        else {}
    )  # fmt: skip
    values: dict[int, tuple[int, int]] = {}
    if contest.kind == ContestKind.AMOUNT:
        for (staff, _day), fen in sales.items():
            values[staff] = (values.get(staff, (0, 0))[0] + fen, 0)
    else:
        selling: dict[int, set[dt.date]] = {}
        for (staff, sold_on), fen in sales.items():
            if fen > 0:
                selling.setdefault(staff, set()).add(sold_on)
        values = {s: _streaks(d, contest.starts_on, last) for s, d in selling.items()}
    guides = _eligible(contest)
    guides.sort(key=lambda g: (-values.get(g[0], (0, 0))[0], g[2], g[0]))
    scores = [values.get(staff, (0, 0)) for staff, _store, _name in guides]
    ranks = competition_ranks([value for value, _current in scores])
    rows = []
    for (staff, store, _name), (value, current), rank in zip(guides, scores, ranks, strict=True):
        rows.append(
            Standing(
                contest=contest, day=day, staff_id=staff, store_id=store, rank=rank,
                value=value, current=current, computed_at=now,
            )
        )  # fmt: skip
    with transaction.atomic():
        Standing.objects.filter(contest=contest, day=day).delete()
        Standing.objects.bulk_create(rows, batch_size=5000)
    return rows


def contest_refresh(*, scope: Scope, contest: Contest) -> list[Standing]:
    """Today's standings now, at the request of someone who manages tasks."""
    scope.require(Capability.MANAGE_TASKS)
    return standings_compute(contest=contest, day=timezone.localdate())


def standings_refresh(*, now: dt.datetime | None = None) -> int:
    """Today's standings of every running contest, and yesterday's once more after its end
    (the day's final figures); returns how many days were computed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    yesterday = today - dt.timedelta(days=1)
    computed = 0
    for contest in Contest.objects.filter(starts_on__lte=today, ends_on__gte=yesterday):
        if today <= contest.ends_on:
            standings_compute(contest=contest, day=today, now=now)
            computed += 1
        day_end = period_bounds(yesterday, yesterday)[1]
        stale = not Standing.objects.filter(
            contest=contest, day=yesterday, computed_at__gte=day_end
        ).exists()
        if contest.starts_on <= yesterday and stale:
            standings_compute(contest=contest, day=yesterday, now=now)
            computed += 1
    return computed
