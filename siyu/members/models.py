"""Customers, their identities, membership and consent, and the records that protect them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from siyu.org.models import Branch, Brand, Staff, Store


class Gender(models.TextChoices):
    UNKNOWN = "unknown", _("Unknown")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    MERGED = "merged", _("Merged")  # kept for history; `merged_into` is the survivor


class Customer(models.Model):
    """One person (OneID), however many identities they have."""

    name = models.CharField(_("name"), max_length=50, blank=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # The store the customer belongs to (home store) and the guide who serves them (专属导购).
    home_store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("home store"),
    )
    # The home store's brand and branch, kept by `services.customer_place()` so that a
    # brand- or branch-scoped list reads newest-first straight off an index instead of
    # joining stores and sorting every match (measured: benchmarks/customer_list.py).
    home_brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    home_branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_staff = models.ForeignKey(
        Staff,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("guide"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["home_store", "-id"]),
            models.Index(fields=["home_branch", "-id"]),
            models.Index(fields=["home_brand", "-id"]),
            models.Index(fields=["owner_staff", "-id"]),
            models.Index(fields=["name"]),
        ]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"


class IdentityKind(models.TextChoices):
    PHONE = "phone", _("Phone")
    UNIONID = "unionid", _("WeChat unionid")
    MP_OPENID = "mp_openid", _("Mini-program openid")
    EXTERNAL_USERID = "external_userid", _("WeCom external_userid")
    POS_CARD = "pos_card", _("POS member card")
    OTHER = "other", _("Other platform id")


class Identity(models.Model):
    """One way to recognise a customer; each (kind, platform, key) belongs to one customer.

    For a phone, `key` is the keyed hash of the E.164 number, `encrypted_value` its
    ciphertext and `masked` what may be shown; for every other kind `key` is the id itself.
    """

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="identities")
    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    platform = models.CharField(max_length=32, blank=True)  # only for kind=other, e.g. "douyin"
    key = models.CharField(max_length=128)
    encrypted_value = models.TextField(blank=True)
    masked = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "platform", "key"], name="identity_unique_key"),
        ]
        indexes = [models.Index(fields=["customer", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.masked or self.key}"


class JoinChannel(models.TextChoices):
    WECOM = "wecom", _("WeCom friend")
    POS = "pos", _("In store (POS)")
    MALL = "mall", _("Online mall")
    CAMPAIGN = "campaign", _("Campaign")
    IMPORT = "import", _("Import")


class Membership(models.Model):
    """A customer's group-wide membership: where, how and when they joined."""

    customer = models.OneToOneField(Customer, on_delete=models.PROTECT, related_name="membership")
    member_no = models.CharField(_("member no."), max_length=32, unique=True)
    join_brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="+", verbose_name=_("join brand")
    )
    join_store = models.ForeignKey(
        Store,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("join store"),
    )
    join_channel = models.CharField(_("join channel"), max_length=16, choices=JoinChannel.choices)
    joined_at = models.DateTimeField(_("joined at"))

    class Meta:
        indexes = [
            models.Index(fields=["joined_at"]),
            models.Index(fields=["join_store", "joined_at"]),
        ]

    def __str__(self) -> str:
        return self.member_no


class ConsentChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECOM = "wecom", _("WeCom")
    OFFICIAL_ACCOUNT = "oa", _("Official Account")


class Consent(models.Model):
    """Whether the customer accepts marketing on one channel; absent means not asked."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="consents")
    channel = models.CharField(max_length=8, choices=ConsentChannel.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=32, blank=True)  # where the answer came from
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "channel"], name="consent_one_per_channel")
        ]

    def __str__(self) -> str:
        return f"{self.channel}={'yes' if self.granted else 'no'}"


class CustomerMerge(models.Model):
    """One merge of `source` into `target`: who, why, and what moved. Append-only."""

    source = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="merges")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reason = models.CharField(max_length=200)
    moved = models.JSONField(default=dict)  # {"identities": [ids], "<app.model.field>": count, ...}
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"


class PhoneReveal(models.Model):
    """An audit record: someone saw a customer's phone in clear. Append-only."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="phone_reveals")
    reason = models.CharField(max_length=200)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.actor_id} saw {self.customer_id}"
