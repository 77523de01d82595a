"""Writes on customers: create, identify, merge, consent, reveal. Each runs in one transaction."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core import sql
from siyu.members import merge, pii
from siyu.members.models import (
    Consent,
    ConsentChannel,
    Customer,
    CustomerMerge,
    CustomerStatus,
    Gender,
    Identity,
    IdentityKind,
    JoinChannel,
    Membership,
    PhoneReveal,
)
from siyu.org import services as org_services
from siyu.org.models import Brand, Staff, StaffStatus, Store
from siyu.org.scope import Capability, Scope


class IdentityConflict(ValidationError):
    """The identity already belongs to another customer; merging them is the way forward."""

    def __init__(self, kind: str, owner_id: int):
        self.owner_id = owner_id
        super().__init__({kind: _("This identity already belongs to another customer.")})


def identity_key(*, kind: str, value: str) -> tuple[str, str, str]:
    """(key, encrypted_value, masked) for a raw identity value; raises ValidationError."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({kind: _("This field may not be empty.")})
    if kind == IdentityKind.PHONE:
        try:
            e164 = pii.normalize_phone(value)
        except pii.InvalidPhone:
            raise ValidationError({kind: _("Enter a valid mobile phone number.")}) from None
        return pii.lookup_hash(e164), pii.encrypt(e164), pii.mask_phone(e164)
    if kind not in IdentityKind.values:
        raise ValidationError({"kind": _("Unknown identity kind.")})
    if len(value) > 128:
        raise ValidationError({kind: _("At most 128 characters.")})
    return value, "", ""


def customer_resolve(*, kind: str, value: str, platform: str = "") -> Customer | None:
    """The active customer holding this identity, if any."""
    key, _enc, _masked = identity_key(kind=kind, value=value)
    identity = (
        Identity.objects.select_related("customer")
        .filter(kind=kind, platform=platform, key=key)
        .first()
    )
    return identity.customer if identity else None


def _check_not_merged(customer: Customer) -> None:
    """Refuse, by field, a write to a merged customer: what it held moved to the customer it
    was merged into, and a new identity, consent or membership here would be lost to them
    (`customer_get` reads a customer's status just before a write; orders instead go to the
    survivor, see commerce's `order_create`)."""
    if customer.status == CustomerStatus.MERGED:
        message = _("This customer was merged into customer %(id)s: use that one.")
        raise ValidationError({"customer": message % {"id": customer.merged_into_id}})


@transaction.atomic
def identity_attach(*, customer: Customer, kind: str, value: str, platform: str = "") -> Identity:
    """Give `customer` an identity; idempotent for the same customer, IdentityConflict for another."""
    _check_not_merged(customer)
    key, encrypted, masked = identity_key(kind=kind, value=value)
    existing = Identity.objects.filter(kind=kind, platform=platform, key=key).first()
    if existing is not None:
        if existing.customer_id != customer.pk:
            raise IdentityConflict(kind, existing.customer_id)
        return existing
    try:
        with transaction.atomic():
            return Identity.objects.create(
                customer=customer,
                kind=kind,
                platform=platform,
                key=key,
                encrypted_value=encrypted,
                masked=masked,
            )
    except IntegrityError:
        # Lost a race with another writer attaching the same identity.
        owner = Identity.objects.get(kind=kind, platform=platform, key=key).customer_id
        if owner == customer.pk:
            return Identity.objects.get(kind=kind, platform=platform, key=key)
        raise IdentityConflict(kind, owner) from None


def _check_guide(owner_staff: Staff | None, home_store: Store | None) -> None:
    if owner_staff is None:
        return
    if owner_staff.status != StaffStatus.EMPLOYED:
        raise ValidationError({"owner_staff": _("This staff member has left.")})
    if home_store is not None and owner_staff.store_id != home_store.pk:
        raise ValidationError(
            {"owner_staff": _("The guide must work at the customer's home store.")}
        )


def _place(customer: Customer, store: Store | None) -> None:
    """Set the customer's home store and the brand and branch copied from it (see the model)."""
    customer.home_store = store
    customer.home_brand_id = store.brand_id if store else None
    customer.home_branch_id = store.branch_id if store else None


def customers_follow_store(store: Store) -> int:
    """After a store changed brand or branch, move its customers' copies along; returns the count."""
    return Customer.objects.filter(home_store=store).update(
        home_brand_id=store.brand_id, home_branch_id=store.branch_id
    )


org_services.on_store_moved(customers_follow_store)


def new_member_no() -> str:
    return "M" + secrets.token_hex(6).upper()


