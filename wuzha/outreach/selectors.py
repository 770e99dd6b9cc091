"""Reads for outreach pages, exports and the API, including the coverage ledger.

Coverage ("不漏一班、不漏一人") is derived, never stored: every registered channel
(`wuzha.core.coverage.channels()`) gives the ids of the persons it reached in a unit's subtree
and a date range, and the counts below are set operations on those id subqueries in the database
(one grouped query per channel plus one for "reached by any channel").

A person counts as reached by a channel only when that channel names the person: a student who
attended a class meeting, a guardian who attended a parent meeting, a student whose guardian
signed the letter (the notices channel returns the student). A guardian's attendance does not
cover the child, nor a child's the guardian.
"""

import datetime
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone

from wuzha.core import coverage
from wuzha.core.periods import Period, PeriodKind, parse, period_containing
from wuzha.orgs.models import OrgUnit, Person, PersonKind, UnitKind

from .models import (
    Activity,
    ActivityFile,
    Attendance,
    AttendanceRevision,
    ChatGroup,
    Household,
    HouseholdVisit,
)

# A roster longer than this is not ticked person by person on a phone: use a count instead.
ROSTER_LIMIT = 120
# A photo taken more than this many days away from the activity date is flagged.
PHOTO_DATE_TOLERANCE_DAYS = 2


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def _term_resolver(unit: OrgUnit) -> Any:
    # The school's or county's term calendar lives in the plans app.
    from wuzha.plans.selectors import term_resolver_for

    return term_resolver_for(unit)


def period_for(unit: OrgUnit, key: str | None, *, today: datetime.date | None = None) -> Period:
    """Parse `key` (2026-11, 2026-W47, 2026-T1, 2026, …) against `unit`'s term calendar.

    Without a key: the term containing today (or the next term during a vacation). Raises
    `wuzha.core.periods.PeriodError` with a Chinese message for a key that does not parse.
    """
    terms = _term_resolver(unit)
    if key:
        return parse(key, terms=terms)
    return period_containing(PeriodKind.TERM, today or timezone.localdate(), terms=terms)


# ---------------------------------------------------------------------------------------------
# Activities
# ---------------------------------------------------------------------------------------------


def activities_for(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Activity]:
    """Activities held by `unit` or any unit below it between `start` and `end` (inclusive).

    The plans app links these to duties (e.g. a monthly class meeting satisfies 每月一次主题班会).
    """
    return Activity.objects.in_subtree(unit).between(start, end)


def activity_register(unit: OrgUnit, period: Period) -> QuerySet[Activity]:
    """The activity register of `unit`'s subtree for `period`, newest first, with counts."""
    return (
        activities_for(unit, period.start, period.end)
        .select_related("unit")
        .annotate(
            present_count=Count("attendance", filter=Q(attendance__present=True), distinct=True),
            file_count=Count("files", distinct=True),
        )
        .order_by("-date", "-start_time", "-id")
    )


def roster_for(unit: OrgUnit, kinds: list[str]) -> list[Person]:
    """Active persons of the given kinds in `unit`'s subtree in roster order (for ticking)."""
    return list(
        Person.objects.in_subtree(unit)
        .filter(is_active=True, kind__in=kinds or [PersonKind.STUDENT])
        .select_related("unit")
        .order_by("kind", "unit__path", "number", "name")[: ROSTER_LIMIT + 1]
    )


def roster_fits(roster: list[Person]) -> bool:
    return 0 < len(roster) <= ROSTER_LIMIT


@dataclass
class AttendanceView:
    """The attendance of an activity as a page shows it."""

    present: list[Person]
    absent: list[Person]
    revisions: list[AttendanceRevision]


def activity_attendance(activity: Activity) -> AttendanceView:
    rows = (
        Attendance.objects.filter(activity=activity)
        .select_related("person__unit")
        .order_by("person__unit__path", "person__number", "person__name")
    )
    present: list[Person] = []
    absent: list[Person] = []
    for row in rows:
        (present if row.present else absent).append(row.person)
    revisions = list(activity.attendance_revisions.select_related("by").order_by("-number"))
    return AttendanceView(present=present, absent=absent, revisions=revisions)


@dataclass
class FileFlag:
    """An activity evidence file with what looks wrong about it."""

    link: ActivityFile
    reused_in: list[Activity] = field(default_factory=list)
    reused_elsewhere: int = 0  # other activities the user may not see
    date_mismatch: bool = False


