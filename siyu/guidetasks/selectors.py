"""Reads of guide tasks and contests, always inside the caller's scope.

Completion (product.md): completed assignments ÷ assignments, per guide, store, branch.
Daily shares: forwards per guide per day; share PV / UV: views and distinct viewers of
pages reached through the guide's links (tracking's per-day rollups; UV over several days
is the sum of the daily UVs).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from siyu.core.periods import period_bounds, rate
from siyu.guidetasks.models import (
    Assignment,
    AssignmentStatus,
    Contest,
    DoneHow,
    Standing,
    Task,
    TaskStatus,
)
from siyu.org.scope import Scope, access, scoped

COMPLETION_GROUPS = {"branch": "branch_id", "store": "store_id", "guide": "staff_id"}


def target_refs(*, level: str, codes: str) -> list[dict[str, object]]:
    """Targets named by code (brand, branch, store codes; employee nos. for staff), as the
    task service takes them; an unknown code is a field error. Scope is the service's check."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    from siyu.org.models import Branch, Brand, Staff, Store

    models = {"brand": (Brand, "code"), "branch": (Branch, "code"), "store": (Store, "code"), "staff": (Staff, "employee_no")}  # fmt: skip
    if level not in models:
        raise ValidationError({"targets": _("Choose what the codes name.")})
    model, column = models[level]
    manager: Any = model._default_manager
    wanted = [c for c in codes.replace(",", " ").replace("，", " ").split() if c]
    found = dict(manager.filter(**{f"{column}__in": wanted}).values_list(column, "pk"))
    if missing := [c for c in wanted if c not in found]:
        raise ValidationError({"targets": _("Unknown codes: %(codes)s") % {"codes": ", ".join(missing[:20])}})  # fmt: skip
    return [{"level": level, "id": found[c]} for c in dict.fromkeys(wanted)]


def task_list(*, scope: Scope, status: str = "") -> QuerySet[Task]:
    qs = scoped(Task.objects.select_related("brand", "content"), scope)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-due_at", "-id")


def task_get(*, scope: Scope, task_id: int) -> Task:
    return access(Task.objects.select_related("brand", "content"), scope, pk=task_id)


def assignment_list(
    *, scope: Scope, task_id: int | None = None, status: str = "", staff_id: int | None = None
) -> QuerySet[Assignment]:
    qs = scoped(Assignment.objects.select_related("task", "staff", "store"), scope)
    for column, value in (("task_id", task_id), ("status", status), ("staff_id", staff_id)):
        if value:
            qs = qs.filter(**{column: value})
    return qs.order_by("due_at", "id")


def assignment_get(*, scope: Scope, assignment_id: int) -> Assignment:
    return access(
        Assignment.objects.select_related("task", "task__content", "staff", "store"),
        scope,
        pk=assignment_id,
    )


def _still_open(now: dt.datetime) -> Q:
    """Open work a guide still sees: started, and not past the detection's late window (the
    list and the badge count the same assignments)."""
    from siyu.guidetasks.services import LATE_WINDOW

    return Q(status=AssignmentStatus.OPEN, task__starts_at__lte=now, due_at__gt=now - LATE_WINDOW)


def my_assignments(*, scope: Scope, now: dt.datetime | None = None) -> list[Assignment]:
    """The caller's assignments of running tasks: open ones by deadline, then those done in
    the last day (so today's work stays visible once done)."""
    if scope.staff_id is None:
        return []
    now = now or timezone.now()
    qs = (
        Assignment.objects.filter(staff_id=scope.staff_id, task__status=TaskStatus.ACTIVE)
        .filter(
            _still_open(now)
            | Q(status=AssignmentStatus.DONE, done_at__gte=now - dt.timedelta(days=1))
        )  # fmt: skip
        .select_related("task", "task__content")
        .order_by("status", "due_at", "id")
    )
    return list(qs)


def open_count(*, scope: Scope, now: dt.datetime | None = None) -> int:
    """The caller's open assignments of running tasks (the workbench badge)."""
    if scope.staff_id is None:
        return 0
    now = now or timezone.now()
    return Assignment.objects.filter(_still_open(now), staff_id=scope.staff_id, task__status=TaskStatus.ACTIVE).count()  # fmt: skip


@dataclass
class CompletionRow:
    key: int | None
    label: str
    assignments: int
    done: int
    manual: int
    late: int
    overdue: int

    @property
    def completion(self) -> Decimal | None:
        return rate(self.done, self.assignments)


