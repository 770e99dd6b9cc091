from django.urls import path

from . import views

app_name = "cases"

urlpatterns = [
    path("units/<str:code>/", views.ledger, name="ledger"),
    path("units/<str:code>/new/", views.create, name="create"),
    path("units/<str:code>/emergency/", views.emergency, name="emergency"),
    path("units/<str:code>/reads/", views.reads, name="reads"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/restricted/", views.restricted, name="restricted"),
    path("<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<int:pk>/stop-result/", views.stop_result, name="stop_result"),
    path("<int:pk>/alerts/<int:alert_id>/retry/", views.alert_retry, name="alert_retry"),
    path("<int:pk>/aftercare/", views.aftercare, name="aftercare"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/dual-check/", views.dual_check, name="dual_check"),
    path("<int:pk>/dual-check.docx", views.dual_check_docx, name="dual_check_docx"),
    path("inquiries/<int:pk>/close/", views.inquiry_close, name="inquiry_close"),
    path("ack/<str:token>/", views.ack, name="ack"),
]
