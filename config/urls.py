from django.contrib import admin
from django.urls import include, path

from wuzha.api import api
from wuzha.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("", core_views.home, name="home"),
    path("accounts/", include("wuzha.orgs.auth_urls")),
    path("orgs/", include("wuzha.orgs.urls")),
    path("plans/", include("wuzha.plans.urls")),
    path("", include("wuzha.checker.urls")),
    path("", include("wuzha.notices.urls")),
    path("outreach/", include("wuzha.outreach.urls")),
    path("", include("wuzha.risk.urls")),
    path("cases/", include("wuzha.cases.urls")),
    path("stats/", include("wuzha.stats.urls")),
    path("", include("wuzha.learning.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
