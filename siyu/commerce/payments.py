"""Payment gateways behind one interface; the dev gateway works offline.

A real gateway (WeChat Pay, say) implements `Gateway`: it starts a payment for an order
and, when the gateway calls back, proves the notice came from it and reads it. siyu's
order logic sees only `Notice`. The dev gateway stands in for it in development and tests:
its "payment page" is siyu's own, and it signs notices with HMAC-SHA256 under
COMMERCE_PAY_KEY exactly as a gateway signs with its merchant key, so the notification
path (signature, idempotence, amount check) is the one production runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils import timezone

SIGNATURE_HEADER = "X-Siyu-Pay-Signature"


class BadNotice(Exception):
    """A notice whose signature or shape is wrong: refused, nothing recorded."""


@dataclass(frozen=True)
class Notice:
    """What a gateway says happened: this order was paid this amount, in this transaction."""

    order_number: str
    transaction_id: str
    amount_fen: int
    paid_at: dt.datetime
    raw: dict


class Gateway(Protocol):
    name: str

    def notice_read(self, body: bytes, headers: dict[str, str]) -> Notice:
        """The notice in a callback, or BadNotice if it is not the gateway's."""
        ...


class DevGateway:
    """Offline gateway: notices are JSON bodies signed with HMAC-SHA256 of COMMERCE_PAY_KEY."""

    name = "dev"

    def _sign(self, body: bytes) -> str:
        return hmac.new(settings.COMMERCE_PAY_KEY.encode(), body, hashlib.sha256).hexdigest()

    def notice_make(
        self, *, order_number: str, amount_fen: int, paid_at: dt.datetime | None = None
    ) -> tuple[bytes, str]:
        """The body and signature the dev gateway sends when an order is paid (its pay page)."""
        body = json.dumps(
            {
                "order": order_number,
                "transaction_id": "dev" + secrets.token_hex(12),
                "amount_fen": amount_fen,
                "paid_at": (paid_at or timezone.now()).isoformat(),
            }
        ).encode()
        return body, self._sign(body)

    def notice_read(self, body: bytes, headers: dict[str, str]) -> Notice:
        signature = headers.get(SIGNATURE_HEADER, "")
        if not hmac.compare_digest(signature, self._sign(body)):
            raise BadNotice("bad signature")
        try:
            data = json.loads(body)
            paid_at = dt.datetime.fromisoformat(data["paid_at"])
            if timezone.is_naive(paid_at):
                raise ValueError("paid_at needs a zone")
            amount = data["amount_fen"]
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise ValueError("amount_fen")
            return Notice(str(data["order"]), str(data["transaction_id"]), amount, paid_at, data)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadNotice(f"malformed notice: {exc}") from exc


GATEWAYS: dict[str, Gateway] = {"dev": DevGateway()}


def gateway(name: str) -> Gateway:
    """The configured gateway (COMMERCE_PAY_GATEWAY) by name; notices naming another are refused."""
    if name != settings.COMMERCE_PAY_GATEWAY or name not in GATEWAYS:
        raise BadNotice(f"gateway {name!r} is not the one configured")
    return GATEWAYS[name]
