"""Writes of loyalty (docs/loyalty.md): accounts and tiers, points earned, clawed back,
redeemed, adjusted and expired, benefits used, coupons issued and redeemed.

Every write for one member locks their account row first (`_locked`), so concurrent writes
for a member queue; a coupon's single use is a conditional UPDATE, safe without a lock.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core import sql
from siyu.core.periods import group_zone, local
from siyu.loyalty.models import (
    Account,
    Benefit,
    BenefitPeriod,
    BenefitUse,
    Coupon,
    CouponStatus,
    CouponTemplate,
    DiscountKind,
    PointsEntry,
    PointsKind,
    Programme,
    Tier,
    TierChange,
)
from siyu.members import merge
from siyu.org.scope import Capability, Scope

YEAR = dt.timedelta(days=365)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at a till


# -- programmes, accounts, tiers -------------------------------------------------------------------
def programme_for(brand_id: int | None) -> Programme | None:
    """The programme an order of this brand earns in: the brand's, else the group's."""
    if brand_id is not None:
        own = Programme.objects.filter(brand_id=brand_id).first()
        if own is not None:
            return own
    return Programme.objects.filter(brand=None).first()


def brands_of(programme: Programme) -> list[int] | None:
    """The brands whose orders count in a programme (None: every brand of the group)."""
    return [programme.brand_id] if programme.brand_id else None


def tiers_of(programme: Programme) -> list[Tier]:
    return list(programme.tiers.order_by("rank"))


def qualifying(tiers: Sequence[Tier], spend_fen: int) -> Tier:
    """The highest tier whose entry spend `spend_fen` reaches (the base tier at least)."""
    best = tiers[0]
    for tier in tiers:
        entry = tier.entry_fen
        if entry is not None and spend_fen >= entry and tier.rank >= best.rank:
            best = tier
    return best


def _held_until(at: dt.datetime) -> dt.date:
    return local(at).date() + YEAR


def spend_12m(*, programme: Programme, customer_id: int, at: dt.datetime) -> int:
    from siyu.commerce.selectors import net_spend

    spends = net_spend(brand_ids=brands_of(programme), since=at - YEAR, until=at + dt.timedelta(seconds=1), customer_ids=[customer_id])  # fmt: skip
    return spends.get(customer_id, 0)


def _locked(programme: Programme, customer_id: int, at: dt.datetime) -> tuple[Account, bool]:
    """The member's account in the programme, locked; made (base tier) when missing."""
    account = (
        Account.objects.select_for_update()
        .select_related("tier")
        .filter(programme=programme, customer_id=customer_id)
        .first()
    )
    if account is not None:
        return account, False
    base = tiers_of(programme)[0]
    try:
        with transaction.atomic():
            account = Account.objects.create(
                programme=programme, customer_id=customer_id, tier=base, tier_since=at,
                tier_until=_held_until(at),
            )  # fmt: skip
    except IntegrityError:  # made by a concurrent write for the same member
        return Account.objects.select_for_update().select_related("tier").get(
            programme=programme, customer_id=customer_id
        ), False
    TierChange.objects.create(account=account, from_tier=None, to_tier=base, reason="join", at=at)
    if programme.join_bonus:
        PointsEntry.objects.create(
            account=account, kind=PointsKind.BONUS, points=programme.join_bonus,
            expires_on=lot_expiry(at), reason="join", at=at,
        )  # fmt: skip
    return account, True


def _merge_accounts(source: Any, target: Any) -> int:
    """A merged customer's loyalty accounts become the survivor's. In a programme where only
    the merged customer has one, it moves. Where both have one, the survivor's account takes
    the other's whole history — points entries (lots keep their expiry), tier changes,
    benefit uses, coupons — and the higher of the two tiers (a tier change says "merge"), or
    the same tier held as long as either held it, and the emptied account goes. Accounts
    are locked in id order."""
    accounts = list(
        Account.objects.select_for_update().select_related("tier")
        .filter(customer_id__in=[source.pk, target.pk]).order_by("pk")
    )  # fmt: skip
    kept = {a.programme_id: a for a in accounts if a.customer_id == target.pk}
    moved = 0
    for account in (a for a in accounts if a.customer_id == source.pk):
        moved += 1
        into = kept.get(account.programme_id)
        if into is None:
            account.customer_id = target.pk
            account.save(update_fields=["customer_id"])
            continue
        for model in (PointsEntry, TierChange, BenefitUse, Coupon):
            model.objects.filter(account=account).update(account=into)
        if account.tier.rank > into.tier.rank:
            TierChange.objects.create(account=into, from_tier=into.tier, to_tier=account.tier, reason="merge", at=timezone.now())  # fmt: skip
            into.tier, into.tier_since, into.tier_until = account.tier, account.tier_since, account.tier_until  # fmt: skip
            into.save(update_fields=["tier", "tier_since", "tier_until"])
        elif account.tier_id == into.tier_id and account.tier_until > into.tier_until:
            into.tier_until = account.tier_until  # held as long as either qualified for it
            into.save(update_fields=["tier_until"])
        account.delete()
    return moved


