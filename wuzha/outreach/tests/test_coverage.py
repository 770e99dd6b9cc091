"""Coverage derivation per channel, roll-up up the tree, and the per-person ledger."""

import datetime
import uuid

import pytest

from wuzha.core import coverage
from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs import services as org_services
from wuzha.orgs.models import Person, PersonKind, UnitKind
from wuzha.outreach import selectors, services
from wuzha.outreach.channels import ACTIVITY, HOME_VISIT
from wuzha.outreach.models import ActivityKind, AttendanceMode

from .factories import class_meeting

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 15)
TERM = (datetime.date(2026, 9, 1), datetime.date(2027, 1, 31))


def test_own_channels_are_registered_in_order():
    codes = [c.code for c in coverage.channels()]
    assert ACTIVITY in codes and HOME_VISIT in codes
    assert codes.index(ACTIVITY) < codes.index(HOME_VISIT)


def test_activity_covers_only_the_persons_marked_present(world):
    class_meeting(
        world.class_a,
        world.teacher_a,
        date=DAY,
        roster=[world.student_a, world.student_a2],
        present=[world.student_a],
    )
    reached = set(activity_reached_ids(world.class_a))
    assert reached == {world.student_a.pk}
    # The guardian of a present student is not covered by the student's attendance.
    assert world.guardian_a.pk not in set(activity_reached_ids(world.school))


def activity_reached_ids(unit, start=TERM[0], end=TERM[1]):
    channel = next(c for c in coverage.channels() if c.code == ACTIVITY)
    return channel.reached(unit, start, end).values_list("person_id", flat=True)


def test_activity_outside_the_period_does_not_count(world):
    class_meeting(world.class_a, world.teacher_a, date=datetime.date(2026, 6, 1))
    assert list(activity_reached_ids(world.class_a)) == []
    assert len(activity_reached_ids(world.class_a, datetime.date(2026, 6, 1), DAY)) == 2


def test_count_only_activity_names_nobody(world):
    services.activity_create(
        unit=world.school,
        by=world.leader,
        kind=ActivityKind.BROADCAST,
        title="校园广播",
        date=DAY,
        audiences=["student"],
        attendance_mode=AttendanceMode.COUNT,
        headcount=800,
        today=DAY,
    )
    total, _rows = selectors.unit_coverage(world.school, *TERM)
    assert (total.persons, total.reached) == (3, 0)


def test_home_visit_covers_the_persons_met(world):
    village = org_services.unit_create(
        parent=world.county, name="上林村", kind=UnitKind.VILLAGE, code="T-V1"
    )
    resident = org_services.person_create(unit=village, kind=PersonKind.RESIDENT, name="张大山")
    other = org_services.person_create(unit=village, kind=PersonKind.RESIDENT, name="张二水")
    services.visit_record(
        client_id=uuid.uuid4(),
        unit=village,
        by=world.coordinator,
        address="上林村3组12号",
        visited_on=DAY,
        met_persons=[resident],
        today=DAY,
    )
    total, _rows = selectors.unit_coverage(village, *TERM, kind=PersonKind.RESIDENT)
    assert (total.persons, total.reached, total.by_channel[HOME_VISIT]) == (2, 1, 1)
    ledger = {c.code: c for c in selectors.person_ledger(resident, *TERM)}
    assert [e.label for e in ledger[HOME_VISIT].events] == ["入户宣传：上林村3组12号"]
    assert ledger[ACTIVITY].events == []
    assert all(not c.events for c in selectors.person_ledger(other, *TERM))


@pytest.fixture
def signed_channel(world, monkeypatch):
    """A stand-in for another app's channel (e.g. notices: the guardian signed → the student)."""

    def reached(unit, start, end):
        return Person.objects.filter(
            pk=world.student_b.pk, unit__path__startswith=unit.path
        ).values("pk")

    def events(person, start, end):
        if person.pk != world.student_b.pk:
            return []
        return [CoverageEvent(channel="signed", date=start, label="家长已签收告知书")]

    channel = CoverageChannel(
        code="signed", label="家长签收", reached=reached, events=events, order=20
    )
    monkeypatch.setitem(coverage._CHANNELS, "signed", channel)
    return channel


