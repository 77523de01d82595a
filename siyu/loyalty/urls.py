from django.urls import path

from siyu.loyalty import views

urlpatterns = [path("loyalty/", views.programmes, name="loyalty_programmes")]
