"""The emergency lane end to end against a local HTTP server standing in for the robots."""

import base64
import datetime
import hashlib
import hmac
import uuid
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from wuzha.cases import services
from wuzha.cases.models import Case, CaseAlert, CaseEvent
from wuzha.core.models import Notification, NotificationChannel
from wuzha.core.tests.webhook_server import webhook_server

from .conftest import make_emergency

pytestmark = pytest.mark.django_db

SECRET = "SECtest-dingtalk-secret"


class FailingSms:
    def send(self, mobile, text):
        from wuzha.cases.sms import SmsError

        raise SmsError("provider down")


class RecordingSms:
    sent: list[tuple[str, str]] = []

    def send(self, mobile, text):
        RecordingSms.sent.append((mobile, text))


def robots(world, url):
    wecom = NotificationChannel.objects.create(
        unit=world.school, kind="wecom", name="学校反诈群", webhook_url=f"{url}/wecom"
    )
    ding = NotificationChannel.objects.create(
        unit=world.county,
        kind="dingtalk",
        name="县反诈专班",
        webhook_url=f"{url}/ding?access_token=abc",
        secret=SECRET,
    )
    return wecom, ding


def emergency_post(client, world, **overrides):
    data = {
        "victim": world.student_a.pk,
        "victim_name": "",
        "amount": "5,000.50",
        "occurred_at": timezone.localtime(timezone.now() - datetime.timedelta(minutes=6)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "channel": "phone",
        "payment_method": "bank_transfer",
        "receiving_account": "6222 0000 1111 2222 张某",
        "note": "",
        "client_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    client.force_login(world.teacher_a)
    return client.post(reverse("cases:emergency", args=[world.class_a.code]), data)


def test_emergency_saves_then_alerts_every_channel(
    client, world, police, leader_email, settings, django_capture_on_commit_callbacks
):
    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.RecordingSms"
    RecordingSms.sent = []
    with webhook_server() as server:
        robots(world, server.url)
        with django_capture_on_commit_callbacks(execute=True):
            response = emergency_post(client, world)
        case = Case.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("cases:detail", args=[case.pk])
        assert case.is_emergency and case.amount_lost_fen == 500_050
        assert case.victim == world.student_a and case.victim_name == "王小明"

        by_path = {r.path: r for r in server.requests}
        assert set(by_path) == {"/wecom", "/ding"}
        wecom = by_path["/wecom"].body
        assert wecom["msgtype"] == "markdown"
        assert "¥5,000.50" in wecom["markdown"]["content"]
        assert f"/cases/ack/{case.ack_token}/" in wecom["markdown"]["content"]
        assert "王小明" not in wecom["markdown"]["content"]  # masked in group chats
        assert "王**" in wecom["markdown"]["content"]
        ding = by_path["/ding"]
        assert ding.body["msgtype"] == "markdown" and "紧急止付" in ding.body["markdown"]["title"]
        timestamp = ding.query["timestamp"][0]
        expected = base64.b64encode(
            hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
        ).decode()
        assert ding.query["sign"][0] == expected  # parse_qs has URL-decoded it once
        assert ding.query["access_token"] == ["abc"]

    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["leader@example.com", "police@example.com"]
    assert [m for m, _text in RecordingSms.sent] == ["13900000001"]
    alerts = list(case.alerts.select_related("notification"))
    assert {a.channel for a in alerts} == {"email", "wecom", "dingtalk", "sms"}
    assert all(a.status == Notification.Status.SENT for a in alerts)
    case.refresh_from_db()
    assert case.notified_at is not None
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["transfer", "discovered", "reported_school", "notified"]

    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert "已保存，正在等待警方确认" in page.text
    assert "96110" in page.text and "不要再向对方转任何钱" in page.text
    assert page.text.count("已发送") >= 4


def test_robot_500_is_retried_and_shown(client, world, police, django_capture_on_commit_callbacks):
    with webhook_server() as server:
        server.replies = [(500, {"errcode": -1}), (200, {"errcode": 0, "errmsg": "ok"})]
        NotificationChannel.objects.create(
            unit=world.school, kind="wecom", name="学校反诈群", webhook_url=f"{server.url}/w"
        )
        with django_capture_on_commit_callbacks(execute=True):
            emergency_post(client, world)
        case = Case.objects.get()
        alert = case.alerts.get(channel="wecom")
        assert alert.status == "pending"
        assert alert.attempts == 1 and "HTTP 500" in alert.error
        # The emergency back-off is a minute, not notify's default for reminders.
        assert alert.notification is not None
        due = alert.notification.next_attempt_at
        assert due is not None
        assert due <= timezone.now() + datetime.timedelta(minutes=1, seconds=5)
        page = client.get(reverse("cases:detail", args=[case.pk]))
        assert "HTTP 500" in page.text and "重试" in page.text

        assert services.case_alerts_retry_due(now=timezone.now()) == 0  # not yet due
        assert services.case_alerts_retry_due(now=due + datetime.timedelta(seconds=1)) == 1
        assert len(server.requests) == 2
    alert.refresh_from_db()
    assert alert.status == "sent" and alert.attempts == 2


def test_case_is_saved_when_every_channel_is_down(
    client, world, police, leader_email, settings, django_capture_on_commit_callbacks
):
    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.FailingSms"
    NotificationChannel.objects.create(
        unit=world.school, kind="wecom", name="坏的群", webhook_url="http://127.0.0.1:9/down"
    )
    with (
        mock.patch("wuzha.core.notify.send_mail", side_effect=OSError("smtp down")),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = emergency_post(client, world)
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.notified_at is None
    alerts = list(case.alerts.all())
    assert len(alerts) == 4  # 2 emails, 1 SMS, 1 robot
    assert all(a.status == "pending" and a.attempts == 1 and a.error for a in alerts)
    page = client.get(reverse("cases:detail", args=[case.pk]))
    assert page.status_code == 200
    assert "smtp down" in page.text and "provider down" in page.text
    assert 'hx-trigger="every 5s"' in page.text  # keeps polling while alerts are pending

    # The person presses 重试 on the SMS once the provider is back.
    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.RecordingSms"
    sms_alert = case.alerts.get(channel="sms")
    response = client.post(reverse("cases:alert_retry", args=[case.pk, sms_alert.pk]))
    assert response.status_code == 302
    sms_alert.refresh_from_db()
    assert sms_alert.status == "sent"
    case.refresh_from_db()
    assert case.notified_at is not None


def test_sms_gives_up_after_max_attempts(world, police, settings):
    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.FailingSms"
    case = make_emergency(world)
    services.case_alerts_send(case=case)
    alert = case.alerts.get(channel="sms")
    later = timezone.now()
    for _i in range(10):
        later += datetime.timedelta(minutes=10)
        services.case_alerts_retry_due(now=later)
    alert.refresh_from_db()
    assert alert.status == "failed" and alert.sms_attempts == services.SMS_MAX_ATTEMPTS


def test_double_tap_creates_one_case_and_one_alert_round(
    client, world, police, django_capture_on_commit_callbacks
):
    token = str(uuid.uuid4())
    with django_capture_on_commit_callbacks(execute=True):
        first = emergency_post(client, world, client_token=token)
        second = emergency_post(client, world, client_token=token)
    assert first["Location"] == second["Location"]
    assert Case.objects.count() == 1
    assert CaseAlert.objects.filter(channel="email").count() == 1
    assert len(mail.outbox) == 1


def test_bad_input_is_explained_at_the_field_and_kept(client, world):
    response = emergency_post(
        client, world, amount="五千", victim="", victim_name="", receiving_account="6222 不全"
    )
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "请输入金额（元），如 3000 或 3000.50" in response.text
    assert "请选择名册中的学生，或填写被骗人姓名" in response.text
    assert 'value="五千"' in response.text and 'value="6222 不全"' in response.text


def test_amount_with_three_decimals_is_refused(client, world):
    response = emergency_post(client, world, amount="12.345")
    assert "金额最多保留两位小数" in response.text


def test_victim_outside_the_unit_is_refused(client, world):
    response = emergency_post(client, world, victim=world.other_student.pk)
    assert response.status_code == 200
    assert Case.objects.count() == 0


# --- the police acknowledge link ----------------------------------------------------------


def test_ack_link_works_without_login_and_records_who(client, world, police):
    case = make_emergency(world)
    url = reverse("cases:ack", args=[case.ack_token])
    page = client.get(url)
    assert page.status_code == 200
    assert "¥5,000.00" in page.text and "6222 0000 1111 2222" in page.text
    assert "王小明" not in page.text
    response = client.post(url, {"name": "张警官 012345"})
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.acknowledged_at is not None and case.acknowledged_by is None
    assert case.acknowledged_by_name == "张警官 012345"
    assert case.status == Case.Status.REPORTED and case.reported_police_at is not None
    first = case.acknowledged_at
    client.post(url, {"name": "别人"})
    case.refresh_from_db()
    assert case.acknowledged_at == first and case.acknowledged_by_name == "张警官 012345"
    assert CaseEvent.objects.filter(case=case, kind="acknowledged").count() == 1


def test_ack_link_is_only_for_acknowledging(client, world):
    case = make_emergency(world)
    client.post(reverse("cases:ack", args=[case.ack_token]), {"name": "x"})
    # The link grants nothing else: the case page still needs a login.
    detail = client.get(reverse("cases:detail", args=[case.pk]))
    assert detail.status_code == 302 and "/accounts/login/" in detail["Location"]
    assert client.get(reverse("cases:ack", args=["not-a-token"])).status_code == 404


def test_ack_link_expires(client, world):
    case = make_emergency(world)
    Case.objects.filter(pk=case.pk).update(
        ack_expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    url = reverse("cases:ack", args=[case.ack_token])
    assert client.get(url).status_code == 410
    assert client.post(url, {"name": "x"}).status_code == 410
    case.refresh_from_db()
    assert case.acknowledged_at is None


def test_logged_in_police_acknowledges_with_one_tap(client, world, police):
    case = make_emergency(world)
    client.force_login(police)
    url = reverse("cases:ack", args=[case.ack_token])
    page = client.get(url)
    assert "李警官：确认接警" in page.text and 'name="name"' not in page.text
    response = client.post(url)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.acknowledged_by == police and case.acknowledged_by_name == "李警官"


def test_token_is_long_and_random(world):
    a, b = make_emergency(world), make_emergency(world)
    assert a.ack_token != b.ack_token
    assert len(base64.urlsafe_b64decode(a.ack_token + "==")) >= 16


# --- timeline minutes with a frozen clock ------------------------------------------------------


def test_timeline_minutes(world, police):
    base = datetime.datetime(2026, 11, 23, 14, 0, tzinfo=datetime.UTC)

    def at(minutes):
        return mock.patch(
            "django.utils.timezone.now", return_value=base + datetime.timedelta(minutes=minutes)
        )

    with at(0):
        case, _created = services.case_emergency_open(
            unit=world.class_a,
            by=world.teacher_a,
            victim=world.student_a,
            amount_lost_fen=880_000,
            occurred_at=base - datetime.timedelta(minutes=8),
            channel="wechat_qq",
            payment_method="alipay",
            receiving_account="alipay:fraud@example.com",
        )
    with at(1):
        services.case_alerts_send(case=case)
    with at(9):
        services.case_acknowledge(case=case, by=police)
    with at(40):
        case.refresh_from_db()
        services.case_stop_result_record(
            case=case, by=police, result="partial", amount_frozen_fen=500_000
        )
    from wuzha.cases.selectors import case_timeline

    case.refresh_from_db()
    timeline = case_timeline(case)
    assert timeline.transfer_to_school == 8
    assert timeline.school_to_notified == 1
    assert timeline.notified_to_ack == 8
    assert timeline.transfer_to_ack == 17
    assert timeline.transfer_to_result == 48
    rows = [(r.event.kind, r.since_transfer, r.since_previous) for r in timeline.rows]
    assert rows == [
        ("transfer", 0, None),
        ("discovered", 8, 8),
        ("reported_school", 8, 0),
        ("notified", 9, 1),
        ("acknowledged", 17, 8),
        ("stop_result", 48, 31),
    ]
    assert case.amount_frozen_fen == 500_000


def test_retry_command_sends_due_alerts(world, police, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.FailingSms"
    case = make_emergency(world)
    services.case_alerts_send(case=case)
    settings.CASES_SMS_PROVIDER = "wuzha.cases.tests.test_emergency.RecordingSms"
    CaseAlert.objects.filter(case=case).update(sms_next_attempt_at=timezone.now())
    out = StringIO()
    call_command("retry_case_alerts", stdout=out)
    assert "case alerts sent: 1" in out.getvalue()
    assert case.alerts.get(channel="sms").status == "sent"
