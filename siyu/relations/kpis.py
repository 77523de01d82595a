"""Acquisition KPIs exactly as product.md defines them, always inside the caller's scope.

- Friends added: friendships whose `added_at` falls in the period (a re-add counts again),
  credited to the guide whose code brought them, per day / guide / store / branch.
- Friend validity: of friends added in the period, the share that are neither duplicates
  (already a friend of another store of the brand) nor deleted/blocked by the customer
  within 30 days of the add; the duplicate rate and the block rate beside it.
- Transacting-customer friend conversion: of distinct customers with a POS order at a
  store in the period, the share who are, or became by the end of the period, WeCom
  friends of that store's staff or account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from siyu.core.periods import period_bounds, rate
from siyu.org.scope import Scope, scoped
from siyu.relations.models import AcquisitionTarget, Friendship, FriendshipStatus

BLOCK_WINDOW = dt.timedelta(days=30)
GROUPS = {"day": "day", "guide": "credited_staff", "store": "store", "branch": "store__branch"}


@dataclass
class AcquisitionRow:
    key: object  # a date, or the id of the guide / store / branch
    label: str
    added: int
    duplicates: int
    blocked: int
    valid: int
    target: int | None = None

    @property
    def validity(self) -> Decimal | None:
        return rate(self.valid, self.added)

    @property
    def duplicate_rate(self) -> Decimal | None:
        return rate(self.duplicates, self.added)

    @property
    def block_rate(self) -> Decimal | None:
        return rate(self.blocked, self.added)

    @property
    def target_reached(self) -> Decimal | None:
        return rate(self.valid, self.target) if self.target else None


def acquisition(
    *, scope: Scope, start: dt.date, end: dt.date, by: str = "day"
) -> list[AcquisitionRow]:
    """Friends added in [start, end], with validity, grouped `by` day, guide, store or branch."""
    if by not in GROUPS:
        raise ValueError(by)
    since, until = period_bounds(start, end)
    blocked = _blocked()
    qs = scoped(Friendship.objects.filter(added_at__gte=since, added_at__lt=until), scope)
    if by == "day":
        qs = qs.annotate(day=TruncDate("added_at", tzinfo=ZoneInfo(settings.TIME_ZONE)))
    label_field = {
        "day": None,
        "guide": "credited_staff__name",
        "store": "store__name",
        "branch": "store__branch__name",
    }[by]
    values = [GROUPS[by]] + ([label_field] if label_field else [])
    rows = (
        qs.values(*values)
        .annotate(
            added=Count("id"),
            duplicates=Count("id", filter=Q(is_duplicate=True)),
            blocked=Count("id", filter=blocked),
            valid=Count("id", filter=Q(is_duplicate=False) & ~blocked),
        )
        .order_by(GROUPS[by])
    )
    result = [
        AcquisitionRow(
            key=r[GROUPS[by]],
            label=_label(r[label_field] if label_field else r[GROUPS[by]]),
            added=r["added"],
            duplicates=r["duplicates"],
            blocked=r["blocked"],
            valid=r["valid"],
        )
        for r in rows
    ]
    if by in ("guide", "store", "branch"):
        _attach_targets(result, by, start, end)
    return result


def _blocked() -> Q:
    """Deleted or blocked by the customer within BLOCK_WINDOW of the add."""
    return Q(
        status=FriendshipStatus.DELETED_BY_CUSTOMER, ended_at__lte=F("added_at") + BLOCK_WINDOW
    )


def valid_friends(
    *, staff_ids: Iterable[int], since: dt.datetime, until: dt.datetime
) -> dict[int, list[tuple[int, dt.datetime]]]:
    """The valid friendships (validity as above) credited to each guide, added in [since,
    until), as (id, added at) in the order they were added."""
    rows = (
        Friendship.objects.filter(
            credited_staff_id__in=list(staff_ids), added_at__gte=since, added_at__lt=until,
            is_duplicate=False,
        )
        .exclude(_blocked())
        .order_by("added_at", "id")
        .values_list("credited_staff_id", "id", "added_at")
    )  # fmt: skip
    found: dict[int, list[tuple[int, dt.datetime]]] = {}
    for staff, friendship, added_at in rows:
        found.setdefault(staff, []).append((friendship, added_at))
    return found


def _label(value: object) -> str:
    # Friends credited to no guide came through the store's own code to its unified account.
    return str(value) if value is not None else str(_("Store account (no guide)"))


def _attach_targets(rows: list[AcquisitionRow], by: str, start: dt.date, end: dt.date) -> None:
    field = {"guide": "staff", "store": "store", "branch": "branch"}[by]
    keys = [r.key for r in rows if r.key is not None]
    targets: dict[object, int] = {}
    for t in AcquisitionTarget.objects.filter(
        **{f"{field}_id__in": keys}, starts_on__lte=end, ends_on__gte=start
    ):
        overlap = (min(t.ends_on, end) - max(t.starts_on, start)).days + 1
        key = getattr(t, f"{field}_id")
        targets[key] = targets.get(key, 0) + overlap * t.friends_per_day
    for row in rows:
        row.target = targets.get(row.key)


def totals(rows: Iterable[AcquisitionRow]) -> AcquisitionRow:
    rows = list(rows)
    return AcquisitionRow(
        key=None,
        label="",
        added=sum(r.added for r in rows),
        duplicates=sum(r.duplicates for r in rows),
        blocked=sum(r.blocked for r in rows),
        valid=sum(r.valid for r in rows),
    )


def transacting_friend_conversion(
    *, order_customers: Iterable[tuple[int, int]], end: dt.date
) -> tuple[int, int, Decimal | None]:
    """(friends, transacting customers, rate) for distinct (store_id, customer_id) POS buyers.

    A buyer counts as a friend when a friendship with that store's staff or account was
    added by the end of the period and had not ended before it. The commerce app supplies
    the pairs from POS orders; the rule lives here.
    """
    pairs = set(order_customers)
    if not pairs:
        return 0, 0, None
    hits = len(pairs & friend_pairs(pairs=pairs, end=end))
    return hits, len(pairs), rate(hits, len(pairs))


def friend_pairs(*, pairs: Iterable[tuple[int, int]], end: dt.date) -> set[tuple[int, int]]:
    """Of (store_id, customer_id) pairs, those where the customer was a WeCom friend of the
    store's staff or account at the end of the period (the rule of the conversion above)."""
    _since, until = period_bounds(end, end)
    customers = {c for _s, c in pairs}
    if not customers:
        return set()
    friends = set(
        Friendship.objects.filter(customer_id__in=customers, added_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=until))
        .values_list("store_id", "customer_id")
    )
    return friends & set(pairs)
