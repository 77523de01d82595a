"""Library items, their approval history, targets, share links, forwards, visits, moments tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.org.models import Brand, Staff, Store


class Kind(models.TextChoices):
    POSTER = "poster", _("Poster")  # one image, shared with the guide's QR code on it
    ARTICLE = "article", _("Article")  # rich text
    PRODUCT = "product", _("Product card")  # a product with price and a buy link
    VIDEO = "video", _("Video")
    MOMENTS = "moments", _("Moments copy")  # text and up to nine images
    MINIPROGRAM = "miniprogram", _("Mini-program page")


class Category(models.TextChoices):
    """The guide content mix ("532"): 50 % lifestyle, 30 % brand, 20 % transaction."""

    LIFESTYLE = "lifestyle", _("Lifestyle")
    BRAND = "brand", _("Brand")
    TRANSACTION = "transaction", _("Transaction")


class Scenario(models.TextChoices):
    MOMENTS = "moments", _("Moments")
    CHAT = "chat", _("1:1 chat")
    GROUP = "group", _("Group")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")  # the editor is working on it
    IN_REVIEW = "in_review", _("In review")  # waiting for an approver; not editable
    APPROVED = "approved", _("Approved")  # ready to publish
    REJECTED = "rejected", _("Rejected")  # sent back with a comment; editable
    PUBLISHED = "published", _("Published")  # reaches guides inside its window and region
    EXPIRED = "expired", _("Expired")  # its window closed
    WITHDRAWN = "withdrawn", _("Withdrawn")  # taken back by an approver


class Content(models.Model):
    """One item of the library."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="contents")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("body"), blank=True)  # sanitised HTML (articles)
    share_copy = models.TextField(_("suggested copy"), max_length=1000, blank=True)
    image = models.ImageField(_("image"), upload_to="content/%Y/%m/", blank=True)
    video = models.FileField(_("video"), upload_to="content/video/%Y/%m/", blank=True)
    product_code = models.CharField(_("product code"), max_length=40, blank=True)
    price_fen = models.PositiveIntegerField(_("price (fen)"), null=True, blank=True)
    product_codes = models.JSONField(_("linked products"), default=list, blank=True)
    miniprogram_appid = models.CharField(_("mini-program appid"), max_length=40, blank=True)
    miniprogram_path = models.CharField(_("mini-program page"), max_length=200, blank=True)
    business_unit = models.CharField(_("business unit"), max_length=50, blank=True)
    campaign = models.CharField(_("campaign"), max_length=50, blank=True)
    scenarios = models.JSONField(_("scenarios"), default=list)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    direct_sale = models.BooleanField(_("direct sale link"), default=False)
    targeted = models.BooleanField(default=False)  # False: the whole brand; else see targets
    publish_at = models.DateTimeField(_("publish at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["brand", "status", "-id"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return self.title


class ContentImage(models.Model):
    """One of a moments item's images (at most nine), in order."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    image = models.ImageField(upload_to="content/%Y/%m/")

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["content", "position"], name="content_image_position")
        ]

    def __str__(self) -> str:
        return f"{self.content_id} #{self.position}"


class TargetLevel(models.TextChoices):
    BRANCH = "branch", _("Branch")  # code: the branch's id
    PROVINCE = "province", _("Province")  # code: adcode
    CITY = "city", _("City")  # code: adcode
    STORE = "store", _("Store")  # code: the store's id


class ContentTarget(models.Model):
    """A part of the brand an item is aimed at; an item with none is for the whole brand."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="targets")
    level = models.CharField(max_length=10, choices=TargetLevel.choices)
    code = models.CharField(max_length=20)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content", "level", "code"], name="content_target")
        ]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.level}:{self.code}"


class ContentTransition(models.Model):
    """One move in the approval workflow; append-only."""

    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(max_length=10)
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )  # None: the system (expiry)
    comment = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.content_id} {self.from_status}→{self.to_status}"


class Channel(models.TextChoices):
    MOMENTS = "moments", _("Moments")
    CHAT = "chat", _("1:1 chat")
    GROUP = "group", _("Group")
    MOMENTS_TASK = "moments_task", _("Moments task")  # HQ pushed it to guides' moments


class ShareLink(models.Model):
    """Content bound to the guide who shares it (and their store) for one channel.

    A guide forwarding the same item on the same channel again reuses the link. Links of a
    moments task carry no guide: WeCom posts one payload for every sender.
    """

    code = models.CharField(max_length=16, unique=True)
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="share_links")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content", "staff", "channel"],
                condition=Q(staff__isnull=False),
                name="share_link_per_guide_channel",
            )
        ]

    def __str__(self) -> str:
        return self.code


class Forward(models.Model):
    """One forward by a guide (the share rate, daily shares and the mix count these)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="forwards")
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="forwards")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    category = models.CharField(max_length=12, choices=Category.choices)  # the item's, then
    direct_sale = models.BooleanField(default=False)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["store", "at"]), models.Index(fields=["staff", "at"])]

    def __str__(self) -> str:
        return f"{self.link_id} by {self.staff_id} at {self.at}"


class ShareVisit(models.Model):
    """A landing-page visit through a share link; counted even when the item is no longer live."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="visits")
    content = models.ForeignKey(Content, on_delete=models.CASCADE, related_name="visits")
    staff = models.ForeignKey(Staff, on_delete=models.SET_NULL, null=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.SET_NULL, null=True, related_name="+")
    device_id = models.CharField(max_length=40)
    openid = models.CharField(max_length=64, blank=True)
    unionid = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        "members.Customer", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    live = models.BooleanField()  # the item was published and in date when visited
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["content", "at"]), models.Index(fields=["staff", "at"])]

    def __str__(self) -> str:
        return f"{self.link_id} by {self.device_id} at {self.at}"


class MomentTask(models.Model):
    """HQ pushing a published item to guides' WeCom moments (add_moment_task)."""

    content = models.ForeignKey(Content, on_delete=models.PROTECT, related_name="moment_tasks")
    link = models.ForeignKey(ShareLink, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    jobid = models.CharField(max_length=64)
    moment_id = models.CharField(max_length=64, blank=True)  # once WeCom has created it
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)  # every sender has posted

    def __str__(self) -> str:
        return f"{self.content} → moments ({self.jobid})"


class MomentSender(models.Model):
    """One guide asked to post a moments task, and whether they did."""

    task = models.ForeignKey(MomentTask, on_delete=models.CASCADE, related_name="senders")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    posted = models.BooleanField(default=False)
    invalid = models.BooleanField(default=False)  # WeCom refused this sender (left, no licence)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "staff"], name="moment_sender_once")]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.staff_id}"
