"""The nightly tier evaluation (docs/loyalty.md, "Tiers"), set-based for a million members:
one aggregate of the year's orders per programme, the accounts read once, writes only for
the members whose tier changes or whose hold is renewed.

- A top-share tier's cut-off: the spend of the member at that share of the members who
  spent anything in the 12 months (ties at the cut-off are in), stored on the tier for the
  day's orders to use.
- Each account: qualifying tier above the held one → up now; at or above and the hold
  has ended → renewed for 12 months; below, and the hold ended more than the grace period
  ago → down to the qualifying tier.
"""

from __future__ import annotations

import datetime as dt
import math

from django.db import transaction

from siyu.core.periods import group_zone
from siyu.loyalty.models import Account, Programme, Tier, TierChange
from siyu.loyalty.services import YEAR, brands_of, qualifying, tiers_of

CHUNK = 5_000


def _cutoffs(tiers: list[Tier], spends: list[int]) -> None:
    ordered = sorted((s for s in spends if s > 0), reverse=True)
    for tier in tiers:
        if tier.top_share is None:
            continue
        if not ordered:
            tier.cutoff_fen = None
        else:
            place = max(math.ceil(len(ordered) * float(tier.top_share)), 1)
            tier.cutoff_fen = ordered[min(place, len(ordered)) - 1]
        tier.save(update_fields=["cutoff_fen"])


def tiers_evaluate(*, today: dt.date) -> dict[str, int]:
    """Evaluate every account of every programme as of the start of `today`."""
    from siyu.commerce.selectors import net_spend

    at = dt.datetime.combine(today, dt.time(0), group_zone())
    counts = {"accounts": 0, "upgraded": 0, "renewed": 0, "downgraded": 0}
    for programme in Programme.objects.order_by("pk"):
        tiers = tiers_of(programme)
        if not tiers:
            continue
        spends = net_spend(brand_ids=brands_of(programme), since=at - YEAR, until=at)
        _cutoffs(tiers, list(spends.values()))
        by_id = {t.pk: t for t in tiers}
        moves: list[tuple[int, Tier, Tier, int]] = []
        renew: list[int] = []
        rows = Account.objects.filter(programme=programme).values_list("pk", "customer_id", "tier_id", "tier_until")  # fmt: skip
        for pk, customer, tier_id, until in rows.iterator(chunk_size=50_000):
            counts["accounts"] += 1
            held, spend = by_id[tier_id], spends.get(customer, 0)
            best = qualifying(tiers, spend)
            if best.rank > held.rank:
                moves.append((pk, held, best, spend))
            elif best.rank == held.rank and held.rank > 0 and until < today:
                renew.append(pk)
            elif best.rank < held.rank and until + dt.timedelta(days=programme.grace_days) < today:
                moves.append((pk, held, best, spend))
        until = today + YEAR
        for start in range(0, len(moves), CHUNK):
            with transaction.atomic():
                chunk = moves[start : start + CHUNK]
                # One UPDATE per target tier (a night's moves share their dates): Django's
                # bulk_update builds a CASE per row, far slower at this size.
                to: dict[int, list[int]] = {}
                for pk, held, best, _s in chunk:
                    to.setdefault(best.pk, []).append(pk)
                    counts["upgraded" if best.rank > held.rank else "downgraded"] += 1
                for tier_id, ids in to.items():
                    Account.objects.filter(pk__in=ids).update(tier_id=tier_id, tier_since=at, tier_until=until)  # fmt: skip
                TierChange.objects.bulk_create(
                    TierChange(
                        account_id=pk, from_tier=held, to_tier=best, spend_fen=spend, at=at,
                        reason="upgrade" if best.rank > held.rank else "downgrade",
                    )
                    for pk, held, best, spend in chunk
                )  # fmt: skip
        for start in range(0, len(renew), CHUNK):
            Account.objects.filter(pk__in=renew[start : start + CHUNK]).update(tier_until=until)
        counts["renewed"] += len(renew)
    return counts
