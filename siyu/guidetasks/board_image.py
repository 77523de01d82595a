"""A leaderboard's top ten as a PNG, sized for a WeChat group (drawn with Pillow)."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from PIL import Image, ImageDraw

from siyu.core.images import cjk_font
from siyu.guidetasks.models import ContestKind
from siyu.guidetasks.selectors import Leaderboard

WIDTH, ROW = 750, 64


def value_text(board: Leaderboard, value: int) -> str:
    """A standing's value as people read it: days for a streak, yuan for an amount."""
    if board.contest.kind == ContestKind.STREAK:
        return _("%(days)s days") % {"days": value}
    return f"¥{value / 100:,.2f}"


def render(board: Leaderboard) -> bytes:
    rows = board.rows[:10]
    image = Image.new("RGB", (WIDTH, 170 + ROW * max(len(rows), 1)), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 120), fill="#b91c1c")
    draw.text((30, 22), board.contest.title, fill="white", font=cjk_font(40))
    draw.text((30, 76), str(board.day or ""), fill="#fde2e2", font=cjk_font(26))
    y = 140
    if not rows:
        draw.text((30, y), _("No standings yet."), fill="#555555", font=cjk_font(28))
    for row in rows:
        draw.text((30, y), f"{row.rank}", fill="#b91c1c", font=cjk_font(32))
        draw.text((100, y), f"{row.staff.name} · {row.store.name}", fill="black", font=cjk_font(30))
        draw.text((520, y), value_text(board, row.value), fill="black", font=cjk_font(30))
        y += ROW
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
