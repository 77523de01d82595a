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
