"""Tasks and contests for the test world (siyu/conftest.py), made through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from siyu.guidetasks import services
from siyu.guidetasks.models import Task
from siyu.org.scope import scope_for_user


def task(world: Any, *, by: str = "hana", kind: str = "share", target: tuple[str, str] = ("branch", "north"), hours: int = 48, **fields: Any) -> Task:  # fmt: skip
    """A task of brand Alpine aimed at one node of the world (`("branch", "north")`,
    `("store", "s1")`, `("staff", "gia")`, `("brand", "alpine")`), due in `hours`."""
    level, key = target
    node = {"brand": world.brands, "branch": world.branches, "store": world.stores, "staff": world.staff}[level][key]  # fmt: skip
    user = world.staff[by].user
    return services.task_create(
        scope=scope_for_user(user), actor=user, brand=world.brands["alpine"], kind=kind,
        title=fields.pop("title", "转发冬季新品"), due_at=timezone.now() + dt.timedelta(hours=hours),
        targets=[{"level": level, "id": node.pk}], **fields,
    )  # fmt: skip


def wecom_members(world: Any, corp: Any) -> None:
    """Every staff member of the world is an active member of the fake corp."""
    corp.members.update({s.wecom_userid: {"name": s.name, "status": 1} for s in world.staff.values()})  # fmt: skip
