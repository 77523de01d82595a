"""Content pages: HQ's library, editor, review queue and mix; the guide's forwards; landing pages."""

from __future__ import annotations

import urllib.parse
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from siyu.api.refs import ref
from siyu.content import mix, oauth, posters, selectors, services, share
from siyu.content.models import Category, Channel, Content, Kind, Scenario, Status
from siyu.core import periods
from siyu.core.pages import (
    flash_errors,
    int_param,
    keyset_page,
    period_params,
    query_without,
    render_list,
)
from siyu.core.visitors import YEAR, Visitor, visitor_of, visitor_remember
from siyu.org import regions
from siyu.org import selectors as org_selectors
from siyu.org.models import Brand
from siyu.org.scope import Capability, scoped
from siyu.org.web import scope_required


# -- HQ: library, editor, review, stats, mix ---------------------------------------------------
@scope_required
def content_list(request: HttpRequest) -> HttpResponse:
    filters = {
        k: request.GET.get(k, "").strip() for k in ("q", "kind", "status", "category", "campaign")
    }
    items = selectors.content_list(scope=request.scope, **filters)
    return render_list(
        request,
        "content/content_list.html",
        {
            **keyset_page(request, items),
            "filters": filters,
            "query": query_without(request, "before"),
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "categories": Category.choices,
        },
    )


@scope_required(capability=Capability.APPROVE_CONTENT)
def review_queue(request: HttpRequest) -> HttpResponse:
    items = selectors.content_list(scope=request.scope, status=Status.IN_REVIEW)
    return render(request, "content/review_queue.html", {"rows": items[:200]})


TEXT_FIELDS = (
    "title", "body", "share_copy", "product_code", "miniprogram_appid", "miniprogram_path",
    "business_unit", "campaign", "category",
)  # fmt: skip


def _product_codes(post: Any) -> list[str]:
    return [c.strip() for c in post.get("product_codes", "").split(",") if c.strip()]


def _form_fields(request: HttpRequest) -> dict:
    post = request.POST
    price = post.get("price_yuan", "").strip()
    fields: dict[str, Any] = {name: post.get(name, "").strip() for name in TEXT_FIELDS}
    fields["scenarios"] = post.getlist("scenarios")
    fields["product_codes"] = _product_codes(post)
    try:
        amount = Decimal(price.replace(",", "")) if price else None  # typed in yuan
    except InvalidOperation:
        amount = Decimal("-1")
    if amount is not None and (amount < 0 or amount != amount.quantize(Decimal("0.01"))):
        raise ValidationError({"price_fen": _("Enter the price in yuan, e.g. 1299.00.")})
    fields["price_fen"] = int(amount * 100) if amount is not None else None
    for name in ("publish_at", "expires_at"):
        raw = post.get(name, "").strip()
        value = periods.read_moment(raw) if raw else None
        if raw and value is None:
            raise ValidationError({name: _("Enter a date and time.")})
        fields[name] = timezone.make_aware(value) if value and timezone.is_naive(value) else value
    return fields


def _form_targets(request: HttpRequest) -> list[dict[str, str]]:
    return [
        {"level": level, "code": code}
        for level in ("branch", "province", "city", "store")
        for code in request.POST.getlist(f"target_{level}")
        if code
    ]


def _posted_values(request: HttpRequest, content: Content | None) -> Content:
    """An unsaved item holding what the form sent, to fill the form again after a refusal."""
    post = request.POST
    values = Content(
        pk=content.pk if content else None,
        brand_id=content.brand_id if content else int_param(post.get("brand")),
        kind=content.kind if content else post.get("kind", ""),
        scenarios=post.getlist("scenarios"),
        product_codes=_product_codes(post),
    )
    for name in TEXT_FIELDS:
        setattr(values, name, post.get(name, ""))
    for name in ("publish_at", "expires_at"):
        setattr(values, name, periods.read_moment(post.get(name, "")) if post.get(name) else None)
    try:
        values.price_fen = int(Decimal(post.get("price_yuan", "")) * 100)
    except (InvalidOperation, ValueError):
        values.price_fen = None
    return values


