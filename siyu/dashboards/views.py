"""The mobile BI page (thin): one day's figures in the caller's scope."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from siyu.core import periods
from siyu.dashboards import selectors
from siyu.org.web import scope_required


@scope_required
def mobile_bi(request: HttpRequest) -> HttpResponse:
    """Yesterday (or `?day=`): stores ranked by sales, share rates, task completion."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    day = periods.read_day(request.GET.get("day", "")) or yesterday
    figures = selectors.daily_bi(scope=request.scope, day=day)  # type: ignore[attr-defined]
    return render(
        request,
        "dashboards/bi.html",
        {
            "bi": figures,
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1) if day < yesterday else None,
        },  # fmt: skip
    )
