"""Writes of guide tasks: create and cancel tasks, detect completion, confirm by hand, send
group messages, log follow-up contacts, send reminders once (see docs/guidetasks.md)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.content.models import Channel, Content, Status
from siyu.guidetasks.models import (
    Assignment,
    AssignmentStatus,
    Contact,
    ContactChannel,
    DoneHow,
    FollowUpItem,
    Reminder,
    ReminderKind,
    Task,
    TaskKind,
    TaskStatus,
)
from siyu.members import merge
from siyu.org.models import Branch, Brand, Role, Staff, StaffStatus, Store
from siyu.org.scope import Capability, Scope, access, scoped

TARGET_LEVELS = {"brand": Brand, "branch": Branch, "store": Store, "staff": Staff}
ROLES = (Role.GUIDE, Role.STORE_MANAGER)
SHARE_CHANNELS = ("", Channel.MOMENTS, Channel.CHAT, Channel.GROUP)
MAX_FOLLOW_UPS = 10_000
LATE_WINDOW = dt.timedelta(days=14)  # done after the deadline still counts, this long after
CLAIM_TIMEOUT = dt.timedelta(minutes=10)  # a reminder claimed by a crashed run is retried after
REPEAT_CONTACT = dt.timedelta(minutes=5)  # the same contact logged again is a retry


# -- tasks -----------------------------------------------------------------------------------------
def _check_fields(
    *, brand: Brand, kind: str, title: str, content: Content | None, channel: str,
    message: str, friends_goal: int | None, checklist: Sequence[str],
    customer_ids: Sequence[int], starts_at: dt.datetime, due_at: dt.datetime, now: dt.datetime,
) -> None:  # fmt: skip
    errors: dict[str, str] = {}
    if kind not in TaskKind.values:
        errors["kind"] = _("Choose a kind of task.")
    if not title.strip():
        errors["title"] = _("Give the task a title.")
    if due_at <= starts_at:
        errors["due_at"] = _("The deadline must come after the start.")
    elif due_at <= now:
        errors["due_at"] = _("The deadline must be in the future.")
    if content is not None and (content.brand_id != brand.pk or content.status != Status.PUBLISHED):
        errors["content"] = _("Choose a published item of the task's brand.")
    if kind == TaskKind.SHARE:
        if content is None:
            errors.setdefault("content", _("A share task needs the item to share."))
        if channel not in SHARE_CHANNELS:
            errors["channel"] = _("Choose moments, 1:1 chat, group, or any.")
    if kind == TaskKind.GROUP_MESSAGE and not message.strip():
        errors["message"] = _("Write the message the guides will send.")
    if kind == TaskKind.ADD_FRIENDS and not (friends_goal and friends_goal > 0):
        errors["friends_goal"] = _("Say how many friends each guide should add.")
    if kind == TaskKind.CHECKLIST and not (
        0 < len(checklist) <= 20 and all(0 < len(i.strip()) <= 100 for i in checklist)
    ):
        errors["checklist"] = _("List 1 to 20 items of at most 100 characters.")
    if kind == TaskKind.FOLLOW_UP and not 0 < len(customer_ids) <= MAX_FOLLOW_UPS:
        errors["customers"] = _("List 1 to 10,000 customers to follow up.")
    if errors:
        raise ValidationError(errors)


def _reached(
    *, scope: Scope, brand: Brand, targets: Sequence[dict[str, Any]], roles: Sequence[str]
) -> list[tuple[int, int, int]]:
    """The (staff, store, branch) of every employed guide of `roles` the targets reach."""
    if not targets:
        raise ValidationError({"targets": _("Aim the task at one brand, branch, store or guide at least.")})  # fmt: skip
    if not roles or any(r not in ROLES for r in roles):
        raise ValidationError({"roles": _("Choose guides, store managers or both.")})
    places = Q(pk__in=[])
    column = {"brand": "store__brand_id", "branch": "store__branch_id", "store": "store_id", "staff": "pk"}  # fmt: skip
    for target in targets:
        level, pk = target.get("level"), target.get("id")
        model = TARGET_LEVELS.get(str(level))
        if model is None or not isinstance(pk, int):
            raise ValidationError({"targets": _("A target is a level (brand, branch, store, staff) and an id.")})  # fmt: skip
        try:
            found: Any = access(model._default_manager.all(), scope, pk=pk)
        except Http404:  # outside the scope looks like missing
            raise ValidationError({"targets": _("No such target in your part of the organisation.")}) from None  # fmt: skip
        found_brand = found.pk if level == "brand" else getattr(found, "brand_id", None)
        if level == "staff":
            found_brand = found.store.brand_id if found.store_id else None
        if found_brand != brand.pk:
            raise ValidationError({"targets": _("Every target must belong to the task's brand.")})
        places |= Q(**{column[str(level)]: pk})
    rows = list(
        scoped(Staff.objects.filter(places), scope)
        .filter(
            role__in=roles, status=StaffStatus.EMPLOYED, store__isnull=False, store__brand=brand
        )
        .values_list("pk", "store_id", "store__branch_id")
        .order_by("pk")
    )
    if not rows:
        raise ValidationError({"targets": _("No employed guide is reached by these targets.")})
    return rows


@transaction.atomic
def task_create(
    *,
    scope: Scope,
    actor: Any,
    brand: Brand,
    kind: str,
    title: str,
    due_at: dt.datetime,
    targets: Sequence[dict[str, Any]],
    roles: Sequence[str] = (Role.GUIDE,),
    instructions: str = "",
    content: Content | None = None,
    channel: str = "",
    message: str = "",
    friends_goal: int | None = None,
    checklist: Sequence[str] = (),
    customer_ids: Sequence[int] = (),
    starts_at: dt.datetime | None = None,
    remind_hours: int = 24,
    now: dt.datetime | None = None,
) -> Task:
    """A task and one assignment per guide it reaches (a follow-up task: per guide who owns
    listed customers, with their list). `now` is for the data generator's past tasks."""
    from siyu.members.selectors import customer_facts, visible_customer_ids

    scope.require(Capability.MANAGE_TASKS)
    brand = access(Brand.objects.all(), scope, pk=brand.pk)
    now = now or timezone.now()
    starts_at = starts_at or now
    _check_fields(
        brand=brand, kind=kind, title=title, content=content, channel=channel, message=message,
        friends_goal=friends_goal, checklist=checklist, customer_ids=customer_ids,
        starts_at=starts_at, due_at=due_at, now=now,
    )  # fmt: skip
    if not 0 < remind_hours <= 24 * 14:
        raise ValidationError({"remind_hours": _("Remind between 1 hour and 14 days before.")})
    reached = _reached(scope=scope, brand=brand, targets=targets, roles=roles)
    lists: dict[int, list[int]] = {}
    if kind == TaskKind.FOLLOW_UP:
        wanted = set(customer_ids)
        visible = visible_customer_ids(scope=scope, customer_ids=wanted)
        if missing := wanted - visible:
            raise ValidationError({"customers": _("Not customers in your part of the organisation: %(ids)s") % {"ids": ", ".join(map(str, sorted(missing)[:20]))}})  # fmt: skip
        guides = {staff for staff, _s, _b in reached}
        orphans = []
        for customer, facts in customer_facts(visible).items():
            if facts.owner_staff_id in guides:
                lists.setdefault(facts.owner_staff_id, []).append(customer)
            else:
                orphans.append(customer)
        if orphans:
            raise ValidationError({"customers": _("These customers have no guide among the targets: %(ids)s") % {"ids": ", ".join(map(str, sorted(orphans)[:20]))}})  # fmt: skip
        reached = [r for r in reached if r[0] in lists]
    task = Task.objects.create(
        brand=brand, kind=kind, title=title.strip(), instructions=instructions, content=content,
        channel=channel, message=message, friends_goal=friends_goal,
        checklist=[i.strip() for i in checklist], targets=list(targets), roles=list(roles),
        starts_at=starts_at, due_at=due_at, remind_hours=remind_hours, created_by=actor,
    )  # fmt: skip
    goal = {
        TaskKind.ADD_FRIENDS: friends_goal or 1,
        TaskKind.CHECKLIST: len(task.checklist),
    }.get(TaskKind(kind), 1)
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                task=task, staff_id=staff, store_id=store, branch_id=branch, brand=brand,
                due_at=due_at, goal=len(lists[staff]) if lists else goal,
            )
            for staff, store, branch in reached
        ],
        batch_size=2000,
    )  # fmt: skip
    if lists:
        FollowUpItem.objects.bulk_create(
            [FollowUpItem(assignment=a, customer_id=c) for a in assignments for c in lists[a.staff_id]],
            batch_size=2000,
        )  # fmt: skip
    return task


