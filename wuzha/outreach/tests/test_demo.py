"""The outreach demo step: realistic, deterministic and idempotent on the small demo world."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from wuzha.orgs.demo import COUNTY_CODE
from wuzha.orgs.models import OrgUnit, UnitKind
from wuzha.outreach import selectors
from wuzha.outreach.demo import _term
from wuzha.outreach.models import (
    Activity,
    ActivityFile,
    Attendance,
    ChatGroup,
    Household,
    HouseholdVisit,
)

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--scale", "small", stdout=out)
    return out.getvalue()


def test_demo_outreach(demo_world):
    assert "次班会" in demo_world  # seed_demo runs this app's seed_demo_step
    TODAY = timezone.localdate()
    county = OrgUnit.objects.get(code=COUNTY_CODE)
    activities = Activity.objects.filter(unit__path__startswith=county.path)
    assert activities.filter(kind="class_meeting").count() > 50
    assert all(a.date <= TODAY for a in activities)
    assert Attendance.objects.filter(present=False).exists()
    classes = OrgUnit.objects.filter(path__startswith=county.path, kind=UnitKind.CLASS)
    with_meeting = classes.filter(outreach_activities__kind="class_meeting").distinct().count()
    assert 0 < with_meeting < classes.count()  # some classes have held none yet
    evidence = list(ActivityFile.objects.values_list("evidence_id", flat=True))
    assert len(evidence) > len(set(evidence))  # one photo reused: flagged on the page
    groups = list(ChatGroup.objects.all())
    assert any(g.gaps(TODAY) for g in groups) and any(not g.gaps() for g in groups)
    assert Household.objects.count() > HouseholdVisit.objects.values("household").distinct().count()
    term = _term(TODAY)
    total, _rows = selectors.unit_coverage(county, term.start, term.end)
    assert 0.5 < total.reached / total.persons < 1

    counts = (Activity.objects.count(), Attendance.objects.count(), HouseholdVisit.objects.count())
    assert "宣传活动示范数据已存在" in _seed()
    assert counts == (
        Activity.objects.count(),
        Attendance.objects.count(),
        HouseholdVisit.objects.count(),
    )
