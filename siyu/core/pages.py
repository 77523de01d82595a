"""Shared page helpers: one view answers both the full page and its HTMX partial."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

PAGE_SIZE = 50


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The full page, or only its `results` block when HTMX asks for it (not for boosted links)."""
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.boosted and htmx.target == "results":
        return render(request, template.replace(".html", "_results.html"), context)
    return render(request, template, context)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """Show a service's refusal on the page it was asked from, one message per problem."""
    for message in exc.messages:
        messages.error(request, message)


def int_param(value: str | None) -> int | None:
    """A query-string id, or None when absent or not a number."""
    return int(value) if value and value.isdigit() else None


def page_of(request: HttpRequest, queryset: QuerySet, size: int = PAGE_SIZE) -> Any:
    """A numbered page, for lists that stay small (stores, staff)."""
    return Paginator(queryset, size).get_page(request.GET.get("page"))


def keyset_page(request: HttpRequest, queryset: QuerySet, size: int = PAGE_SIZE) -> dict[str, Any]:
    """The next `size` rows older than `?before=<id>`, for lists that grow to millions (customers)."""
    before = request.GET.get("before", "")
    if before.isdigit():
        queryset = queryset.filter(pk__lt=int(before))
    rows = list(queryset[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return {"rows": rows, "next_before": rows[-1].pk if more and rows else None}


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus `names`, to build 'next page' links that keep filters."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def period_params(request: HttpRequest) -> tuple[dt.date, dt.date]:
    """A page's ?start=&end= (default today; unreadable dates mean today; reversed, swapped)."""
    today = timezone.localdate()
    try:
        end = dt.date.fromisoformat(request.GET["end"]) if request.GET.get("end") else today
        start = dt.date.fromisoformat(request.GET["start"]) if request.GET.get("start") else end
    except ValueError:
        return today, today
    return (start, end) if start <= end else (end, start)
