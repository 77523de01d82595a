"""Bookkeeping shared by every app."""

from django.db import models


class PeriodicRun(models.Model):
    """When a periodic job last ran; claimed with a conditional UPDATE so two schedulers never both run it."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return self.name
