"""GET /api/v1/quizzes/{id}/results?unit=CODE: per child unit, scoped to the token owner."""

from typing import Any

import pytest

from wuzha.learning import services
from wuzha.learning.models import Assignment
from wuzha.orgs.services import api_token_create

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, key = api_token_create(user=user)
    return {"Authorization": f"Bearer {key}"}


def url(quiz, code):
    return f"/api/v1/quizzes/{quiz.pk}/results?unit={code}"


def test_children_participation_pass_rate_and_mastery(client, world, quiz):
    takers: list[tuple[Any, set[int] | None]] = [(world.student_a, None), (world.student_b, set())]
    for person, right in takers:
        a = Assignment.objects.get(quiz=quiz, person=person)
        attempt = services.attempt_start(assignment=a)
        services.attempt_submit(attempt=attempt, answers=answers_for(attempt, right=right))
    response = client.get(url(quiz, world.grade.code), headers=bearer(world.leader))
    assert response.status_code == 200
    body = response.json()
    assert body["totals"]["participation"] == {"count": 2, "denominator": 3, "rate": 66.7}
    assert body["totals"]["pass_rate"] == 33.3
    rows = {r["unit_code"]: r for r in body["children"]}
    assert list(rows) == [world.class_a.code, world.class_b.code]
    a = rows[world.class_a.code]
    assert a["participation"] == {"count": 1, "denominator": 2, "rate": 50.0}
    assert a["passed"] == 1 and a["pass_rate"] == 50.0
    assert a["mastery"] == {"task_rebate": 100.0, "romance": 100.0}
    assert rows[world.class_b.code]["mastery"] == {"task_rebate": 0.0, "romance": 0.0}


@pytest.mark.parametrize(
    ("persona", "code", "status"),
    [
        ("leader", "T-SCH-A", 200),
        ("teacher_a", "T-SCH-A-G3-1", 200),
        ("teacher_a", "T-SCH-A-G3-2", 404),
        ("teacher_a", "T-SCH-A", 404),
        ("other_teacher", "T-SCH-B-7-1", 404),
        ("other_teacher", "T-SCH-A", 404),
        ("leader", "T-SCH-B", 404),
        ("leader", "NOPE", 404),
    ],
)
def test_scope(client, world, quiz, persona, code, status):
    response = client.get(url(quiz, code), headers=bearer(getattr(world, persona)))
    assert response.status_code == status


def test_requires_token_unit_and_get(client, world, quiz):
    assert client.get(url(quiz, world.school.code)).status_code == 401
    assert (
        client.get(f"/api/v1/quizzes/{quiz.pk}/results", headers=bearer(world.leader)).status_code
        == 422
    )
    assert (
        client.post(url(quiz, world.school.code), headers=bearer(world.leader)).status_code == 405
    )
    assert (
        client.get(
            "/api/v1/quizzes/999999/results?unit=T-SCH-A", headers=bearer(world.leader)
        ).status_code
        == 404
    )