def completion(
    *,
    scope: Scope,
    by: str = "branch",
    task_id: int | None = None,
    branch_id: int | None = None,
    store_id: int | None = None,
    running_on: dt.date | None = None,
    now: dt.datetime | None = None,
) -> list[CompletionRow]:
    """Completion per branch, store or guide (cancelled assignments left out), narrowed to a
    task, a branch or a store, or to tasks running on a day; lowest first."""
    from siyu.org.selectors import org_names

    now = now or timezone.now()
    column = COMPLETION_GROUPS[by]
    qs = scoped(Assignment.objects.exclude(status=AssignmentStatus.CANCELLED), scope)
    if task_id:
        qs = qs.filter(task_id=task_id)
    if branch_id:
        qs = qs.filter(branch_id=branch_id)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if running_on:
        since, until = period_bounds(running_on, running_on)
        qs = qs.filter(task__starts_at__lt=until, due_at__gte=since)
    done = Q(status=AssignmentStatus.DONE)
    rows = (
        qs.values(column)
        .annotate(
            n=Count("id"), done=Count("id", filter=done),
            manual=Count("id", filter=done & Q(done_how=DoneHow.MANUAL)),
            late=Count("id", filter=done & Q(done_at__gt=F("due_at"))),
            overdue=Count("id", filter=Q(status=AssignmentStatus.OPEN, due_at__lt=now)),
        )
        .order_by()
    )  # fmt: skip
    kind = {"branch": "branches", "store": "stores", "guide": "staff"}[by]
    names = org_names(**{kind: {r[column] for r in rows}})[{"branch": "branch", "store": "store", "guide": "staff"}[by]]  # fmt: skip
    out = [
        CompletionRow(
            key=r[column], label=names.get(r[column], str(r[column])), assignments=r["n"],
            done=r["done"], manual=r["manual"], late=r["late"], overdue=r["overdue"],
        )
        for r in rows
    ]  # fmt: skip
    out.sort(key=lambda r: (r.completion or Decimal(0), r.label))
    return out


def completion_total(rows: list[CompletionRow]) -> CompletionRow:
    return CompletionRow(
        key=None, label="", assignments=sum(r.assignments for r in rows),
        done=sum(r.done for r in rows), manual=sum(r.manual for r in rows),
        late=sum(r.late for r in rows), overdue=sum(r.overdue for r in rows),
    )  # fmt: skip


def overdue(
    *, scope: Scope, task_id: int | None = None, now: dt.datetime | None = None
) -> QuerySet[Assignment]:
    """Open assignments of running tasks past their deadline, oldest deadline first."""
    now = now or timezone.now()
    qs = assignment_list(scope=scope, task_id=task_id, status=AssignmentStatus.OPEN)
    return qs.filter(due_at__lt=now, task__status=TaskStatus.ACTIVE)


@dataclass
class ShareRow:
    key: int
    label: str
    forwards: int
    days: int
    pv: int
    uv: int

    @property
    def daily_shares(self) -> Decimal:
        return (Decimal(self.forwards) / self.days).quantize(Decimal("0.01"))


def guide_shares(*, scope: Scope, start: dt.date, end: dt.date) -> list[ShareRow]:
    """Per guide in scope with forwards or views in [start, end]: forwards, daily shares
    (forwards ÷ days of the period), share PV and UV; most forwards first."""
    from siyu.content.selectors import forwards_per_guide
    from siyu.org.selectors import org_names
    from siyu.tracking.selectors import funnel

    since, until = period_bounds(start, end)
    forwards = forwards_per_guide(scope=scope, since=since, until=until)
    views = {f.key: f for f in funnel(scope=scope, start=start, end=end, by="guide") if f.key}
    keys = set(forwards) | set(views)
    names = org_names(staff=keys)["staff"]
    days = (end - start).days + 1
    rows = [
        ShareRow(
            key=k, label=names.get(k, str(k)), forwards=forwards.get(k, 0), days=days,
            pv=views[k].pv if k in views else 0, uv=views[k].uv if k in views else 0,
        )
        for k in keys
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r.forwards, -r.pv, r.label))
    return rows


# -- contests --------------------------------------------------------------------------------------
def contest_list(*, scope: Scope) -> QuerySet[Contest]:
    return scoped(Contest.objects.select_related("brand", "branch"), scope).order_by("-starts_on", "-id")  # fmt: skip


def contest_get(*, scope: Scope, contest_id: int) -> Contest:
    return access(Contest.objects.select_related("brand", "branch"), scope, pk=contest_id)


def running_contests(*, scope: Scope, today: dt.date | None = None) -> QuerySet[Contest]:
    today = today or timezone.localdate()
    return contest_list(scope=scope).filter(starts_on__lte=today, ends_on__gte=today)


@dataclass
class Leaderboard:
    contest: Contest
    day: dt.date | None
    rows: list[Standing]
    mine: Standing | None
    entrants: int


def leaderboard(
    *, contest: Contest, day: dt.date | None = None, staff_id: int | None = None, top: int = 100
) -> Leaderboard:
    """The stored standings of a day (default: the latest computed), best first, and the
    given guide's own row."""
    if day is None:
        day = (
            Standing.objects.filter(contest=contest)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
    qs = Standing.objects.filter(contest=contest, day=day) if day else Standing.objects.none()
    rows = list(
        qs.select_related("staff", "store").order_by("rank", "staff__name", "staff_id")[:top]
    )
    mine = None
    if staff_id is not None:
        mine = next((r for r in rows if r.staff_id == staff_id), None) or (
            qs.select_related("staff", "store").filter(staff_id=staff_id).first()
        )
    return Leaderboard(contest=contest, day=day, rows=rows, mine=mine, entrants=qs.count())


def my_ranks(*, scope: Scope) -> list[Leaderboard]:
    """The caller's place in each running contest they can see (latest standings)."""
    if scope.staff_id is None:
        return []
    return [
        leaderboard(contest=c, staff_id=scope.staff_id, top=0)
        for c in running_contests(scope=scope)
    ]