def _editor_context(request: HttpRequest, content: Content | None, posted: bool = False) -> dict:
    brands = scoped(Brand.objects.all(), request.scope)
    values = _posted_values(request, content) if posted else content
    if content is not None:
        brand = content.brand
    else:
        chosen_brand = values.brand_id if values is not None else None
        brand = (chosen_brand and brands.filter(pk=chosen_brand).first()) or brands.first()
    stores = (
        list(org_selectors.store_list(scope=request.scope).filter(brand=brand)[:1000])
        if brand
        else []
    )
    provinces = sorted({s.province_code for s in stores})
    cities = sorted({s.city_code for s in stores})
    chosen: dict[str, set[str]] = {
        "branch": set(),
        "province": set(),
        "city": set(),
        "store": set(),
    }
    if posted:
        for target in _form_targets(request):
            chosen[target["level"]].add(target["code"])
    else:
        for target in content.targets.all() if content else ():
            chosen[target.level].add(target.code)
    return {
        "content": content,
        "values": values,
        "brands": brands,
        "kinds": Kind.choices,
        "categories": Category.choices,
        "scenarios": Scenario.choices,
        "branches": brand.branches.all() if brand else [],
        "provinces": [(c, regions.name(c)) for c in provinces],
        "cities": [(c, regions.name(c)) for c in cities],
        "stores": stores,
        "chosen": chosen,
    }


@scope_required(capability=Capability.EDIT_CONTENT)
def content_edit(request: HttpRequest, content_id: int | None = None) -> HttpResponse:
    """Create or edit an item (drafts and rejected items), with a live mobile preview."""
    content = (
        selectors.content_get(scope=request.scope, content_id=content_id) if content_id else None
    )
    if request.method == "POST":
        try:
            files = request.FILES
            images = files.getlist("images") or None
            if content is None:
                brand = ref(
                    Brand, request.scope, int_param(request.POST.get("brand")) or 0, "brand"
                )
                content = services.content_create(
                    scope=request.scope, actor=request.user, brand=brand,
                    kind=request.POST.get("kind", ""), fields=_form_fields(request),
                    targets=_form_targets(request), image=files.get("image"), video=files.get("video"),
                    images=images or (),
                )  # fmt: skip
            else:
                services.content_update(
                    scope=request.scope, content=content, fields=_form_fields(request),
                    targets=_form_targets(request), image=files.get("image"), video=files.get("video"),
                    images=images,
                )  # fmt: skip
            return redirect("content_detail", content.pk)
        except ValidationError as exc:
            flash_errors(request, exc)
            # Refused: show the form as the person filled it, not as it was before
            return render(
                request, "content/content_edit.html", _editor_context(request, content, posted=True)
            )
    return render(request, "content/content_edit.html", _editor_context(request, content))


@scope_required(capability=Capability.EDIT_CONTENT)
@require_POST
def content_preview(request: HttpRequest) -> HttpResponse:
    """The editor's mobile preview: the landing page body for what is in the form now."""
    fields = {k: v for k, v in request.POST.items() if k in ("title", "body", "share_copy", "kind")}
    draft = Content(kind=fields.get("kind", Kind.ARTICLE), title=fields.get("title", ""),
                    share_copy=fields.get("share_copy", ""))  # fmt: skip
    draft.body = services.sanitize(fields.get("body", ""))
    return render(request, "content/_landing_body.html", {"content": draft, "preview": True})


@scope_required
def content_detail(request: HttpRequest, content_id: int) -> HttpResponse:
    content = selectors.content_get(scope=request.scope, content_id=content_id)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "moments":
                services.moment_task_create(
                    scope=request.scope, actor=request.user, content=content
                )
            else:
                services.content_transition(
                    scope=request.scope, actor=request.user, content=content,
                    action=request.POST.get("action", ""), comment=request.POST.get("comment", ""),
                )  # fmt: skip
            return redirect("content_detail", content.pk)
        except ValidationError as exc:
            flash_errors(request, exc)
    moves = [
        (name, services.ACTION_LABELS[name]) for name, move in services.MOVES.items()
        if content.status in move.sources and move.capability and request.scope.can(move.capability)
    ]  # fmt: skip
    return render(
        request,
        "content/content_detail.html",
        {
            "content": content,
            "moves": moves,
            "live": selectors.is_live(content),
            "transitions": content.transitions.select_related("actor"),
            "stats": selectors.content_stats(scope=request.scope, content=content),
            "targets": selectors.target_labels(content),
            "tasks": selectors.moment_task_list(scope=request.scope).filter(content=content)[:20],
            "editable": content.status in services.EDITABLE
            and request.scope.can(Capability.EDIT_CONTENT),
        },
    )