merge.register_handler("loyalty.account.customer_id", _merge_accounts)


@transaction.atomic
def member_joined(*, customer_id: int, brand_id: int | None, at: dt.datetime | None = None) -> Account | None:  # fmt: skip
    """A customer became a member: their account (with the joining bonus) and the
    new-customer first-order coupon, once."""
    programme = programme_for(brand_id)
    if programme is None or not programme.tiers.exists():
        return None
    at = at or timezone.now()
    account, made = _locked(programme, customer_id, at)
    template = programme.welcome_template
    if template is not None and not account.coupons.filter(reason="welcome").exists():
        coupon_issue(template=template, account=account, reason="welcome", at=at)
    return account


# -- points ----------------------------------------------------------------------------------------
def lot_expiry(at: dt.datetime) -> dt.date:
    """Points earned in a year expire at the end of the next year."""
    return dt.date(local(at).year + 1, 12, 31)


def earn_points(
    *, programme: Programme, tier: Tier, lines: Iterable[tuple[str, int]], birthday: dt.date | None, at: dt.datetime,
) -> int:  # fmt: skip
    """Points for paid lines (product line, amount in fen): per yuan × the line's multiplier
    × the tier's × the birthday month's when `at` falls in it; rounded down."""
    multipliers = programme.line_multipliers
    if multipliers:
        yuan = sum(
            Decimal(fen) / 100 * Decimal(str(multipliers.get(line, 1))) for line, fen in lines
        )
    else:  # the common case, on the POS import's hot path: one Decimal per order
        yuan = Decimal(sum(fen for _line, fen in lines)) / 100
    points = yuan * programme.points_per_yuan * tier.points_multiplier
    if birthday is not None and local(at).month == birthday.month:
        points *= programme.birthday_multiplier
    return max(int(points), 0)


@dataclass
class Paid:
    """A paid member order as loyalty needs it."""

    order_id: int
    brand_id: int
    customer_id: int
    paid_at: dt.datetime
    lines: list[tuple[str, int]]  # (product line, amount paid in fen)


def order_paid(*, order: Any, lines: Sequence[Any]) -> int:
    """A member's order was paid (inside the payment's transaction): see `orders_paid`."""
    if not order.is_member or order.customer_id is None or order.paid_at is None:
        return 0
    return orders_paid([Paid(order.pk, order.brand_id, order.customer_id, order.paid_at, [(line.product_line, line.amount_fen) for line in lines])])  # fmt: skip


