"""GET /api/v1/units/{code}/completeness: scope, period formats, roll-up with zero units."""

from datetime import date

import pytest
from django.utils import timezone

from wuzha.orgs.services import api_token_create
from wuzha.plans import services
from wuzha.plans.models import Duty
from wuzha.plans.testing import class_meeting_campaign, photo

pytestmark = pytest.mark.django_db


def api_get(client, user, path, **params):
    _token, key = api_token_create(user=user)
    return client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def meeting(world):
    today = timezone.localdate()
    _campaign, template = class_meeting_campaign(world.school, today=today, by=world.leader)
    duty = Duty.objects.get(template=template, unit=world.class_a, period_key=f"{today:%Y-%m}")
    services.duty_submit(
        duty=duty, by=world.teacher_a, text="班会", attendance=40, files=[photo(1), photo(2)]
    )
    return template


def test_completeness_for_a_month_rolls_up_children(client, world, meeting):
    month = f"{timezone.localdate():%Y-%m}"
    response = api_get(
        client, world.coordinator, f"/units/{world.county.code}/completeness", period=month
    )
    assert response.status_code == 200
    body = response.json()
    assert body["period"]["key"] == month
    assert {k: body["unit"][k] for k in ("expected", "submitted", "on_time", "late")} == {
        "expected": 2,
        "submitted": 1,
        "on_time": 1,
        "late": 0,
    }
    children = {c["code"]: c for c in body["children"]}
    assert set(children) == {world.bureau.code, world.school.code, world.other_school.code}
    assert children[world.bureau.code]["expected"] == 0
    assert children[world.school.code]["submitted"] == 1


def test_week_and_term_periods(client, world, meeting):
    services.term_add(
        unit=world.school,
        school_year=2026,
        number=1,
        start_date=date(2026, 9, 1),
        end_date=date(2027, 1, 22),
    )
    response = api_get(
        client, world.leader, f"/units/{world.school.code}/completeness", period="2026-T1"
    )
    assert response.json()["period"] == {
        "key": "2026-T1",
        "label": "2026-2027学年第一学期",
        "start": "2026-09-01",
        "end": "2027-01-22",
    }
    week = api_get(
        client, world.leader, f"/units/{world.school.code}/completeness", period="2026-W47"
    )
    assert week.json()["period"]["start"] == "2026-11-16"


def test_gap_flag_for_a_unit_that_did_nothing(client, world, meeting):
    response = api_get(
        client, world.leader, f"/units/{world.grade.code}/completeness", period="2026"
    )
    children = {c["code"]: c for c in response.json()["children"]}
    overdue_b = children[world.class_b.code]["missing"]
    assert children[world.class_b.code]["is_gap"] is (overdue_b > 0)
    assert children[world.class_a.code]["is_gap"] is False


def test_bad_period_is_400_with_a_chinese_message(client, world, meeting):
    response = api_get(
        client, world.leader, f"/units/{world.school.code}/completeness", period="2026-13"
    )
    assert response.status_code == 400
    assert "月份" in response.json()["detail"]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher_a", 200), ("teacher_b", 404), ("other_teacher", 404), ("outsider", 404)],
)
def test_scope(client, world, meeting, persona, status):
    response = api_get(client, getattr(world, persona), f"/units/{world.class_a.code}/completeness")
    assert response.status_code == status


def test_requires_a_token_and_get(client, world):
    url = f"/api/v1/units/{world.school.code}/completeness"
    assert client.get(url).status_code == 401
    _token, key = api_token_create(user=world.leader)
    assert client.post(url, headers={"Authorization": f"Bearer {key}"}).status_code == 405
