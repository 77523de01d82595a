"""The guide-tasks API: tasks, assignments and their evidence, completion, overdue lists,
guides' shares, contests and leaderboards. Handlers are thin: ids are resolved inside the
caller's scope, then one service or selector is called."""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from siyu.api.refs import actor_of, ref, scope_of
from siyu.content.models import Content
from siyu.core.periods import check_period
from siyu.guidetasks import contests, selectors, services
from siyu.guidetasks.models import Assignment
from siyu.org.models import Branch, Brand

router = Router(tags=["guide tasks"])


# -- tasks -----------------------------------------------------------------------------------------
class TargetIn(Schema):
    level: str = Field(pattern="^(brand|branch|store|staff)$")
    id: int


class TaskIn(Schema):
    brand_id: int
    kind: str = Field(pattern="^(share|group_message|follow_up|add_friends|checklist)$")
    title: str = Field(min_length=1, max_length=100)
    instructions: str = Field("", max_length=2000)
    targets: list[TargetIn] = Field(min_length=1, max_length=500)
    roles: list[str] = Field(["guide"], min_length=1, max_length=2)
    due_at: dt.datetime
    starts_at: dt.datetime | None = None
    remind_hours: int = Field(24, ge=1, le=336)
    content_id: int | None = None
    channel: str = Field("", pattern="^(|moments|chat|group)$")
    message: str = Field("", max_length=1000)
    friends_goal: int | None = Field(None, ge=1, le=10_000)
    checklist: list[str] = Field([], max_length=20)
    customer_ids: list[int] = Field([], max_length=10_000)


class TaskOut(Schema):
    id: int
    brand_id: int
    kind: str
    title: str
    instructions: str
    content_id: int | None
    channel: str
    message: str
    friends_goal: int | None
    checklist: list[str]
    targets: list[dict[str, Any]]
    roles: list[str]
    starts_at: dt.datetime
    due_at: dt.datetime
    remind_hours: int
    status: str


class TaskCreatedOut(TaskOut):
    assignments: int


@router.post("/tasks", response={201: TaskCreatedOut})
def task_create(request: HttpRequest, payload: TaskIn):
    """A task and one assignment per guide it reaches (see docs/guidetasks.md)."""
    scope = scope_of(request)
    brand = ref(Brand, scope, payload.brand_id, "brand_id")
    content = ref(Content, scope, payload.content_id, "content_id")
    task = services.task_create(
        scope=scope, actor=actor_of(request), brand=brand, kind=payload.kind, title=payload.title,
        instructions=payload.instructions, targets=[t.dict() for t in payload.targets],
        roles=payload.roles, due_at=payload.due_at, starts_at=payload.starts_at,
        remind_hours=payload.remind_hours, content=content, channel=payload.channel,
        message=payload.message, friends_goal=payload.friends_goal,
        checklist=payload.checklist, customer_ids=payload.customer_ids,
    )  # fmt: skip
    out = TaskOut.from_orm(task).dict()
    return Status(201, {**out, "assignments": task.assignments.count()})


@router.get("/tasks", response=list[TaskOut])
@paginate(CursorPagination, ordering=("-id",), page_size=50)
def task_list(request: HttpRequest, status: str = ""):
    return selectors.task_list(scope=scope_of(request), status=status)


class CompletionOut(Schema):
    key: int | None
    label: str
    assignments: int
    done: int
    manual: int
    late: int
    overdue: int
    completion: Decimal | None


class CompletionQuery(Schema):
    by: str = Field("branch", pattern="^(branch|store|guide)$")
    task: int | None = None
    branch: int | None = None
    store: int | None = None


@router.get("/tasks/completion", response=list[CompletionOut])
def completion(request: HttpRequest, query: Query[CompletionQuery]):
    """Completed ÷ assigned per branch, store or guide; narrow by task, branch or store."""
    return selectors.completion(
        scope=scope_of(request), by=query.by, task_id=query.task, branch_id=query.branch,
        store_id=query.store,
    )  # fmt: skip


