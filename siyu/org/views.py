"""Console pages for the org tree: tree, stores, staff, imports, API tokens. Thin: selectors render."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.core.pages import flash_errors, int_param, page_of, query_without, render_list
from siyu.core.tabular import read_rows
from siyu.org import imports, regions, selectors, services
from siyu.org.models import Role, StaffStatus, StoreStatus
from siyu.org.scope import Capability
from siyu.org.web import scope_required


@scope_required
def console(request: HttpRequest) -> HttpResponse:
    return render(request, "org/console.html", {"tree": selectors.org_tree(scope=request.scope)})


@scope_required
def store_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "brand_id": int_param(request.GET.get("brand")),
        "branch_id": int_param(request.GET.get("branch")),
        "status": request.GET.get("status", ""),
    }
    stores = selectors.store_list(scope=request.scope, **filters)
    return render_list(
        request,
        "org/store_list.html",
        {
            "page": page_of(request, stores),
            "filters": filters,
            "query": query_without(request, "page"),
            "brands": selectors.brand_list(scope=request.scope),
            "branches": selectors.branch_list(scope=request.scope),
            "statuses": StoreStatus.choices,
            "regions": regions,
        },
    )


@scope_required
def store_detail(request: HttpRequest, store_id: int) -> HttpResponse:
    store = selectors.store_get(scope=request.scope, store_id=store_id)
    staff = selectors.staff_list(scope=request.scope, store_id=store.pk)
    return render(
        request,
        "org/store_detail.html",
        {
            "store": store,
            "staff": staff,
            "province": regions.name(store.province_code),
            "city": regions.name(store.city_code),
            "district": regions.name(store.district_code),
        },
    )


@scope_required
def staff_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "q": request.GET.get("q", "").strip(),
        "store_id": int_param(request.GET.get("store")),
        "branch_id": int_param(request.GET.get("branch")),
        "role": request.GET.get("role", ""),
        "status": request.GET.get("status", ""),
    }
    staff = selectors.staff_list(scope=request.scope, **filters)
    return render_list(
        request,
        "org/staff_list.html",
        {
            "page": page_of(request, staff),
            "filters": filters,
            "query": query_without(request, "page"),
            "roles": Role.choices,
            "statuses": StaffStatus.choices,
            "branches": selectors.branch_list(scope=request.scope),
        },
    )


@scope_required
def staff_detail(request: HttpRequest, staff_id: int) -> HttpResponse:
    staff = selectors.staff_get(scope=request.scope, staff_id=staff_id)
    moves = selectors.staff_moves(staff=staff)
    return render(request, "org/staff_detail.html", {"staff": staff, "moves": moves})


@scope_required(capability=Capability.MANAGE_ORG)
def org_import(request: HttpRequest) -> HttpResponse:
    """Upload stores or staff; shows the row-level report."""
    report = None
    if request.method == "POST":
        kind, upload = request.POST.get("kind"), request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationError({"file": _("Choose a file.")})
            rows = read_rows(upload, upload.name or "")
            if kind == "stores":
                report = imports.stores_import(scope=request.scope, rows=rows)
            elif kind == "staff":
                report = imports.staff_import(scope=request.scope, rows=rows, actor=request.user)
            else:
                raise ValidationError({"kind": _("Choose what the file holds.")})
        except ValidationError as exc:
            flash_errors(request, exc)
    return render(request, "org/import.html", {"report": report})


@scope_required(capability=Capability.MANAGE_TOKENS)
def token_list(request: HttpRequest) -> HttpResponse:
    created_secret = None
    if request.method == "POST":
        try:
            _token, created_secret = services.api_token_create(
                scope=request.scope, actor=request.user, name=request.POST.get("name", "")
            )
        except ValidationError as exc:
            flash_errors(request, exc)
    tokens = selectors.api_token_list(scope=request.scope)
    return render(
        request, "org/token_list.html", {"tokens": tokens, "created_secret": created_secret}
    )


@require_POST
@scope_required(capability=Capability.MANAGE_TOKENS)
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.api_token_revoke(
        scope=request.scope, token=selectors.api_token_get(scope=request.scope, token_id=token_id)
    )
    return redirect("token_list")
