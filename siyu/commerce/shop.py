"""The storefront customers use (public pages, no login): plain but real.

`/shop/?brand=…` routes a customer to a store's storefront (commerce.routing); a share code
in the URL is kept in the session with the moment it was opened, so the order it leads to
carries it. The cart lives in the session; checkout creates the order once per checkout
(a resubmitted form returns the same order) and hands over to the payment gateway. With the
dev gateway, siyu's own pay page plays the gateway: it signs a notice and it is applied
through the same path as a real gateway's callback. Pages carry tracker.js, so product
views, carts and orders flow into the guide's trail.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from siyu.commerce import payments, selectors, services
from siyu.commerce.models import Order, Product, Sku
from siyu.core.visitors import visitor_of, visitor_remember
from siyu.org.models import Brand, Store, StoreStatus

SHARE_KEY, CART_KEY, ORDERS_KEY, CHECKOUT_KEY = (
    "shop_share",
    "shop_cart",
    "shop_orders",
    "shop_checkout",
)


def _customer_id(request: HttpRequest) -> int | None:
    from siyu.members.selectors import customer_ids_by_identity

    unionid = visitor_of(request).unionid
    if not unionid:
        return None
    return customer_ids_by_identity({("unionid", unionid)}).get(("unionid", unionid))


def _keep_share(request: HttpRequest) -> None:
    """A share code in the URL is remembered for the visit, with when it was opened."""
    code = request.GET.get("share", "")[:16]
    if code and request.session.get(SHARE_KEY, {}).get("code") != code:
        request.session[SHARE_KEY] = {"code": code, "at": timezone.now().isoformat()}


def _page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    visitor = visitor_of(request)
    share = request.session.get(SHARE_KEY, {}).get("code", "")
    response = render(request, template, {**context, "visitor": visitor, "share": share})
    visitor_remember(response, visitor)
    return response


def _store(code: str) -> Store:
    return get_object_or_404(Store, code=code, status=StoreStatus.OPEN)


def _cart(request: HttpRequest, store: Store) -> dict[str, int]:
    return dict(request.session.get(CART_KEY, {}).get(store.code, {}))


def enter(request: HttpRequest) -> HttpResponse:
    """Route to a storefront: ?brand=CODE[&share=…][&lat=…&lng=…][&city=…]."""
    _keep_share(request)
    brand = get_object_or_404(Brand, code=request.GET.get("brand", ""))

    def number(name: str) -> float | None:
        try:
            return float(request.GET[name])
        except (KeyError, ValueError):
            return None

    route = selectors.storefront_for(
        brand=brand, share_code=request.session.get(SHARE_KEY, {}).get("code", ""),
        customer_id=_customer_id(request), latitude=number("lat"), longitude=number("lng"),
        city_code=request.GET.get("city", "")[:6],
    )  # fmt: skip
    if route is None:
        raise Http404("storefront")
    return redirect("shop_store", code=Store.objects.get(pk=route.store_id).code)


def store_page(request: HttpRequest, code: str) -> HttpResponse:
    """A store's storefront: what it sells today, and the cart."""
    _keep_share(request)
    store = _store(code)
    products = selectors.storefront_products(store=store)
    return _page(
        request,
        "commerce/shop_store.html",
        {"store": store, "products": products, "cart_count": sum(_cart(request, store).values())},
    )


def product_page(request: HttpRequest, style_no: str) -> HttpResponse:
    """One style in a store's storefront (`?store=`, else routed), e.g. from a landing page."""
    _keep_share(request)
    code = request.GET.get("store", "")
    store = Store.objects.filter(code=code, status=StoreStatus.OPEN).first()
    if store is None:
        return redirect(f"{reverse('shop_enter')}?{request.GET.urlencode()}")
    product = next(
        (p for p in selectors.storefront_products(store=store) if p.style_no == style_no), None
    )
    if product is None:
        raise Http404("product")
    return _page(request, "commerce/shop_product.html", {"store": store, "product": product})


@require_POST
def cart_add(request: HttpRequest, code: str) -> HttpResponse:
    store = _store(code)
    sku = request.POST.get("sku", "")[:40]
    try:
        quantity = max(1, min(int(request.POST.get("quantity", "1")), 99))
    except ValueError:
        quantity = 1
    carts = request.session.get(CART_KEY, {})
    cart = carts.setdefault(store.code, {})
    cart[sku] = cart.get(sku, 0) + quantity
    request.session[CART_KEY] = carts
    return redirect("shop_checkout", code=store.code)


def checkout(request: HttpRequest, code: str) -> HttpResponse:
    """The cart with prices; submitting it places the order (once per checkout)."""
    store = _store(code)
    cart = _cart(request, store)
    if request.method == "POST" and cart:
        share = request.session.get(SHARE_KEY, {})
        token = request.session.setdefault(CHECKOUT_KEY, secrets.token_hex(12))
        try:
            order = services.order_create(
                store=store, items=list(cart.items()), customer_id=_customer_id(request),
                share_code=share.get("code", ""),
                landed_at=dt.datetime.fromisoformat(share["at"]) if share.get("at") else None,
                client_ref=f"shop-{token}", coupon_code=request.POST.get("coupon", "").strip()[:16],
            )  # fmt: skip
        except ValidationError as exc:
            return _page(
                request,
                "commerce/shop_checkout.html",
                {"store": store, "lines": _lines(cart), "errors": exc.messages},
            )
        carts = request.session.get(CART_KEY, {})
        carts.pop(store.code, None)
        request.session[CART_KEY] = carts
        request.session.pop(CHECKOUT_KEY, None)
        request.session[ORDERS_KEY] = [*request.session.get(ORDERS_KEY, [])[-19:], order.number]
        return redirect("shop_pay", number=order.number)
    return _page(request, "commerce/shop_checkout.html", {"store": store, "lines": _lines(cart)})


def _lines(cart: dict[str, int]) -> list[dict]:
    skus = {s.code: s for s in Sku.objects.select_related("product").filter(code__in=list(cart))}
    lines = []
    for code, quantity in cart.items():
        sku = skus.get(code)
        if sku is not None:
            product: Product = sku.product
            lines.append(
                {
                    "sku": sku,
                    "product": product,
                    "quantity": quantity,
                    "amount_fen": product.price_fen * quantity,
                }
            )
    return lines


def _own_order(request: HttpRequest, number: str) -> Order:
    """An order of this browser's session (an order number alone reveals nothing)."""
    if number not in request.session.get(ORDERS_KEY, []):
        raise Http404("order")
    return get_object_or_404(Order.objects.select_related("store"), number=number)


def pay(request: HttpRequest, number: str) -> HttpResponse:
    """The dev gateway's pay page: paying signs a notice and applies it as a callback would."""
    order = _own_order(request, number)
    if settings.COMMERCE_PAY_GATEWAY != "dev":
        raise Http404("the configured gateway has its own pay page")
    if request.method == "POST" and order.status == "pending":
        gateway = payments.GATEWAYS["dev"]
        assert isinstance(gateway, payments.DevGateway)
        body, signature = gateway.notice_make(order_number=order.number, amount_fen=order.total_fen)
        services.payment_notice_handle(
            gateway_name="dev", body=body, headers={payments.SIGNATURE_HEADER: signature}
        )
        return redirect("shop_order", number=order.number)
    return _page(request, "commerce/shop_pay.html", {"order": order, "store": order.store})


def order_page(request: HttpRequest, number: str) -> HttpResponse:
    order = _own_order(request, number)
    lines = list(order.lines.select_related("sku__product"))
    return _page(
        request, "commerce/shop_order.html", {"order": order, "store": order.store, "lines": lines}
    )
