from django.urls import path

from siyu.commerce import views

urlpatterns = [
    path("sales/month/", views.my_month, name="my_month"),
]