def orders_paid(paid: Sequence[Paid]) -> int:
    """Points and tiers for paid member orders — one order at checkout, or a chunk of a POS
    import — in the caller's transaction; returns the earn entries written.

    Each order earns at the tier its member held when paying (orders taken in time order);
    then each member moves up at once if their 12-month spend qualifies. For a chunk the
    spend is read once, for the year before its last order. An order already earned on is
    skipped (a resent import changes nothing). Orders without a programme earn nothing."""
    from siyu.commerce.selectors import net_spend
    from siyu.members.selectors import customer_birthdays, customer_survivors

    programmes: dict[int, Programme | None] = {}
    by_programme: dict[int, tuple[Programme, list[Paid]]] = {}
    for item in paid:
        if item.brand_id not in programmes:
            found = programme_for(item.brand_id)
            programmes[item.brand_id] = (
                found if found is not None and found.tiers.exists() else None
            )
        programme = programmes[item.brand_id]
        if programme is not None:
            by_programme.setdefault(programme.pk, (programme, []))[1].append(item)
    written = 0
    for programme, items in by_programme.values():
        named = {p.customer_id for p in items}
        accounts = _accounts_locked(programme, named)
        # A member without an account may have been merged since their order was looked up
        # (accounts move with a merge): the survivor earns, and no account is made for the
        # merged customer. The order itself follows at the merge sweep.
        moved = customer_survivors(named - set(accounts))
        if moved:
            items = [replace(p, customer_id=moved.get(p.customer_id, p.customer_id)) for p in items]  # fmt: skip
            accounts |= _accounts_locked(programme, set(moved.values()) - set(accounts))
        items.sort(key=lambda p: (p.paid_at, p.order_id))
        first_paid: dict[int, dt.datetime] = {}
        last_paid: dict[int, dt.datetime] = {}
        for p in items:  # in time order: the first seen is the earliest
            first_paid.setdefault(p.customer_id, p.paid_at)
            last_paid[p.customer_id] = p.paid_at
        customers = set(first_paid)
        tiers = tiers_of(programme)
        tier_by_id = {t.pk: t for t in tiers}
        for customer in sorted(customers - set(accounts)):
            made = _locked(programme, customer, first_paid[customer])[0]
            accounts[customer] = (made.pk, made.tier_id)
        done = {
            order for (order,) in sql.rows_in(
                f"SELECT order_id FROM {PointsEntry._meta.db_table} "  # noqa: S608
                f"WHERE kind = {sql.mark()} AND {{in}}",
                "order_id", [p.order_id for p in items], [PointsKind.EARN.value],
            )
        }  # fmt: skip
        birthdays = customer_birthdays(customers)
        earned = []  # (account, points, order, paid at) of each earn entry
        for item in items:
            account_id, tier_id = accounts[item.customer_id]
            points = earn_points(programme=programme, tier=tier_by_id[tier_id], lines=item.lines, birthday=birthdays.get(item.customer_id), at=item.paid_at)  # fmt: skip
            if points > 0 and item.order_id not in done:
                earned.append((account_id, points, item.order_id, item.paid_at))
        if earned:  # column by column, as plain rows: a POS chunk holds thousands
            account_ids, points_, order_ids, moments = map(list, zip(*earned, strict=True))
            sql.columns_insert(PointsEntry, {
                "account_id": account_ids, "kind": [PointsKind.EARN] * len(earned), "points": points_,
                "expires_on": list(map(lot_expiry, moments)), "order_id": order_ids, "at": moments,
            }, ids=False)  # fmt: skip
        written += len(earned)
        # Tiers only go up here: members already at the top need no spend.
        top = tiers[-1].rank
        climbing = {c for c, (_a, tier_id) in accounts.items() if tier_by_id[tier_id].rank < top}
        if not climbing:
            continue
        first, last = items[0].paid_at, items[-1].paid_at
        spends = net_spend(brand_ids=brands_of(programme), since=first - YEAR, until=last + dt.timedelta(seconds=1), customer_ids=climbing)  # fmt: skip
        ups = []
        for customer in sorted(climbing):
            account_id, tier_id = accounts[customer]
            spend = spends.get(customer, 0)
            best = qualifying(tiers, spend)
            if best.rank > tier_by_id[tier_id].rank:
                ups.append((account_id, tier_id, best, spend, last_paid[customer]))
        _upgrades_apply(ups)
    return written


def _accounts_locked(programme: Programme, customers: set[int]) -> dict[int, tuple[int, int]]:
    """(account id, tier id) of each of these customers that has an account in the programme,
    locked; plain SQL (`sql.rows_in`), as the earn entries already written: a POS chunk holds
    thousands."""
    return {
        customer: (pk, tier_id)
        for customer, pk, tier_id in sql.rows_in(
            f"SELECT customer_id, id, tier_id FROM {Account._meta.db_table} "  # noqa: S608
            f"WHERE programme_id = {sql.mark()} AND {{in}} ORDER BY id{sql.locking()}",
            "customer_id", customers, [programme.pk],
        )
    }  # fmt: skip


