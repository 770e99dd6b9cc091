from django.urls import path

from . import views

app_name = "checker"

urlpatterns = [
    path("check/", views.check_public, name="public"),
    path("check/next/", views.next_steps, name="next_steps"),
    path("checker/", views.check_staff, name="staff"),
]
