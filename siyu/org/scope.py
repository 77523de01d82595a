"""Who sees what: the one place where visibility is decided.

`scope_for_user()` / `scope_for_token()` turn a caller into a `Scope` — a node of the org
tree (group, brand, branch, store, or the guide themself). Each model a caller can reach
registers once, with `register()`, how its rows hang off the tree; `scoped()` then filters
any queryset of it to the caller's part of the tree, and `access()` fetches one object or
raises Http404, so an object outside the scope looks exactly like one that does not exist.

Views, API handlers and selectors never filter by store or brand by hand: they call
`scoped()` / `access()`. The scope matrix tests (siyu/core/tests/test_scope_matrix.py)
hold every list and detail endpoint to that.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404

from siyu.org.models import Role, StaffStatus, Store

if TYPE_CHECKING:
    from siyu.org.models import ApiToken

M = TypeVar("M", bound=models.Model)


class Level(enum.IntEnum):
    """How high in the tree a scope sits; lower numbers see more."""

    GROUP = 0
    BRAND = 1
    BRANCH = 2
    STORE = 3
    SELF = 4


class Capability(enum.StrEnum):
    """Things a caller may do beyond reading what is in their scope."""

    MANAGE_ORG = "manage_org"  # create and import stores and staff, move staff
    REVEAL_PHONE = "reveal_phone"  # see a phone in clear, leaving an audit record
    MERGE_CUSTOMERS = "merge_customers"
    MANAGE_TOKENS = "manage_tokens"
    EDIT_CUSTOMERS = "edit_customers"
    MANAGE_RELATIONS = "manage_relations"  # channel codes, hand-over of a leaving guide's customers
    MANAGE_WECOM = "manage_wecom"  # see and retry failed WeCom callbacks
    EDIT_CONTENT = "edit_content"  # create and edit library items, submit them for review
    APPROVE_CONTENT = "approve_content"  # approve, reject, publish, withdraw; push moments tasks
    MANAGE_COMMERCE = "manage_commerce"  # catalog, assortment, storefront routing, commission plans
    MANAGE_ORDERS = "manage_orders"  # record POS orders, refund orders of the stores in scope
    MANAGE_TASKS = "manage_tasks"  # create and cancel guide tasks and contests in scope
    MANAGE_LOYALTY = "manage_loyalty"  # programme settings, coupon templates, points adjustments
    SERVE_MEMBERS = "serve_members"  # redeem a member's benefit, resolve a member code


ROLE_LEVEL = {
    Role.GROUP_ADMIN: Level.GROUP,
    Role.HQ_OPERATOR: Level.BRAND,  # raised to GROUP when the operator has no brand
    Role.BRANCH_MANAGER: Level.BRANCH,
    Role.STORE_MANAGER: Level.STORE,
    Role.GUIDE: Level.SELF,
}

# Guides never see a phone in clear, anywhere (the privacy red line); store managers may
# reveal one for a customer of their own store, with an audit record each time.
ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.GROUP_ADMIN: frozenset(Capability),
    Role.HQ_OPERATOR: frozenset(
        {
            Capability.MANAGE_ORG,
            Capability.REVEAL_PHONE,
            Capability.MERGE_CUSTOMERS,
            Capability.EDIT_CUSTOMERS,
            Capability.MANAGE_RELATIONS,
            Capability.EDIT_CONTENT,
            Capability.MANAGE_COMMERCE,
            Capability.MANAGE_ORDERS,
            Capability.MANAGE_TASKS,
            Capability.MANAGE_LOYALTY,
            Capability.SERVE_MEMBERS,
        }
    ),
    Role.BRANCH_MANAGER: frozenset(
        {
            Capability.EDIT_CUSTOMERS,
            Capability.MANAGE_RELATIONS,
            Capability.MANAGE_ORDERS,
            Capability.MANAGE_TASKS,
            Capability.SERVE_MEMBERS,
        }
    ),
    Role.STORE_MANAGER: frozenset(
        {
            Capability.REVEAL_PHONE,
            Capability.EDIT_CUSTOMERS,
            Capability.MANAGE_RELATIONS,
            Capability.MANAGE_ORDERS,
            Capability.SERVE_MEMBERS,
        }
    ),
    Role.GUIDE: frozenset({Capability.EDIT_CUSTOMERS, Capability.SERVE_MEMBERS}),
}
# A token is an integration (a POS, an ERP): it may edit customers, record orders, and
# serve members at the till (member codes, benefits).
TOKEN_CAPABILITIES = frozenset(
    {Capability.EDIT_CUSTOMERS, Capability.MANAGE_ORDERS, Capability.SERVE_MEMBERS}
)
# Capabilities given to a person, beyond their role, by a Django permission: editors and
# approvers of content are distinct people, both usually HQ operators.
GRANTABLE = {Capability.APPROVE_CONTENT: "org.approve_content"}


@dataclass(frozen=True)
class Scope:
    """A caller's node in the org tree and what they may do there."""

    level: Level
    group_id: int
    brand_id: int | None = None
    branch_id: int | None = None
    store_id: int | None = None
    staff_id: int | None = None
    role: str | None = None
    capabilities: frozenset[Capability] = field(default_factory=frozenset)

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def require(self, capability: Capability) -> None:
        """Raise PermissionDenied unless the caller has `capability`."""
        if capability not in self.capabilities:
            raise PermissionDenied(capability.value)

    @property
    def is_guide(self) -> bool:
        return self.level == Level.SELF


