from django.urls import path

from siyu.guidetasks import views

urlpatterns = [
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/panel/", views.my_tasks_panel, name="my_tasks_panel"),
    path("tasks/a/<int:assignment_id>/", views.assignment_page, name="assignment_page"),
    path("contests/<int:contest_id>/", views.leaderboard, name="leaderboard"),
    path("contests/<int:contest_id>/board.png", views.leaderboard_png, name="leaderboard_png"),
]
