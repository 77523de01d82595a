"""The storefront (public): /shop/…"""

from django.urls import path

from siyu.commerce import shop

urlpatterns = [
    path("", shop.enter, name="shop_enter"),
    path("p/<str:style_no>", shop.product_page, name="shop_product"),
    path("pay/<str:number>/", shop.pay, name="shop_pay"),
    path("orders/<str:number>/", shop.order_page, name="shop_order"),
    path("<str:code>/", shop.store_page, name="shop_store"),
    path("<str:code>/cart/", shop.cart_add, name="shop_cart_add"),
    path("<str:code>/checkout/", shop.checkout, name="shop_checkout"),
]