def scope_for_staff(staff: Any) -> Scope:
    """The scope of an employed staff member; resigned staff have none."""
    if staff.status != StaffStatus.EMPLOYED:
        raise PermissionDenied("resigned")
    level = ROLE_LEVEL[Role(staff.role)]
    if level == Level.BRAND and staff.brand_id is None:
        level = Level.GROUP
    needed = {
        Level.BRAND: staff.brand_id,
        Level.BRANCH: staff.branch_id,
        Level.STORE: staff.store_id,
    }
    if (level in needed and needed[level] is None) or (
        level == Level.SELF and staff.store_id is None
    ):
        # A role placed at no node of its level would silently see nothing or everything.
        raise PermissionDenied("misplaced")
    return Scope(
        level=level,
        group_id=staff.group_id,
        brand_id=staff.brand_id,
        branch_id=staff.branch_id,
        store_id=staff.store_id,
        staff_id=staff.pk,
        role=staff.role,
        capabilities=ROLE_CAPABILITIES[staff.role] | _granted(staff),
    )


def _granted(staff: Any) -> frozenset[Capability]:
    """Capabilities given by permission; asked only when the role lacks them (a query each)."""
    if staff.user is None or staff.role == Role.GUIDE:
        return frozenset()
    role = ROLE_CAPABILITIES[staff.role]
    return frozenset(
        c for c, perm in GRANTABLE.items() if c not in role and staff.user.has_perm(perm)
    )


def scope_for_user(user: Any) -> Scope:
    """The scope of a logged-in user: their staff record's, or the whole group for a superuser."""
    from siyu.org.models import Group, Staff

    if not user.is_authenticated:
        raise PermissionDenied("anonymous")
    staff = Staff.objects.filter(user=user).first()
    if staff is not None:
        return scope_for_staff(staff)
    if user.is_superuser:
        group = Group.objects.order_by("id").first()
        if group is None:
            raise PermissionDenied("no group")
        return Scope(
            level=Level.GROUP,
            group_id=group.pk,
            role=Role.GROUP_ADMIN,
            capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
        )
    raise PermissionDenied("not staff")