@transaction.atomic
def task_cancel(*, scope: Scope, task: Task) -> Task:
    """Stop a task: its open assignments are cancelled; done ones stay done."""
    scope.require(Capability.MANAGE_TASKS)
    task = access(Task.objects.select_for_update(), scope, pk=task.pk)
    if scoped(task.assignments.all(), scope).count() != task.assignments.count():
        raise PermissionDenied("the task reaches beyond the caller's scope")
    if task.status == TaskStatus.ACTIVE:
        task.status = TaskStatus.CANCELLED
        task.save(update_fields=["status"])
        task.assignments.filter(status=AssignmentStatus.OPEN).update(
            status=AssignmentStatus.CANCELLED
        )
    return task


# -- completion ------------------------------------------------------------------------------------
def _complete(
    assignment: Assignment, *, at: dt.datetime, how: str, evidence: dict[str, Any]
) -> None:
    assignment.status = AssignmentStatus.DONE
    assignment.done_at = at
    assignment.done_how = how
    assignment.progress = max(assignment.progress, assignment.goal)
    assignment.evidence = {**assignment.evidence, **evidence}


def _jsonable(evidence: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in evidence.items()}


def assignments_detect(
    *, now: dt.datetime | None = None, staff_id: int | None = None, task_id: int | None = None
) -> int:
    """Mark done the open share and add-friends assignments the data shows done (one query
    per task and kind, not per guide); returns how many assignments changed."""
    from siyu.content.selectors import first_forwards
    from siyu.relations.kpis import valid_friends

    now = now or timezone.now()
    tasks = Task.objects.filter(
        status=TaskStatus.ACTIVE, kind__in=(TaskKind.SHARE, TaskKind.ADD_FRIENDS),
        starts_at__lte=now, due_at__gte=now - LATE_WINDOW,
    )  # fmt: skip
    if task_id is not None:
        tasks = tasks.filter(pk=task_id)
    if staff_id is not None:
        tasks = tasks.filter(assignments__staff_id=staff_id, assignments__status=AssignmentStatus.OPEN)  # fmt: skip
    changed = 0
    for task in tasks.distinct().order_by("id"):
        open_ = task.assignments.filter(status=AssignmentStatus.OPEN)
        if staff_id is not None:
            open_ = open_.filter(staff_id=staff_id)
        by_staff = {a.staff_id: a for a in open_}
        if not by_staff:
            continue
        touched: list[Assignment] = []
        if task.kind == TaskKind.SHARE and task.content_id is not None:
            found = first_forwards(
                content_id=task.content_id, staff_ids=by_staff, since=task.starts_at,
                until=now, channel=task.channel,
            )  # fmt: skip
            for staff, evidence in found.items():
                _complete(by_staff[staff], at=evidence["at"], how=DoneHow.AUTO, evidence=_jsonable(evidence))  # fmt: skip
                touched.append(by_staff[staff])
        else:
            friends = valid_friends(
                staff_ids=by_staff, since=task.starts_at, until=min(task.due_at, now)
            )
            for staff, rows in friends.items():
                assignment = by_staff[staff]
                if len(rows) == assignment.progress:
                    continue
                assignment.progress = len(rows)
                if len(rows) >= assignment.goal:
                    reached_at = rows[assignment.goal - 1][1]
                    _complete(assignment, at=reached_at, how=DoneHow.AUTO, evidence={"friendships": [f for f, _a in rows[:50]]})  # fmt: skip
                touched.append(assignment)
        with transaction.atomic():
            # Only rows still open: a guide may have confirmed by hand meanwhile.
            for assignment in touched:
                changed += Assignment.objects.filter(
                    pk=assignment.pk, status=AssignmentStatus.OPEN
                ).update(
                    status=assignment.status, done_at=assignment.done_at,
                    done_how=assignment.done_how, progress=assignment.progress,
                    evidence=assignment.evidence,
                )  # fmt: skip
    return changed


