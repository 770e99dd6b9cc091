import datetime
import uuid

import pytest
from django.utils import timezone

from wuzha.orgs.services import api_token_create

from .conftest import make_case, make_emergency

pytestmark = pytest.mark.django_db


def bearer(user):
    _token, key = api_token_create(user=user)
    return {"Authorization": f"Bearer {key}"}


def emergency_body(world, **overrides):
    body = {
        "unit_code": world.class_a.code,
        "victim_id": world.student_a.pk,
        "amount_fen": 123_456,
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=3)).isoformat(),
        "channel": "phone",
        "payment_method": "bank_transfer",
        "receiving_account": "6222 1234",
        "client_token": str(uuid.uuid4()),
    }
    body.update(overrides)
    return body


@pytest.mark.django_db(transaction=True)
def test_emergency_creates_case_with_alert_statuses(client, world, police):
    # A real commit: the alerts run (immediate backend) before the response is built.
    body = emergency_body(world)
    response = client.post(
        "/api/v1/cases/emergency",
        body,
        content_type="application/json",
        headers=bearer(world.teacher_a),
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["amount_lost_fen"] == 123_456 and data["created"] is True
    assert data["victim_name_masked"] == "王**"
    assert sorted(a["channel"] for a in data["alerts"]) == ["email", "sms"]
    assert all(a["status"] == "sent" and a["attempts"] == 1 for a in data["alerts"])
    assert {a["destination"] for a in data["alerts"]} == {"李警官（民警）"}
    assert data["notified_at"] is not None
    again = client.post(
        "/api/v1/cases/emergency",
        body,
        content_type="application/json",
        headers=bearer(world.teacher_a),
    )
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert again.json()["created"] is False


def test_emergency_lists_pending_alerts_before_the_worker_runs(client, world, police, settings):
    # As in production: the alert task is queued, not run inside the request.
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    response = client.post(
        "/api/v1/cases/emergency",
        emergency_body(world),
        content_type="application/json",
        headers=bearer(world.teacher_a),
    )
    assert response.status_code == 201, response.content
    alerts = response.json()["alerts"]
    assert sorted(a["channel"] for a in alerts) == ["email", "sms"]
    assert {(a["status"], a["attempts"]) for a in alerts} == {("pending", 0)}


@pytest.mark.parametrize(("persona", "status"), [("inspector", 403), ("other_teacher", 404)])
def test_emergency_scope(client, world, persona, status):
    response = client.post(
        "/api/v1/cases/emergency",
        emergency_body(world),
        content_type="application/json",
        headers=bearer(getattr(world, persona)),
    )
    assert response.status_code == status


def test_emergency_rejects_bad_input(client, world):
    headers = bearer(world.teacher_a)
    negative = client.post(
        "/api/v1/cases/emergency",
        emergency_body(world, amount_fen=-1),
        content_type="application/json",
        headers=headers,
    )
    assert negative.status_code == 422
    outsider_victim = client.post(
        "/api/v1/cases/emergency",
        emergency_body(world, victim_id=world.other_student.pk),
        content_type="application/json",
        headers=headers,
    )
    assert outsider_victim.status_code == 404
    no_name = client.post(
        "/api/v1/cases/emergency",
        emergency_body(world, victim_id=None),
        content_type="application/json",
        headers=headers,
    )
    assert no_name.status_code == 422 and "受害人" in no_name.json()["detail"]
    assert client.post("/api/v1/cases/emergency", {}).status_code == 401


def test_acknowledge(client, world, police):
    case = make_emergency(world)
    url = f"/api/v1/cases/{case.pk}/acknowledge"
    assert client.post(url, headers=bearer(world.teacher_a)).status_code == 403
    assert client.post(url, headers=bearer(world.other_teacher)).status_code == 404
    assert client.get(url, headers=bearer(police)).status_code == 405
    response = client.post(url, headers=bearer(police))
    assert response.status_code == 200
    assert response.json()["acknowledged_at"] is not None
    assert response.json()["status"] == "reported"
    plain = make_case(world)
    assert (
        client.post(f"/api/v1/cases/{plain.pk}/acknowledge", headers=bearer(police)).status_code
        == 409
    )


def test_unit_stats(client, world):
    make_case(world, amount=100_000, fraud_type="game_trade", amount_recovered_fen=20_000)
    make_case(world, amount=50_000, fraud_type="game_trade")
    make_case(world, amount=70_000, fraud_type="romance")
    make_case(world, unit=world.other_class, victim=world.other_student, amount=999)
    period = timezone.localdate().strftime("%Y")
    response = client.get(
        f"/api/v1/units/{world.school.code}/cases",
        {"period": period},
        headers=bearer(world.leader),
    )
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3 and data["amount_lost_fen"] == 220_000
    assert data["amount_recovered_fen"] == 20_000
    assert data["by_type"][0] == {
        "code": "game_trade",
        "label": "网络游戏产品虚假交易类",
        "count": 2,
        "amount_lost_fen": 150_000,
    }
    bad = client.get(
        f"/api/v1/units/{world.school.code}/cases",
        {"period": "2026-W99"},
        headers=bearer(world.leader),
    )
    assert bad.status_code == 422
    hidden = client.get(
        f"/api/v1/units/{world.other_school.code}/cases", headers=bearer(world.leader)
    )
    assert hidden.status_code == 404
