"""Behaviour pages: the customer card's trail, the guide's follow-up list and shares of the
day (workbench), and the funnel / content performance page (console)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from siyu.core.pages import int_param, period_params, render_list
from siyu.members import selectors as member_selectors
from siyu.org.web import scope_required
from siyu.tracking import selectors


@scope_required
def customer_trail(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Customer-card panel: the last 24 h and 7 days, reached through the customer's scope."""
    customer = member_selectors.customer_get(scope=request.scope, customer_id=customer_id)
    return render(
        request, "tracking/_trail.html", selectors.customer_trail(customer_id=customer.pk)
    )


@scope_required
def follow_up(request: HttpRequest) -> HttpResponse:
    """Whom to follow up first, with the reasons behind each score."""
    return render(
        request, "tracking/follow_up.html", {"rows": selectors.follow_up_list(scope=request.scope)}
    )


@scope_required
def shares_today(request: HttpRequest) -> HttpResponse:
    """Workbench panel: the caller's shares of today with PV / UV (guides and store managers)."""
    rows = selectors.shares_today(scope=request.scope)
    return render(request, "tracking/_shares_today.html", {"rows": rows})


@scope_required
def behaviour(request: HttpRequest) -> HttpResponse:
    """Funnels by day, region, store, guide or content; of one item: its performance by region,
    store and guide."""
    start, end = period_params(request)
    content_id = int_param(request.GET.get("content"))
    by = request.GET.get("by", "region" if content_id else "day")
    if by not in selectors.FUNNEL_GROUPS:
        by = "day"
    rows = selectors.funnel(scope=request.scope, start=start, end=end, by=by, content_id=content_id)
    return render_list(
        request,
        "tracking/behaviour.html",
        {
            "rows": rows, "total": selectors.total(rows), "start": start, "end": end, "by": by,
            "content_id": content_id, "groups": selectors.FUNNEL_GROUPS,
        },
    )  # fmt: skip