class AssignmentOut(Schema):
    id: int
    task_id: int
    staff_id: int
    store_id: int
    branch_id: int
    status: str
    progress: int
    goal: int
    due_at: dt.datetime
    done_at: dt.datetime | None
    done_how: str
    evidence: dict[str, Any]


@router.get("/tasks/overdue", response=list[AssignmentOut])
@paginate(CursorPagination, ordering=("due_at", "id"), page_size=100)
def overdue(request: HttpRequest, task: int | None = None):
    """Open assignments of running tasks past their deadline."""
    return selectors.overdue(scope=scope_of(request), task_id=task)


@router.get("/tasks/{task_id}", response=TaskOut)
def task_get(request: HttpRequest, task_id: int):
    return selectors.task_get(scope=scope_of(request), task_id=task_id)


@router.post("/tasks/{task_id}/cancel", response=TaskOut)
def task_cancel(request: HttpRequest, task_id: int):
    scope = scope_of(request)
    return services.task_cancel(scope=scope, task=selectors.task_get(scope=scope, task_id=task_id))  # fmt: skip


# -- assignments -----------------------------------------------------------------------------------
@router.get("/assignments", response=list[AssignmentOut])
@paginate(CursorPagination, ordering=("-id",), page_size=100)
def assignment_list(request: HttpRequest, task: int | None = None, status: str = ""):
    """Assignments in scope (a guide: their own)."""
    return selectors.assignment_list(scope=scope_of(request), task_id=task, status=status)


class ItemOut(Schema):
    customer_id: int
    contacted_at: dt.datetime | None


class AssignmentDetailOut(AssignmentOut):
    items: list[ItemOut]


def _detail(assignment: Assignment) -> dict[str, Any]:
    out = AssignmentOut.from_orm(assignment).dict()
    out["items"] = [
        {"customer_id": i.customer_id, "contacted_at": i.contacted_at}
        for i in assignment.items.order_by("id")
    ]
    return out


@router.get("/assignments/{assignment_id}", response=AssignmentDetailOut)
def assignment_get(request: HttpRequest, assignment_id: int):
    return _detail(selectors.assignment_get(scope=scope_of(request), assignment_id=assignment_id))  # fmt: skip


class ConfirmIn(Schema):
    note: str = Field("", max_length=200)
    ticked: list[int] | None = Field(None, max_length=20)


@router.post("/assignments/{assignment_id}/confirm", response=AssignmentDetailOut)
def assignment_confirm(request: HttpRequest, assignment_id: int, payload: ConfirmIn):
    """The guide's own confirmation: checklist ticks, or done by hand with a note."""
    scope = scope_of(request)
    assignment = selectors.assignment_get(scope=scope, assignment_id=assignment_id)
    done = services.assignment_confirm(scope=scope, assignment=assignment, note=payload.note, ticked=payload.ticked)  # fmt: skip
    return _detail(done)


@router.post("/assignments/{assignment_id}/send", response=AssignmentDetailOut)
def group_message_send(request: HttpRequest, assignment_id: int):
    """A group-message task: send HQ's message to the guide's groups through WeCom."""
    scope = scope_of(request)
    assignment = selectors.assignment_get(scope=scope, assignment_id=assignment_id)
    return _detail(services.group_message_send(scope=scope, assignment=assignment))


class ContactIn(Schema):
    customer_id: int
    channel: str = Field(pattern="^(call|in_store|wecom_chat|wecom_message)$")
    note: str = Field("", max_length=200)


class ContactOut(Schema):
    id: int
    customer_id: int
    channel: str
    note: str
    msgid: str
    at: dt.datetime


@router.post("/assignments/{assignment_id}/contacts", response={201: ContactOut})
def contact_log(request: HttpRequest, assignment_id: int, payload: ContactIn):
    """A follow-up contact with a customer on the guide's list (wecom_message: sent now)."""
    scope = scope_of(request)
    assignment = selectors.assignment_get(scope=scope, assignment_id=assignment_id)
    contact = services.contact_log(
        scope=scope, assignment=assignment, customer_id=payload.customer_id,
        channel=payload.channel, note=payload.note,
    )  # fmt: skip
    return Status(201, contact)