def test_rates_roll_up_the_tree_across_channels(world, signed_channel):
    class_meeting(
        world.class_a,
        world.teacher_a,
        date=DAY,
        roster=[world.student_a, world.student_a2],
        present=[world.student_a],
    )
    class_meeting(world.class_b, world.teacher_b, date=DAY)  # student_b reached twice
    class_meeting(world.other_class, world.other_teacher, date=DAY)

    total, rows = selectors.unit_coverage(world.county, *TERM)
    assert (total.persons, total.reached) == (4, 3)
    channel_counts = [total.by_channel[code] for code in (ACTIVITY, "signed", HOME_VISIT)]
    assert channel_counts == [3, 1, 0]
    by_unit = {row.unit.code: row.counts for row in rows}
    school = by_unit[world.school.code]
    assert (school.persons, school.reached, school.rate) == (3, 2, 66.7)
    assert by_unit[world.other_school.code].rate == 100.0
    assert by_unit[world.bureau.code].persons == 0 and by_unit[world.bureau.code].rate is None

    grade_total, grade_rows = selectors.unit_coverage(world.grade, *TERM)
    assert [(r.unit.code, r.counts.persons, r.counts.reached) for r in grade_rows] == [
        (world.class_a.code, 2, 1),
        (world.class_b.code, 1, 1),
    ]
    assert grade_total.by_channel["signed"] == 1


def test_class_list_names_the_unreached_and_what_is_missing(world, signed_channel):
    class_meeting(
        world.class_a,
        world.teacher_a,
        date=DAY,
        roster=[world.student_a, world.student_a2],
        present=[world.student_a],
    )
    people = selectors.unit_person_coverage(world.class_a, *TERM, unreached_only=True)
    assert [p.person for p in people] == [world.student_a2]
    assert "参加宣传教育活动" in people[0].missing and "家长签收" in people[0].missing
    everyone = selectors.unit_person_coverage(world.class_a, *TERM)
    assert [(p.person, p.reached) for p in everyone] == [
        (world.student_a, True),
        (world.student_a2, False),
    ]


def test_persons_placed_directly_in_a_unit_get_their_own_row(world):
    org_services.person_create(
        unit=world.school, kind=PersonKind.STUDENT, name="周直属", number="9"
    )
    _total, rows = selectors.unit_coverage(world.school, *TERM)
    assert rows[0].is_self and rows[0].counts.persons == 1


def test_inactive_persons_are_not_counted(world):
    org_services.person_update(person=world.student_a2, is_active=False)
    total, _rows = selectors.unit_coverage(world.class_a, *TERM)
    assert total.persons == 1


def test_unit_coverage_query_count_does_not_grow_with_children(
    world, django_assert_max_num_queries
):
    for n in range(5):
        unit = org_services.unit_create(
            parent=world.grade, name=f"新{n}班", kind=UnitKind.CLASS, code=f"T-N{n}"
        )
        org_services.person_create(unit=unit, kind=PersonKind.STUDENT, name=f"学生{n}")
    channels = len(coverage.channels())
    with django_assert_max_num_queries(3 + channels):
        selectors.unit_coverage(world.county, *TERM)


def test_period_keys(world):
    assert selectors.period_for(world.school, "2026-11").start == datetime.date(2026, 11, 1)
    assert selectors.period_for(world.school, "2026-W47").start == datetime.date(2026, 11, 16)
    assert selectors.period_for(world.school, "2026").end == datetime.date(2026, 12, 31)
    term = selectors.period_for(world.school, "2026-T1")
    assert (term.start, term.end) == TERM
    current = selectors.period_for(world.school, None, today=DAY)
    assert current.key == "2026-T1"
