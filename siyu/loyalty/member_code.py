"""The rotating member code a customer shows in store (docs/loyalty.md, "Member code").

`M` + the 60-second window number + 12 hex digits of an HMAC-SHA256 of (customer, window)
under a key derived from SECRET_KEY. Nothing is stored; a code resolves during its window
and the one after (a scan at the turn of the minute), then to nobody. The customer id is
carried in the clear inside the code (short enough for a QR code a till reads at once);
the HMAC is what makes it unforgeable and short-lived.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.utils import timezone

WINDOW_SECONDS = 60


def _key() -> bytes:
    return hashlib.sha256(f"siyu-member-code:{settings.SECRET_KEY}".encode()).digest()


def _mac(customer_id: int, window: int) -> str:
    return hmac.new(_key(), f"{customer_id}:{window}".encode(), hashlib.sha256).hexdigest()[:12]


def member_code(*, customer_id: int, at: dt.datetime | None = None) -> str:
    window = int((at or timezone.now()).timestamp()) // WINDOW_SECONDS
    return f"M{window}-{customer_id}-{_mac(customer_id, window)}"


def member_code_resolve(*, code: str, at: dt.datetime | None = None) -> int | None:
    """The customer a code shown now (or in the last window) belongs to, else None."""
    try:
        window_text, customer_text, mac = code.strip().removeprefix("M").split("-")
        window, customer_id = int(window_text), int(customer_text)
    except ValueError:
        return None
    now = int((at or timezone.now()).timestamp()) // WINDOW_SECONDS
    if window not in (now, now - 1):
        return None
    return customer_id if hmac.compare_digest(mac, _mac(customer_id, window)) else None
