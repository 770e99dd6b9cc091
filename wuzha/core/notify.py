"""Notification channels: email, WeCom and DingTalk group robots, with a retried delivery log.

A delivery failure is recorded on the `Notification` (status, attempts, last error) and retried
with a growing delay; it never raises into the caller. Message formats follow the vendors'
documentation:

- WeCom group robot: POST JSON `{"msgtype": "markdown", "markdown": {"content": "..."}}`;
  success is `{"errcode": 0}`.
- DingTalk custom robot: POST JSON `{"msgtype": "markdown", "markdown": {"title", "text"}}` to the
  webhook URL with `&timestamp=<ms>&sign=<sign>` appended when a signing secret is set, where
  sign = urlencode(base64(HmacSHA256(key=secret, msg=f"{timestamp}\\n{secret}")));
  success is `{"errcode": 0}`.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import Notification, NotificationChannel

MAX_ATTEMPTS = 5
HTTP_TIMEOUT_SECONDS = 5


class DeliveryError(Exception):
    pass


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature, already URL-encoded, for `timestamp_ms`."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(webhook_url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """The webhook URL with `timestamp` and `sign` appended when the robot uses signing."""
    if not secret:
        return webhook_url
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{joiner}timestamp={ts}&sign={dingtalk_sign(secret, ts)}"


def wecom_payload(subject: str, body: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"content": f"**{subject}**\n{body}"}}


def dingtalk_payload(subject: str, body: str) -> dict[str, Any]:
    return {"msgtype": "markdown", "markdown": {"title": subject, "text": f"### {subject}\n{body}"}}


def _post_json(url: str, payload: dict[str, Any]) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DeliveryError(str(getattr(exc, "reason", exc))) from exc
    try:
        answer = json.loads(raw or b"{}")
    except ValueError as exc:
        raise DeliveryError("invalid JSON response") from exc
    if answer.get("errcode", 0) != 0:
        raise DeliveryError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")


def _deliver(notification: Notification) -> None:
    if notification.channel == Notification.Channel.EMAIL:
        recipient = notification.recipient
        if recipient is None or not recipient.email:
            raise DeliveryError("recipient has no email address")
        send_mail(
            notification.subject,
            notification.body,
            settings.DEFAULT_FROM_EMAIL,
            [recipient.email],
        )
        return
    robot = notification.robot
    if robot is None or not robot.is_active:
        raise DeliveryError("channel removed or disabled")
    if robot.kind == NotificationChannel.Kind.WECOM:
        _post_json(robot.webhook_url, wecom_payload(notification.subject, notification.body))
    else:
        _post_json(
            dingtalk_url(robot.webhook_url, robot.secret),
            dingtalk_payload(notification.subject, notification.body),
        )


def notification_create(
    *,
    dedupe_key: str,
    channel: str,
    subject: str,
    body: str,
    recipient: Any = None,
    robot: NotificationChannel | None = None,
    unit: Any = None,
) -> Notification | None:
    """Queue one notification; None when one with `dedupe_key` already exists."""
    notification = Notification(
        dedupe_key=dedupe_key,
        channel=channel,
        subject=subject[:200],
        body=body,
        recipient=recipient,
        robot=robot,
        unit=unit,
        next_attempt_at=timezone.now(),
    )
    notification.full_clean(exclude=["dedupe_key"])
    try:
        with transaction.atomic():
            notification.save()
    except IntegrityError:
        return None
    return notification


def notification_deliver(*, notification: Notification) -> bool:
    """Try to deliver once; record the outcome. Return True when sent. Never raises."""
    if notification.status == Notification.Status.SENT:
        return True
    now = timezone.now()
    # Claim this attempt so two workers never deliver the same message twice.
    claimed = Notification.objects.filter(
        pk=notification.pk,
        status=Notification.Status.PENDING,
        attempts=notification.attempts,
    ).update(attempts=notification.attempts + 1)
    if not claimed:
        return False
    notification.attempts += 1
    try:
        _deliver(notification)
    except Exception as exc:  # any channel failure is recorded, never fatal
        notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if notification.attempts >= MAX_ATTEMPTS:
            notification.status = Notification.Status.FAILED
            notification.next_attempt_at = None
        else:
            # 1, 4, 9, 16 minutes: quick retries for a blip, slower for an outage.
            notification.next_attempt_at = now + timedelta(minutes=notification.attempts**2)
        notification.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return False
    notification.status = Notification.Status.SENT
    notification.sent_at = now
    notification.next_attempt_at = None
    notification.save(
        update_fields=["attempts", "last_error", "status", "sent_at", "next_attempt_at"]
    )
    return True


def notifications_deliver_due(*, now: Any = None, limit: int = 500) -> int:
    """Deliver every pending notification whose next attempt is due; return how many were sent."""
    now = now or timezone.now()
    due = Notification.objects.filter(
        status=Notification.Status.PENDING, next_attempt_at__lte=now
    ).select_related("recipient", "robot")[:limit]
    return sum(1 for n in list(due) if notification_deliver(notification=n))


def notification_retry(*, notification: Notification) -> Notification:
    """Put a failed notification back in the queue for another round of attempts."""
    notification.status = Notification.Status.PENDING
    notification.attempts = 0
    notification.next_attempt_at = timezone.now()
    notification.save(update_fields=["status", "attempts", "next_attempt_at"])
    return notification


def channels_for_unit_paths(paths: list[str]) -> list[NotificationChannel]:
    """Active robots configured on any of the units at `paths` (a unit and its ancestors)."""
    return list(
        NotificationChannel.objects.filter(unit__path__in=paths, is_active=True).select_related(
            "unit"
        )
    )
