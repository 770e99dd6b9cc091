import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from wuzha.learning import content, services
from wuzha.learning.models import Quiz
from wuzha.orgs.models import PersonKind

FIXTURES = Path(__file__).resolve().parent / "content"


@pytest.fixture(autouse=True)
def _fixture_content(monkeypatch):
    """Tests run on the tiny fixture content, never on the real files being written."""
    monkeypatch.setattr(content, "CONTENT_DIR", FIXTURES)


@pytest.fixture
def bank(db):
    return services.load_question_bank()


def make_quiz(world, *, unit=None, units=None, rule=None, **overrides) -> Quiz:
    now = timezone.now()
    fields = {
        "title": "秋季反诈知识测试",
        "audience_kinds": [PersonKind.STUDENT],
        "age_band": "primary",
        "opens_at": now - datetime.timedelta(hours=1),
        "closes_at": now + datetime.timedelta(days=3),
        "pass_mark": 60,
        "attempts_allowed": 2,
        "time_limit_minutes": 10,
        **overrides,
    }
    unit = unit or world.school
    return services.quiz_create(
        unit=unit,
        units=units or [unit],
        rule=rule
        or [
            {"fraud_type": "task_rebate", "difficulty": 1, "count": 2},
            {"fraud_type": "romance", "difficulty": 2, "count": 1},
        ],
        by=world.leader,
        **fields,
    )


def answers_for(attempt, *, right: set[int] | None = None) -> dict[int, list[int]]:
    """Answers for an attempt: correct for positions in `right` (all when None), else wrong."""
    out = {}
    for item in attempt.items.select_related("version"):
        v = item.version
        if right is None or item.position in right:
            out[item.position] = list(v.answer)
        else:
            out[item.position] = [next(i for i in range(len(v.options)) if [i] != v.answer)]
    return out


@pytest.fixture
def quiz(world, bank) -> Quiz:
    return make_quiz(world)
