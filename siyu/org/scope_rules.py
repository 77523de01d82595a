"""Scope rules of the org models (see siyu.org.scope)."""

from django.db.models import Q

from siyu.org.models import ApiToken, Branch, Brand, Staff, StaffMove, Store
from siyu.org.scope import Rule, register

register(
    Brand,
    Rule(group="group", brand="pk", branch=lambda b: Q(branches=b), store=lambda s: Q(stores=s)),
)
register(
    Branch, Rule(group="brand__group", brand="brand", branch="pk", store=lambda s: Q(stores=s))
)
register(Store, Rule(group="brand__group", brand="brand", branch="branch", store="pk"))
register(Staff, Rule(group="group", brand="brand", branch="branch", store="store", staff="pk"))
register(
    StaffMove,
    Rule(
        group="staff__group",
        brand="staff__brand",
        branch="staff__branch",
        store="staff__store",
        staff="staff",
    ),
)
# Tokens are managed at group level only (Capability.MANAGE_TOKENS); lower levels see none.
_none = lambda _v: Q(pk__in=[])  # noqa: E731
register(ApiToken, Rule(group="group", brand=_none, branch=_none, store=_none))
