"""Reads of screening rounds, key-person files and clues for pages and other apps."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from wuzha.core.periods import Period
from wuzha.core.selectors import sensitive_reads
from wuzha.orgs.access import has_role
from wuzha.orgs.models import OrgUnit, Person, PersonKind, UnitKind, User

from . import access
from .models import Clue, FollowUp, KeyPerson, ScreeningEntry, ScreeningRound

KEYPERSON_SUBJECT = "risk.keyperson"


def round_persons(round: ScreeningRound) -> QuerySet[Person]:
    """Who must be looked at in `round`: the class's students, or the community's residents."""
    kind = PersonKind.RESIDENT if round.kind == ScreeningRound.Kind.COUNTY else PersonKind.STUDENT
    return (
        Person.objects.in_subtree(round.unit)
        .filter(is_active=True, kind=kind)
        .order_by("number", "name", "pk")
    )


@dataclass
class RoundRow:
    person: Person
    entry: ScreeningEntry | None


def round_rows(round: ScreeningRound) -> list[RoundRow]:
    """Every person of the round with their entry (None when not yet looked at); two queries."""
    entries = {e.person_id: e for e in round.entries.all()}
    return [RoundRow(person=p, entry=entries.get(p.pk)) for p in round_persons(round)]


@dataclass
class Completeness:
    units: int = 0  # classes (or communities) that must screen
    complete: int = 0
    partial: int = 0
    not_started: int = 0
    persons: int = 0
    checked: int = 0
    flagged: int = 0

    @property
    def rate(self) -> float | None:
        return round(100 * self.complete / self.units, 1) if self.units else None

    @property
    def person_rate(self) -> float | None:
        return round(100 * self.checked / self.persons, 1) if self.persons else None

    def add(self, other: "Completeness") -> None:
        for name in (
            "units",
            "complete",
            "partial",
            "not_started",
            "persons",
            "checked",
            "flagged",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class UnitRound:
    """One screening unit (class / community) in the period: its round, if any, and counts."""

    unit: OrgUnit
    round_id: int | None
    persons: int
    checked: int
    flagged: int
    completed: bool

    @property
    def state(self) -> str:
        if self.completed:
            return "complete"
        return "partial" if self.checked else "not_started"


@dataclass
class CompletenessReport:
    total: Completeness
    children: list[tuple[OrgUnit, Completeness]] = field(default_factory=list)
    units: list[UnitRound] = field(default_factory=list)


def screening_completeness(unit: OrgUnit, period: Period) -> CompletenessReport:
    """院不漏班、班不漏人: per screening unit below `unit`, whether this period's round is done.

    Units that never opened a round count as not started. Rolls up per child of `unit`. Four
    queries whatever the size of the subtree.
    """
    targets = list(
        OrgUnit.objects.filter(
            path__startswith=unit.path,
            is_active=True,
            kind__in=[UnitKind.CLASS, UnitKind.COMMUNITY, UnitKind.VILLAGE],
        ).order_by("path")
    )
    people = dict(
        Person.objects.filter(
            unit__path__startswith=unit.path,
            is_active=True,
            kind__in=[PersonKind.STUDENT, PersonKind.RESIDENT],
        )
        .order_by()
        .values("unit__path")
        .annotate(n=Count("pk"))
        .values_list("unit__path", "n")
    )
    rounds = {
        r["unit_id"]: r
        for r in ScreeningRound.objects.filter(
            unit__path__startswith=unit.path, period_key=period.key
        )
        .order_by()
        .values("pk", "unit_id", "completed_at")
        .annotate(
            checked=Count("entries"),
            flagged=Count("entries", filter=~Q(entries__flags=[])),
        )
    }
    children = list(OrgUnit.objects.get_children(unit).filter(is_active=True).order_by("path"))
    report = CompletenessReport(total=Completeness())
    by_child = {c.path: Completeness() for c in children}
    for target in targets:
        persons = sum(n for path, n in people.items() if path.startswith(target.path))
        r = rounds.get(target.pk)
        if not persons and r is None:
            continue  # nobody to look at: not a gap
        row = UnitRound(
            unit=target,
            round_id=r["pk"] if r else None,
            persons=persons,
            checked=r["checked"] if r else 0,
            flagged=r["flagged"] if r else 0,
            completed=bool(r and r["completed_at"]),
        )
        report.units.append(row)
        counts = Completeness(
            units=1,
            complete=int(row.state == "complete"),
            partial=int(row.state == "partial"),
            not_started=int(row.state == "not_started"),
            persons=persons,
            checked=min(row.checked, persons) if persons else row.checked,
            flagged=row.flagged,
        )
        report.total.add(counts)
        for path, child_counts in by_child.items():
            if target.path.startswith(path):
                child_counts.add(counts)
    report.children = [(c, by_child[c.path]) for c in children if by_child[c.path].units]
    return report


# ---------------------------------------------------------------------------------------------
# Key persons
# ---------------------------------------------------------------------------------------------


def unit_key_persons(unit: OrgUnit, user: User, *, status: str = "") -> QuerySet[KeyPerson]:
    """Files of `unit`'s subtree the user may open: police without a school role see only the
    four county groups."""
    qs = KeyPerson.objects.filter(unit__path__startswith=unit.path).select_related("person", "unit")
    if not has_role(user, unit, access.KEY_READERS):
        qs = qs.filter(county_group=True)
    qs = qs.filter(status=status) if status else qs.exclude(status=KeyPerson.Status.CLOSED)
    today = timezone.localdate()
    return qs.annotate(
        overdue=Count(
            "followups", filter=Q(followups__done_at__isnull=True, followups__due_on__lt=today)
        ),
        open_followups=Count("followups", filter=Q(followups__done_at__isnull=True)),
    ).order_by("-overdue", "risk_level", "-opened_at")


def key_person_counts(unit: OrgUnit) -> dict[str, int]:
    """Open files by risk level and overdue follow-ups, without names (for every viewer)."""
    today = timezone.localdate()
    qs = KeyPerson.objects.filter(unit__path__startswith=unit.path).exclude(
        status=KeyPerson.Status.CLOSED
    )
    counts = dict(
        qs.order_by().values("risk_level").annotate(n=Count("pk")).values_list("risk_level", "n")
    )
    counts["overdue"] = FollowUp.objects.filter(
        key_person__in=qs, done_at__isnull=True, due_on__lt=today
    ).count()
    counts["total"] = sum(v for k, v in counts.items() if k != "overdue")
    return counts


def person_key_files(person: Person) -> list[KeyPerson]:
    """Every key-person file ever opened for `person`, newest first (for 一案双查)."""
    return list(KeyPerson.objects.filter(person=person).order_by("-opened_at"))


def flagged_without_file(unit: OrgUnit, period: Period) -> list[ScreeningEntry]:
    """Findings of the period whose person has no active file yet: suggested key persons."""
    active = KeyPerson.objects.exclude(status=KeyPerson.Status.CLOSED).values("person_id")
    return list(
        ScreeningEntry.objects.filter(
            round__unit__path__startswith=unit.path, round__period_key=period.key
        )
        .exclude(flags=[])
        .exclude(person_id__in=active)
        .select_related("person__unit", "round")
        .order_by("round__unit__path", "person__number")
    )


def keyperson_reads(unit: OrgUnit, *, limit: int = 200) -> list[dict[str, Any]]:
    """Who opened which file of `unit`'s subtree, newest first."""
    files = KeyPerson.objects.filter(unit__path__startswith=unit.path).select_related("person")
    return [
        {"read": read, "file": kp}
        for read, kp in sensitive_reads(KEYPERSON_SUBJECT, files, limit=limit)
    ]


def overdue_followups(unit: OrgUnit, today: datetime.date) -> QuerySet[FollowUp]:
    return FollowUp.objects.filter(
        key_person__unit__path__startswith=unit.path,
        key_person__status=KeyPerson.Status.OPEN,
        done_at__isnull=True,
        due_on__lt=today,
    )


# ---------------------------------------------------------------------------------------------
# Clues
# ---------------------------------------------------------------------------------------------


def unit_clues(unit: OrgUnit, *, status: str = "") -> QuerySet[Clue]:
    qs = Clue.objects.filter(unit__path__startswith=unit.path).select_related("unit")
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(file_count=Count("files")).order_by("-created_at", "-id")


def clue_counts(unit: OrgUnit) -> dict[str, int]:
    return dict(
        Clue.objects.filter(unit__path__startswith=unit.path)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
