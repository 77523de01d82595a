"""A poster as a guide shares it: the item's image with a band carrying the guide's QR code.

The QR code is the guide's share link, so whoever scans the poster lands on the item
with the guide and store credited. Drawn with Pillow; the QR code comes from segno.
Rendered once per share link and kept in storage.
"""

from __future__ import annotations

import io

import segno
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, ImageDraw

from siyu.content.models import ShareLink
from siyu.content.share import public_url
from siyu.core.images import cjk_font

WIDTH = 750  # the width WeChat shows a poster at, in px
BAND = 200


def poster_path(link: ShareLink) -> str:
    return f"posters/{link.code}.png"


def poster_render(link: ShareLink) -> str:
    """The storage path of the link's poster, drawn now if it is not there yet."""
    path = poster_path(link)
    if default_storage.exists(path):
        return path
    with link.content.image.open("rb") as source, Image.open(source) as original:
        art = original.convert("RGB")
    art = art.resize((WIDTH, max(1, round(art.height * WIDTH / art.width))))
    poster = Image.new("RGB", (WIDTH, art.height + BAND), "white")
    poster.paste(art, (0, 0))
    url = public_url(reverse("landing", args=[link.code]))
    qr = io.BytesIO()
    segno.make(url, error="m").save(qr, kind="png", scale=5, border=2)
    qr.seek(0)
    with Image.open(qr) as code:
        code = code.convert("RGB").resize((BAND - 20, BAND - 20))
        poster.paste(code, (WIDTH - BAND + 10, art.height + 10))
    draw = ImageDraw.Draw(poster)
    guide = link.staff.name if link.staff else ""
    store = link.store.name if link.store else link.content.brand.name
    draw.text((30, art.height + 40), guide, fill="black", font=cjk_font(40))
    draw.text((30, art.height + 110), store, fill="#555555", font=cjk_font(28))
    out = io.BytesIO()
    poster.save(out, format="PNG", optimize=True)
    return default_storage.save(path, ContentFile(out.getvalue()))
