from django.urls import path

from siyu.tracking import views

urlpatterns = [
    path("customers/<int:customer_id>/trail/", views.customer_trail, name="customer_trail"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("shares/today/", views.shares_today, name="shares_today"),
]
