"""What a guide is handed when forwarding: the link, the copy, and the poster for a poster."""

from __future__ import annotations

import urllib.parse
from typing import Any

from django.conf import settings
from django.urls import reverse

from siyu.content.models import Kind, ShareLink


def public_url(path: str) -> str:
    """An absolute URL customers can open (SIYU_PUBLIC_URL + path)."""
    return settings.SIYU_PUBLIC_URL.rstrip("/") + path


def handout(link: ShareLink) -> dict[str, Any]:
    content = link.content
    has_poster = content.kind in (Kind.POSTER, Kind.PRODUCT) and bool(content.image)
    return {
        "code": link.code,
        "url": public_url(reverse("landing", args=[link.code])),
        "share_copy": content.share_copy or content.title,
        "poster_url": public_url(reverse("landing_poster", args=[link.code]))
        if has_poster
        else None,
        "channel": link.channel,
    }


def buy_url(link: ShareLink) -> str | None:
    """The sharing store's storefront for the item's product, carrying the share (the
    commerce issue serves it); None when the item sells nothing."""
    product = link.content.product_code or next(iter(link.content.product_codes), "")
    if not product:
        return None
    query = urllib.parse.urlencode(
        {"share": link.code, "store": link.store.code if link.store else ""}
    )
    return f"/shop/p/{urllib.parse.quote(product)}?{query}"
