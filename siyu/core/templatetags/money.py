"""Money in templates: amounts are kept in fen and shown in yuan."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """12990 → "129.90" (exact: Decimal, never float)."""
    if fen is None or fen == "":
        return ""
    return f"{(Decimal(int(fen)) / 100):,.2f}"


@register.filter
def pct(fraction: Decimal | None) -> str:
    """Decimal("0.4567") → "45.7 %"; None (nothing to divide) → "—"."""
    if fraction is None or fraction == "":
        return "—"
    return f"{Decimal(fraction) * 100:.1f} %"


@register.filter
def get_item(mapping: dict | None, key: object) -> object:
    """mapping[key] in a template (None when missing)."""
    return (mapping or {}).get(key)
