from django.http import HttpRequest
from ninja import Router
from ninja.security import HttpBearer

from .models import User
from .services import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


router = Router(tags=["组织与人员"])
