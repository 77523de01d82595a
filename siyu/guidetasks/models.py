"""Tasks for guides, their assignments and evidence, reminders, contests and standings."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from siyu.content.models import Content
from siyu.org.models import Branch, Brand, Staff, Store


class TaskKind(models.TextChoices):
    SHARE = "share", _("Share content")
    GROUP_MESSAGE = "group_message", _("Send a group message")
    FOLLOW_UP = "follow_up", _("Follow up customers")
    ADD_FRIENDS = "add_friends", _("Add friends")
    CHECKLIST = "checklist", _("Checklist")


class TaskStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")  # open assignments were cancelled with it


class Task(models.Model):
    """Work HQ asks of the guides of part of one brand's tree, by a deadline."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=100)
    instructions = models.TextField(_("instructions"), max_length=2000, blank=True)
    content = models.ForeignKey(
        Content, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # share and group-message tasks
    channel = models.CharField(_("channel"), max_length=12, blank=True)  # share: "" = any
    message = models.TextField(_("message"), max_length=1000, blank=True)  # group message
    friends_goal = models.PositiveIntegerField(_("friends to add"), null=True, blank=True)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)  # item texts
    # Where it is aimed: [{"level": "brand|branch|store|staff", "id": n}], and for whom.
    targets = models.JSONField(default=list)
    roles = models.JSONField(default=list)
    starts_at = models.DateTimeField(_("starts at"))
    due_at = models.DateTimeField(_("due at"))
    remind_hours = models.PositiveSmallIntegerField(_("remind hours before"), default=24)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]

    def __str__(self) -> str:
        return self.title


class AssignmentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")  # the task was cancelled before it was done


class DoneHow(models.TextChoices):
    AUTO = "auto", _("Detected")
    MANUAL = "manual", _("Confirmed by hand")


class Assignment(models.Model):
    """One guide's share of a task; place columns are the guide's when it was assigned."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="+")
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()  # the task's, copied for overdue lists
    status = models.CharField(
        max_length=10, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    progress = models.PositiveIntegerField(default=0)
    goal = models.PositiveIntegerField(default=1)
    done_at = models.DateTimeField(null=True, blank=True)
    done_how = models.CharField(max_length=8, choices=DoneHow.choices, blank=True)
    evidence = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["task", "staff"], name="one_assignment_per_guide")
        ]
        indexes = [
            models.Index(fields=["staff", "status"]),
            models.Index(fields=["task", "status"]),
            models.Index(fields=["store", "due_at"]),
            models.Index(fields=["branch", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} → {self.staff_id} ({self.status})"

    @property
    def is_late(self) -> bool:
        return self.done_at is not None and self.done_at > self.due_at


class FollowUpItem(models.Model):
    """A customer on a guide's follow-up list, and when (and how) they were contacted."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="items")
    customer_id = models.BigIntegerField()  # members.Customer
    contacted_at = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "customer_id"], name="one_item_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.customer_id}"


class ContactChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    IN_STORE = "in_store", _("In store")
    WECOM_CHAT = "wecom_chat", _("WeCom chat")
    WECOM_MESSAGE = "wecom_message", _("WeCom message sent through siyu")


class Contact(models.Model):
    """A contact a guide made with a customer (logged, or a message siyu sent); append-only."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    customer_id = models.BigIntegerField()
    channel = models.CharField(max_length=16, choices=ContactChannel.choices)
    note = models.CharField(max_length=200, blank=True)
    msgid = models.CharField(max_length=64, blank=True)  # WeCom's, for messages sent
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["staff", "customer_id", "at"])]

    def __str__(self) -> str:
        return f"{self.staff_id} → {self.customer_id} {self.channel}"


class ReminderKind(models.TextChoices):
    GUIDE = "guide", _("Guide reminder")
    STORE = "store", _("Store manager summary")


class Reminder(models.Model):
    """One reminder of a task to one guide, or one summary to one store's managers; the row
    is the claim that keeps it from being sent twice (see services.reminders_send)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=8, choices=ReminderKind.choices)
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, null=True, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(max_length=500)
    recipients = models.JSONField(default=list)  # WeCom user ids
    created_at = models.DateTimeField(auto_now_add=True)
    claim = models.CharField(max_length=16, blank=True)  # the sending run's token
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    msgid = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["task", "staff"], condition=Q(kind="guide"), name="remind_guide_once"
            ),
            models.UniqueConstraint(
                fields=["task", "store"], condition=Q(kind="store"), name="remind_store_once"
            ),
        ]
        indexes = [models.Index(fields=["sent_at"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.kind} {self.staff_id or self.store_id}"


class ContestKind(models.TextChoices):
    STREAK = "streak", _("Consecutive days with an online order")
    AMOUNT = "amount", _("Total amount")


class ContestChannel(models.TextChoices):
    ONLINE = "online", _("Online orders")
    ALL = "all", _("Online and in-store orders")


class Contest(models.Model):
    """A PK among the guides of a brand (or one branch) over a run of days."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContestKind.choices)
    channel = models.CharField(
        _("orders counted"), max_length=8, choices=ContestChannel.choices,
        default=ContestChannel.ONLINE,
    )  # fmt: skip
    title = models.CharField(_("title"), max_length=100)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    hired_by = models.DateField(_("hired on or before"), null=True, blank=True)  # eligibility
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Standing(models.Model):
    """A guide's place in a contest as of a day (derived: replaced when recomputed)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="standings")
    day = models.DateField()
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    value = models.BigIntegerField()  # fen for amount, days for streak
    current = models.PositiveIntegerField(default=0)  # streak: the run still going that day
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["contest", "day", "staff"], name="one_standing")
        ]
        indexes = [models.Index(fields=["contest", "day", "rank"])]

    def __str__(self) -> str:
        return f"{self.contest_id} {self.day} #{self.rank} {self.staff_id}"
