"""Customer pages: the console's list and detail, and the guide workbench's book and card."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from siyu.core.pages import int_param, keyset_page, query_without, render_list
from siyu.members import selectors, services
from siyu.members.models import JoinChannel
from siyu.org import selectors as org_selectors
from siyu.org.scope import Capability
from siyu.org.web import scope_required


def _customer_filters(request: HttpRequest) -> dict:
    return {
        "q": request.GET.get("q", "").strip(),
        "store_id": int_param(request.GET.get("store")),
        "brand_id": int_param(request.GET.get("brand")),
        "branch_id": int_param(request.GET.get("branch")),
        "join_channel": request.GET.get("channel", ""),
    }


@scope_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filters = _customer_filters(request)
    customers = selectors.customer_list(scope=request.scope, **filters)
    return render_list(
        request,
        "members/customer_list.html",
        {
            **keyset_page(request, customers),
            "filters": filters,
            "query": query_without(request, "before"),
            "brands": org_selectors.brand_list(scope=request.scope),
            "branches": org_selectors.branch_list(scope=request.scope),
            "channels": JoinChannel.choices,
        },
    )


def _card_context(request: HttpRequest, customer_id: int) -> dict:
    customer = selectors.customer_get(scope=request.scope, customer_id=customer_id)
    return {
        "customer": customer,
        "identities": selectors.customer_identities(customer=customer),
        "consents": selectors.customer_consents(customer=customer),
        "membership": getattr(customer, "membership", None),
    }


@scope_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    context = _card_context(request, customer_id)
    if request.scope.can(Capability.REVEAL_PHONE):
        context["reveals"] = selectors.phone_reveal_list(scope=request.scope).filter(
            customer=context["customer"]
        )[:20]
    return render(request, "members/customer_detail.html", context)


@require_POST
@scope_required
def customer_phone_reveal(request: HttpRequest, customer_id: int) -> HttpResponse:
    """HTMX: swap the masked phone for the clear one, after writing the audit record."""
    customer = selectors.customer_get(scope=request.scope, customer_id=customer_id)
    try:
        phone = services.customer_phone_reveal(
            scope=request.scope,
            actor=request.user,
            customer=customer,
            reason=request.POST.get("reason", ""),
            ip=request.META.get("REMOTE_ADDR"),
        )
    except ValidationError as exc:
        return render(
            request,
            "members/_reveal.html",
            {"customer": customer, "errors": exc.messages},
            status=422,
        )
    except PermissionDenied:
        return render(
            request, "members/_reveal.html", {"customer": customer, "forbidden": True}, status=403
        )
    return render(request, "members/_reveal.html", {"customer": customer, "phone": phone})


@scope_required(capability=Capability.REVEAL_PHONE)
def phone_reveal_audit(request: HttpRequest) -> HttpResponse:
    reveals = selectors.phone_reveal_list(scope=request.scope)
    return render(request, "members/reveal_audit.html", keyset_page(request, reveals, size=100))


@scope_required
def workbench(request: HttpRequest) -> HttpResponse:
    """The guide's book of customers (a store manager sees the store's), mobile-first."""
    filters = {"q": request.GET.get("q", "").strip()}
    customers = selectors.customer_list(scope=request.scope, **filters)
    return render_list(
        request,
        "members/workbench.html",
        {
            **keyset_page(request, customers, size=30),
            "filters": filters,
            "query": query_without(request, "before"),
        },
    )


@scope_required
def workbench_customer(request: HttpRequest, customer_id: int) -> HttpResponse:
    return render(request, "members/workbench_card.html", _card_context(request, customer_id))
