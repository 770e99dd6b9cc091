"""The JSON API at /api/v1/: one NinjaAPI, each app contributes a router."""

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.translation import gettext as _
from ninja import NinjaAPI

from wuzha.orgs.api import BearerToken
from wuzha.orgs.api import router as orgs_router


class WuzhaAPI(NinjaAPI):
    """A NinjaAPI whose URLs bypass `LoginRequiredMiddleware`.

    The API authenticates every operation with a bearer token and answers 401 JSON itself; the
    middleware would otherwise redirect token clients to the login page and hide the schema.
    """

    @property
    def urls(self) -> tuple[list[Any], str, str]:
        patterns, app_name, namespace = super().urls
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                login_not_required(pattern.callback)
        return patterns, app_name, namespace


api = WuzhaAPI(
    title="无诈 API",
    version="1",
    description="按单位范围授权的只读接口。使用个人 API 令牌：Authorization: Bearer <token>",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("/", orgs_router)
api.add_router("/checker/", "wuzha.checker.api.router")
api.add_router("/", "wuzha.plans.api.router")
api.add_router("/", "wuzha.notices.api.router")
api.add_router("/", "wuzha.outreach.api.router")
api.add_router("/", "wuzha.cases.api.router")
api.add_router("/", "wuzha.stats.api.router")
api.add_router("/", "wuzha.learning.api.router")


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """Answer 403 JSON when an access helper refuses a visible object."""
    return api.create_response(request, {"detail": _("您的角色无权执行此操作")}, status=403)
