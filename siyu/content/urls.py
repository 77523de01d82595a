from django.urls import path

from siyu.content import views

urlpatterns = [
    path("content/", views.content_list, name="content_list"),
    path("content/new/", views.content_edit, name="content_new"),
    path("content/preview/", views.content_preview, name="content_preview"),
    path("content/review/", views.review_queue, name="content_review"),
    path("content/mix/", views.content_mix, name="content_mix"),
    path("content/<int:content_id>/", views.content_detail, name="content_detail"),
    path("content/<int:content_id>/edit/", views.content_edit, name="content_edit"),
    path("moment-tasks/", views.moment_task_list, name="moment_task_list"),
]
