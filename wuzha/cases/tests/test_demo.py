"""The risk and cases demo steps on the small demo world: realistic and idempotent."""

import pytest
from django.utils import timezone

from wuzha.cases.demo import seed_cases
from wuzha.cases.models import AftercareNote, Case, DualCheck, Inquiry
from wuzha.cases.selectors import case_timeline
from wuzha.orgs.demo import COUNTY_CODE
from wuzha.orgs.models import OrgUnit
from wuzha.risk.demo import seed_risk
from wuzha.risk.models import Clue, FollowUp, KeyPerson, ScreeningRound
from wuzha.risk.selectors import screening_completeness
from wuzha.risk.services import screening_period

pytestmark = pytest.mark.django_db


def test_demo_risk_and_cases(demo_world):
    text = demo_world
    assert "隐患摸排" in text and "案件台账" in text
    county = OrgUnit.objects.get(code=COUNTY_CODE)

    report = screening_completeness(county, screening_period())
    assert report.total.complete > 0 and report.total.partial > 0 and report.total.not_started > 0
    assert ScreeningRound.objects.filter(fast_path=True).exists()
    assert KeyPerson.objects.filter(status="open").count() >= 3
    assert KeyPerson.objects.filter(status="closing").count() == 1
    assert (
        FollowUp.objects.filter(done_at__isnull=True, due_on__lt=timezone.localdate()).count() == 1
    )
    assert set(Clue.objects.values_list("status", flat=True)) == {
        "new",
        "triaged",
        "forwarded",
        "closed",
        "rejected",
    }

    cases = Case.objects.in_subtree(county)
    assert cases.count() == 10
    done = cases.get(is_emergency=True, acknowledged_at__isnull=False)
    assert [e.kind for e in done.events.all()][-3:] == ["notified", "acknowledged", "stop_result"]
    timeline = case_timeline(done)
    assert (timeline.transfer_to_school, timeline.transfer_to_ack, timeline.transfer_to_result) == (
        9,
        17,
        52,
    )
    assert cases.filter(is_emergency=True, acknowledged_at__isnull=True).count() == 1
    assert AftercareNote.objects.count() == 2
    assert DualCheck.objects.count() == 1
    assert Inquiry.objects.count() == int(DualCheck.objects.get().no_education)
    assert cases.filter(amount_lost_fen__gte=500_000_00).count() == 1  # needs a full review

    # Idempotent: a second run adds nothing.
    seed_risk(lambda _s: None)
    seed_cases(lambda _s: None)
    assert Case.objects.count() == 10 and Clue.objects.count() == 5
