"""Channel codes, friendships and transfers between WeCom members and customers."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.members.models import Customer
from siyu.org.models import Staff, Store


class ChannelKind(models.TextChoices):
    BADGE = "badge", _("Badge")  # 工牌
    PACKAGE = "package", _("Package card")  # 包装卡
    POSTER = "poster", _("Poster")
    GAME = "game", _("Game")
    STORE = "store", _("Store code")  # 门店码, on the counter
    CAMPAIGN = "campaign", _("Campaign")


class ChannelCode(models.Model):
    """A contact way (渠道活码) customers scan to befriend a guide or a store account."""

    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="channel_codes")
    # The guide credited for friends made through this code (None: the store itself).
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="channel_codes"
    )
    # The WeCom member customers become friends of: the guide, or the store's unified account.
    wecom_userid = models.CharField(max_length=64)
    campaign = models.CharField(_("campaign"), max_length=50, blank=True)
    state = models.CharField(max_length=30, unique=True)
    config_id = models.CharField(max_length=64, blank=True)
    qr_code = models.CharField(max_length=500, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["staff", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.state}"


class FriendshipStatus(models.TextChoices):
    ACTIVE = "active", _("Friends")
    DELETED_BY_STAFF = "deleted_by_staff", _("Deleted by staff")
    DELETED_BY_CUSTOMER = "deleted_by_customer", _("Deleted or blocked by customer")
    TRANSFERRED = "transferred", _("Transferred")  # handed over to another member
    LOST = (
        "lost",
        _("Ended (found by reconciliation)"),
    )  # gone from WeCom; which side ended it is unknown


class Friendship(models.Model):
    """One friendship between a WeCom member and a customer, from add to end. A re-add is a new row."""

    wecom_userid = models.CharField(max_length=64)
    external_userid = models.CharField(max_length=128)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="friendships")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="friendships")
    # The member, when it is a staff member (None for the store's unified account).
    staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="friendships"
    )
    # The guide credited with the add: the member itself, or the guide whose code brought a
    # customer to the store account.
    credited_staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    channel_code = models.ForeignKey(
        ChannelCode, on_delete=models.PROTECT, null=True, blank=True, related_name="friendships"
    )
    add_way = models.SmallIntegerField(default=0)
    state = models.CharField(max_length=30, blank=True)
    added_at = models.DateTimeField()
    status = models.CharField(
        max_length=24, choices=FriendshipStatus.choices, default=FriendshipStatus.ACTIVE
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    remark = models.CharField(_("remark"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    tags = models.JSONField(default=list, blank=True)  # WeCom corp tag ids
    # Already an active friend of another store of the same brand when added.
    is_duplicate = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["wecom_userid", "external_userid"],
                condition=Q(status="active"),
                name="one_active_friendship_per_pair",
            ),
        ]
        indexes = [
            models.Index(fields=["credited_staff", "added_at"]),
            models.Index(fields=["store", "added_at"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["staff", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.wecom_userid} ↔ {self.external_userid} ({self.status})"


class TransferKind(models.TextChoices):
    IN_SERVICE = "in_service", _("In-service transfer")  # 在职继承
    RESIGNED = "resigned", _("Resigned transfer")  # 离职继承


class TransferStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # not yet sent to WeCom
    WAITING = "waiting", _("Waiting for the customer")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused by the customer")
    LIMIT = "limit", _("Takeover has too many customers")
    FAILED = "failed", _("Failed")  # WeCom refused the request; errcode says why


class Transfer(models.Model):
    """Handing one customer from a departing or moving member to another."""

    friendship = models.ForeignKey(Friendship, on_delete=models.PROTECT, related_name="transfers")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="transfers")
    kind = models.CharField(max_length=12, choices=TransferKind.choices)
    handover_userid = models.CharField(max_length=64)
    takeover_userid = models.CharField(max_length=64)
    takeover_staff = models.ForeignKey(
        Staff, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=TransferStatus.choices, default=TransferStatus.QUEUED
    )
    errcode = models.IntegerField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["store", "status"]),
            models.Index(fields=["handover_userid", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.handover_userid} → {self.takeover_userid}: {self.status}"


class AcquisitionTarget(models.Model):
    """How many new friends a guide, store or branch should add per day in a period."""

    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    staff = models.ForeignKey(
        Staff, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    friends_per_day = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.friends_per_day}/day {self.starts_on}–{self.ends_on}"


class SyncKind(models.TextChoices):
    FULL = "full", _("Full import")
    RECONCILE = "reconcile", _("Reconciliation")


class SyncRun(models.Model):
    """One import or reconciliation of friendships from WeCom: where it is, and what it changed."""

    kind = models.CharField(max_length=12, choices=SyncKind.choices)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Position for resuming: index of the next chunk of members and WeCom's cursor inside it.
    position = models.JSONField(default=dict)
    seen = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    ended = models.PositiveIntegerField(default=0)
    changes = models.JSONField(default=list)  # the first few changes, for the report

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"
