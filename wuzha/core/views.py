from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wuzha.orgs.selectors import home_summary


def _tasks_status() -> str:
    """'stale' when a task has waited longer than the limit: no worker is consuming the queue."""
    from django_tasks_db.models import DBTaskResult

    limit = timezone.now() - timedelta(seconds=settings.TASKS_STALE_AFTER_SECONDS)
    waiting = DBTaskResult.objects.ready().filter(enqueued_at__lt=limit).exists()
    return "stale" if waiting else "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse(
            {"status": "error", "database": "error", "tasks": "unknown"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok", "tasks": _tasks_status()})


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", home_summary(request.user))  # type: ignore[arg-type]
