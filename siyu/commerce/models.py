"""Catalog, storefront settings, orders with payments and refunds, commission (docs/commerce.md)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.org.models import Branch, Brand, Staff, Store


# -- catalog ------------------------------------------------------------------------------------
class ProductLine(models.TextChoices):
    CASUAL = "casual", _("Casual")
    OUTDOOR = "outdoor", _("Outdoor")
    EXTREME_COLD = "extreme_cold", _("Extreme cold")
    BUSINESS = "business", _("Business")
    KIDS = "kids", _("Kids")


class Product(models.Model):
    """A style (款) of one brand, at one price online and in the stores."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    style_no = models.CharField(_("style no."), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=32)
    product_line = models.CharField(
        _("product line"), max_length=16, choices=ProductLine.choices, default=ProductLine.CASUAL
    )
    season = models.CharField(_("season"), max_length=8, blank=True)  # e.g. 2026AW
    price_fen = models.PositiveBigIntegerField(_("price (fen)"))
    images = models.JSONField(_("images"), default=list, blank=True)  # URLs, first is the cover
    active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "style_no"], name="product_style_once")
        ]
        indexes = [models.Index(fields=["brand", "active", "category"])]

    def __str__(self) -> str:
        return f"{self.style_no} {self.name}"


class Sku(models.Model):
    """A colour × size of a product; `code` is what the POS and the cart name."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="skus")
    code = models.CharField(_("SKU code"), max_length=40, unique=True)
    colour = models.CharField(_("colour"), max_length=20)
    size = models.CharField(_("size"), max_length=10)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.code


class Assortment(models.Model):
    """A product sold online by one branch's stores or one store (from / until a date).
    A product without any row is sold by every store of its brand."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="assortment")
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, null=True, blank=True)
    store = models.ForeignKey(Store, on_delete=models.CASCADE, null=True, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(branch__isnull=False) | Q(store__isnull=False),
                name="assortment_names_a_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product_id} @ {self.store_id or self.branch_id}"


class StoreSku(models.Model):
    """A SKU one store does not sell (the sellable flag; no stock is kept)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="+")
    sellable = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["store", "sku"], name="store_sku_once")]

    def __str__(self) -> str:
        return f"{self.store_id}:{self.sku_id}"


# -- storefront settings ------------------------------------------------------------------------
class Routing(models.TextChoices):
    NEAREST = "nearest", _("Nearest store")
    BRANCH = "branch", _("Branch store covering the city (1 + N)")


class BrandStorefront(models.Model):
    """How a brand's mall routes customers and attributes orders."""

    brand = models.OneToOneField(Brand, on_delete=models.CASCADE, related_name="+")
    routing = models.CharField(max_length=8, choices=Routing.choices, default=Routing.NEAREST)
    hq_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    attribution_days = models.PositiveSmallIntegerField(default=7)

    def __str__(self) -> str:
        return f"{self.brand_id} ({self.routing})"


class BranchStorefront(models.Model):
    """The store whose storefront serves a branch's cities in "1 + N" routing."""

    branch = models.OneToOneField(Branch, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.branch_id} → {self.store_id}"


# -- orders -------------------------------------------------------------------------------------
class OrderChannel(models.TextChoices):
    MALL = "mall", _("Online mall")
    POS = "pos", _("Store POS")


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting payment")
    PAID = "paid", _("Paid")  # refunds, if any, are rows of Refund; see refunded_fen
    CANCELLED = "cancelled", _("Cancelled")  # never paid


class AttributionRule(models.TextChoices):
    CASHIER = "cashier", _("POS cashier")
    NOTE = "note", _("Guide named in a store account's note")
    SHARE = "share", _("Share link")
    BOUND = "bound", _("Bound guide")
    NONE = "none", _("No guide")


# A foreign key whose value is copied from another row's (an order's brand is its store's):
# no database constraint of its own, since the row it is copied from has one, and checking
# it again cost every row written a parent look-up (SQLite checks each key of each row;
# the POS import writes about twenty an order). PROTECT still holds for deletes through the
# ORM, and nothing deletes brands, stores or orders.
_COPIED: dict = {"on_delete": models.PROTECT, "db_index": False, "db_constraint": False}


class Order(models.Model):
    """An online or POS order of one store; attribution is decided once, when it is paid."""

    number = models.CharField(_("order no."), max_length=40, unique=True)
    client_ref = models.CharField(
        max_length=64, blank=True
    )  # the caller's id: retries return this order
    channel = models.CharField(_("channel"), max_length=8, choices=OrderChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices)
    # Store and staff are found through the (…, paid_at) indexes below, which lead with them;
    # a brand's or branch's orders through their stores (the scope rule). Every index costs
    # each insert: the POS import measured single-column ones at four B-trees of thirteen,
    # and (brand, paid_at) and (branch, paid_at) at about 2.6 µs an order.
    # Brand and branch are the store's, copied so that reports never join the org tree: the
    # store's own constraint guards them (see _COPIED below).
    brand = models.ForeignKey(Brand, related_name="+", **_COPIED)
    branch = models.ForeignKey(Branch, related_name="+", **_COPIED)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", db_index=False)
    customer_id = models.BigIntegerField(null=True, blank=True)  # members.Customer
    placed_at = models.DateTimeField(_("placed at"))
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    total_fen = models.PositiveBigIntegerField(_("total (fen)"))
    refunded_fen = models.PositiveBigIntegerField(_("refunded (fen)"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    via_store_account = models.BooleanField(default=False)  # taken by the store's WeCom account
    # No index: nothing looks orders up by cashier (attribution credits `staff`, indexed below).
    cashier = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    share_code = models.CharField(max_length=16, blank=True)  # the share the mall was reached by
    landed_at = models.DateTimeField(null=True, blank=True)  # when that share was opened
    # Attribution (commerce.attribution): the rule that decided, and what it found.
    attribution_rule = models.CharField(
        max_length=8, choices=AttributionRule.choices, default=AttributionRule.NONE
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    link_id = models.BigIntegerField(null=True, blank=True)  # content.ShareLink
    content_id = models.BigIntegerField(null=True, blank=True)
    is_moments = models.BooleanField(default=False)
    is_after_hours = models.BooleanField(default=False)
    is_cross_city = models.BooleanField(default=False)
    is_cross_brand = models.BooleanField(default=False)
    is_member = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["store", "paid_at"]),
            models.Index(fields=["staff", "paid_at"]),
            # Orders without a customer (most POS sales) need no entry: a partial index.
            models.Index(
                fields=["customer_id", "paid_at"],
                condition=Q(customer_id__isnull=False),
                name="order_customer_paid",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "client_ref"],
                condition=~Q(client_ref=""),
                name="order_client_ref_once",
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def net_fen(self) -> int:
        return self.total_fen - self.refunded_fen


class OrderLine(models.Model):
    """One SKU of an order at the catalog's price; `brand` and `product_line` are the
    product's, copied so that reports never join the catalog."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    # Lines are read through their order only: an index of the SKU or the brand would only
    # cost every line written (about 2 µs an order of the POS import). Nothing deletes SKUs
    # or brands, whose PROTECT checks would read lines by them.
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+", db_index=False)
    brand = models.ForeignKey(Brand, related_name="+", **_COPIED)  # the SKU's product's
    product_line = models.CharField(max_length=16, choices=ProductLine.choices)
    quantity = models.PositiveIntegerField()
    unit_price_fen = models.PositiveBigIntegerField()
    amount_fen = models.PositiveBigIntegerField()  # what was paid for the line (after discounts)
    refunded_quantity = models.PositiveIntegerField(default=0)
    refunded_fen = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.order_id} {self.sku_id} × {self.quantity}"


class Payment(models.Model):
    """A gateway's notice that an order was paid; its transaction id makes a resent one a no-op."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=16)
    transaction_id = models.CharField(max_length=64)
    amount_fen = models.PositiveBigIntegerField()
    paid_at = models.DateTimeField()
    notice = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["gateway", "transaction_id"], name="payment_once")
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.transaction_id}"


class Refund(models.Model):
    """Money returned for some lines of a paid order (full or partial)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    number = models.CharField(max_length=40, unique=True)  # the caller's refund no.: resent = no-op
    amount_fen = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    refunded_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.number


class RefundLine(models.Model):
    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount_fen = models.PositiveBigIntegerField()

    def __str__(self) -> str:
        return f"{self.refund_id} {self.line_id} × {self.quantity}"


# -- commission ---------------------------------------------------------------------------------
class CommissionPlan(models.Model):
    """A brand's commission rates from a date on (the latest plan on or before a sale applies)."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    valid_from = models.DateField()
    base_rate = models.DecimalField(max_digits=5, decimal_places=4)  # 0.0300 = 3 %
    after_hours_rate = models.DecimalField(max_digits=5, decimal_places=4)
    line_rates = models.JSONField(default=dict, blank=True)  # {"outdoor": "0.0400"}

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "valid_from"], name="commission_plan_once")
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} from {self.valid_from}"