def activity_files(activity: Activity, visible: QuerySet[Activity]) -> list[FileFlag]:
    """The files of `activity`, each flagged when the same content was used for another
    activity (reuse) or when the photo's EXIF date is far from the activity date."""
    links = list(activity.files.select_related("evidence").order_by("pk"))
    if not links:
        return []
    others = (
        ActivityFile.objects.filter(evidence_id__in=[link.evidence_id for link in links])
        .exclude(activity=activity)
        .select_related("activity__unit")
        .order_by("activity__date")
    )
    visible_ids = set(
        visible.filter(pk__in=others.values("activity_id")).values_list("pk", flat=True)
    )
    flags = []
    for link in links:
        flag = FileFlag(link=link)
        for other in others:
            if other.evidence_id != link.evidence_id:
                continue
            if other.activity_id in visible_ids:
                flag.reused_in.append(other.activity)
            else:
                flag.reused_elsewhere += 1
        taken = link.evidence.taken_at
        if taken is not None:
            gap = abs((timezone.localdate(taken) - activity.date).days)
            flag.date_mismatch = gap > PHOTO_DATE_TOLERANCE_DAYS
        flags.append(flag)
    return flags


# ---------------------------------------------------------------------------------------------
# Coverage
# ---------------------------------------------------------------------------------------------


@dataclass
class CoverageCounts:
    persons: int = 0
    reached: int = 0
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def unreached(self) -> int:
        return self.persons - self.reached

    @property
    def rate(self) -> float | None:
        if not self.persons:
            return None
        return round(100 * self.reached / self.persons, 1)

    def channel_rate(self, code: str) -> float | None:
        if not self.persons:
            return None
        return round(100 * self.by_channel.get(code, 0) / self.persons, 1)


@dataclass
class CoverageRow:
    unit: OrgUnit
    counts: CoverageCounts
    is_self: bool = False  # persons placed directly in the unit itself, not in a child


