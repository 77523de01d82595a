"""Programmes, tiers, accounts and their history, the points ledger, benefits, coupons."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.org.models import Brand, Staff, Store


class Programme(models.Model):
    """A loyalty programme of one brand, or of the whole group when it has no brand."""

    brand = models.OneToOneField(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    points_per_yuan = models.DecimalField(
        _("points per yuan"), max_digits=6, decimal_places=2, default=1
    )
    join_bonus = models.PositiveIntegerField(_("joining bonus (points)"), default=0)
    birthday_multiplier = models.DecimalField(
        _("birthday-month multiplier"), max_digits=4, decimal_places=2, default=1
    )
    line_multipliers = models.JSONField(default=dict, blank=True)  # {"outdoor": "1.5"}
    fen_per_point = models.PositiveIntegerField(_("value of a point (fen)"), default=1)
    grace_days = models.PositiveSmallIntegerField(_("grace before a downgrade (days)"), default=30)
    welcome_template = models.ForeignKey(
        "CouponTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the new-customer first-order coupon
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Tier(models.Model):
    """A tier of a programme; the lowest rank is the base every member starts in."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="tiers")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=50)
    rank = models.PositiveSmallIntegerField(_("rank"))  # 0 = base
    threshold_fen = models.PositiveBigIntegerField(_("12-month spend threshold (fen)"), null=True, blank=True)  # fmt: skip
    top_share = models.DecimalField(
        _("top share by spend"), max_digits=4, decimal_places=3, null=True, blank=True
    )  # 0.200 = the top 20 %
    cutoff_fen = models.PositiveBigIntegerField(
        null=True, blank=True
    )  # top share, as of last night
    points_multiplier = models.DecimalField(
        _("points multiplier"), max_digits=4, decimal_places=2, default=1
    )

    class Meta:
        ordering = ["programme", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "rank"], name="tier_rank_once"),
            models.UniqueConstraint(fields=["programme", "code"], name="tier_code_once"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def entry_fen(self) -> int | None:
        """The 12-month spend that enters this tier now (the lower of its two rules)."""
        found = [v for v in (self.threshold_fen, self.cutoff_fen) if v is not None]
        return min(found) if found else (0 if self.rank == 0 else None)


class Account(models.Model):
    """A member in a programme: their tier, and the row their writes lock."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="accounts")
    customer_id = models.BigIntegerField()  # members.Customer (scoped through it)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    tier_since = models.DateTimeField()
    tier_until = models.DateField()  # held to this day; renewed when re-qualified
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "customer_id"], name="one_account")
        ]
        indexes = [models.Index(fields=["customer_id"])]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.customer_id}"


class TierChange(models.Model):
    """One move between tiers (append-only history)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16)  # join, upgrade, renew… see services
    spend_fen = models.BigIntegerField(default=0)  # the 12-month spend that decided
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.from_tier_id} → {self.to_tier_id}"


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned")
    BONUS = "bonus", _("Bonus")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    CLAWBACK = "clawback", _("Taken back (refund)")
    ADJUST = "adjust", _("Adjusted by HQ")


class PointsEntry(models.Model):
    """One movement of points (append-only); positive entries are lots with an expiry."""

    # Found through the (account, at) index, which leads with it.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="points", db_index=False
    )
    kind = models.CharField(max_length=10, choices=PointsKind.choices)
    points = models.BigIntegerField()  # signed
    expires_on = models.DateField(null=True, blank=True)  # lots only
    order_id = models.BigIntegerField(null=True, blank=True)  # commerce.Order
    refund_id = models.BigIntegerField(null=True, blank=True)  # commerce.Refund
    reason = models.CharField(max_length=200, blank=True)
    # Who adjusted points by hand (HQ): no index, since nothing reads entries by who made
    # them, and every points entry an import writes paid for one; users are never deleted.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+",
        db_index=False,
    )  # fmt: skip
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["account", "at"]),
            models.Index(fields=["expires_on"]),
        ]
        constraints = [
            # An order earns once (in the one programme of its brand); a refund claws back
            # once (a resent notice changes nothing). An order's earn entry is found through
            # the first: no index of order_id besides it for every entry to pay for.
            models.UniqueConstraint(
                fields=["order_id"], condition=Q(kind="earn"), name="earn_once"
            ),
            models.UniqueConstraint(
                fields=["refund_id"], condition=Q(kind="clawback"), name="clawback_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.kind} {self.points}"


class BenefitPeriod(models.TextChoices):
    YEAR = "year", _("Per year")
    MONTH = "month", _("Per month")
    BIRTHDAY_MONTH = "birthday", _("In the birthday month")


class Benefit(models.Model):
    """A benefit of a tier and the tiers above it, with a limit per period."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="benefits")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    period = models.CharField(_("period"), max_length=10, choices=BenefitPeriod.choices)
    limit = models.PositiveSmallIntegerField(_("uses per period"), default=1)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="benefit_code_once")
        ]

    def __str__(self) -> str:
        return self.name


class BenefitUse(models.Model):
    """One use of a benefit (append-only): who served it, where, how."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="benefit_uses")
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="uses")
    period_key = models.CharField(max_length=8)  # "2026", "2026-11"
    channel = models.CharField(max_length=8)  # store / online
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "benefit", "period_key"])]

    def __str__(self) -> str:
        return f"{self.account_id} {self.benefit_id} {self.period_key}"


class DiscountKind(models.TextChoices):
    AMOUNT = "amount", _("Amount off")
    PERCENT = "percent", _("Percent off")


class CouponTemplate(models.Model):
    """What a coupon gives, on what, and for how long."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=DiscountKind.choices)
    amount_fen = models.PositiveBigIntegerField(_("amount off (fen)"), default=0)
    percent = models.PositiveSmallIntegerField(_("percent off"), default=0)  # 15 = 15 % off
    cap_fen = models.PositiveBigIntegerField(_("at most (fen)"), null=True, blank=True)
    threshold_fen = models.PositiveBigIntegerField(_("spend at least (fen)"), default=0)
    product_lines = models.JSONField(default=list, blank=True)  # empty: any
    categories = models.JSONField(default=list, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_to = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveSmallIntegerField(null=True, blank=True)  # from issue
    points_cost = models.PositiveIntegerField(null=True, blank=True)  # a points reward, if set
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class CouponStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    REDEEMED = "redeemed", _("Redeemed")
    VOID = "void", _("Void")  # withdrawn by HQ


class Coupon(models.Model):
    """One coupon of one member; used once (see services.coupon_redeem)."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="coupons")
    code = models.CharField(max_length=16, unique=True)
    status = models.CharField(max_length=10, choices=CouponStatus.choices, default=CouponStatus.ISSUED)  # fmt: skip
    issued_at = models.DateTimeField()
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    order_id = models.BigIntegerField(null=True, blank=True)  # commerce.Order it was used on
    discount_fen = models.PositiveBigIntegerField(default=0)
    reason = models.CharField(max_length=32, blank=True)  # welcome, points, campaign…

    class Meta:
        indexes = [
            models.Index(fields=["account", "status"]),
            models.Index(fields=["template", "status"]),
        ]

    def __str__(self) -> str:
        return self.code
