from django.urls import path

from siyu.guidetasks import views

urlpatterns = [
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:task_id>/", views.task_detail, name="task_detail"),
    path("tasks/<int:task_id>/cancel/", views.task_cancel, name="task_cancel"),
    path("shares/", views.guide_shares, name="guide_shares"),
    path("contests/", views.contest_list, name="contest_list"),
]
