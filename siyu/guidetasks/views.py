"""Guide-task pages (thin): HQ's task list, form and completion drill-down, guides' shares,
contests; the guide's tasks and their one-tap actions; leaderboards and their image."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.content import selectors as content_selectors
from siyu.core import periods
from siyu.core.pages import flash_errors, int_param, keyset_page, period_params, query_without
from siyu.guidetasks import board_image, contests, selectors, services
from siyu.guidetasks.models import ContactChannel, ContestChannel, ContestKind, TaskKind
from siyu.org import selectors as org_selectors
from siyu.org.scope import Capability
from siyu.org.web import scope_required


# -- HQ: tasks -------------------------------------------------------------------------------------
def _task_fields(request: HttpRequest) -> dict[str, Any]:
    """The task form's fields as the service takes them (targets named by their codes)."""
    post = request.POST
    scope = request.scope  # type: ignore[attr-defined]
    due = periods.read_moment(post.get("due_at", ""))
    if due is None:
        raise ValidationError({"due_at": _("Give the deadline as a date and time.")})
    brand = org_selectors.brand_list(scope=scope).filter(pk=int_param(post.get("brand"))).first()
    if brand is None:
        raise ValidationError({"brand": _("Choose a brand of your part of the organisation.")})
    content_id = int_param(post.get("content"))
    return {
        "brand": brand,
        "kind": post.get("kind", ""),
        "title": post.get("title", ""),
        "instructions": post.get("instructions", ""),
        "due_at": timezone.make_aware(due) if timezone.is_naive(due) else due,
        "remind_hours": int_param(post.get("remind_hours")) or 24,
        "targets": selectors.target_refs(level=post.get("level", ""), codes=post.get("codes", "")),
        "roles": post.getlist("roles") or ["guide"],
        "content": content_selectors.content_get(scope=scope, content_id=content_id) if content_id else None,
        "channel": post.get("channel", ""),
        "message": post.get("message", ""),
        "friends_goal": int_param(post.get("friends_goal")),
        "checklist": [line for line in post.get("checklist", "").splitlines() if line.strip()],
        "customer_ids": [int(c) for c in post.get("customers", "").replace(",", " ").split() if c.isdigit()],
    }  # fmt: skip


@scope_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Tasks in scope, newest deadline first; those who manage tasks also get the form."""
    scope = request.scope  # type: ignore[attr-defined]
    if request.method == "POST":
        scope.require(Capability.MANAGE_TASKS)
        try:
            task = services.task_create(scope=scope, actor=request.user, **_task_fields(request))
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            return redirect("task_detail", task.pk)
    return render(
        request,
        "guidetasks/task_list.html",
        {
            **keyset_page(request, selectors.task_list(scope=scope).order_by("-id")),
            "query": query_without(request, "before"),
            "kinds": TaskKind.choices,
            "brands": org_selectors.brand_list(scope=scope),
            "contents": content_selectors.content_list(scope=scope, status="published")[:100],
            "can_manage": scope.can(Capability.MANAGE_TASKS),
            "form": request.POST,
        },
    )


@scope_required
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """A task's completion by branch → store → guide (each row drills down), and who is late."""
    scope = request.scope  # type: ignore[attr-defined]
    task = selectors.task_get(scope=scope, task_id=task_id)
    branch, store = int_param(request.GET.get("branch")), int_param(request.GET.get("store"))
    by = "guide" if store else "store" if branch else request.GET.get("by", "branch")
    if by not in selectors.COMPLETION_GROUPS:
        by = "branch"
    rows = selectors.completion(scope=scope, by=by, task_id=task.pk, branch_id=branch, store_id=store)  # fmt: skip
    return render(
        request,
        "guidetasks/task_detail.html",
        {
            "task": task,
            "rows": rows,
            "total": selectors.completion_total(rows),
            "by": by,
            "overdue": selectors.overdue(scope=scope, task_id=task.pk)[:200],
            "can_manage": scope.can(Capability.MANAGE_TASKS),
        },
    )


@require_POST
@scope_required(capability=Capability.MANAGE_TASKS)
def task_cancel(request: HttpRequest, task_id: int) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    services.task_cancel(scope=scope, task=selectors.task_get(scope=scope, task_id=task_id))
    return redirect("task_detail", task_id)


@scope_required
def guide_shares(request: HttpRequest) -> HttpResponse:
    """Daily shares and share PV / UV per guide, and the share rate, for a period."""
    from siyu.content.mix import share_rate

    scope = request.scope  # type: ignore[attr-defined]
    start, end = period_params(request)
    return render(
        request,
        "guidetasks/shares.html",
        {
            "rows": selectors.guide_shares(scope=scope, start=start, end=end),
            "rate": share_rate(scope=scope, start=start, end=end),
            "start": start,
            "end": end,
        },
    )