# -- shares ----------------------------------------------------------------------------------------
class ShareOut(Schema):
    key: int
    label: str
    forwards: int
    days: int
    daily_shares: Decimal
    pv: int
    uv: int


@router.get("/guides/shares", response=list[ShareOut])
def guide_shares(request: HttpRequest, start: dt.date, end: dt.date):
    """Per guide in scope: forwards, daily shares, share PV and UV of [start, end]."""
    check_period(start, end)
    return selectors.guide_shares(scope=scope_of(request), start=start, end=end)


# -- contests --------------------------------------------------------------------------------------
class ContestIn(Schema):
    brand_id: int
    branch_id: int | None = None
    kind: str = Field(pattern="^(streak|amount)$")
    channel: str = Field("online", pattern="^(online|all)$")
    title: str = Field(min_length=1, max_length=100)
    starts_on: dt.date
    ends_on: dt.date
    hired_by: dt.date | None = None


class ContestOut(Schema):
    id: int
    brand_id: int
    branch_id: int | None
    kind: str
    channel: str
    title: str
    starts_on: dt.date
    ends_on: dt.date
    hired_by: dt.date | None


@router.post("/contests", response={201: ContestOut})
def contest_create(request: HttpRequest, payload: ContestIn):
    scope = scope_of(request)
    contest = contests.contest_create(
        scope=scope, actor=actor_of(request), brand=ref(Brand, scope, payload.brand_id, "brand_id"),
        branch=ref(Branch, scope, payload.branch_id, "branch_id"), kind=payload.kind,
        channel=payload.channel, title=payload.title, starts_on=payload.starts_on,
        ends_on=payload.ends_on, hired_by=payload.hired_by,
    )  # fmt: skip
    return Status(201, contest)


@router.get("/contests", response=list[ContestOut])
@paginate(CursorPagination, ordering=("-id",), page_size=50)
def contest_list(request: HttpRequest):
    return selectors.contest_list(scope=scope_of(request))


@router.get("/contests/{contest_id}", response=ContestOut)
def contest_get(request: HttpRequest, contest_id: int):
    return selectors.contest_get(scope=scope_of(request), contest_id=contest_id)


class StandingOut(Schema):
    rank: int
    staff_id: int
    name: str
    store: str
    value: int
    current: int


class LeaderboardOut(Schema):
    contest_id: int
    day: dt.date | None
    entrants: int
    rows: list[StandingOut]
    mine: StandingOut | None


def _standing(row: Any) -> dict[str, Any]:
    return {
        "rank": row.rank, "staff_id": row.staff_id, "name": row.staff.name,
        "store": row.store.name, "value": row.value, "current": row.current,
    }  # fmt: skip


@router.get("/contests/{contest_id}/leaderboard", response=LeaderboardOut)
def leaderboard(request: HttpRequest, contest_id: int, day: dt.date | None = None, top: int = Query(100, ge=0, le=1000)):  # fmt: skip
    """A day's standings (default: the latest), best first, and the caller's own row."""
    scope = scope_of(request)
    board = selectors.leaderboard(
        contest=selectors.contest_get(scope=scope, contest_id=contest_id), day=day,
        staff_id=scope.staff_id, top=top,
    )  # fmt: skip
    return {
        "contest_id": contest_id, "day": board.day, "entrants": board.entrants,
        "rows": [_standing(r) for r in board.rows],
        "mine": _standing(board.mine) if board.mine else None,
    }  # fmt: skip


@router.post("/contests/{contest_id}/refresh", response=LeaderboardOut)
def contest_refresh(request: HttpRequest, contest_id: int):
    """Recompute today's standings now (HQ and branch managers)."""
    scope = scope_of(request)
    contests.contest_refresh(scope=scope, contest=selectors.contest_get(scope=scope, contest_id=contest_id))  # fmt: skip
    return leaderboard(request, contest_id, None, 100)
