"""Template helpers for org data."""

from django import template

from siyu.org import regions

register = template.Library()


@register.filter
def region_name(code: str) -> str:
    """An adcode's name (`210100` → 沈阳市), or the code itself when unknown."""
    return regions.name(code) or code