def scope_for_token(token: ApiToken) -> Scope:
    """The scope of an API token: the deepest org node it is bound to."""
    if token.store_id:
        level = Level.STORE
    elif token.branch_id:
        level = Level.BRANCH
    elif token.brand_id:
        level = Level.BRAND
    else:
        level = Level.GROUP
    return Scope(
        level=level,
        group_id=token.group_id,
        brand_id=token.brand_id,
        branch_id=token.branch_id,
        store_id=token.store_id,
        capabilities=TOKEN_CAPABILITIES,
    )


Lookup = str | Callable[[int], Q] | None


@dataclass(frozen=True)
class Rule:
    """How a model's rows hang off the tree: a lookup path (or Q builder) per level.

    `group=None` means every row of the deployment (it serves one group). When `staff` is
    None, a guide sees what their store sees of this model.
    """

    group: Lookup
    brand: Lookup
    branch: Lookup
    store: Lookup
    staff: Lookup = None


_rules: dict[type[models.Model], Rule] = {}
_guide_widenings: dict[type[models.Model], list[Callable[[int], Q]]] = {}


def register(model: type[models.Model], rule: Rule) -> None:
    """Declare how `model` is scoped. Later apps may widen a rule (e.g. friends of a guide)."""
    _rules[model] = rule


def widen_for_guides(model: type[models.Model], extra: Callable[[int], Q]) -> None:
    """Let a guide also see the rows `extra(staff_id)` selects (e.g. their WeCom friends).

    Another app's way to extend a model's rule without rewriting it; the extra filter should
    select by primary key (`pk__in=…`) so that it never duplicates rows.
    """
    _guide_widenings.setdefault(model, []).append(extra)


def stores_of(**lookup: int) -> Q:
    """Rows whose store is one of the stores matching `lookup` (a brand's, a branch's): a
    rule for a model indexed by store alone, so that it needs no brand or branch index."""
    return Q(store_id__in=Store.objects.filter(**lookup).values("pk"))


def placed_by_store(*, staff: Lookup = None) -> Rule:
    """The rule of a model whose rows are placed by `store_id` alone (written in bulk, so
    with no brand or branch index to pay for): a brand's or branch's rows are its stores'."""
    return Rule(
        group=None,
        brand=lambda b: stores_of(brand_id=b),
        branch=lambda b: stores_of(branch_id=b),
        store="store_id",
        staff=staff,
    )


def rule_for(model: type[models.Model]) -> Rule:
    try:
        return _rules[model]
    except KeyError:
        raise LookupError(f"{model.__name__} has no scope rule: register one in its app") from None


def _q(lookup: Lookup, value: int | None) -> Q:
    if value is None:
        return Q(pk__in=[])  # a node missing from the scope sees nothing, never everything
    if isinstance(lookup, str):
        return Q(**{lookup: value})
    assert lookup is not None, "a rule without a lookup for this level"
    return lookup(value)


def scope_q(model: type[models.Model], scope: Scope) -> Q:
    """The filter that keeps only the rows of `model` inside `scope`."""
    rule = rule_for(model)
    if scope.level == Level.GROUP:
        return Q() if rule.group is None else _q(rule.group, scope.group_id)
    if scope.level == Level.BRAND:
        return _q(rule.brand, scope.brand_id)
    if scope.level == Level.BRANCH:
        return _q(rule.branch, scope.branch_id)
    if scope.level == Level.STORE or rule.staff is None:
        return _q(rule.store, scope.store_id)
    q = _q(rule.staff, scope.staff_id)
    for extra in _guide_widenings.get(model, ()):
        q |= extra(scope.staff_id) if scope.staff_id is not None else Q(pk__in=[])
    return q


def scoped(queryset: QuerySet[M], scope: Scope) -> QuerySet[M]:
    """`queryset` narrowed to `scope`. Every query a caller can reach goes through here."""
    return queryset.filter(scope_q(queryset.model, scope))


def access(queryset: QuerySet[M], scope: Scope, **lookup: Any) -> M:
    """The one object matching `lookup` inside `scope`, or Http404 (also when outside it)."""
    try:
        return scoped(queryset, scope).get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(queryset.model._meta.verbose_name) from None
