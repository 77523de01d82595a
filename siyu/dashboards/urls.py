from django.urls import path

from siyu.dashboards import views

urlpatterns = [path("bi/", views.mobile_bi, name="mobile_bi")]
