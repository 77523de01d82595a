from django.urls import path

from siyu.content import views

urlpatterns = [
    path("content/", views.workbench_content, name="workbench_content"),
    path("content/<int:content_id>/forward/", views.workbench_forward, name="workbench_forward"),
]
