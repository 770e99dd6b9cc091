"""GET /healthz: public, exact keys, and "stale" when queued tasks wait too long."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


def waiting_task(*, waited: timedelta, status: str = "READY") -> DBTaskResult:
    """A queued task row as the database backend writes it, enqueued `waited` ago."""
    task = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="wuzha.core.tasks.nothing",
        backend_name="default",
        run_after=timezone.now() - waited,
        exception_class_path="",
        traceback="",
    )
    # enqueued_at is auto_now_add, so it is backdated after the insert.
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=timezone.now() - waited)
    return task


def test_anonymous_gets_ok_with_exact_keys(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_recent_waiting_task_is_ok(client, settings):
    settings.TASKS_STALE_AFTER_SECONDS = 300
    waiting_task(waited=timedelta(seconds=60))
    assert client.get(reverse("healthz")).json()["tasks"] == "ok"


def test_task_waiting_too_long_is_stale(client, settings):
    settings.TASKS_STALE_AFTER_SECONDS = 300
    waiting_task(waited=timedelta(seconds=301))
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "tasks": "stale"}


def test_old_finished_task_is_not_stale(client, settings):
    settings.TASKS_STALE_AFTER_SECONDS = 300
    waiting_task(waited=timedelta(hours=2), status="SUCCESSFUL")
    assert client.get(reverse("healthz")).json()["tasks"] == "ok"


def test_logged_in_user_gets_the_same(client, world):
    client.force_login(world.teacher_a)
    assert client.get(reverse("healthz")).json()["status"] == "ok"


def test_post_is_405(client):
    assert client.post(reverse("healthz")).status_code == 405
