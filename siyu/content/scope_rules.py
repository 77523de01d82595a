"""Scope rules of the content models.

HQ (group, brand) sees its whole library in every state. Below HQ only published items
are visible, and only those aimed at the caller's part of the tree: a store sees what
reaches it, a branch what reaches any of its stores.
"""

from django.db.models import Q

from siyu.content.models import (
    Content,
    Forward,
    MomentSender,
    MomentTask,
    ShareLink,
    ShareVisit,
    Status,
)
from siyu.content.selectors import reach_q
from siyu.org.models import Store
from siyu.org.scope import Rule, register


def _published_reaching(stores: Q) -> Q:
    places = list(
        Store.objects.filter(stores).values_list(
            "pk", "brand_id", "branch_id", "province_code", "city_code"
        )
    )
    if not places:
        return Q(pk__in=[])
    return Q(status=Status.PUBLISHED, brand_id__in={p[1] for p in places}) & reach_q(places)


register(
    Content,
    Rule(
        group=None,
        brand="brand",
        branch=lambda b: _published_reaching(Q(branch_id=b)),
        store=lambda s: _published_reaching(Q(pk=s)),
    ),
)
register(
    ShareLink,
    Rule(group=None, brand="content__brand", branch="store__branch", store="store", staff="staff"),
)
register(
    Forward,
    Rule(group=None, brand="store__brand", branch="store__branch", store="store", staff="staff"),
)
register(
    ShareVisit,
    Rule(group=None, brand="content__brand", branch="store__branch", store="store", staff="staff"),
)
register(
    MomentTask,
    Rule(
        group=None,
        brand="content__brand",
        branch=lambda b: Q(
            pk__in=MomentSender.objects.filter(store__branch_id=b).values("task_id")
        ),
        store=lambda s: Q(pk__in=MomentSender.objects.filter(store_id=s).values("task_id")),
        staff=lambda s: Q(pk__in=MomentSender.objects.filter(staff_id=s).values("task_id")),
    ),
)
register(
    MomentSender,
    Rule(
        group=None,
        brand="task__content__brand",
        branch="store__branch",
        store="store",
        staff="staff",
    ),
)