def _upgrades_apply(ups: Sequence[tuple[int, int, Tier, int, dt.datetime]]) -> None:
    """Move accounts (account id, tier id) up, each from the moment of its qualifying
    payment: history rows in one insert, the accounts in one batch update."""
    if not ups:
        return
    sql.dicts_insert(TierChange, [
        {"account_id": account_id, "from_tier_id": tier_id, "to_tier_id": best.pk, "reason": "upgrade", "spend_fen": spend, "at": at}
        for account_id, tier_id, best, spend, at in ups
    ])  # fmt: skip
    sql.columns_update(Account, {
        "id": [account_id for account_id, *_rest in ups],
        "tier_id": [best.pk for _a, _t, best, _s, _at in ups],
        "tier_since": [at for *_rest, at in ups],
        "tier_until": [_held_until(at) for *_rest, at in ups],
    })  # fmt: skip


def order_refunded(*, order: Any, refund: Any) -> PointsEntry | None:
    """Take back the refunded part of an order's points (earned × refunded ÷ paid, rounded
    down), once per refund."""
    earned = PointsEntry.objects.filter(kind=PointsKind.EARN, order_id=order.pk).select_related("account").first()  # fmt: skip
    if earned is None or not order.total_fen:
        return None
    account = Account.objects.select_for_update().get(pk=earned.account_id)
    if PointsEntry.objects.filter(kind=PointsKind.CLAWBACK, refund_id=refund.pk).exists():
        return None
    points = earned.points * refund.amount_fen // order.total_fen
    if points <= 0:
        return None
    return PointsEntry.objects.create(
        account=account, kind=PointsKind.CLAWBACK, points=-points, order_id=order.pk,
        refund_id=refund.pk, at=refund.refunded_at,
    )  # fmt: skip


def balance(account: Account) -> int:
    return account.points.aggregate(n=Sum("points"))["n"] or 0


@transaction.atomic
def points_adjust(*, scope: Scope, actor: Any, account: Account, points: int, reason: str) -> PointsEntry:  # fmt: skip
    """HQ adds or takes points, with a reason (kept with who did it)."""
    scope.require(Capability.MANAGE_LOYALTY)
    if not points:
        raise ValidationError({"points": _("Give a number of points other than zero.")})
    if len(reason.strip()) < 2:
        raise ValidationError({"reason": _("Say why the points change.")})
    account = Account.objects.select_for_update().get(pk=account.pk)
    now = timezone.now()
    return PointsEntry.objects.create(
        account=account, kind=PointsKind.ADJUST, points=points,
        expires_on=lot_expiry(now) if points > 0 else None, reason=reason.strip()[:200],
        actor=actor, at=now,
    )  # fmt: skip


@dataclass
class Lot:
    entry_id: int
    expires_on: dt.date
    left: int


def lots(entries: Iterable[tuple[int, int, dt.date | None]]) -> list[Lot]:
    """What is left of each lot (id, points, expires_on), oldest expiry spent first by every
    negative entry (redemptions, claw-backs, expiries, negative adjustments)."""
    positive = sorted(
        (Lot(pk, expires, points) for pk, points, expires in entries if points > 0 and expires),
        key=lambda lot: (lot.expires_on, lot.entry_id),
    )
    spent = -sum(points for _pk, points, _e in entries if points < 0)
    for lot in positive:
        take = min(lot.left, spent)
        lot.left -= take
        spent -= take
    return positive


def points_expire(*, today: dt.date, lookback_days: int = 7) -> int:
    """Expire what is left of lots past their date (for lots that ended in the last
    `lookback_days`, so a missed night is caught up); returns the points expired."""
    accounts = set(
        PointsEntry.objects.filter(
            points__gt=0, expires_on__lt=today,
            expires_on__gte=today - dt.timedelta(days=lookback_days),
        ).values_list("account_id", flat=True)
    )  # fmt: skip
    at = dt.datetime.combine(today, dt.time(0), group_zone())
    expired = 0
    for account_id in sorted(accounts):
        with transaction.atomic():
            Account.objects.select_for_update().filter(pk=account_id).first()
            entries = list(
                PointsEntry.objects.filter(account_id=account_id).values_list("pk", "points", "expires_on")
            )  # fmt: skip
            due = [lot for lot in lots(entries) if lot.expires_on < today and lot.left > 0]
            PointsEntry.objects.bulk_create(
                PointsEntry(
                    account_id=account_id, kind=PointsKind.EXPIRE, points=-lot.left,
                    reason=f"lot {lot.entry_id}", at=at,
                )
                for lot in due
            )  # fmt: skip
            expired += sum(lot.left for lot in due)
    return expired


