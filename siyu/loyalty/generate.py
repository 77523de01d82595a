"""Generator step for loyalty (see core.generator): a programme per brand, an account per
member, points and tiers that follow from the generated orders, coupons issued and used.

- Programmes: 普卡 / 银卡 (¥3,000 in 12 months) / 金卡 (the top 20 % by spend); a point a
  yuan, double in the birthday month, 100 for joining; gold's laundry care once a year and
  free alterations twice, everyone's birthday gift; a ¥50-off-¥300 first-order coupon.
  Tiers carry no points multiplier, so each order's points follow from the order alone
  (the live rule `earn_points`, line by line, in the order's month) and need no replay of
  tier history.
- Accounts: every member, in the programme of the brand they joined through and of any
  other brand they bought from; the joining bonus at joining.
- Points: an earn entry per member order, a claw-back per refund of one (the live
  proportion), expiry at the end of the next year.
- Tiers: the live nightly evaluation at the reference date (cut-offs, upgrades).
- Coupons: the first-order coupon to members who joined in the last 30 days, half of them
  used on a later order; a 双12 coupon to one member in twenty, a third used; gold members'
  laundry care used by about a third of them this year.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from siyu.core.generator import Context, insert_rows, next_id, reset_sequences

CHUNK = 20_000


def generate(ctx: Context) -> None:
    from siyu.commerce.models import Order, OrderStatus, Refund
    from siyu.loyalty import evaluation, services, setup
    from siyu.loyalty.models import (
        Account,
        BenefitUse,
        Coupon,
        CouponTemplate,
        PointsEntry,
        Programme,
        TierChange,
    )  # fmt: skip
    from siyu.members.models import Customer, Membership
    from siyu.org.models import Brand, Group, Role
    from siyu.org.scope import ROLE_CAPABILITIES, Level, Scope

    group = Group.objects.order_by("pk").first()
    if group is None or Programme.objects.exists():
        return
    started = time.perf_counter()
    rng = ctx.rng("loyalty")
    zone = ZoneInfo(settings.TIME_ZONE)
    now = dt.datetime.combine(ctx.today, dt.time(21), zone)
    scope = Scope(
        level=Level.GROUP, group_id=group.pk, role=Role.GROUP_ADMIN,
        capabilities=ROLE_CAPABILITIES[Role.GROUP_ADMIN],
    )  # fmt: skip
    programmes: dict[int, Programme] = {}
    campaign: dict[int, CouponTemplate] = {}
    for brand in Brand.objects.order_by("pk"):
        programme = setup.programme_save(
            scope=scope, brand=brand, name=f"{brand.name}会员", join_bonus=100,
            birthday_multiplier=Decimal(2),
            tiers=[
                {"code": "basic", "name": "普卡", "rank": 0},
                {"code": "silver", "name": "银卡", "rank": 1, "threshold_fen": 300_000},
                {"code": "gold", "name": "金卡", "rank": 2, "top_share": Decimal("0.2")},
            ],
        )  # fmt: skip
        for code, name, tier, period, limit in (
            ("laundry", "羽绒服洗护", "gold", "year", 1), ("alterations", "免费改衣", "gold", "year", 2),
            ("birthday", "生日礼", "basic", "birthday", 1),
        ):  # fmt: skip
            setup.benefit_save(scope=scope, programme=programme, code=code, name=name, tier_code=tier, period=period, limit=limit)  # fmt: skip
        setup.coupon_template_create(
            scope=scope, brand=brand, name="新客首单立减 50", kind="amount", amount_fen=5_000,
            threshold_fen=30_000, valid_days=30, welcome=True,
        )  # fmt: skip
        campaign[brand.pk] = setup.coupon_template_create(
            scope=scope, brand=brand, name="双12 满1000减100", kind="amount", amount_fen=10_000,
            threshold_fen=100_000, valid_from=now - dt.timedelta(days=20), valid_to=now + dt.timedelta(days=25),
        )  # fmt: skip
        programme.refresh_from_db()
        programmes[brand.pk] = programme
    base = {b: p.tiers.get(rank=0) for b, p in programmes.items()}

    # Accounts: the joining brand's programme, and any brand bought from.
    joined = {c: (b, at) for c, b, at in Membership.objects.values_list("customer_id", "join_brand_id", "joined_at").iterator(chunk_size=50_000)}  # fmt: skip
    pairs = {(c, b): at for c, (b, at) in joined.items() if b in programmes}
    bought = Order.objects.filter(status=OrderStatus.PAID, is_member=True).values_list("customer_id", "brand_id").distinct()  # fmt: skip
    for c, b in bought.iterator(chunk_size=50_000):
        if c in joined and (c, b) not in pairs:
            pairs[(c, b)] = joined[c][1]
    account_id, change_id, entry_id = next_id(Account._meta.db_table), next_id(TierChange._meta.db_table), next_id(PointsEntry._meta.db_table)  # fmt: skip
    accounts: dict[tuple[int, int], int] = {}
    rows, changes, bonuses = [], [], []
    for (customer, brand), at in sorted(pairs.items()):
        accounts[(customer, brand)] = account_id
        rows.append((account_id, programmes[brand].pk, customer, base[brand].pk, at, services._held_until(at), at))  # fmt: skip
        changes.append((change_id, account_id, None, base[brand].pk, "join", 0, at))
        bonuses.append((entry_id, account_id, "bonus", 100, services.lot_expiry(at), None, None, "join", None, at))  # fmt: skip
        account_id, change_id, entry_id = account_id + 1, change_id + 1, entry_id + 1
    columns = ["id", "account_id", "kind", "points", "expires_on", "order_id", "refund_id", "reason", "actor_id", "at"]  # fmt: skip
    for start in range(0, len(rows), CHUNK):
        with transaction.atomic():
            insert_rows(ctx, Account._meta.db_table, ["id", "programme_id", "customer_id", "tier_id", "tier_since", "tier_until", "created_at"], rows[start : start + CHUNK])  # fmt: skip
            insert_rows(ctx, TierChange._meta.db_table, ["id", "account_id", "from_tier_id", "to_tier_id", "reason", "spend_fen", "at"], changes[start : start + CHUNK])  # fmt: skip
            insert_rows(ctx, PointsEntry._meta.db_table, columns, bonuses[start : start + CHUNK])
        ctx.progress("loyalty accounts", min(start + CHUNK, len(rows)), len(rows), started)

    # Points: each member order by the live rule (no line multipliers: by the order's total).
    birthdays = dict(Customer.objects.filter(birthday__isnull=False).values_list("pk", "birthday").iterator(chunk_size=50_000))  # fmt: skip
    earned: dict[int, tuple[int, int]] = {}  # order → (account, points)
    entries = []
    member_orders = Order.objects.filter(status=OrderStatus.PAID, is_member=True, customer_id__isnull=False).order_by("pk").values_list("pk", "customer_id", "brand_id", "total_fen", "paid_at")  # fmt: skip
    for order, customer, brand, total, paid_at in member_orders.iterator(chunk_size=50_000):
        account = accounts.get((customer, brand))
        if account is None or paid_at is None:
            continue
        points = services.earn_points(programme=programmes[brand], tier=base[brand], lines=[("", total)], birthday=birthdays.get(customer), at=paid_at)  # fmt: skip
        if points <= 0:
            continue
        earned[order] = (account, points)
        entries.append((entry_id, account, "earn", points, services.lot_expiry(paid_at), order, None, "", None, paid_at))  # fmt: skip
        entry_id += 1
    refunds = [r for r in Refund.objects.order_by("pk").values_list("pk", "order_id", "amount_fen", "refunded_at").iterator(chunk_size=50_000) if r[1] in earned]  # fmt: skip
    refunded = sorted({order for _r, order, _a, _at in refunds})
    totals: dict[int, int] = {}
    for start in range(0, len(refunded), CHUNK):
        totals.update(Order.objects.filter(pk__in=refunded[start : start + CHUNK]).values_list("pk", "total_fen"))  # fmt: skip
    for refund, order, amount, at in refunds:
        clawed = earned[order][1] * amount // totals[order] if totals[order] else 0
        if clawed > 0:
            entries.append((entry_id, earned[order][0], "clawback", -clawed, None, order, refund, "", None, at))  # fmt: skip
            entry_id += 1
    for start in range(0, len(entries), CHUNK):
        with transaction.atomic():
            insert_rows(ctx, PointsEntry._meta.db_table, columns, entries[start : start + CHUNK])
        ctx.progress("points entries", min(start + CHUNK, len(entries)), len(entries), started)
    reset_sequences(Account, TierChange, PointsEntry)

    # Tiers by the live nightly rule, as of the reference date.
    ctx.made["loyalty_tiers"] = evaluation.tiers_evaluate(today=ctx.today)

    # Coupons: first-order coupons of recent joiners, a campaign; some used on real orders.
    coupon_id = next_id(Coupon._meta.db_table)
    coupons = []
    later = {}
    for order, customer, brand, total, paid_at in Order.objects.filter(status=OrderStatus.PAID, customer_id__isnull=False, paid_at__gte=now - dt.timedelta(days=40)).values_list("pk", "customer_id", "brand_id", "total_fen", "paid_at").order_by("paid_at").iterator(chunk_size=50_000):  # fmt: skip
        later.setdefault((customer, brand), []).append((order, total, paid_at))
    used_orders: set[int] = set()
    for (customer, brand), account in accounts.items():
        issued = []
        at = joined[customer][1]
        if at >= now - dt.timedelta(days=30) and brand == joined[customer][0]:
            issued.append(
                (programmes[brand].welcome_template, at, at + dt.timedelta(days=30), "welcome", 0.5)
            )
        if rng.random() < 0.05:
            template = campaign[brand]
            issued.append((template, template.valid_from, template.valid_to, "campaign", 0.33))
        for template, starts, ends, reason, use_rate in issued:
            if template is None:
                continue
            use = next(
                (o for o in later.get((customer, brand), ()) if starts <= o[2] < ends and o[1] >= template.threshold_fen and o[0] not in used_orders),
                None,
            ) if rng.random() < use_rate else None  # fmt: skip
            code = "".join(
                rng.choice(services.CODE_ALPHABET) for _i in range(10)
            )  # seeded, unlike live codes
            if use is not None:
                used_orders.add(use[0])
                coupons.append((coupon_id, template.pk, account, code, "redeemed", starts, starts, ends, use[2], use[0], template.amount_fen, reason))  # fmt: skip
            else:
                coupons.append((coupon_id, template.pk, account, code, "issued", starts, starts, ends, None, None, 0, reason))  # fmt: skip
            coupon_id += 1
    uses = []
    use_id = next_id(BenefitUse._meta.db_table)
    gold = (
        Account.objects.filter(tier__code="gold").order_by("pk").values_list("pk", "programme_id")
    )
    laundry = {p.pk: p.benefits.get(code="laundry").pk for p in programmes.values()}
    for account, programme in gold.iterator(chunk_size=50_000):
        if rng.random() < 0.33:
            at = now - dt.timedelta(days=rng.randint(1, 300))
            if at.year == now.year:
                uses.append(
                    (use_id, account, laundry[programme], f"{at:%Y}", "store", None, None, at)
                )
                use_id += 1
    with transaction.atomic():
        insert_rows(ctx, Coupon._meta.db_table, ["id", "template_id", "account_id", "code", "status", "issued_at", "starts_at", "expires_at", "redeemed_at", "order_id", "discount_fen", "reason"], coupons)  # fmt: skip
        insert_rows(ctx, BenefitUse._meta.db_table, ["id", "account_id", "benefit_id", "period_key", "channel", "staff_id", "store_id", "at"], uses)  # fmt: skip
    reset_sequences(Coupon, BenefitUse)
    ctx.progress("loyalty", 1, 1, started)
