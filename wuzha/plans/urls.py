from django.urls import path

from . import views

app_name = "plans"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/campaigns/new/", views.campaign_create, name="campaign_create"),
    path("campaigns/<str:token>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<str:token>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<str:token>/goals/add/", views.goal_add, name="goal_add"),
    path("campaigns/<str:token>/phases/add/", views.phase_add, name="phase_add"),
    path("campaigns/<str:token>/members/add/", views.member_add, name="member_add"),
    path("campaigns/<str:token>/files/add/", views.file_add, name="file_add"),
    path("campaigns/<str:token>/templates/add/", views.template_add, name="template_add"),
    path(
        "campaigns/<str:token>/templates/<int:pk>/edit/",
        views.template_edit,
        name="template_edit",
    ),
    path(
        "campaigns/<str:token>/instantiate/",
        views.campaign_instantiate,
        name="campaign_instantiate",
    ),
    path("duties/<str:token>/", views.duty_detail, name="duty_detail"),
    path("duties/<str:token>/submit/", views.duty_submit, name="duty_submit"),
    path("duties/<str:token>/review/", views.duty_review, name="duty_review"),
    path("duties/<str:token>/exception/", views.duty_exception, name="duty_exception"),
    path("units/<str:code>/completeness/", views.completeness, name="completeness"),
    path("units/<str:code>/overdue/", views.overdue, name="overdue"),
    path("units/<str:code>/terms/", views.term_list, name="term_list"),
    path("units/<str:code>/terms/<int:pk>/holidays/", views.holiday_add, name="holiday_add"),
    path("units/<str:code>/channels/", views.channel_list, name="channel_list"),
    path(
        "units/<str:code>/channels/deliveries/<int:pk>/retry/",
        views.notification_retry,
        name="notification_retry",
    ),
    path("units/<str:code>/inspections/", views.inspection_list, name="inspection_list"),
    path("units/<str:code>/inspections/new/", views.inspection_add, name="inspection_add"),
    path("inspections/<str:token>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<str:token>/findings/", views.finding_add, name="finding_add"),
    path("rectifications/<str:token>/", views.rectification_detail, name="rectification_detail"),
    path(
        "rectifications/<str:token>/respond/",
        views.rectification_respond,
        name="rectification_respond",
    ),
    path(
        "rectifications/<str:token>/confirm/",
        views.rectification_confirm,
        name="rectification_confirm",
    ),
    path("units/<str:code>/packs/", views.pack_list, name="pack_list"),
    path("packs/<str:token>/download/", views.pack_download, name="pack_download"),
    path("evidence/<str:token>/", views.evidence_download, name="evidence"),
    path("evidence/<str:token>/thumb/", views.evidence_thumb, name="evidence_thumb"),
]
