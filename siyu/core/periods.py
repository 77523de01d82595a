"""What every KPI shares: periods in the group's time zone and rates as exact decimals."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


@functools.cache
def group_zone() -> ZoneInfo:
    """The group's time zone (settings.TIME_ZONE), without Django's per-call lookups."""
    return ZoneInfo(settings.TIME_ZONE)


def local(at: dt.datetime) -> dt.datetime:
    """A moment in the group's time zone (for hot loops; timezone.localtime asks the
    request-local active zone each call)."""
    return at.astimezone(group_zone())


def read_moment(text: str) -> dt.datetime | None:
    """A date and time as forms and files write it (ISO 8601, with or without a zone; naive
    stays naive), or None when it is not one — also when well formed but impossible, such as
    30 February, where Django's parse_datetime raises."""
    try:
        return parse_datetime(text.strip())
    except ValueError:
        return None


def read_day(text: str) -> dt.date | None:
    """A date (2026-11-20), or None when it is not one (see read_moment)."""
    try:
        return parse_date(text.strip())
    except ValueError:
        return None


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, day after end 00:00) in the group's time zone."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return (
        dt.datetime.combine(start, dt.time(), zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone),
    )


def rate(part: int, whole: int) -> Decimal | None:
    """part / whole as a fraction with 4 decimals (None when there is nothing to divide)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """An API period: defaults to today; refused when reversed or longer than a year."""
    end = end or timezone.localdate()
    start = start or end
    if start > end or (end - start).days > 366:
        raise ValidationError({"start": "start must be on or before end, at most a year apart"})
    return start, end