@scope_required
def content_mix(request: HttpRequest) -> HttpResponse:
    """Forwards by category against 532 and direct sale links against 20 %; the share rate."""
    start, end = period_params(request)
    by = "store" if request.GET.get("by") == "store" else "guide"
    return render(
        request,
        "content/content_mix.html",
        {
            "rows": mix.content_mix(scope=request.scope, start=start, end=end, by=by),
            "rate": mix.share_rate(scope=request.scope, start=start, end=end),
            "start": start,
            "end": end,
            "by": by,
            "target": mix.TARGET,
            "ceiling": mix.DIRECT_SALE_CEILING,
            "categories": Category.choices,
        },
    )


@scope_required
def moment_task_list(request: HttpRequest) -> HttpResponse:
    tasks = selectors.moment_task_list(scope=request.scope).prefetch_related("senders__staff")[:100]
    return render(request, "content/moment_task_list.html", {"tasks": tasks})


# -- the guide's workbench --------------------------------------------------------------------
@scope_required
def workbench_content(request: HttpRequest) -> HttpResponse:
    """Today's items for the guide's store and region, by scenario, with one-tap forwarding."""
    grouped = selectors.content_for_guide(staff=selectors.guide_of(request.scope))
    sections = [(value, label, grouped.get(value, [])) for value, label in Scenario.choices]
    return render(request, "content/workbench_content.html", {"sections": sections})


@scope_required
@require_POST
def workbench_forward(request: HttpRequest, content_id: int) -> HttpResponse:
    staff = selectors.guide_of(request.scope)
    content = selectors.content_get(scope=request.scope, content_id=content_id)
    channel = request.POST.get("channel", Channel.CHAT)
    try:
        link, _forward = services.content_forward(staff=staff, content=content, channel=channel)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("workbench_content")
    return render(
        request, "content/workbench_forward.html", {"content": content, **share.handout(link)}
    )


# -- public: landing pages -------------------------------------------------------------------
def landing(request: HttpRequest, code: str) -> HttpResponse:
    """The page a customer opens from a guide's share: the item, the guide's store, buy links.

    The visit counts even when the item is no longer live (a polite page then). Visitors
    carry a device id cookie; the WeChat OAuth adapter, when on, identifies them once.
    """
    link = selectors.share_link_by_code(code)
    if link is None:
        raise Http404("share link")
    adapter = oauth.backend()
    visitor = visitor_of(request)
    if adapter is not None and "code" in request.GET:
        user = adapter.identify(request.GET["code"])
        if user is not None:
            visitor = Visitor(visitor.device, user.openid, user.unionid)
    elif adapter is not None and not visitor.openid and request.GET.get("oauth") != "0":
        back = request.build_absolute_uri(reverse("landing", args=[code]))
        return redirect(adapter.authorize_url(redirect_uri=back, state=code))
    services.share_visit_record(
        link=link, device_id=visitor.device, openid=visitor.openid, unionid=visitor.unionid
    )
    content = link.content
    live = selectors.is_live(content)
    response = render(
        request,
        "content/landing.html" if live else "content/landing_gone.html",
        {
            "content": content,
            "link": link,
            "store": link.store,
            "guide": link.staff,
            "buy_url": share.buy_url(link),
            "poster": content.kind == Kind.POSTER and bool(content.image),
            "device": visitor.device,  # the tracker on the page uses the same ids the visit has
            "unionid": visitor.unionid,
        },
    )
    visitor_remember(response, visitor)
    return response


def landing_poster(request: HttpRequest, code: str) -> HttpResponse:
    """The poster with the guide's QR code (drawn once per link)."""
    link = selectors.share_link_by_code(code)
    if (
        link is None
        or link.content.kind not in (Kind.POSTER, Kind.PRODUCT)
        or not link.content.image
    ):
        raise Http404("poster")
    path = posters.poster_render(link)
    return FileResponse(default_storage.open(path, "rb"), content_type="image/png")


def dev_oauth(request: HttpRequest) -> HttpResponse:
    """The offline stand-in for WeChat's authorize page: one made-up visitor per browser."""
    redirect_uri = request.GET.get("redirect_uri", "")
    if not redirect_uri.startswith(request.build_absolute_uri("/")):
        raise Http404("redirect")  # only back to siyu itself
    visitor = request.COOKIES.get("sy_dev_visitor") or oauth.DevOAuth.new_visitor()
    query = urllib.parse.urlencode(
        {"code": oauth.DevOAuth.code_for(visitor), "state": request.GET.get("state", "")}
    )
    response = redirect(f"{redirect_uri}?{query}")
    response.set_cookie("sy_dev_visitor", visitor, max_age=YEAR, samesite="Lax", httponly=True)
    return response
