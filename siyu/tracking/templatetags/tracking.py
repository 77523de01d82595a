"""`{% tracker … %}`: the <script> tag that loads tracker.js with siyu's own H5 write key."""

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html

from siyu.tracking.services import h5_write_key

register = template.Library()


@register.simple_tag
def tracker(
    share: str = "", content: int | None = None, device: str = "", unionid: str = ""
) -> str:
    """The tracker for a page of siyu's own: attribution, content and identity as known."""
    return format_html(
        '<script src="{}" data-key="{}" data-endpoint="{}" data-share="{}" data-content="{}" '
        'data-device="{}" data-customer-kind="unionid" data-customer="{}" defer></script>',
        static("tracking/tracker.js"),
        h5_write_key(),
        reverse("api:events_post"),
        share,
        content or "",
        device,
        unionid,
    )


@register.filter
def dwell(ms: int | None) -> str:
    """Milliseconds as a reading time: 45秒, 3分12秒, 1小时5分 (45s, 3m12s, 1h5m in English)."""
    from django.utils.translation import gettext as _

    seconds = (ms or 0) // 1000
    if seconds < 60:
        return _("%(s)ds") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)dm%(s)ds") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)dh%(m)dm") % {"h": hours, "m": minutes}
