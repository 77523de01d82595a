from django.urls import path

from siyu.commerce import views

urlpatterns = [
    path("sales/", views.sales, name="sales"),
    path("statements/", views.statements, name="statements"),
]
