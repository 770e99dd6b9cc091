from django.urls import path

from . import views

app_name = "outreach"

urlpatterns = [
    path("units/<str:code>/", views.coverage, name="coverage"),
    path("units/<str:code>/coverage.xlsx", views.coverage_export, name="coverage_export"),
    path("persons/<int:pk>/", views.person_coverage, name="person_coverage"),
    path("units/<str:code>/activities/", views.activity_list, name="activity_list"),
    path("units/<str:code>/activities/new/", views.activity_create, name="activity_create"),
    path("units/<str:code>/activities/export.xlsx", views.activity_export, name="activity_export"),
    path("activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("activities/<int:pk>/attendance/", views.activity_attendance, name="activity_attendance"),
    path("activities/<int:pk>/files/", views.activity_files_add, name="activity_files_add"),
    path("activities/<int:pk>/files/<str:token>/", views.activity_file, name="activity_file"),
    path(
        "activities/<int:pk>/files/<str:token>/thumb/",
        views.activity_file_thumb,
        name="activity_file_thumb",
    ),
    path("units/<str:code>/groups/", views.group_list, name="group_list"),
    path("units/<str:code>/groups/new/", views.group_create, name="group_create"),
    path("groups/<int:pk>/", views.group_detail, name="group_detail"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("groups/<int:pk>/tips/", views.group_tip_add, name="group_tip_add"),
    path("units/<str:code>/visits/", views.visit_list, name="visit_list"),
    path("units/<str:code>/visits/new/", views.visit_create, name="visit_create"),
    path("units/<str:code>/households/new/", views.household_add, name="household_add"),
    path("visits/<int:pk>/", views.visit_detail, name="visit_detail"),
    path("visits/<int:pk>/files/<str:token>/", views.visit_file, name="visit_file"),
]