def _grouped(qs: QuerySet[Person], length: int) -> dict[str, int]:
    rows = (
        qs.order_by()
        .annotate(prefix=Substr("unit__path", 1, length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    return dict(rows)


def coverage_persons(unit: OrgUnit, kind: str) -> QuerySet[Person]:
    """Active persons of `kind` in `unit`'s subtree.

    Selected through the ids of the subtree's units so the database uses the person (unit, kind)
    index instead of testing every person's unit path (SQLite cannot index `LIKE 'path%'`).
    """
    units = OrgUnit.objects.filter(path__startswith=unit.path).order_by().values("pk")
    return Person.objects.filter(unit__in=units, is_active=True, kind=kind)


def unit_coverage(
    unit: OrgUnit, start: datetime.date, end: datetime.date, *, kind: str = PersonKind.STUDENT
) -> tuple[CoverageCounts, list[CoverageRow]]:
    """Persons of `kind`, how many were reached (by any channel and by each), for `unit` and
    each child unit, in 3 + one query per registered channel."""
    channels = coverage.channels()
    children = list(OrgUnit.objects.get_children(unit).filter(is_active=True).order_by("path"))
    length = len(unit.path) + unit.steplen
    persons = coverage_persons(unit, kind)
    reached_q = [Q(pk__in=c.reached(unit, start, end)) for c in channels]
    totals = _grouped(persons, length)
    any_reached = _grouped(persons.filter(reduce(or_, reached_q)), length) if reached_q else {}
    per_channel = {
        c.code: _grouped(persons.filter(q), length)
        for c, q in zip(channels, reached_q, strict=True)
    }

    def counts(prefix: str) -> CoverageCounts:
        return CoverageCounts(
            persons=totals.get(prefix, 0),
            reached=any_reached.get(prefix, 0),
            by_channel={code: series.get(prefix, 0) for code, series in per_channel.items()},
        )

    rows = [CoverageRow(unit=child, counts=counts(child.path)) for child in children]
    if totals.get(unit.path) and children:
        rows.insert(0, CoverageRow(unit=unit, counts=counts(unit.path), is_self=True))
    total = CoverageCounts(
        persons=sum(totals.values()),
        reached=sum(any_reached.values()),
        by_channel={code: sum(series.values()) for code, series in per_channel.items()},
    )
    return total, rows


@dataclass
class PersonCoverage:
    person: Person
    channels: list[bool]
    missing: list[str]

    @property
    def reached(self) -> bool:
        return any(self.channels)


def unit_person_coverage(
    unit: OrgUnit,
    start: datetime.date,
    end: datetime.date,
    *,
    kind: str = PersonKind.STUDENT,
    unreached_only: bool = False,
) -> list[PersonCoverage]:
    """Every person of `kind` in `unit`'s subtree (a class) with the channels that reached them
    and the labels of those that did not; one query for the persons and one per channel."""
    channels = coverage.channels()
    persons = coverage_persons(unit, kind)
    people = list(persons.select_related("unit").order_by("unit__path", "number", "name"))
    reached_sets = [
        set(persons.filter(pk__in=c.reached(unit, start, end)).values_list("pk", flat=True))
        for c in channels
    ]
    result = []
    for person in people:
        flags = [person.pk in s for s in reached_sets]
        missing = [str(c.label) for c, hit in zip(channels, flags, strict=True) if not hit]
        row = PersonCoverage(person=person, channels=flags, missing=missing)
        if not unreached_only or not row.reached:
            result.append(row)
    return result


@dataclass
class ChannelEvents:
    code: str
    label: str
    events: list[coverage.CoverageEvent]


def person_ledger(person: Person, start: datetime.date, end: datetime.date) -> list[ChannelEvents]:
    """For one person, each channel with the records by which it reached them (maybe none)."""
    return [
        ChannelEvents(code=c.code, label=str(c.label), events=c.events(person, start, end))
        for c in coverage.channels()
    ]


def channel_labels() -> list[tuple[str, str]]:
    return [(c.code, str(c.label)) for c in coverage.channels()]


# ---------------------------------------------------------------------------------------------
# Groups and visits
# ---------------------------------------------------------------------------------------------


def unit_groups(unit: OrgUnit, period: Period) -> QuerySet[ChatGroup]:
    """Chat groups of `unit`'s subtree, each with its tips in `period` and its last tip date."""
    return (
        ChatGroup.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit")
        .annotate(
            tip_count=Count(
                "tips",
                filter=Q(tips__posted_on__gte=period.start, tips__posted_on__lte=period.end),
            )
        )
        .order_by("-is_active", "unit__path", "name")
    )


@dataclass
class VillageProgress:
    unit: OrgUnit
    households: int
    visited: int
    visits: int

    @property
    def rate(self) -> float | None:
        if not self.households:
            return None
        return round(100 * self.visited / self.households, 1)


VISIT_UNIT_KINDS = (UnitKind.VILLAGE, UnitKind.COMMUNITY)


def visit_progress(unit: OrgUnit, period: Period) -> list[VillageProgress]:
    """Per village/community in `unit`'s subtree: registered households, households visited in
    `period`, and visits, in two queries."""
    villages = (
        OrgUnit.objects.filter(path__startswith=unit.path, kind__in=VISIT_UNIT_KINDS)
        .annotate(
            n_households=Count("outreach_households", distinct=True),
            n_visits=Count(
                "outreach_households__visits",
                filter=Q(
                    outreach_households__visits__visited_on__gte=period.start,
                    outreach_households__visits__visited_on__lte=period.end,
                ),
                distinct=True,
            ),
        )
        .order_by("path")
    )
    visited = dict(
        Household.objects.filter(unit__path__startswith=unit.path)
        .filter(
            Exists(
                HouseholdVisit.objects.filter(
                    household=OuterRef("pk"),
                    visited_on__gte=period.start,
                    visited_on__lte=period.end,
                )
            )
        )
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    return [
        VillageProgress(
            unit=v,
            households=v.n_households,  # type: ignore[attr-defined]
            visited=visited.get(v.pk, 0),
            visits=v.n_visits,  # type: ignore[attr-defined]
        )
        for v in villages
    ]


def village_residents(unit: OrgUnit) -> QuerySet[Person] | None:
    """Registered residents of a village/community to tick at the door; None when there are
    none or too many to list on a phone."""
    residents = (
        Person.objects.in_subtree(unit)
        .filter(is_active=True, kind=PersonKind.RESIDENT)
        .select_related("unit")
        .order_by("name", "pk")
    )
    count = residents.count()
    return residents if 0 < count <= ROSTER_LIMIT else None


def unit_visits(unit: OrgUnit, period: Period) -> QuerySet[HouseholdVisit]:
    return (
        HouseholdVisit.objects.filter(
            household__unit__path__startswith=unit.path,
            visited_on__gte=period.start,
            visited_on__lte=period.end,
        )
        .select_related("household__unit", "visitor")
        .order_by("-visited_on", "-id")
    )