# -- benefits --------------------------------------------------------------------------------------
def period_key(benefit: Benefit, at: dt.datetime) -> str:
    day = local(at).date()
    return f"{day:%Y-%m}" if benefit.period == BenefitPeriod.MONTH else f"{day:%Y}"


@transaction.atomic
def benefit_use(
    *, scope: Scope, account: Account, benefit: Benefit, channel: str = "store",
    staff_id: int | None = None, store_id: int | None = None, at: dt.datetime | None = None,
) -> BenefitUse:  # fmt: skip
    """Use one of a member's benefits: their tier must carry it, a birthday benefit is for
    the birthday month, and the period's limit holds even against a concurrent use."""
    from siyu.members.selectors import customer_birthdays

    scope.require(Capability.SERVE_MEMBERS)
    at = at or timezone.now()
    account = Account.objects.select_for_update().select_related("tier").get(pk=account.pk)
    if benefit.programme_id != account.programme_id or not benefit.active:
        raise ValidationError({"benefit": _("This benefit is not in the member's programme.")})
    if account.tier.rank < benefit.tier.rank:
        raise ValidationError({"benefit": _("The member's tier does not include this benefit.")})
    if benefit.period == BenefitPeriod.BIRTHDAY_MONTH:
        birthday = customer_birthdays({account.customer_id}).get(account.customer_id)
        if birthday is None or birthday.month != local(at).month:
            raise ValidationError({"benefit": _("This benefit is for the member's birthday month.")})  # fmt: skip
    key = period_key(benefit, at)
    used = BenefitUse.objects.filter(account=account, benefit=benefit, period_key=key).count()
    if used >= benefit.limit:
        raise ValidationError({"benefit": _("Already used this period (%(n)s of %(limit)s).") % {"n": used, "limit": benefit.limit}})  # fmt: skip
    if channel not in ("store", "online"):
        raise ValidationError({"channel": _("In store or online.")})
    return BenefitUse.objects.create(
        account=account, benefit=benefit, period_key=key, channel=channel, staff_id=staff_id,
        store_id=store_id, at=at,
    )  # fmt: skip


# -- coupons ---------------------------------------------------------------------------------------
def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(10))