def _own(scope: Scope, assignment: Assignment) -> Assignment:
    """The caller's own open assignment, locked; others' are not theirs to complete."""
    if scope.staff_id is None or assignment.staff_id != scope.staff_id:
        raise PermissionDenied("not your assignment")
    assignment = Assignment.objects.select_for_update().select_related("task").get(pk=assignment.pk)  # fmt: skip
    if assignment.status == AssignmentStatus.CANCELLED or assignment.task.status != TaskStatus.ACTIVE:  # fmt: skip
        raise ValidationError({"assignment": _("This task was cancelled.")})
    return assignment


@transaction.atomic
def assignment_confirm(
    *, scope: Scope, assignment: Assignment, note: str = "", ticked: Sequence[int] | None = None
) -> Assignment:
    """A guide confirms by hand: ticks of a checklist (done when all are ticked), or, for any
    other kind, done with a note saying what was done (kept as the evidence)."""
    assignment = _own(scope, assignment)
    if assignment.status == AssignmentStatus.DONE:
        return assignment  # a retried confirmation changes nothing
    now = timezone.now()
    if assignment.task.kind == TaskKind.CHECKLIST:
        items = len(assignment.task.checklist)
        ticks = sorted(set(ticked or ()))
        if any(not 0 <= t < items for t in ticks):
            raise ValidationError({"ticked": _("Tick items of the list only.")})
        assignment.evidence = {**assignment.evidence, "ticked": ticks}
        assignment.progress = len(ticks)
        if len(ticks) == items:
            _complete(assignment, at=now, how=DoneHow.MANUAL, evidence={"ticked": ticks})
    else:
        if len(note.strip()) < 2:
            raise ValidationError({"note": _("Say briefly what you did.")})
        _complete(assignment, at=now, how=DoneHow.MANUAL, evidence={"manual": True, "note": note.strip()[:200]})  # fmt: skip
    assignment.save()
    return assignment


