"""Generator step for guide tasks (see core.generator): three weeks of HQ tasks and a running
contest per brand, through the live services.

- Share tasks every three days over the last 21 days, each of a live item that reaches the
  whole brand, due two days after it starts; the latest is still running. About three in
  four guides comply (stores differ: some nearly all, some few), mostly in the first hours,
  a few after the deadline; their forwards are written by content's generator and the live
  detection (`assignments_detect`) then marks the assignments done from them.
- An add-five-friends task each of the last two weeks, detected from the friendships the
  relations step made; a display checklist ten days ago, ticked by about four in five.
- A running contest per brand (net online amount, this month), with the standings of each
  day so far computed by the live rule.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q

from siyu.core.generator import Context

SHARE_EVERY_DAYS = 3
SHARE_TASKS = 7
CHECKLIST = ["新品陈列到位", "试穿镜擦拭", "海报更新"]


def generate(ctx: Context) -> None:
    from siyu.content.generate import task_forwards
    from siyu.content.models import Content, Status
    from siyu.guidetasks import contests, services
    from siyu.guidetasks.models import Assignment, DoneHow, Task
    from siyu.org.models import Brand, Group, Role
    from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope

    started = time.perf_counter()
    rng = ctx.rng("guidetasks")
    zone = ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.combine(ctx.today, dt.time(21), zone)
    group = Group.objects.order_by("pk").first()
    if group is None or Task.objects.exists():  # nothing to aim at, or an earlier run did this
        return
    scope = Scope(
        level=Level.GROUP, group_id=group.pk, role=Role.GROUP_ADMIN,
        capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
    )  # fmt: skip
    made = 0
    for brand in Brand.objects.order_by("pk"):
        aim = [{"level": "brand", "id": brand.pk}]
        items = list(
            Content.objects.filter(brand=brand, status=Status.PUBLISHED, targeted=False)
            .filter(
                Q(publish_at=None)
                | Q(publish_at__lte=now - dt.timedelta(days=SHARE_EVERY_DAYS * SHARE_TASKS))
            )
            .exclude(expires_at__lt=now)
            .order_by("pk")
            .values_list("pk", "title")[:200]
        )
        if len(items) < SHARE_TASKS:
            continue
        compliance: dict[int, float] = {}
        # A different item each time: a later task's forwards never complete an earlier one
        # behind the detection's back.
        picks = iter(rng.sample(items, SHARE_TASKS))
        for n in range(SHARE_TASKS, 0, -1):
            start = dt.datetime.combine(ctx.today - dt.timedelta(days=SHARE_EVERY_DAYS * n - 2), dt.time(10), zone)  # fmt: skip
            due = start + dt.timedelta(days=2)
            content_id, title = next(picks)
            task = services.task_create(
                scope=scope, actor=None, brand=brand, kind="share", title=f"转发：{title}"[:100],
                content=Content.objects.get(pk=content_id), targets=aim, starts_at=start,
                due_at=due, now=start,
            )  # fmt: skip
            Task.objects.filter(pk=task.pk).update(created_at=start)
            forwards = []
            for staff, store in task.assignments.order_by("staff_id").values_list(
                "staff_id", "store_id"
            ):
                if compliance.setdefault(store, rng.betavariate(6, 2)) < rng.random():
                    continue
                late = rng.random() < 0.05
                at = (due + dt.timedelta(hours=rng.uniform(1, 20))) if late else start + dt.timedelta(hours=rng.expovariate(1 / 6))  # fmt: skip
                if at < (now if late else min(due, now)):
                    forwards.append((content_id, staff, store, rng.choice(("moments", "chat", "group")), at))  # fmt: skip
            task_forwards(ctx, forwards)
            # Detected as the live job would have by its last run for this task.
            made += services.assignments_detect(now=min(now, due + services.LATE_WINDOW), task_id=task.pk)  # fmt: skip
        for weeks in (2, 1):
            start = dt.datetime.combine(ctx.today - dt.timedelta(days=7 * weeks), dt.time(9), zone)
            task = services.task_create(
                scope=scope, actor=None, brand=brand, kind="add_friends", title="本周新增 5 位有效好友",
                friends_goal=5, targets=aim, starts_at=start,
                due_at=start + dt.timedelta(days=7), now=start,
            )  # fmt: skip
            made += services.assignments_detect(now=now, task_id=task.pk)
        start = dt.datetime.combine(ctx.today - dt.timedelta(days=10), dt.time(9), zone)
        task = services.task_create(
            scope=scope, actor=None, brand=brand, kind="checklist", title="冬季新品陈列检查",
            checklist=CHECKLIST, targets=aim, starts_at=start, due_at=start + dt.timedelta(days=2),
            now=start,
        )  # fmt: skip
        ticked = [
            pk
            for pk in task.assignments.order_by("pk").values_list("pk", flat=True)
            if rng.random() < 0.8
        ]
        Assignment.objects.filter(pk__in=ticked).update(
            status="done", done_how=DoneHow.MANUAL, progress=len(CHECKLIST),
            done_at=start + dt.timedelta(hours=5), evidence={"ticked": list(range(len(CHECKLIST)))},
        )  # fmt: skip
        made += len(ticked)
        contest = contests.contest_create(
            scope=scope, actor=None, brand=brand, kind="amount", title=f"{brand.name} 冬季冲刺 PK",
            starts_on=ctx.today.replace(day=1), ends_on=(ctx.today.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1),
        )  # fmt: skip
        day = contest.starts_on
        while day <= ctx.today:
            contests.standings_compute(contest=contest, day=day, now=now)
            day += dt.timedelta(days=1)
        ctx.progress(f"tasks and contest of {brand.name}", 1, 1, started)
    ctx.made["assignments_done"] = made
