"""Loyalty pages (thin): HQ's programme page, the member card on the guide's workbench (and
serving a benefit from it), the member-code lookup, and the member's own card (H5)."""

from __future__ import annotations

import io
from decimal import Decimal, InvalidOperation

import segno
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.pages import flash_errors, int_param, period_params
from siyu.loyalty import kpis, member_code, selectors, services
from siyu.loyalty.models import Benefit, CouponTemplate, Programme
from siyu.org.scope import Capability, scoped
from siyu.org.web import scope_required

CARD_SALT = "siyu.loyalty.card"


def card_token(customer_id: int) -> str:
    """The signed part of a member's own card link (sent to them by their guide or SMS)."""
    return signing.dumps({"c": customer_id}, salt=CARD_SALT, compress=True)


# -- HQ -------------------------------------------------------------------------------------------
@scope_required
def programmes(request: HttpRequest) -> HttpResponse:
    """Programmes in scope with their settings, tiers and benefits, and the KPIs of a period;
    those who manage loyalty can edit the settings and issue coupons."""
    scope = request.scope  # type: ignore[attr-defined]
    if request.method == "POST":
        scope.require(Capability.MANAGE_LOYALTY)
        try:
            _post(request)
        except ValidationError as exc:
            flash_errors(request, exc)
        return redirect("loyalty_programmes")
    start, end = period_params(request)
    listed = scoped(Programme.objects.prefetch_related("tiers", "benefits__tier"), scope).order_by("pk")  # fmt: skip
    return render(
        request,
        "loyalty/programmes.html",
        {
            "programmes": listed,
            "kpis": {
                k["programme"]: k
                for k in kpis.loyalty_kpis(scope=scope, start=start, end=end, now=timezone.now())
            },  # fmt: skip
            "templates": scoped(CouponTemplate.objects.all(), scope).order_by("-id")[:50],
            "start": start,
            "end": end,
            "can_manage": scope.can(Capability.MANAGE_LOYALTY),
        },
    )


def _post(request: HttpRequest) -> None:
    scope = request.scope  # type: ignore[attr-defined]
    post = request.POST
    if post.get("action") == "issue":
        template = scoped(CouponTemplate.objects.all(), scope).filter(pk=int_param(post.get("template"))).first()  # fmt: skip
        if template is None:
            raise ValidationError({"template": _("Choose a coupon template.")})
        ids = [int(c) for c in post.get("customers", "").replace(",", " ").split() if c.isdigit()]
        services.coupons_issue(scope=scope, template=template, customer_ids=ids)
        return
    from siyu.loyalty import setup

    programme = scoped(Programme.objects.all(), scope).filter(pk=int_param(post.get("programme"))).first()  # fmt: skip
    if programme is None:
        raise ValidationError(
            {"programme": _("No such programme in your part of the organisation.")}
        )
    try:
        fields = {
            "points_per_yuan": Decimal(post.get("points_per_yuan", "1")),
            "join_bonus": int(post.get("join_bonus", "0")),
            "birthday_multiplier": Decimal(post.get("birthday_multiplier", "1")),
            "grace_days": int(post.get("grace_days", "30")),
        }
    except (InvalidOperation, ValueError):
        raise ValidationError({"points_per_yuan": _("Give the settings as numbers.")}) from None
    setup.programme_settings_set(scope=scope, programme=programme, name=post.get("name", programme.name), **fields)  # fmt: skip


# -- the guide's workbench ------------------------------------------------------------------------
@scope_required
def member_card(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The member card panel of a customer card: tier, points, benefits left (serve one
    with a tap), coupons. POST serves a benefit and answers the panel again."""
    scope = request.scope  # type: ignore[attr-defined]
    accounts = list(selectors.account_list(scope=scope, customer_id=customer_id))
    if request.method == "POST":
        scope.require(Capability.SERVE_MEMBERS)
        account = next((a for a in accounts if a.pk == int_param(request.POST.get("account"))), None)  # fmt: skip
        benefit = Benefit.objects.filter(pk=int_param(request.POST.get("benefit"))).first()
        try:
            if account is None or benefit is None:
                raise ValidationError({"benefit": _("No such benefit for this member.")})
            services.benefit_use(scope=scope, account=account, benefit=benefit, staff_id=scope.staff_id, store_id=scope.store_id)  # fmt: skip
        except ValidationError as exc:
            flash_errors(request, exc)
    return render(
        request,
        "loyalty/_member_card.html",
        {"cards": [selectors.card(account=a) for a in accounts], "customer_id": customer_id,
         "can_serve": scope.can(Capability.SERVE_MEMBERS)},
    )  # fmt: skip


@scope_required(capability=Capability.SERVE_MEMBERS)
def code_lookup(request: HttpRequest) -> HttpResponse:
    """Scan or type the code a member shows: straight to their customer card."""
    code = request.GET.get("code", "").strip()
    if code:
        try:
            customer = selectors.member_for_code(scope=request.scope, code=code)  # type: ignore[attr-defined]
        except ValidationError:
            return render(request, "loyalty/code_lookup.html", {"code": code, "unknown": True}, status=404)  # fmt: skip
        return redirect("workbench_customer", customer.pk)
    return render(request, "loyalty/code_lookup.html", {"code": ""})


# -- the member's own card (H5) -------------------------------------------------------------------
def my_card(request: HttpRequest, token: str) -> HttpResponse:
    """A member's card as they see it, from their signed link: tier, points and what expires
    when, coupons, benefits left, points history, and the member code to show in store
    (the page renews it every minute)."""
    from siyu.loyalty.models import Account

    try:
        customer_id = signing.loads(token, salt=CARD_SALT, max_age=60 * 60 * 24 * 365)["c"]
    except (signing.BadSignature, KeyError, TypeError):
        raise Http404("card") from None
    accounts = list(Account.objects.select_related("programme", "tier").filter(customer_id=customer_id))  # fmt: skip
    code = member_code.member_code(customer_id=customer_id)
    qr = io.BytesIO()
    segno.make(code, error="m").save(qr, kind="svg", scale=6, xmldecl=False)
    return render(
        request,
        "loyalty/my_card.html",
        {
            "cards": [selectors.card(account=a) for a in accounts],
            "history": {a.pk: list(selectors.points_history(account=a)[:30]) for a in accounts},
            "code": code,
            "qr": qr.getvalue().decode(),
        },
    )
