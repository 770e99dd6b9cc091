from django.contrib import admin
from django.urls import include, path

from wuzha.api import api
from wuzha.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path("accounts/", include("wuzha.orgs.auth_urls")),
    path("orgs/", include("wuzha.orgs.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
