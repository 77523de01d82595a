from django.urls import path

from siyu.members import views

urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<int:customer_id>/", views.customer_detail, name="customer_detail"),
    path(
        "customers/<int:customer_id>/reveal-phone/",
        views.customer_phone_reveal,
        name="customer_phone_reveal",
    ),
    path("audit/phone-reveals/", views.phone_reveal_audit, name="phone_reveal_audit"),
]
