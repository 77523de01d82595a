from django.urls import path

from siyu.relations import views

urlpatterns = [
    path("channel-codes/", views.channel_code_list, name="channel_code_list"),
    path("channel-codes/<int:code_id>/badge/", views.badge, name="badge"),
    path("acquisition/", views.acquisition, name="acquisition"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("friendships/<int:friendship_id>/", views.friendship_edit, name="friendship_edit"),
    path(
        "customers/<int:customer_id>/friendships/",
        views.customer_friendships,
        name="customer_friendships",
    ),
    path("my-acquisition/", views.my_acquisition, name="my_acquisition"),
]
