"""The guide content mix ("532") and the share rate, exactly as product.md defines them.

- Mix: of a guide's (or store's) forwards in the period, the share in each category
  against the target 50 % lifestyle / 30 % brand / 20 % transaction, and the share of
  forwards that are direct sale links against the 20 % ceiling.
- Share rate (分享率): of active guides in scope, the share who forwarded at least one
  item in the period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from siyu.content.models import Category, Forward
from siyu.core.periods import period_bounds, rate
from siyu.org.models import Role, Staff, StaffStatus, Store
from siyu.org.scope import Scope, scoped

TARGET = {
    Category.LIFESTYLE: Decimal("0.50"),
    Category.BRAND: Decimal("0.30"),
    Category.TRANSACTION: Decimal("0.20"),
}
DIRECT_SALE_CEILING = Decimal("0.20")
TOLERANCE = Decimal("0.10")  # a category further than this from its target is flagged
GROUPS = {"guide": "staff", "store": "store"}


@dataclass
class MixRow:
    key: int
    label: str
    forwards: int
    counts: dict[str, int]
    direct_sale: int
    shares: dict[str, Decimal | None] = field(default_factory=dict)
    direct_sale_share: Decimal | None = None

    @property
    def off_target(self) -> list[str]:
        """Categories further than TOLERANCE from their target share."""
        return [
            c for c, want in TARGET.items()
            if (got := self.shares.get(c)) is not None and abs(got - want) > TOLERANCE
        ]  # fmt: skip

    @property
    def cells(self) -> list[tuple[str, Decimal | None, bool]]:
        """(category, share, off target) in the order of Category, for tables."""
        off = self.off_target
        return [(c, self.shares.get(c), c in off) for c in Category.values]

    @property
    def over_ceiling(self) -> bool:
        return self.direct_sale_share is not None and self.direct_sale_share > DIRECT_SALE_CEILING


def content_mix(*, scope: Scope, start: dt.date, end: dt.date, by: str = "guide") -> list[MixRow]:
    """One row per guide (or store) with forwards in the period, most forwards first."""
    column = GROUPS[by]
    low, high = period_bounds(start, end)
    forwards = scoped(Forward.objects.filter(at__gte=low, at__lt=high), scope)
    counts = {c: Count("id", filter=Q(category=c)) for c in Category.values}
    rows = (
        forwards.values(column)
        .annotate(total=Count("id"), direct=Count("id", filter=Q(direct_sale=True)), **counts)
        .order_by("-total", column)
    )
    model = Staff if by == "guide" else Store
    names = dict(model.objects.filter(pk__in=[r[column] for r in rows]).values_list("pk", "name"))
    result = []
    for row in rows:
        mix = MixRow(
            key=row[column],
            label=names.get(row[column], ""),
            forwards=row["total"],
            counts={c: row[c] for c in Category.values},
            direct_sale=row["direct"],
        )
        mix.shares = {c: rate(n, mix.forwards) for c, n in mix.counts.items()}
        mix.direct_sale_share = rate(mix.direct_sale, mix.forwards)
        result.append(mix)
    return result


@dataclass
class ShareRate:
    active_guides: int
    sharing_guides: int
    share_rate: Decimal | None


def share_rate(*, scope: Scope, start: dt.date, end: dt.date) -> ShareRate:
    """The scope's share rate: its stores' figures added up (one rule, `store_shares`)."""
    stores = store_shares(scope=scope, start=start, end=end).values()
    active = sum(s.active_guides for s in stores)
    sharing = sum(s.sharing_guides for s in stores)
    return ShareRate(active_guides=active, sharing_guides=sharing, share_rate=rate(sharing, active))


@dataclass
class StoreShares:
    active_guides: int = 0
    sharing_guides: int = 0
    forwards: int = 0

    @property
    def share_rate(self) -> Decimal | None:
        return rate(self.sharing_guides, self.active_guides)


def store_shares(*, scope: Scope, start: dt.date, end: dt.date) -> dict[int, StoreShares]:
    """Per store in scope: its active guides, those who forwarded in the period, forwards."""
    low, high = period_bounds(start, end)
    guides = scoped(Staff.objects.filter(role=Role.GUIDE, status=StaffStatus.EMPLOYED), scope)
    out: dict[int, StoreShares] = {}
    for store, n in guides.values("store_id").annotate(n=Count("id")).values_list("store_id", "n"):
        out[store] = StoreShares(active_guides=n)
    forwards = Forward.objects.filter(at__gte=low, at__lt=high, staff__in=guides)
    for store, n, sharing in (
        forwards.values("staff__store_id")
        .annotate(n=Count("id"), sharing=Count("staff_id", distinct=True))
        .values_list("staff__store_id", "n", "sharing")
    ):
        shares = out.setdefault(store, StoreShares())
        shares.forwards, shares.sharing_guides = n, sharing
    return out
