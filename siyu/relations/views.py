"""Relationship pages: channel codes and badges, acquisition, transfers; the guide's edits."""

import segno
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from siyu.core.pages import (
    flash_errors,
    int_param,
    page_of,
    period_params,
    query_without,
    render_list,
)
from siyu.org import selectors as org_selectors
from siyu.org.models import Role, StaffStatus
from siyu.org.scope import Capability
from siyu.org.web import scope_required
from siyu.relations import kpis, selectors, services
from siyu.relations.models import ChannelKind, TransferStatus


@scope_required
def channel_code_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.scope.require(Capability.MANAGE_RELATIONS)
        try:
            store = org_selectors.store_get(
                scope=request.scope, store_id=int_param(request.POST.get("store")) or 0
            )
            staff_id = int_param(request.POST.get("staff"))
            staff = (
                org_selectors.staff_get(scope=request.scope, staff_id=staff_id)
                if staff_id
                else None
            )
            services.channel_code_create(
                scope=request.scope,
                kind=request.POST.get("kind", ""),
                store=store,
                staff=staff,
                campaign=request.POST.get("campaign", ""),
                to_store_account=request.POST.get("to_store_account") == "on",
            )
            return redirect("channel_code_list")
        except ValidationError as exc:
            flash_errors(request, exc)
    codes = selectors.channel_code_list(
        scope=request.scope, store_id=int_param(request.GET.get("store"))
    )
    return render(
        request,
        "relations/channel_code_list.html",
        {
            "page": page_of(request, codes),
            "query": query_without(request, "page"),
            "kinds": ChannelKind.choices,
            "stores": org_selectors.store_list(scope=request.scope)[:500],
            "guides": org_selectors.staff_list(
                scope=request.scope, role=Role.GUIDE, status=StaffStatus.EMPLOYED
            )[:500],
        },
    )


@scope_required
def badge(request: HttpRequest, code_id: int) -> HttpResponse:
    """A printable badge (工牌) with the code's QR: scanning it adds the guide on WeCom."""
    code = selectors.channel_code_get(scope=request.scope, code_id=code_id)
    qr = segno.make(code.qr_code or code.state, error="m").svg_inline(scale=6, dark="#1f2328")
    return render(request, "relations/badge.html", {"code": code, "qr": qr})


@scope_required
def acquisition(request: HttpRequest) -> HttpResponse:
    start, end = period_params(request)
    by = request.GET.get("by", "guide" if request.scope.level >= 3 else "store")
    if by not in kpis.GROUPS:
        by = "store"
    rows = kpis.acquisition(scope=request.scope, start=start, end=end, by=by)
    return render_list(
        request,
        "relations/acquisition.html",
        {"rows": rows, "total": kpis.totals(rows), "start": start, "end": end, "by": by},
    )


@scope_required
def transfer_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        request.scope.require(Capability.MANAGE_RELATIONS)
        try:
            handover = org_selectors.staff_get(
                scope=request.scope, staff_id=int_param(request.POST.get("handover")) or 0
            )
            takeover_id = int_param(request.POST.get("takeover"))
            takeover = (
                org_selectors.staff_get(scope=request.scope, staff_id=takeover_id)
                if takeover_id
                else None
            )
            services.transfer_request(handover=handover, takeover=takeover, actor=request.user)
            return redirect("transfer_list")
        except ValidationError as exc:
            flash_errors(request, exc)
    status = request.GET.get("status", "")
    transfers = selectors.transfer_list(scope=request.scope, status=status)
    staff = org_selectors.staff_list(scope=request.scope).exclude(store=None)
    return render_list(
        request,
        "relations/transfer_list.html",
        {
            "page": page_of(request, transfers),
            "query": query_without(request, "page"),
            "status": status,
            "statuses": TransferStatus.choices,
            "leaving": staff.filter(status=StaffStatus.RESIGNED)[:200],
            "colleagues": staff.filter(status=StaffStatus.EMPLOYED, role=Role.GUIDE)[:500],
        },
    )


@require_POST
@scope_required(capability=Capability.EDIT_CUSTOMERS)
def friendship_edit(request: HttpRequest, friendship_id: int) -> HttpResponse:
    """HTMX from the customer card: save remark, description and tags, synced to WeCom."""
    friendship = selectors.friendship_get(scope=request.scope, friendship_id=friendship_id)
    error = None
    try:
        services.friendship_edit(
            friendship=friendship,
            remark=request.POST.get("remark", "").strip(),
            description=request.POST.get("description", "").strip(),
            tags=request.POST.getlist("tags"),
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return render(
        request,
        "relations/_friendship.html",
        {"f": friendship, "error": error, "saved": not error, "corp_tags": selectors.corp_tags()},
        status=422 if error else 200,
    )


@scope_required
def my_acquisition(request: HttpRequest) -> HttpResponse:
    """Workbench panel: today's new friends for the caller's scope (a guide: their own)."""
    today = timezone.localdate()
    total = kpis.totals(kpis.acquisition(scope=request.scope, start=today, end=today, by="guide"))
    return render(request, "relations/_my_acquisition.html", {"total": total})


@scope_required
def customer_friendships(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Customer-card panel: the caller's view of this customer's WeCom friendships, editable."""
    friendships = selectors.customer_friendships(scope=request.scope, customer_id=customer_id)
    return render(
        request,
        "relations/_friendships.html",
        {"friendships": friendships, "corp_tags": selectors.corp_tags() if friendships else []},
    )
