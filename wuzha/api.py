"""The JSON API at /api/v1/: one NinjaAPI, each app contributes a router."""

from ninja import NinjaAPI

from wuzha.orgs.api import BearerToken
from wuzha.orgs.api import router as orgs_router

api = NinjaAPI(
    title="无诈 API",
    version="1",
    description="按单位范围授权的只读接口。使用个人 API 令牌：Authorization: Bearer <token>",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("/", orgs_router)
