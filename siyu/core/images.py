"""Drawing helpers shared by the pictures siyu renders (posters, leaderboards)."""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageFont


@lru_cache(maxsize=16)
def cjk_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """A CJK font where the machine has one (Debian: fonts-noto-cjk), else Pillow's own."""
    for path in (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ):
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            continue
    return ImageFont.load_default(size)
