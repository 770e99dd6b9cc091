"""Fixed-window rate limits kept in the database, so they hold across processes and hosts."""

import functools
import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import RateLimitBucket


def client_address(request: HttpRequest) -> str:
    """The client's address; behind a proxy, the first X-Forwarded-For hop set by our nginx."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _clock() -> datetime:
    """The time the windows are counted by (tests pin it, so a burst never straddles two)."""
    return timezone.now()


def rate_limit_hit(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key` in the current window; return True when the limit is exceeded."""
    now = _clock()
    window = int(now.timestamp()) // window_seconds
    bucket = hashlib.sha256(f"{key}|{window_seconds}|{window}".encode()).hexdigest()
    if not RateLimitBucket.objects.filter(key=bucket).update(count=F("count") + 1):
        try:
            with transaction.atomic():
                RateLimitBucket.objects.create(
                    key=bucket, count=1, expires_at=now + timedelta(seconds=window_seconds)
                )
        except IntegrityError:
            RateLimitBucket.objects.filter(key=bucket).update(count=F("count") + 1)
    count = RateLimitBucket.objects.filter(key=bucket).values_list("count", flat=True).first()
    return (count or 0) > limit


def rate_limit_prune() -> int:
    """Delete expired buckets; return how many were deleted."""
    deleted, _ = RateLimitBucket.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def rate_limited(
    request: HttpRequest, *keys: tuple[str, int], window_seconds: int = 60
) -> HttpResponse | None:
    """Count one hit on each (key, limit); the Chinese 429 page when any limit is exceeded."""
    for key, limit in keys:
        if rate_limit_hit(key, limit=limit, window_seconds=window_seconds):
            response = render(request, "core/rate_limited.html", status=429)
            response["Retry-After"] = str(window_seconds)
            return response
    return None


def ratelimit(
    scope: str, *, limit: int, window_seconds: int = 60, methods: tuple[str, ...] = ("POST",)
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Limit a view to `limit` requests per client address per window for the given methods.

    Over the limit the view is not called and a Chinese 429 page is returned.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method in methods:
                key = f"{scope}:{client_address(request)}"
                refused = rate_limited(request, (key, limit), window_seconds=window_seconds)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