@transaction.atomic
def customer_create(
    *,
    name: str = "",
    gender: str = Gender.UNKNOWN,
    birthday: dt.date | None = None,
    home_store: Store | None = None,
    owner_staff: Staff | None = None,
    identities: dict[str, str] | None = None,
    join_brand: Brand | None = None,
    join_channel: str | None = None,
    joined_at: dt.datetime | None = None,
) -> Customer:
    """A new customer with their identities and, when join details are given, membership."""
    if gender not in Gender.values:
        raise ValidationError({"gender": _("Unknown gender.")})
    _check_guide(owner_staff, home_store)
    customer = Customer(
        name=name.strip(), gender=gender, birthday=birthday, owner_staff=owner_staff
    )
    _place(customer, home_store)
    customer.save()
    errors: dict[str, Any] = {}
    for kind, value in (identities or {}).items():
        try:
            identity_attach(customer=customer, kind=kind, value=value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)  # the atomic block rolls back the customer too
    if join_channel:
        membership_create(
            customer=customer,
            join_brand=join_brand or (home_store.brand if home_store else None),
            join_store=home_store,
            join_channel=join_channel,
            joined_at=joined_at,
        )
    return customer


def customer_place_for(
    *, scope: Scope, home_store: Store | None, owner_staff: Staff | None
) -> tuple[Store | None, Staff | None]:
    """Where a new customer added by `scope` goes: a guide adds to their own book at their own store."""
    if scope.is_guide and scope.staff_id is not None:
        guide = Staff.objects.select_related("store").get(pk=scope.staff_id)
        return guide.store, guide
    return home_store, owner_staff


def check_reassignment(*, scope: Scope, fields: dict[str, Any]) -> None:
    """Guides edit their customers' profiles but never move them to another store or guide."""
    if scope.is_guide and {"home_store", "owner_staff"} & fields.keys():
        raise PermissionDenied(_("Guides do not reassign customers."))


@transaction.atomic
def customers_create_bulk(*, people: list[dict[str, Any]]) -> list[Customer]:
    """Many new customers at once, for imports: the rules of customer_create, one INSERT per table.

    Each item: name, gender, home_store, owner_staff, identities {kind: value}. The caller has
    checked the identities are new (a clash raises IntegrityError and rolls everything back).
    """
    customers, identities = [], []
    for person in people:
        customer = Customer(
            name=(person.get("name") or "").strip()[:50],
            gender=person.get("gender", Gender.UNKNOWN),
            owner_staff=person.get("owner_staff"),
        )
        _place(customer, person.get("home_store"))
        _check_guide(customer.owner_staff, customer.home_store)
        customers.append(customer)
    sql.instances_insert(customers)
    for customer, person in zip(customers, people, strict=True):
        for kind, value in person.get("identities", {}).items():
            key, encrypted, masked = identity_key(kind=kind, value=value)
            identities.append(
                Identity(
                    customer=customer, kind=kind, key=key, encrypted_value=encrypted, masked=masked
                )
            )
    sql.instances_insert(identities)
    return customers


@transaction.atomic
def membership_create(
    *,
    customer: Customer,
    join_brand: Brand | None,
    join_store: Store | None,
    join_channel: str,
    joined_at: dt.datetime | None = None,
) -> Membership:
    """Make the customer a member of the group (once); returns the existing membership if any."""
    _check_not_merged(customer)
    if join_channel not in JoinChannel.values:
        raise ValidationError({"join_channel": _("Unknown join channel.")})
    if join_brand is None:
        raise ValidationError({"join_brand": _("A member joins through a brand.")})
    membership, created = Membership.objects.get_or_create(
        customer=customer,
        defaults={
            "member_no": new_member_no(),
            "join_brand": join_brand,
            "join_store": join_store,
            "join_channel": join_channel,
            "joined_at": joined_at or timezone.now(),
        },
    )
    if created:
        from siyu.loyalty.services import member_joined

        # The programme's account, joining bonus and new-customer coupon (in this transaction).
        member_joined(customer_id=customer.pk, brand_id=join_brand.pk, at=membership.joined_at)
    return membership