@transaction.atomic
def group_message_send(*, scope: Scope, assignment: Assignment) -> Assignment:
    """Send a group-message task's text (and the item, through the guide's own share link)
    to the guide's customer groups with WeCom's add_msg_template; the msgid is the evidence."""
    from siyu.content.services import content_forward
    from siyu.content.share import public_url
    from siyu.wecom.client import WeComClient, WeComError

    assignment = _own(scope, assignment)
    task = assignment.task
    if task.kind != TaskKind.GROUP_MESSAGE:
        raise ValidationError({"assignment": _("This task is not a group message.")})
    if assignment.status == AssignmentStatus.DONE:
        return assignment
    staff = Staff.objects.select_related("store").get(pk=assignment.staff_id)
    if not staff.wecom_userid:
        raise ValidationError({"assignment": _("Your WeCom account is not linked yet.")})
    attachments = []
    evidence: dict[str, Any] = {}
    if task.content is not None:
        from django.urls import reverse

        link, forward = content_forward(staff=staff, content=task.content, channel=Channel.GROUP)
        url = public_url(reverse("landing", args=[link.code]))
        attachments.append({"msgtype": "link", "link": {"title": task.content.title, "url": url}})
        evidence = {"forward": forward.pk, "link": link.code}
    try:
        answer = WeComClient().add_msg_template(
            sender=staff.wecom_userid, text=task.message, attachments=attachments, to_groups=True
        )
    except WeComError as exc:
        raise exc.as_validation_error() from None
    _complete(assignment, at=timezone.now(), how=DoneHow.AUTO, evidence={**evidence, "msgid": answer.get("msgid", "")})  # fmt: skip
    assignment.save()
    return assignment


