"""Scope rules of guide tasks. An assignment and a contact belong to the guide's store (a
guide sees their own); a task is seen by whoever can see one of its assignments (HQ of its
brand sees all of them); a contest by everyone of its brand (branch contests: that branch)
and its standings with it, since a leaderboard is published to all who compete."""

from django.db.models import Q

from siyu.guidetasks.models import Assignment, Contact, Contest, FollowUpItem, Standing, Task
from siyu.org.models import Branch, Store
from siyu.org.scope import Rule, register


def _tasks_with(column: str):  # noqa: ANN202 - a Q builder for Rule
    return lambda value: Q(pk__in=Assignment.objects.filter(**{column: value}).values("task_id"))


register(
    Task,
    Rule(
        group=None,
        brand="brand_id",
        branch=_tasks_with("branch_id"),
        store=_tasks_with("store_id"),
        staff=_tasks_with("staff_id"),
    ),
)
register(
    Assignment,
    Rule(group=None, brand="brand_id", branch="branch_id", store="store_id", staff="staff_id"),
)
register(
    FollowUpItem,
    Rule(
        group=None,
        brand="assignment__brand_id",
        branch="assignment__branch_id",
        store="assignment__store_id",
        staff="assignment__staff_id",
    ),
)
register(
    Contact,
    Rule(
        group=None,
        brand="store__brand_id",
        branch="store__branch_id",
        store="store_id",
        staff="staff_id",
    ),
)


def _contest_q(prefix: str) -> Rule:
    def branch(b: int) -> Q:
        brand = Branch.objects.filter(pk=b).values("brand_id")
        return Q(**{f"{prefix}branch_id": b}) | Q(
            **{f"{prefix}branch__isnull": True, f"{prefix}brand_id__in": brand}
        )

    def store(s: int) -> Q:
        place = Store.objects.filter(pk=s)
        return Q(**{f"{prefix}branch_id__in": place.values("branch_id")}) | Q(
            **{f"{prefix}branch__isnull": True, f"{prefix}brand_id__in": place.values("brand_id")}
        )

    return Rule(group=None, brand=f"{prefix}brand_id", branch=branch, store=store)


register(Contest, _contest_q(""))
register(Standing, _contest_q("contest__"))
