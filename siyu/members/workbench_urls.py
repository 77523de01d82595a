from django.urls import path

from siyu.members import views

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("customers/<int:customer_id>/", views.workbench_customer, name="workbench_customer"),
]
