from django.urls import path

from . import views

app_name = "stats"

urlpatterns = [
    path("", views.home, name="home"),
    path("units/<str:code>/", views.dashboard, name="dashboard"),
    path("units/<str:code>/export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("units/<str:code>/rankings/", views.rankings, name="rankings"),
    path("units/<str:code>/rules/<int:campaign_id>/", views.rule_edit, name="rule_edit"),
    path("units/<str:code>/evaluations/", views.evaluations, name="evaluations"),
    path("units/<str:code>/briefings/", views.briefing_list, name="briefings"),
    path("escalations/<str:token>/", views.escalation_detail, name="escalation_detail"),
    path("escalations/<str:token>/document", views.escalation_document, name="escalation_document"),
    path("evaluations/<str:token>/", views.evaluation_detail, name="evaluation_detail"),
    path(
        "evaluations/<str:token>/certificates.pdf",
        views.evaluation_certificates,
        name="evaluation_certificates",
    ),
    path("briefings/<str:token>/", views.briefing_detail, name="briefing_detail"),
    path("briefings/<str:token>/download", views.briefing_download, name="briefing_download"),
]
