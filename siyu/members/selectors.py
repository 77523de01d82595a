"""Reads on customers, always narrowed to the caller's scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from siyu.core import sql
from siyu.members import pii
from siyu.members.models import (
    Consent,
    Customer,
    CustomerStatus,
    Identity,
    IdentityKind,
    Membership,
    PhoneReveal,
)
from siyu.org.models import Staff, StaffStatus, Store
from siyu.org.scope import Scope, access, scoped


def _with_phone_masked(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    phone = Identity.objects.filter(customer=OuterRef("pk"), kind=IdentityKind.PHONE).order_by("pk")
    return qs.annotate(phone_masked=Subquery(phone.values("masked")[:1]))


def customer_list(
    *,
    scope: Scope,
    q: str = "",
    store_id: int | None = None,
    brand_id: int | None = None,
    branch_id: int | None = None,
    owner_staff_id: int | None = None,
    join_channel: str = "",
) -> QuerySet[Customer]:
    """Active customers in scope, newest first, matching the search and filters.

    `q` is a full phone number (found by its keyed hash), a member number, or the start of
    a name.
    """
    qs = scoped(Customer.objects.filter(status=CustomerStatus.ACTIVE), scope)
    filters: dict[str, Any] = {
        "home_store_id": store_id,
        "home_brand_id": brand_id,
        "home_branch_id": branch_id,
        "owner_staff_id": owner_staff_id,
        "membership__join_channel": join_channel or None,
    }
    qs = qs.filter(**{k: v for k, v in filters.items() if v is not None})
    q = q.strip()
    if q:
        try:
            phone_key = pii.lookup_hash(pii.normalize_phone(q))
        except pii.InvalidPhone:
            phone_key = None
        # Exact lookups resolve to ids first through their unique index: left as joins, the
        # planner walks every customer in scope probing for the match (278 ms at 1,000,000).
        if phone_key:
            found = Identity.objects.filter(kind=IdentityKind.PHONE, platform="", key=phone_key)
            qs = qs.filter(pk__in=list(found.values_list("customer_id", flat=True)))
        elif q.upper().startswith("M") and q[1:].isalnum() and len(q) == 13:
            found_members = Membership.objects.filter(member_no=q.upper())
            qs = qs.filter(pk__in=list(found_members.values_list("customer_id", flat=True)))
        else:
            qs = qs.filter(name__startswith=q)
    return _with_phone_masked(
        qs.select_related("home_store", "owner_staff", "membership")
    ).order_by("-id")


def customer_get(*, scope: Scope, customer_id: int) -> Customer:
    """One customer in scope (Http404 otherwise), with masked phone and membership."""
    qs = _with_phone_masked(
        Customer.objects.select_related(
            "home_store",
            "owner_staff",
            "membership",
            "membership__join_brand",
            "membership__join_store",
        )
    )
    return access(qs, scope, pk=customer_id)


def customer_identities(*, customer: Customer) -> list[dict[str, str]]:
    """A customer's identities as they may be shown: phones masked, other ids as they are."""
    return [
        {
            "kind": i.kind,
            "label": str(IdentityKind(i.kind).label),
            "platform": i.platform,
            "value": i.masked if i.kind == IdentityKind.PHONE else i.key,
        }
        for i in Identity.objects.filter(customer=customer).order_by("kind", "pk")
    ]


def phone_reveal_list(*, scope: Scope) -> QuerySet[PhoneReveal]:
    """The reveal audit trail in scope."""
    return scoped(PhoneReveal.objects.select_related("actor", "customer"), scope).order_by("-id")


def customer_consents(*, customer: Customer) -> QuerySet[Consent]:
    """The customer's consent answers, one per channel asked."""
    return Consent.objects.filter(customer=customer).order_by("channel")


