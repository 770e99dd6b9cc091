"""The demo seeding step: campaigns from templates, a mix of outcomes, idempotent."""

import pytest

from wuzha.core.models import EvidenceFile
from wuzha.plans.demo import seed_plans
from wuzha.plans.models import Campaign, Duty, Inspection, Rectification, Submission, Term

pytestmark = pytest.mark.django_db


def test_seed_plans_is_idempotent(world):
    lines: list[str] = []
    seed_plans(lines.append)
    assert Campaign.objects.filter(
        template_code="county_publicity_year", unit=world.county
    ).exists()
    assert Campaign.objects.filter(template_code="school_100_days").count() == 2
    assert Term.objects.get(unit=world.county).holidays.count() == 2
    statuses = set(Duty.objects.values_list("status", flat=True))
    assert {"pending", "submitted", "accepted", "returned"} <= statuses
    assert Duty.objects.filter(status__in=["submitted", "accepted"], is_late=True).exists()
    assert Rectification.objects.filter(status="open").count() == 1
    # The gap class submitted nothing at all.
    assert not Submission.objects.filter(duty__unit=world.class_b).exists()
    counts = (
        Duty.objects.count(),
        Submission.objects.count(),
        EvidenceFile.objects.count(),
        Inspection.objects.count(),
    )
    seed_plans(lines.append)
    assert (
        Duty.objects.count(),
        Submission.objects.count(),
        EvidenceFile.objects.count(),
        Inspection.objects.count(),
    ) == counts
    assert "未重复创建" in lines[-1]
