"""What siyu keeps of the WeCom protocol: received callbacks and the cached access token."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallbackStatus(models.TextChoices):
    PENDING = "pending", _("Pending")  # stored, waiting for the worker
    DONE = "done", _("Done")
    IGNORED = "ignored", _("Ignored")  # a type nobody handles: kept, not acted on
    FAILED = "failed", _("Failed")  # the handler raised; retried, then shown to an admin


class CallbackEvent(models.Model):
    """One callback as WeCom delivered it, decrypted. Redeliveries of the same callback share
    a `dedupe_key` (SHA-256 of the plaintext), so a resent callback is stored once."""

    dedupe_key = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=64)
    change_type = models.CharField(max_length=64, blank=True)
    plaintext = models.TextField()
    fields = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.event}/{self.change_type} #{self.pk}"

    @property
    def kind(self) -> tuple[str, str]:
        return (self.event, self.change_type)


class AccessToken(models.Model):
    """The corp's access token, shared by every process (WeCom limits how often one is fetched)."""

    corp_id = models.CharField(max_length=64, unique=True)
    token = models.CharField(max_length=512)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.corp_id} until {self.expires_at}"


class CallbackQueue(models.Model):
    """One row: whether a drain of pending callbacks is already waiting to start, so a burst
    of callbacks enqueues one drain task instead of one task each."""

    drain_requested = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"drain requested: {self.drain_requested}"
