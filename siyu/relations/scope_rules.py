"""Scope rules of the relationship models, and a guide's view of their WeCom friends."""

from django.db.models import Q

from siyu.members.models import Customer
from siyu.org.scope import Rule, register, widen_for_guides
from siyu.relations.models import ChannelCode, Friendship, FriendshipStatus, Transfer

register(
    ChannelCode,
    Rule(group=None, brand="store__brand", branch="store__branch", store="store", staff="staff"),
)
register(
    Friendship,
    Rule(
        group=None,
        brand="store__brand",
        branch="store__branch",
        store="store",
        staff=lambda s: Q(staff=s) | Q(credited_staff=s),
    ),
)
register(
    Transfer,
    Rule(
        group=None,
        brand="store__brand",
        branch="store__branch",
        store="store",
        staff=lambda s: Q(takeover_staff=s),
    ),
)


def _friends_of(staff_id: int) -> Q:
    friends = Friendship.objects.filter(staff_id=staff_id, status=FriendshipStatus.ACTIVE).values(
        "customer_id"
    )
    return Q(pk__in=friends)


# A guide sees the customers they serve and the customers who are their WeCom friends.
widen_for_guides(Customer, _friends_of)