@transaction.atomic
def contact_log(
    *, scope: Scope, assignment: Assignment, customer_id: int, channel: str, note: str = ""
) -> Contact:
    """A guide contacted a customer on their follow-up list: logged, or (`wecom_message`)
    sent through WeCom as a 1:1 message with the note as its text. The assignment is done
    when every listed customer was contacted."""
    from siyu.relations.selectors import external_userid_of
    from siyu.wecom.client import WeComClient, WeComError

    assignment = _own(scope, assignment)
    if assignment.task.kind != TaskKind.FOLLOW_UP:
        raise ValidationError({"assignment": _("This task is not a follow-up.")})
    item = assignment.items.filter(customer_id=customer_id).first()
    if item is None:
        raise ValidationError({"customer_id": _("This customer is not on your list.")})
    if channel not in ContactChannel.values:
        raise ValidationError({"channel": _("Choose how you contacted the customer.")})
    now = timezone.now()
    repeat = Contact.objects.filter(
        staff_id=assignment.staff_id, customer_id=customer_id, channel=channel, note=note[:200],
        at__gte=now - REPEAT_CONTACT,
    ).first()  # fmt: skip
    if repeat is not None:
        return repeat
    msgid = ""
    if channel == ContactChannel.WECOM_MESSAGE:
        if not note.strip():
            raise ValidationError({"note": _("Write the message to send.")})
        external = external_userid_of(staff_id=assignment.staff_id, customer_id=customer_id)
        sender = Staff.objects.values_list("wecom_userid", flat=True).get(pk=assignment.staff_id)
        if external is None or not sender:
            raise ValidationError({"channel": _("This customer is not your WeCom friend.")})
        try:
            answer = WeComClient().add_msg_template(sender=sender, external_userids=[external], text=note)  # fmt: skip
        except WeComError as exc:
            raise exc.as_validation_error() from None
        if external in answer.get("fail_list", []):
            raise ValidationError({"channel": _("WeCom refused to send to this customer.")})
        msgid = answer.get("msgid", "")
    contact = Contact.objects.create(
        staff_id=assignment.staff_id, store_id=assignment.store_id, customer_id=customer_id,
        channel=channel, note=note[:200], msgid=msgid,
    )  # fmt: skip
    if item.contacted_at is None:
        item.contacted_at = contact.at
        item.evidence = {"contact": contact.pk, "channel": channel, **({"msgid": msgid} if msgid else {})}  # fmt: skip
        item.save(update_fields=["contacted_at", "evidence"])
    _follow_up_recount(assignment, at=contact.at)
    return contact


def _follow_up_recount(assignment: Assignment, *, at: dt.datetime) -> None:
    """A follow-up assignment's progress is its contacted items; it is done, at `at`, once
    they reach its goal (every listed customer)."""
    assignment.progress = assignment.items.exclude(contacted_at=None).count()
    if assignment.status == AssignmentStatus.OPEN and assignment.progress >= assignment.goal:
        _complete(assignment, at=at, how=DoneHow.AUTO, evidence={"contacts": assignment.progress})  # fmt: skip
    assignment.save()


def _merge_follow_ups(source: Any, target: Any) -> int:
    """A merged customer's follow-up items become the survivor's. Where one list holds both,
    it keeps one item, contacted if either was (by the earlier contact), and its goal is one
    customer fewer, which may complete it."""
    items = list(FollowUpItem.objects.filter(customer_id=source.pk).order_by("assignment_id"))
    theirs = {
        i.assignment_id: i
        for i in FollowUpItem.objects.filter(customer_id=target.pk, assignment_id__in=[i.assignment_id for i in items])
    }  # fmt: skip
    moved = 0
    for item in items:
        kept = theirs.get(item.assignment_id)
        moved += 1
        if kept is None:
            item.customer_id = target.pk
            item.save(update_fields=["customer_id"])
            continue
        if item.contacted_at is not None and (kept.contacted_at is None or item.contacted_at < kept.contacted_at):  # fmt: skip
            kept.contacted_at, kept.evidence = item.contacted_at, item.evidence
            kept.save(update_fields=["contacted_at", "evidence"])
        item.delete()
        assignment = Assignment.objects.select_for_update().get(pk=item.assignment_id)
        assignment.goal = max(1, assignment.goal - 1)
        last = assignment.items.aggregate(at=Max("contacted_at"))["at"]
        _follow_up_recount(assignment, at=last or timezone.now())
    return moved


merge.register_handler("guidetasks.followupitem.customer_id", _merge_follow_ups)
merge.register_reference(Contact, "customer_id")  # the contact log follows the person


# -- reminders -------------------------------------------------------------------------------------
def _due_label(task: Task) -> str:
    return timezone.localtime(task.due_at).strftime("%m-%d %H:%M")


