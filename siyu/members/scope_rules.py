"""Scope rules of the member models (see siyu.org.scope).

A customer belongs to the tree through their home store; a guide sees the customers they
serve. The relationships app will widen the guide rule to their WeCom friends.
"""

from siyu.members.models import Customer, CustomerMerge, Identity, Membership, PhoneReveal
from siyu.org.scope import Rule, register

register(
    Customer,
    Rule(
        group=None,
        brand="home_brand",
        branch="home_branch",
        store="home_store",
        staff="owner_staff",
    ),
)
for model, path in (
    (Identity, "customer"),
    (Membership, "customer"),
    (PhoneReveal, "customer"),
    (CustomerMerge, "target"),
):
    register(
        model,
        Rule(
            group=None,
            brand=f"{path}__home_brand",
            branch=f"{path}__home_branch",
            store=f"{path}__home_store",
            staff=f"{path}__owner_staff",
        ),
    )
