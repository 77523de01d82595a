from django.urls import path

from siyu.loyalty import views

urlpatterns = [path("card/<str:token>/", views.my_card, name="my_card")]
