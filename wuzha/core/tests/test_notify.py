"""Notification channels against a real local HTTP server: payloads, signing, retries."""

import base64
import hashlib
import hmac
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from wuzha.core import notify
from wuzha.core.models import Notification, NotificationChannel
from wuzha.core.tests.webhook_server import webhook_server

pytestmark = pytest.mark.django_db


def test_dingtalk_sign_matches_the_documented_algorithm():
    secret, ts = "SEC000111", 1732330000000
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    url = notify.dingtalk_url(
        "https://oapi.dingtalk.com/robot/send?access_token=T", secret, timestamp_ms=ts
    )
    assert url.startswith("https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1732")
    from urllib.parse import parse_qs, urlsplit

    assert parse_qs(urlsplit(url).query)["sign"] == [expected]
    assert notify.dingtalk_url("https://x/robot", "") == "https://x/robot"


def queued(**fields) -> Notification:
    notification = notify.notification_create(**fields)
    assert notification is not None
    return notification


def _robot(world, kind, url, secret=""):
    return NotificationChannel.objects.create(
        unit=world.school, kind=kind, name="群", webhook_url=url, secret=secret
    )


def test_wecom_markdown_payload(world):
    with webhook_server() as server:
        robot = _robot(world, "wecom", f"{server.url}/cgi-bin/webhook/send?key=K")
        n = queued(
            dedupe_key="k1", channel="wecom", robot=robot, subject="提醒", body="- 三年级1班"
        )
        assert notify.notification_deliver(notification=n)
    request = server.requests[0]
    assert request.query["key"] == ["K"]
    assert request.headers["content-type"].startswith("application/json")
    assert request.body == {"msgtype": "markdown", "markdown": {"content": "**提醒**\n- 三年级1班"}}
    n.refresh_from_db()
    assert (n.status, n.attempts, n.sent_at is not None) == ("sent", 1, True)


def test_dingtalk_signed_markdown_payload(world):
    secret = "SECabc"
    with webhook_server() as server:
        robot = _robot(world, "dingtalk", f"{server.url}/robot/send?access_token=T", secret)
        n = queued(dedupe_key="k2", channel="dingtalk", robot=robot, subject="提醒", body="内容")
        assert notify.notification_deliver(notification=n)
    request = server.requests[0]
    ts = request.query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert request.query["sign"] == [expected]
    assert abs(int(ts) / 1000 - timezone.now().timestamp()) < 60
    assert request.body["msgtype"] == "markdown"
    assert request.body["markdown"]["title"] == "提醒"
    assert "内容" in request.body["markdown"]["text"]


def test_failure_is_recorded_retried_and_never_raises(world):
    with webhook_server() as server:
        server.replies = [
            (200, {"errcode": 310000, "errmsg": "sign not match"}),
            (500, {}),
            (200, {"errcode": 0}),
        ]
        robot = _robot(world, "dingtalk", f"{server.url}/robot/send?access_token=T", "S")
        n = queued(dedupe_key="k3", channel="dingtalk", robot=robot, subject="s", body="b")
        assert notify.notification_deliver(notification=n) is False
        n.refresh_from_db()
        assert (n.status, n.attempts) == ("pending", 1)
        assert "310000" in n.last_error
        assert n.next_attempt_at is not None and n.next_attempt_at > timezone.now()
        # Not due yet: nothing is sent.
        assert notify.notifications_deliver_due() == 0
        later = timezone.now() + timedelta(minutes=2)
        assert notify.notifications_deliver_due(now=later) == 0  # HTTP 500
        n.refresh_from_db()
        assert "HTTP 500" in n.last_error
        assert notify.notifications_deliver_due(now=later + timedelta(minutes=10)) == 1
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("sent", 3)
    assert len(server.requests) == 3


def test_unreachable_endpoint_fails_after_max_attempts(world):
    robot = _robot(world, "wecom", "http://127.0.0.1:9/unreachable")
    n = queued(dedupe_key="k4", channel="wecom", robot=robot, subject="s", body="b")
    for _ in range(notify.MAX_ATTEMPTS):
        Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
        n.refresh_from_db()
        notify.notification_deliver(notification=n)
    n.refresh_from_db()
    assert (n.status, n.attempts, n.next_attempt_at) == ("failed", notify.MAX_ATTEMPTS, None)
    notify.notification_retry(notification=n)
    n.refresh_from_db()
    assert (n.status, n.attempts) == ("pending", 0)


def test_email_goes_to_the_outbox_and_dedupes(world):
    world.teacher_a.email = "a@example.cn"
    world.teacher_a.save()
    n = queued(
        dedupe_key="mail:1", channel="email", recipient=world.teacher_a, subject="提醒", body="x"
    )
    assert (
        notify.notification_create(
            dedupe_key="mail:1",
            channel="email",
            recipient=world.teacher_a,
            subject="提醒",
            body="x",
        )
        is None
    )
    assert notify.notification_deliver(notification=n)
    assert [m.to for m in mail.outbox] == [["a@example.cn"]]
    assert mail.outbox[0].subject == "提醒"
