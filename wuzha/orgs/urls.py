from django.urls import path

from . import roster_views, views

app_name = "orgs"

urlpatterns = [
    path("switch/", views.switch_unit, name="switch_unit"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<str:code>/add/", views.unit_add, name="unit_add"),
    path("units/<str:code>/move/", views.unit_move, name="unit_move"),
    path("units/<str:code>/persons/", views.person_list, name="person_list"),
    path("units/<str:code>/persons/add/", views.person_add, name="person_add"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("units/<str:code>/staff/", views.staff_list, name="staff_list"),
    path("units/<str:code>/staff/invite/", views.staff_invite, name="staff_invite"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/active/", views.staff_set_active, name="staff_set_active"),
    path(
        "staff/<int:pk>/roles/<int:membership_id>/revoke/", views.staff_revoke, name="staff_revoke"
    ),
    path("units/<str:code>/roster/upload/", roster_views.roster_upload, name="roster_upload"),
    path("roster/imports/<str:token>/", roster_views.roster_preview, name="roster_preview"),
    path("roster/imports/<str:token>/commit/", roster_views.roster_commit, name="roster_commit"),
    path("roster/template.xlsx", roster_views.roster_template, name="roster_template"),
    path("units/<str:code>/roster/export.xlsx", roster_views.roster_export, name="roster_export"),
]
