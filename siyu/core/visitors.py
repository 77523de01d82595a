"""Who a customer's browser is on siyu's public pages (landing pages, the storefront).

A device id cookie for everyone, and — once WeChat OAuth has identified them on a landing
page — a signed cookie with their openid and unionid. Both apps read them here, so a
customer who opened a guide's share is the same visitor in the storefront.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

DEVICE_COOKIE, WECHAT_COOKIE = "sy_did", "sy_wx"
WECHAT_SALT = "siyu.content.oauth"  # the cookie's signing salt (unchanged since landing pages)
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Visitor:
    device: str
    openid: str = ""
    unionid: str = ""


def visitor_of(request: Any) -> Visitor:
    """The browser's device id (a new one if it has none) and WeChat identity, if known."""
    device = request.COOKIES.get(DEVICE_COOKIE) or secrets.token_hex(16)
    wechat = request.get_signed_cookie(WECHAT_COOKIE, default="", salt=WECHAT_SALT)
    openid, _sep, unionid = wechat.partition("|")
    return Visitor(device=device, openid=openid, unionid=unionid)


def visitor_remember(response: Any, visitor: Visitor) -> None:
    """Keep the visitor's cookies for a year."""
    response.set_cookie(DEVICE_COOKIE, visitor.device, max_age=YEAR, samesite="Lax", httponly=True)
    if visitor.openid or visitor.unionid:
        response.set_signed_cookie(
            WECHAT_COOKIE, f"{visitor.openid}|{visitor.unionid}", salt=WECHAT_SALT,
            max_age=YEAR, samesite="Lax", httponly=True,
        )  # fmt: skip
