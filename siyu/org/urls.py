from django.urls import path

from siyu.org import views

urlpatterns = [
    path("", views.console, name="console"),
    path("stores/", views.store_list, name="store_list"),
    path("stores/<int:store_id>/", views.store_detail, name="store_detail"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/<int:staff_id>/", views.staff_detail, name="staff_detail"),
    path("import/", views.org_import, name="org_import"),
    path("tokens/", views.token_list, name="token_list"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
