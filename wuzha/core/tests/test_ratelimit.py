import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from wuzha.core.models import RateLimitBucket
from wuzha.core.ratelimit import rate_limit_hit, rate_limit_prune, ratelimit

pytestmark = pytest.mark.django_db


def test_limit_counts_per_key():
    assert not any(rate_limit_hit("k", limit=3, window_seconds=60) for _ in range(3))
    assert rate_limit_hit("k", limit=3, window_seconds=60)
    assert not rate_limit_hit("other", limit=3, window_seconds=60)


def test_decorator_returns_429_after_limit_and_spares_get():
    @ratelimit("test", limit=2)
    def view(request):
        return HttpResponse("ok")

    rf = RequestFactory()
    codes = [view(rf.post("/", REMOTE_ADDR="10.0.0.1")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert view(rf.post("/", REMOTE_ADDR="10.0.0.2")).status_code == 200
    assert view(rf.get("/", REMOTE_ADDR="10.0.0.1")).status_code == 200


def test_prune_removes_expired(settings):
    from datetime import timedelta

    from django.utils import timezone

    rate_limit_hit("k", limit=3, window_seconds=60)
    RateLimitBucket.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert rate_limit_prune() == 1
