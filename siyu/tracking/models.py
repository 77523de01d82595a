"""Behaviour events (append-only, one row per client event id), the sources allowed to send
them, and the rollups each accepted batch updates in its own transaction.

See siyu/tracking/services.py for the ingestion flow.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.org.models import Brand


class EventType(models.TextChoices):
    PAGE_VIEW = "page_view", _("Page view")
    CONTENT_VIEW = "content_view", _("Content view")
    VIEW_END = "view_end", _("View ended")  # carries dwell_ms
    PRODUCT_VIEW = "product_view", _("Product view")
    ADD_TO_CART = "add_to_cart", _("Add to cart")
    REMOVE_FROM_CART = "remove_from_cart", _("Remove from cart")
    ORDER_SUBMIT = "order_submit", _("Order submitted")
    ORDER_PAID = "order_paid", _("Order paid")  # carries amount_fen
    SHARE = "share", _("Share")
    GAME_PLAY = "game_play", _("Game played")
    COUPON_CLAIM = "coupon_claim", _("Coupon claimed")
    CUSTOM = "custom", _("Custom")


class SourceKind(models.TextChoices):
    H5 = "h5", _("H5 pages")
    MINIPROGRAM = "miniprogram", _("Mini-program")
    MINIGAME = "minigame", _("Mini-game")
    SERVER = "server", _("Server")


class EventSource(models.Model):
    """Something allowed to send events, known by its write key (only a hash is kept)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=SourceKind.choices)
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prefix = models.CharField(max_length=12, unique=True)  # shown in lists to tell keys apart
    key_hash = models.CharField(max_length=64, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class Event(models.Model):
    """One behaviour event, stored once under the client's id (time-ordered ids keep inserts
    at the end of the index). Share attribution is resolved at ingestion and kept here, so
    trails and funnels need no joins to the content tables."""

    id = models.CharField(primary_key=True, max_length=40)  # the client's event id
    # No index: nothing reads events by source, and sources are deactivated, never deleted.
    source = models.ForeignKey(
        EventSource, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    type = models.CharField(max_length=16, choices=EventType.choices)
    occurred_at = models.DateTimeField()  # the client's clock
    received_at = models.DateTimeField()
    day = models.DateField()  # occurred_at's day in the group's time zone (the rollups' day)
    customer_id = models.BigIntegerField(null=True)  # members.Customer, when known
    device_id = models.CharField(max_length=64, blank=True)
    link_id = models.BigIntegerField(null=True)  # content.ShareLink behind the event
    content_id = models.BigIntegerField(null=True)
    staff_id = models.BigIntegerField(null=True)  # the guide credited
    store_id = models.BigIntegerField(null=True)
    page = models.CharField(max_length=200, blank=True)
    product_code = models.CharField(max_length=40, blank=True)
    order_ref = models.CharField(max_length=64, blank=True)
    dwell_ms = models.PositiveIntegerField(default=0)
    amount_fen = models.BigIntegerField(default=0)
    properties = models.JSONField(default=dict, blank=True)
    # An event with no device but an identity: a keyed hash of that identity (never the
    # identity itself). While the identity names no customer siyu knows, UV tells such
    # viewers apart by it, in the ingestion and in a recomputation from the events alike;
    # once it names one, the identity's anonymous events are given to the customer.
    visitor_key = models.CharField(max_length=24, blank=True, default="")

    class Meta:
        # Only what reads use, and each event in one of them: a customer's events (the trail,
        # attribution) and anonymous events by device, or with no device by the identity's
        # key (stitched to the customer when the device or identity is first seen with one,
        # which moves them from the second to the first).
        # Figures by store or content come from the rollups. Every index costs each ingested
        # event a B-tree insert at a random place (device ids are random), which is most of
        # SQLite's work per event; store/day and content/day cost ~5 µs an event each.
        indexes = [
            models.Index(
                fields=["customer_id", "occurred_at"],
                condition=Q(customer_id__isnull=False),
                name="event_customer_trail",
            ),
            models.Index(
                fields=["device_id", "visitor_key"],
                condition=Q(customer_id__isnull=True),
                name="event_anonymous",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class DeviceLink(models.Model):
    """An anonymous device id seen together with a known customer: later (and earlier)
    events of that device belong to the customer."""

    device_id = models.CharField(max_length=64, primary_key=True)
    customer_id = models.BigIntegerField()
    linked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.device_id} → {self.customer_id}"


class Dim(models.TextChoices):
    GUIDE = "guide", _("Guide")
    CONTENT = "content", _("Content")
    STORE = "store", _("Store")
    LINK = "link", _("Share link")


class DailyStat(models.Model):
    """Per day × guide, content, store or share link: the figures dashboards read.

    brand/branch/store say where the row belongs in the org tree (for scoping); a content row
    spans stores, so it carries only its brand. A share-link row also carries the link's
    content and guide, so content performance by region, store and guide is one grouped
    read of link rows, with no join.

    The key is (day, dim, key) itself, no serial id: ingestion upserts about 1.5 of these
    per event, and on SQLite an AUTOINCREMENT id made each insert also update
    sqlite_sequence (in process, the upsert went from about 7.5 to 4.6 µs an event without
    it); on PostgreSQL it cost a sequence call and a second unique index.
    """

    pk = models.CompositePrimaryKey("day", "dim", "key")
    day = models.DateField()
    dim = models.CharField(max_length=8, choices=Dim.choices)
    key = models.BigIntegerField()  # the guide's, content's, store's or link's id
    brand_id = models.BigIntegerField(null=True)
    branch_id = models.BigIntegerField(null=True)
    store_id = models.BigIntegerField(null=True)
    content_id = models.BigIntegerField(null=True)  # link rows: the link's content
    staff_id = models.BigIntegerField(null=True)  # link rows: the link's guide
    pv = models.PositiveIntegerField(default=0)  # page and content views
    uv = models.PositiveIntegerField(default=0)  # distinct viewers that day (exact)
    dwell_ms = models.BigIntegerField(default=0)
    carts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)  # paid orders
    sales_fen = models.BigIntegerField(default=0)

    class Meta:
        db_table = "tracking_daily_stat"
        indexes = [
            models.Index(fields=["dim", "store_id", "day"], name="daily_stat_dim_store_day"),
            models.Index(fields=["dim", "day"], name="daily_stat_dim_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dim}:{self.key}"


class VisitorDay(models.Model):
    """Everything one visitor viewed on one day, once: the exact UV behind DailyStat.uv.

    `seen` lists the guides, content, stores and share links the visitor viewed that day,
    each as its dimension's letter and key ("g12 s3 l456 c78"; services.DIM_MARKS). A view
    adds to a rollup row's UV when its mark is not yet in the visitor's `seen`.

    One row per visitor and day rather than one per visitor, day and rollup row: a view
    counts in up to four rollup rows (guide, store, link, content), and those four rows, each
    a B-tree insert at a random place, had been the largest single cost of ingestion."""

    pk = models.CompositePrimaryKey("day", "visitor")
    day = models.DateField()
    visitor = models.CharField(max_length=66)  # "d<device id>", "c<customer id>", "i<key>"
    seen = models.TextField()

    def __str__(self) -> str:
        return f"{self.day} {self.visitor}: {self.seen}"


class CustomerActivity(models.Model):
    """A customer's latest activity, for the guide's follow-up list (kept by ingestion)."""

    customer_id = models.BigIntegerField(primary_key=True)
    last_seen_at = models.DateTimeField()
    last_type = models.CharField(max_length=16)
    last_content_id = models.BigIntegerField(null=True)
    events = models.PositiveIntegerField(default=0)
    carts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.customer_id} at {self.last_seen_at}"