def customer_ids_by_identity(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The customer id behind each known (kind, value) of a non-phone identity, in one query
    per kind (event ingestion resolves a whole batch at once)."""
    from collections import defaultdict

    by_kind: dict[str, set[str]] = defaultdict(set)
    for kind, value in pairs:
        if kind != "phone":
            by_kind[kind].add(value)
    return _customers_by_key(by_kind)


def _customers_by_key(by_kind: Mapping[str, set[str]]) -> dict[tuple[str, str], int]:
    """{(kind, key): customer id} of the identities with these keys (phones: keyed hashes),
    in plain SQL (`sql.rows_in`): the ORM binds each key of a batch or import chunk in Python."""
    statement = (
        f"SELECT key, customer_id FROM {Identity._meta.db_table} "  # noqa: S608
        f"WHERE kind = {sql.mark()} AND platform = '' AND {{in}}"
    )
    return {
        (kind, key): customer
        for kind, values in by_kind.items()
        for key, customer in sql.rows_in(statement, "key", values, [kind])
    }


def identity_pseudonym(kind: str, value: str) -> str:
    """A keyed hash standing for an identity (never the identity itself): other apps count
    people siyu does not know apart by it, and find them again once it does (tracking's
    UV and stitching)."""
    return pii.lookup_hash(f"{kind}:{value}")[:24]


def customer_id_range() -> tuple[int, int] | None:
    """The lowest and highest customer id (the generator samples customers between them)."""
    from django.db.models import Max, Min

    bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
    return (bounds["low"], bounds["high"]) if bounds["low"] is not None else None


@dataclass(frozen=True)
class CustomerFacts:
    """What an order needs to know about its customer (commerce attribution and flags)."""

    home_store_id: int | None
    home_city_code: str
    owner_staff_id: int | None  # the bound guide, if still employed
    member_since: dt.datetime | None


def customer_facts(customer_ids: set[int]) -> dict[int, CustomerFacts]:
    """Home store and city, bound guide and membership start of each customer, in one query
    (plain SQL, `sql.rows_in`: a POS import asks for thousands at a time)."""
    customers, stores, staff, memberships = (m._meta.db_table for m in (Customer, Store, Staff, Membership))  # fmt: skip
    moment = sql.moment_reader()
    rows = sql.rows_in(
        f"SELECT c.id, c.home_store_id, s.city_code, c.owner_staff_id, g.status, m.joined_at "  # noqa: S608
        f"FROM {customers} c LEFT JOIN {stores} s ON s.id = c.home_store_id "
        f"LEFT JOIN {staff} g ON g.id = c.owner_staff_id "
        f"LEFT JOIN {memberships} m ON m.customer_id = c.id WHERE {{in}}",
        "c.id", customer_ids,
    )  # fmt: skip
    return {
        pk: CustomerFacts(
            store, city or "", owner if status == StaffStatus.EMPLOYED else None, moment(joined)
        )
        for pk, store, city, owner, status, joined in rows
    }


def customer_ids_for(pairs: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The customer behind each (kind, value) identity as an integration names it (a phone is
    looked up by its keyed hash; an invalid phone or unknown kind finds nobody), in one query
    per kind."""
    keys: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, value in pairs:
        value = (value or "").strip()
        if kind == IdentityKind.PHONE:
            try:
                keys[(kind, value)] = (kind, pii.lookup_hash(pii.normalize_phone(value)))
            except pii.InvalidPhone:
                continue
        elif kind in IdentityKind.values and value:
            keys[(kind, value)] = (kind, value)
    by_kind: dict[str, set[str]] = {}
    for kind, key in keys.values():
        by_kind.setdefault(kind, set()).add(key)
    found = _customers_by_key(by_kind)
    return {pair: found[key] for pair, key in keys.items() if key in found}


def customer_id_for(*, kind: str, value: str) -> int | None:
    """The customer one identity belongs to (see customer_ids_for), or None."""
    value = (value or "").strip()
    return customer_ids_for({(kind, value)}).get((kind, value))


def customer_survivors(customer_ids: set[int]) -> dict[int, int]:
    """The customer each merged one of `customer_ids` is now, following merges of merges;
    those never merged are left out. A write that names a customer it looked up before a
    merge (a mini-program's back end holding an id, points for an order read a moment
    earlier) goes to the survivor, so nothing new lands on a merged customer."""
    found: dict[int, int] = {}
    pending = set(customer_ids)
    while pending:  # one query per link of the longest chain (merges of merges are rare)
        step = dict(
            Customer.objects.filter(pk__in=pending, status=CustomerStatus.MERGED).values_list(
                "pk", "merged_into_id"
            )
        )
        for merged, into in found.items():
            found[merged] = step.get(into, into)
        found |= {pk: into for pk, into in step.items() if pk in customer_ids}
        pending = set(step.values())
    return found


def customer_survivor_id(customer_id: int | None) -> int | None:
    """`customer_id`, or the customer it was merged into (see `customer_survivors`)."""
    if customer_id is None:
        return None
    return customer_survivors({customer_id}).get(customer_id, customer_id)


def visible_customer_ids(*, scope: Scope, customer_ids: set[int]) -> set[int]:
    """Which of `customer_ids` are active customers the caller can see."""
    qs = scoped(Customer.objects.filter(pk__in=customer_ids, status=CustomerStatus.ACTIVE), scope)
    return set(qs.values_list("pk", flat=True))


def customer_names(customer_ids: set[int]) -> dict[int, str]:
    """Display names by id (never a phone) for lists keyed by customer id."""
    return dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "name"))


def customer_birthdays(customer_ids: set[int]) -> dict[int, dt.date]:
    """Birthdays by customer id, of those who gave one (plain SQL: see `customer_facts`)."""
    rows = sql.rows_in(
        f"SELECT id, birthday FROM {Customer._meta.db_table} "  # noqa: S608
        "WHERE birthday IS NOT NULL AND {in}",
        "id", customer_ids,
    )  # fmt: skip
    return dict(rows)  # a date already: Django's SQLite connection parses `date` columns


def member_ids(customer_ids: set[int]) -> set[int]:
    """Which of these customers are members."""
    return set(
        Membership.objects.filter(customer_id__in=customer_ids).values_list(
            "customer_id", flat=True
        )
    )


def joined_members(
    *, scope: Scope, since: dt.datetime, until: dt.datetime, brand_id: int | None = None
) -> dict[int, dt.datetime]:
    """Customers in scope who became members in [since, until) (through a brand), with when."""
    qs = scoped(Membership.objects.filter(joined_at__gte=since, joined_at__lt=until), scope)
    if brand_id is not None:
        qs = qs.filter(join_brand_id=brand_id)
    return dict(qs.values_list("customer_id", "joined_at"))
