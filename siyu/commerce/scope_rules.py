"""Scope rules of commerce: an order belongs to its store (a guide sees the orders credited
to them); commission rows to their store (a guide sees their own); the catalog to its brand
(everyone of the brand sees it)."""

from django.db.models import Q

from siyu.commerce.models import CommissionEntry, Order, Product
from siyu.org.models import Branch, Store
from siyu.org.scope import Rule, placed_by_store, register

# Orders of a brand or branch are found through their stores: the order's (store, paid_at)
# index serves them, and orders carry no brand or branch index for every import to write.
register(Order, placed_by_store(staff="staff_id"))
register(
    CommissionEntry,
    Rule(
        group=None,
        brand="store__brand_id",
        branch="store__branch_id",
        store="store_id",
        staff="staff_id",
    ),
)
register(
    Product,
    Rule(
        group=None,
        brand="brand_id",
        branch=lambda b: Q(brand_id__in=Branch.objects.filter(pk=b).values("brand_id")),
        store=lambda s: Q(brand_id__in=Store.objects.filter(pk=s).values("brand_id")),
    ),
)
