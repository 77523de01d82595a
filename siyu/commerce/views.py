"""Commerce pages (thin): the guide's month on the workbench, sales KPIs, statements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.commerce import kpis, selectors
from siyu.core.excel import xlsx_response
from siyu.core.pages import period_params, render_list
from siyu.org.web import scope_required


@scope_required
def my_month(request: HttpRequest) -> HttpResponse:
    """Workbench panel: my sales (online and in store, net of refunds) and commission this
    month; a store manager sees their store's."""
    scope = request.scope  # type: ignore[attr-defined]
    by = "guide" if scope.is_guide else "store"
    row = selectors.caller_month(scope=scope, by=by)
    return render(request, "commerce/_my_month.html", {"row": row, "by": by})


@scope_required
def sales(request: HttpRequest) -> HttpResponse:
    """Sales KPIs (product.md) by day, brand, branch, store or guide, in the caller's scope."""
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


@scope_required
def statements(request: HttpRequest) -> HttpResponse:
    """A month's sales and commission per guide or store (`?month=YYYY-MM&by=guide|store`);
    `&format=xlsx` downloads it as Excel. Money in yuan in the sheet, exact to the fen."""
    month = _month_param(request.GET.get("month", ""))
    by = "store" if request.GET.get("by") == "store" else "guide"
    rows = selectors.statement(scope=request.scope, month=month, by=by)  # type: ignore[attr-defined]
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"statement-{month:%Y-%m}-{by}.xlsx", f"{month:%Y-%m}",
            [_("Guide") if by == "guide" else _("Store"), _("Orders"), _("Online (¥)"),
             _("In store (¥)"), _("Sales (¥)"), _("Accrued (¥)"), _("Taken back (¥)"), _("Commission (¥)")],
            [
                (r.label, r.orders, _yuan(r.online_fen), _yuan(r.pos_fen), _yuan(r.sales_fen),
                 _yuan(r.accrued_fen), _yuan(r.clawed_back_fen), _yuan(r.commission_fen))
                for r in rows
            ],
        )  # fmt: skip
    return render_list(
        request, "commerce/statements.html", {"rows": rows, "month": month, "by": by}
    )


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def _month_param(text: str) -> dt.date:
    """?month=YYYY-MM, else this month."""
    try:
        return dt.date(int(text[:4]), int(text[5:7]), 1)
    except ValueError:
        return timezone.localdate().replace(day=1)