def _window(template: CouponTemplate, at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    starts = max(at, template.valid_from) if template.valid_from else at
    if template.valid_days:
        ends = at + dt.timedelta(days=template.valid_days)
        return starts, min(ends, template.valid_to) if template.valid_to else ends
    if template.valid_to is None:
        raise ValidationError({"template": _("The template has no end of validity.")})
    return starts, template.valid_to


def coupon_issue(*, template: CouponTemplate, account: Account, reason: str, at: dt.datetime | None = None) -> Coupon:  # fmt: skip
    at = at or timezone.now()
    starts, ends = _window(template, at)
    if ends <= at:
        raise ValidationError({"template": _("The template's validity has ended.")})
    return Coupon.objects.create(
        template=template, account=account, code=new_code(), issued_at=at, starts_at=starts,
        expires_at=ends, reason=reason,
    )  # fmt: skip


@transaction.atomic
def coupons_issue(*, scope: Scope, template: CouponTemplate, customer_ids: Sequence[int], reason: str = "campaign") -> list[Coupon]:  # fmt: skip
    """One coupon of `template` to each listed member the caller can see (accounts made
    where missing)."""
    from siyu.members.selectors import member_ids, visible_customer_ids

    scope.require(Capability.MANAGE_LOYALTY)
    wanted = set(customer_ids)
    if not 0 < len(wanted) <= 100_000:
        raise ValidationError({"customer_ids": _("List 1 to 100,000 members.")})
    visible = visible_customer_ids(scope=scope, customer_ids=wanted)
    members = member_ids(visible)
    if missing := sorted(wanted - members):
        raise ValidationError({"customer_ids": _("Not members in your part of the organisation: %(ids)s") % {"ids": ", ".join(map(str, missing[:20]))}})  # fmt: skip
    programme = programme_for(template.brand_id)
    if programme is None:
        raise ValidationError({"template": _("The template's brand has no programme.")})
    at = timezone.now()
    return [
        coupon_issue(template=template, account=_locked(programme, c, at)[0], reason=reason, at=at)
        for c in sorted(members)
    ]


@dataclass
class Priced:
    """A cart line as a coupon sees it."""

    product_line: str
    category: str
    brand_id: int
    amount_fen: int


def discount_for(template: CouponTemplate, lines: Sequence[Priced]) -> list[int]:
    """The discount per line (fen) a template gives on these lines, spread over the
    eligible ones in proportion; refused (field `coupon`) below the spend threshold."""
    eligible = [
        i for i, line in enumerate(lines)
        if line.brand_id == template.brand_id
        and (not template.product_lines or line.product_line in template.product_lines)
        and (not template.categories or line.category in template.categories)
    ]  # fmt: skip
    base = sum(lines[i].amount_fen for i in eligible)
    if not eligible or base < template.threshold_fen:
        raise ValidationError({"coupon": _("Spend at least ¥%(yuan)s on what this coupon covers.") % {"yuan": f"{Decimal(template.threshold_fen) / 100:.2f}"}})  # fmt: skip
    if template.kind == DiscountKind.AMOUNT:
        total = min(template.amount_fen, base)
    else:
        total = base * template.percent // 100
        if template.cap_fen is not None:
            total = min(total, template.cap_fen)
    shares = [0] * len(lines)
    given = 0
    for n, i in enumerate(eligible):
        part = total - given if n == len(eligible) - 1 else total * lines[i].amount_fen // base
        shares[i], given = part, given + part
    return shares


def coupon_for(*, code: str, customer_id: int | None, at: dt.datetime) -> Coupon:
    """A coupon the customer may use now, or a field error saying why not."""
    coupon = Coupon.objects.select_related("template", "account").filter(code=code.strip().upper()).first()  # fmt: skip
    if coupon is None or customer_id is None or coupon.account.customer_id != customer_id:
        raise ValidationError({"coupon": _("No such coupon for this member.")})
    if coupon.status != CouponStatus.ISSUED:
        raise ValidationError({"coupon": _("This coupon has been used.")})
    if not coupon.starts_at <= at < coupon.expires_at:
        raise ValidationError({"coupon": _("This coupon is not valid now.")})
    return coupon


def coupon_redeem(*, coupon: Coupon, order_id: int, discount_fen: int, at: dt.datetime) -> Coupon:
    """Use a coupon once: a conditional UPDATE, so of any number of concurrent attempts
    exactly one succeeds; the others get a field error."""
    used = Coupon.objects.filter(
        pk=coupon.pk, status=CouponStatus.ISSUED, starts_at__lte=at, expires_at__gt=at
    ).update(status=CouponStatus.REDEEMED, redeemed_at=at, order_id=order_id, discount_fen=discount_fen)  # fmt: skip
    if used != 1:
        raise ValidationError({"coupon": _("This coupon has been used.")})
    coupon.refresh_from_db()
    return coupon


def coupon_release(*, order_id: int) -> int:
    """Give back the coupon an order used when the order is cancelled unpaid (if it is still
    inside its validity, the member can use it again); returns how many were given back."""
    return Coupon.objects.filter(order_id=order_id, status=CouponStatus.REDEEMED).update(
        status=CouponStatus.ISSUED, redeemed_at=None, order_id=None, discount_fen=0
    )


@transaction.atomic
def reward_redeem(*, scope: Scope, account: Account, template: CouponTemplate) -> Coupon:
    """Spend points on a reward (a coupon of a template with a points cost)."""
    scope.require(Capability.SERVE_MEMBERS)
    account = Account.objects.select_for_update().get(pk=account.pk)
    cost = template.points_cost
    if not cost:
        raise ValidationError({"template": _("This is not a points reward.")})
    if balance(account) < cost:
        raise ValidationError({"points": _("Not enough points.")})
    now = timezone.now()
    coupon = coupon_issue(template=template, account=account, reason="points", at=now)
    PointsEntry.objects.create(
        account=account, kind=PointsKind.REDEEM, points=-cost, reason=f"coupon {coupon.code}", at=now,
    )  # fmt: skip
    return coupon


def nightly_run(*, today: dt.date | None = None) -> dict[str, int]:
    """The nightly job: tiers evaluated (cut-offs, renewals, downgrades), then expiry."""
    from siyu.loyalty.evaluation import tiers_evaluate

    today = today or timezone.localdate()
    counts = tiers_evaluate(today=today)
    counts["points_expired"] = points_expire(today=today)
    return counts
