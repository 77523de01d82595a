from django.urls import path

from siyu.tracking import views

urlpatterns = [path("behaviour/", views.behaviour, name="behaviour")]
