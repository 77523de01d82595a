"""Scope rules of the tracking models: events and rollups belong where their store does; a
guide sees their own rows. A customer's trail is reached through the customer (members'
rule), not through these."""

from django.db.models import Q

from siyu.org.scope import Rule, placed_by_store, register
from siyu.tracking.models import DailyStat, Dim, Event

register(Event, placed_by_store(staff="staff_id"))
register(
    DailyStat,
    Rule(
        group=None,
        brand="brand_id",
        branch="branch_id",
        store="store_id",
        # A guide's own guide rows and the rows of their share links.
        staff=lambda s: Q(dim=Dim.GUIDE, key=s) | Q(dim=Dim.LINK, staff_id=s),
    ),
)
