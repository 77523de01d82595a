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
