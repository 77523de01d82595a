from django.urls import path

from siyu.loyalty import views

urlpatterns = [
    path("customers/<int:customer_id>/loyalty/", views.member_card, name="member_card"),
    path("member-code/", views.code_lookup, name="member_code_lookup"),
]
