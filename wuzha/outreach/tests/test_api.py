"""GET /api/v1/units/{code}/coverage: scope, periods, per-child counts by channel."""

import datetime

import pytest

from wuzha.orgs.services import api_token_create

from .factories import class_meeting

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 15)


def api_get(client, user, path, **params):
    _token, key = api_token_create(user=user, name="测试")
    return client.get(f"/api/v1{path}", params, headers={"Authorization": f"Bearer {key}"})


@pytest.fixture
def meetings(world):
    class_meeting(
        world.class_a,
        world.teacher_a,
        date=DAY,
        roster=[world.student_a, world.student_a2],
        present=[world.student_a],
    )
    class_meeting(world.other_class, world.other_teacher, date=DAY)


def test_coverage_per_child_unit(client, world, meetings):
    response = api_get(client, world.coordinator, "/units/T-COUNTY/coverage", period="2026-T1")
    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {
        "key": "2026-T1",
        "label": "2026-2027学年第一学期",
        "start": "2026-09-01",
        "end": "2027-01-31",
    }
    assert {"activity", "home_visit"} <= {c["code"] for c in body["channels"]}
    assert (body["total"]["persons"], body["total"]["reached"]) == (4, 2)
    children = {c["code"]: c for c in body["children"]}
    school = children["T-SCH-A"]
    assert (school["persons"], school["reached"], school["rate"]) == (3, 1, 33.3)
    assert school["by_channel"]["activity"] == 1
    assert children["T-SCH-B"]["rate"] == 100.0
    assert children["T-EDU"]["rate"] is None


@pytest.mark.parametrize(
    ("period", "reached"), [("2026-10", 2), ("2026-W42", 2), ("2026-W43", 0), ("2026", 2)]
)
def test_period_formats(client, world, meetings, period, reached):
    response = api_get(client, world.admin, "/units/T-COUNTY/coverage", period=period)
    assert response.json()["total"]["reached"] == reached


def test_bad_period_is_400_in_chinese(client, world):
    response = api_get(client, world.admin, "/units/T-COUNTY/coverage", period="2026-13")
    assert response.status_code == 400
    assert "月份" in response.json()["detail"]


def test_scope_and_auth(client, world, meetings):
    assert api_get(client, world.teacher_b, "/units/T-SCH-A-G3-1/coverage").status_code == 404
    assert api_get(client, world.outsider, "/units/T-COUNTY/coverage").status_code == 404
    assert api_get(client, world.inspector, "/units/T-COUNTY/coverage").status_code == 200
    assert client.get("/api/v1/units/T-COUNTY/coverage").status_code == 401


def test_kind_parameter(client, world, meetings):
    response = api_get(
        client, world.admin, "/units/T-SCH-A/coverage", period="2026", kind="guardian"
    )
    total = response.json()["total"]
    assert (total["persons"], total["reached"], total["rate"]) == (1, 0, 0.0)
    assert api_get(client, world.admin, "/units/T-SCH-A/coverage", kind="cat").status_code == 422