class CommissionCampaign(models.Model):
    """A rate for sales in a window (optionally of one product line), above the plan's."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    product_line = models.CharField(max_length=16, choices=ProductLine.choices, blank=True)
    rate = models.DecimalField(max_digits=5, decimal_places=4)

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    ACCRUAL = "accrual", _("Accrual")  # the line was paid
    CLAWBACK = "clawback", _("Claw-back")  # part of the line was refunded


class CommissionEntry(models.Model):
    """One append-only row of a guide's commission ledger (never updated)."""

    kind = models.CharField(max_length=8, choices=EntryKind.choices)
    # Found through the (staff, month) and (store, month) indexes, which lead with them. An
    # accrual is found by its line through `commission_accrual_once`, a claw-back by its line
    # through `commission_clawback_line` and by its refund line through
    # `commission_clawback_once`; nothing looks entries up by order. So no single-column index
    # of these keys: each cost every accrual a B-tree insert (orders and their lines are never
    # deleted, so the PROTECT checks that would read them do not run).
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+", db_index=False)
    store = models.ForeignKey(Store, related_name="+", **_COPIED)  # the line's order's
    order = models.ForeignKey(Order, related_name="+", **_COPIED)  # the line's
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+", db_index=False)
    refund_line = models.ForeignKey(
        RefundLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    month = models.DateField()  # first day of the local month the entry belongs to
    base_fen = models.BigIntegerField()  # the sales amount it is computed on (negative: refund)
    rate = models.DecimalField(max_digits=5, decimal_places=4)
    amount_fen = models.BigIntegerField()  # negative for a claw-back
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["staff", "month"]),
            models.Index(fields=["store", "month"]),
            models.Index(
                fields=["line"], condition=Q(kind="clawback"), name="commission_clawback_line"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["line"], condition=Q(kind="accrual"), name="commission_accrual_once"
            ),
            models.UniqueConstraint(
                fields=["refund_line"],
                condition=Q(kind="clawback"),
                name="commission_clawback_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.staff_id} {self.amount_fen}"