@transaction.atomic
def customer_update(*, customer: Customer, **fields: Any) -> Customer:
    """Change a customer's profile or who serves them (name, gender, birthday, home store,
    guide). Only the changed columns are written: a customer read just before a merge and
    saved whole after it would be made active again."""
    _check_not_merged(customer)
    allowed = {"name", "gender", "birthday", "home_store", "owner_staff"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({f: _("This field cannot be changed here.") for f in unknown})
    if "gender" in fields and fields["gender"] not in Gender.values:
        raise ValidationError({"gender": _("Unknown gender.")})
    changed = {"updated_at"}
    for name, value in fields.items():
        if name == "home_store":
            _place(customer, value)
            changed |= {"home_store", "home_brand", "home_branch"}
        else:
            setattr(customer, name, value)
            changed.add(name)
    _check_guide(customer.owner_staff, customer.home_store)
    customer.save(update_fields=sorted(changed))
    return customer


@transaction.atomic
def consent_set(*, customer: Customer, channel: str, granted: bool, source: str = "") -> Consent:
    """Record the customer's answer for one channel; unsubscribing is `granted=False`."""
    _check_not_merged(customer)
    if channel not in ConsentChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    consent, _created = Consent.objects.update_or_create(
        customer=customer,
        channel=channel,
        defaults={"granted": granted, "source": source, "changed_at": timezone.now()},
    )
    return consent


def _merge_membership(source: Customer, target: Customer) -> int:
    """The earliest membership wins; the later one is deleted (its details stay in the record)."""
    memberships = {
        m.customer_id: m for m in Membership.objects.filter(customer__in=[source, target])
    }
    mine, theirs = memberships.get(source.pk), memberships.get(target.pk)
    if mine is None:
        return 0
    if theirs is None:
        Membership.objects.filter(pk=mine.pk).update(customer=target)
        return 1
    if mine.joined_at < theirs.joined_at:
        theirs.delete()
        Membership.objects.filter(pk=mine.pk).update(customer=target)
        return 1
    mine.delete()
    return 0


def _merge_consents(source: Customer, target: Customer) -> int:
    """Per channel the most recent answer wins: an unsubscribe on either side is respected."""
    moved = 0
    for consent in Consent.objects.filter(customer=source):
        other = Consent.objects.filter(customer=target, channel=consent.channel).first()
        if other is None or other.changed_at < consent.changed_at:
            if other is not None:
                other.delete()
            Consent.objects.filter(pk=consent.pk).update(customer=target)
            moved += 1
        else:
            consent.delete()
    return moved


merge.register_handler("members.membership", _merge_membership)
merge.register_handler("members.consent", _merge_consents)
merge.register_reference(PhoneReveal, "customer")


@transaction.atomic
def customer_merge(
    *, source: Customer, target: Customer, actor: Any | None, reason: str
) -> CustomerMerge:
    """Merge `source` into `target`: every identity and reference moves; `source` stays as a tombstone."""
    if source.pk == target.pk:
        raise ValidationError({"target": _("A customer cannot be merged into itself.")})
    # Lock both rows in id order so two merges touching the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Customer.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("pk")
    }
    source, target = locked[source.pk], locked[target.pk]
    if CustomerStatus.MERGED in (source.status, target.status):
        raise ValidationError({"source": _("One of these customers was already merged.")})
    snapshot = {
        "name": source.name,
        "gender": source.gender,
        "birthday": source.birthday.isoformat() if source.birthday else None,
        "home_store": source.home_store_id,
        "owner_staff": source.owner_staff_id,
    }
    if not target.name and source.name:
        target.name = source.name
    if target.birthday is None and source.birthday is not None:
        target.birthday = source.birthday
    if target.gender == Gender.UNKNOWN:
        target.gender = source.gender
    if target.home_store_id is None:
        _place(target, source.home_store)
        target.owner_staff_id = source.owner_staff_id
    target.save()
    identity_ids = list(Identity.objects.filter(customer=source).values_list("pk", flat=True))
    Identity.objects.filter(pk__in=identity_ids).update(customer=target)
    moved: dict[str, Any] = {"identities": identity_ids, "source": snapshot}
    moved.update(merge.move_references(source, target))
    source.status, source.merged_into = CustomerStatus.MERGED, target
    source.save(update_fields=["status", "merged_into", "updated_at"])
    return CustomerMerge.objects.create(
        source=source, target=target, actor=actor, reason=reason, moved=moved
    )


SWEEP_WINDOW = dt.timedelta(days=1)


def customer_merges_sweep(*, now: dt.datetime | None = None) -> dict[int, dict[str, int]]:
    """Move again what each recent merge moved (`SWEEP_WINDOW`), for whatever reached the
    merged customer after its merge committed: an import or an event batch that had looked
    the customer up just before it, and wrote just after. Every mover only moves what is
    still the merged customer's, so a sweep that finds nothing changes nothing. Merges go
    in the order they were made, each in its own transaction, so something that reached a
    customer merged twice (A into B, then B into C) ends with C. Returns, by merge, what
    moved (only what did)."""
    since = (now or timezone.now()) - SWEEP_WINDOW
    swept: dict[int, dict[str, int]] = {}
    for record in CustomerMerge.objects.filter(created_at__gte=since).select_related("source", "target").order_by("pk"):  # fmt: skip
        with transaction.atomic():
            # The two customers locked in id order, as customer_merge does.
            list(Customer.objects.select_for_update().filter(pk__in=[record.source_id, record.target_id]).order_by("pk"))  # fmt: skip
            late = {"identities": Identity.objects.filter(customer=record.source).update(customer=record.target)}  # fmt: skip
            late.update(merge.move_references(record.source, record.target))
        if any(late.values()):
            swept[record.pk] = {name: n for name, n in late.items() if n}
    return swept


def customer_phone(customer: Customer) -> Identity | None:
    return (
        Identity.objects.filter(customer=customer, kind=IdentityKind.PHONE).order_by("pk").first()
    )


@transaction.atomic
def customer_phone_reveal(
    *, scope: Scope, actor: Any, customer: Customer, reason: str, ip: str | None = None
) -> str:
    """The customer's phone in clear, for a caller allowed to see it; writes the audit record.

    The caller must already have fetched `customer` through `scope.access()`.
    """
    if not scope.can(Capability.REVEAL_PHONE):
        raise PermissionDenied(_("Your role may not see phone numbers."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you need the number.")})
    identity = customer_phone(customer)
    if identity is None:
        raise ValidationError({"phone": _("This customer has no phone number.")})
    PhoneReveal.objects.create(actor=actor, customer=customer, reason=reason[:200], ip=ip)
    return pii.decrypt(identity.encrypted_value)
