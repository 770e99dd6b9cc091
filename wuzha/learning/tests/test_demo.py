"""The demo step on the small test world: passed, failed, not taken, one burst; idempotent."""

from types import SimpleNamespace

import pytest

from wuzha.learning import demo
from wuzha.learning.models import Assignment, Attempt, Question, Quiz, SelfTestResponse

pytestmark = pytest.mark.django_db


def test_demo_step_is_idempotent(world, monkeypatch):
    monkeypatch.setattr(demo, "DEMO_COUNTY_CODE", world.county.code)
    lines: list[str] = []
    ctx = SimpleNamespace(out=lines.append)
    demo.seed_demo_step(ctx)
    assert Question.objects.count() == 52
    assert set(Quiz.objects.values_list("unit__code", flat=True)) == {"T-SCH-A", "T-SCH-B"}
    assert Attempt.objects.filter(status="submitted").exists()
    assert SelfTestResponse.objects.filter(level="high").exists()
    counts = (Quiz.objects.count(), Attempt.objects.count(), SelfTestResponse.objects.count())
    demo.seed_demo_step(ctx)
    assert (
        Quiz.objects.count(),
        Attempt.objects.count(),
        SelfTestResponse.objects.count(),
    ) == counts
    assert any("已存在" in line for line in lines)
    assert Assignment.objects.filter(best_attempt__isnull=True).exists()
