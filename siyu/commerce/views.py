"""Commerce pages (thin): the guide's month on the workbench."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from siyu.commerce import selectors
from siyu.org.web import scope_required


@scope_required
def my_month(request: HttpRequest) -> HttpResponse:
    """Workbench panel: my sales (online and in store, net of refunds) and commission this
    month; a store manager sees their store's."""
    scope = request.scope  # type: ignore[attr-defined]
    by = "guide" if scope.is_guide else "store"
    rows = selectors.statement(scope=scope, month=timezone.localdate(), by=by)
    mine = scope.staff_id if scope.is_guide else scope.store_id
    row = next((r for r in rows if r.key == mine), None) if mine else None
    return render(request, "commerce/_my_month.html", {"row": row, "by": by})


@scope_required
def sales(request: HttpRequest) -> HttpResponse:
    """Sales KPIs (product.md) by day, brand, branch, store or guide, in the caller's scope."""
    from siyu.commerce import kpis
    from siyu.core.pages import period_params, render_list

    start, end = period_params(request)
    by = request.GET.get("by", "day")
    if by not in kpis.GROUPS:
        by = "day"
    rows = kpis.sales_kpis(scope=request.scope, start=start, end=end, by=by)  # type: ignore[attr-defined]
    return render_list(
        request,
        "commerce/sales.html",
        {
            "rows": rows,
            "total": kpis.total(rows),
            "start": start,
            "end": end,
            "by": by,
            "groups": kpis.GROUPS,
        },
    )
