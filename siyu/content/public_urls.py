"""Pages customers open, without logging in."""

from django.urls import path

from siyu.content import views

urlpatterns = [
    path("oauth/dev/", views.dev_oauth, name="dev_oauth"),
    path("<str:code>", views.landing, name="landing"),
    path("<str:code>/poster.png", views.landing_poster, name="landing_poster"),
]