def _claim_reminders(task: Task, now: dt.datetime) -> None:
    """Write the reminder rows of a task in its window (a unique constraint makes each once)."""
    open_ = task.assignments.filter(status=AssignmentStatus.OPEN)
    guides = list(open_.values_list("staff_id", "store_id", "staff__wecom_userid"))
    due = _due_label(task)
    rows = [
        Reminder(
            task=task, kind=ReminderKind.GUIDE, staff_id=staff, store_id=store,
            text=_("Task reminder: “%(title)s” is due %(due)s. Open the workbench to do it.") % {"title": task.title, "due": due},
            recipients=[userid] if userid else [],
        )
        for staff, store, userid in guides
    ]  # fmt: skip
    counts: dict[int, int] = {}
    for _staff, store, _u in guides:
        counts[store] = counts.get(store, 0) + 1
    managers: dict[int, list[str]] = {}
    for store, userid in (
        Staff.objects.filter(
            store_id__in=counts, role=Role.STORE_MANAGER, status=StaffStatus.EMPLOYED
        )
        .exclude(wecom_userid=None)
        .exclude(wecom_userid="")
        .values_list("store_id", "wecom_userid")
    ):
        if store is not None and userid:
            managers.setdefault(store, []).append(userid)
    names = dict(Store.objects.filter(pk__in=counts).values_list("pk", "name"))
    rows += [
        Reminder(
            task=task, kind=ReminderKind.STORE, store_id=store,
            text=_("%(store)s: %(open)s assignments of “%(title)s” are still open, due %(due)s.") % {"store": names[store], "open": n, "title": task.title, "due": due},
            recipients=managers.get(store, []),
        )
        for store, n in counts.items()
    ]  # fmt: skip
    Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind, once, the guides with open assignments of tasks entering their reminder
    window, and each such store's managers; returns the reminders sent.

    A reminder row is written first (the claim: never two per guide and task); sending then
    takes the unsent rows under a claim token, so two runs at once never send the same row;
    a failed call leaves its rows unsent for the next run."""
    from siyu.wecom.client import WeComError, app_client

    now = now or timezone.now()
    due_tasks = [
        t for t in Task.objects.filter(status=TaskStatus.ACTIVE, due_at__gt=now, starts_at__lte=now)
        if t.due_at - dt.timedelta(hours=t.remind_hours) <= now
    ]  # fmt: skip
    for task in due_tasks:
        if not task.reminders.exists():
            with transaction.atomic():
                _claim_reminders(task, now)
    token = secrets.token_hex(8)
    # Unsent reminders of running tasks only: after the deadline a reminder is pointless.
    Reminder.objects.filter(
        sent_at=None, task__status=TaskStatus.ACTIVE, task__due_at__gt=now
    ).filter(Q(claimed_at=None) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)).update(
        claim=token, claimed_at=now
    )
    claimed = list(Reminder.objects.filter(claim=token, sent_at=None).order_by("id"))
    unreachable = [r.pk for r in claimed if not r.recipients]
    Reminder.objects.filter(pk__in=unreachable).update(sent_at=now, error="no WeCom account")
    by_text: dict[str, list[Reminder]] = {}
    for reminder in claimed:
        if reminder.recipients:
            by_text.setdefault(reminder.text, []).append(reminder)
    client, sent = app_client(), 0
    for text, group in by_text.items():
        for start in range(0, len(group), 1000):
            batch = group[start : start + 1000]
            users = sorted({u for r in batch for u in r.recipients})
            try:
                answer = client.send_app_message(userids=users[:1000], text=text)
            except WeComError as exc:
                Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(
                    claim="", claimed_at=None, error=str(exc)[:200]
                )
                continue
            invalid = set(filter(None, answer.get("invaliduser", "").split("|")))
            refused = [r.pk for r in batch if invalid.issuperset(r.recipients)]
            done = Reminder.objects.filter(pk__in=[r.pk for r in batch])
            done.exclude(pk__in=refused).update(sent_at=timezone.now(), msgid=answer.get("msgid", ""))  # fmt: skip
            done.filter(pk__in=refused).update(sent_at=timezone.now(), msgid=answer.get("msgid", ""), error="invalid WeCom user")  # fmt: skip
            sent += len(batch) - len(refused)
    return sent