# -- HQ: contests ----------------------------------------------------------------------------------
@scope_required
def contest_list(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    if request.method == "POST":
        scope.require(Capability.MANAGE_TASKS)
        post = request.POST
        try:
            brand = org_selectors.brand_list(scope=scope).filter(pk=int_param(post.get("brand"))).first()  # fmt: skip
            branch_id = int_param(post.get("branch"))
            starts_on, ends_on = periods.read_day(post.get("starts_on", "")), periods.read_day(post.get("ends_on", ""))  # fmt: skip
            if brand is None or starts_on is None or ends_on is None:
                raise ValidationError(
                    {"starts_on": _("Choose a brand and give the first and last day.")}
                )
            contests.contest_create(
                scope=scope, actor=request.user, brand=brand,
                branch=org_selectors.branch_list(scope=scope).filter(pk=branch_id).first() if branch_id else None,
                kind=post.get("kind", ""), channel=post.get("channel", ContestChannel.ONLINE),
                title=post.get("title", ""), starts_on=starts_on, ends_on=ends_on,
                hired_by=periods.read_day(post.get("hired_by", "")) if post.get("hired_by") else None,
            )  # fmt: skip
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            return redirect("contest_list")
    return render(
        request,
        "guidetasks/contest_list.html",
        {
            "contests": selectors.contest_list(scope=scope)[:100],
            "brands": org_selectors.brand_list(scope=scope),
            "branches": org_selectors.branch_list(scope=scope),
            "kinds": ContestKind.choices,
            "channels": ContestChannel.choices,
            "can_manage": scope.can(Capability.MANAGE_TASKS),
        },
    )


# -- leaderboards (mobile) -------------------------------------------------------------------------
@scope_required
def leaderboard(request: HttpRequest, contest_id: int) -> HttpResponse:
    """A day's standings (`?day=`, default the latest), best first, with my own row."""
    scope = request.scope  # type: ignore[attr-defined]
    contest = selectors.contest_get(scope=scope, contest_id=contest_id)
    if request.method == "POST":
        contests.contest_refresh(scope=scope, contest=contest)
        return redirect("leaderboard", contest_id)
    board = selectors.leaderboard(
        contest=contest, day=periods.read_day(request.GET.get("day", "")),
        staff_id=scope.staff_id,
    )  # fmt: skip
    return render(
        request,
        "guidetasks/leaderboard.html",
        {"board": board, "can_manage": scope.can(Capability.MANAGE_TASKS)},
    )


@scope_required
def leaderboard_png(request: HttpRequest, contest_id: int) -> HttpResponse:
    """The day's top ten as a picture to post in groups."""
    scope = request.scope  # type: ignore[attr-defined]
    contest = selectors.contest_get(scope=scope, contest_id=contest_id)
    board = selectors.leaderboard(
        contest=contest, day=periods.read_day(request.GET.get("day", "")), top=10
    )
    return HttpResponse(board_image.render(board), content_type="image/png")


# -- the guide's workbench -------------------------------------------------------------------------
@scope_required
def my_tasks_panel(request: HttpRequest) -> HttpResponse:
    """Workbench panel: open tasks (the badge), the next few, my rank in running contests."""
    scope = request.scope  # type: ignore[attr-defined]
    return render(
        request,
        "guidetasks/_my_tasks.html",
        {
            "open": selectors.open_count(scope=scope),
            "assignments": selectors.my_assignments(scope=scope)[:3],
            "ranks": selectors.my_ranks(scope=scope),
        },
    )


@scope_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """Today's tasks, with what the guide has just done already counted."""
    scope = request.scope  # type: ignore[attr-defined]
    if scope.staff_id is not None:
        services.assignments_detect(staff_id=scope.staff_id)
    return render(
        request,
        "guidetasks/my_tasks.html",
        {
            "assignments": selectors.my_assignments(scope=scope),
            "ranks": selectors.my_ranks(scope=scope),
            "now": timezone.now(),
        },
    )


@scope_required
def assignment_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    """One assignment and its one-tap actions: tick, confirm with a note, send the group
    message, log a contact with the next customer to follow up."""
    scope = request.scope  # type: ignore[attr-defined]
    assignment = selectors.assignment_get(scope=scope, assignment_id=assignment_id)
    if request.method == "POST":
        action, post = request.POST.get("action", ""), request.POST
        try:
            if action == "confirm":
                services.assignment_confirm(
                    scope=scope, assignment=assignment, note=post.get("note", ""),
                    ticked=[int(t) for t in post.getlist("ticked") if t.isdigit()],
                )  # fmt: skip
            elif action == "send":
                services.group_message_send(scope=scope, assignment=assignment)
            elif action == "contact":
                services.contact_log(
                    scope=scope, assignment=assignment,
                    customer_id=int_param(post.get("customer")) or 0,
                    channel=post.get("channel", ""), note=post.get("note", ""),
                )  # fmt: skip
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("assignment_page", assignment_id)
    items = list(assignment.items.order_by("contacted_at", "id"))
    names = _customer_names([i.customer_id for i in items])
    return render(
        request,
        "guidetasks/assignment.html",
        {
            "a": assignment,
            "items": [(i, names.get(i.customer_id, "")) for i in items],
            "next_item": next((i for i in items if i.contacted_at is None), None),
            "channels": ContactChannel.choices,
            "ticked": set(assignment.evidence.get("ticked", [])),
            "mine": assignment.staff_id == scope.staff_id,
        },
    )


def _customer_names(ids: list[int]) -> dict[int, str]:
    from siyu.members.selectors import customer_names

    return customer_names(set(ids))
