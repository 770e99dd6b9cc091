from django.urls import path

from . import views

app_name = "risk"

urlpatterns = [
    path("risk/units/<str:code>/", views.home, name="home"),
    path("risk/units/<str:code>/rounds/open/", views.round_open, name="round_open"),
    path("risk/rounds/<int:pk>/", views.round_detail, name="round_detail"),
    path("risk/rounds/<int:pk>/clear/", views.round_clear, name="round_clear"),
    path("risk/units/<str:code>/key-persons/", views.keyperson_list, name="keyperson_list"),
    path("risk/units/<str:code>/key-persons/new/", views.keyperson_create, name="keyperson_create"),
    path("risk/units/<str:code>/key-persons/reads/", views.reads, name="reads"),
    path("risk/key-persons/<int:pk>/", views.keyperson_detail, name="keyperson_detail"),
    path("risk/key-persons/<int:pk>/edit/", views.keyperson_edit, name="keyperson_edit"),
    path("risk/key-persons/<int:pk>/followups/", views.followup_add, name="followup_add"),
    path("risk/key-persons/<int:pk>/notes/", views.note_add, name="note_add"),
    path("risk/key-persons/<int:pk>/close/", views.keyperson_close, name="keyperson_close"),
    path("risk/key-persons/<int:pk>/review/", views.keyperson_review, name="keyperson_review"),
    path("risk/followups/<int:pk>/done/", views.followup_done, name="followup_done"),
    path("risk/units/<str:code>/clues/", views.clue_list, name="clue_list"),
    path("risk/units/<str:code>/clues/new/", views.clue_create, name="clue_create"),
    path("risk/clues/<int:pk>/", views.clue_detail, name="clue_detail"),
    path("risk/clues/<int:pk>/forward/", views.clue_forward, name="clue_forward"),
    path("risk/clues/<int:pk>/files/<str:token>/", views.clue_file, name="clue_file"),
    path("report/", views.report_pick, name="report_pick"),
    path("report/status/", views.report_status, name="report_status"),
    path("report/<str:code>/", views.report, name="report"),
]
