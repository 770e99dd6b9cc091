"""Reads of duties and campaigns for pages, the API, reminders and exports."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import Substr

from wuzha.core.models import EvidenceFile
from wuzha.core.periods import Period, TermResolver
from wuzha.orgs.models import OrgUnit, User
from wuzha.outreach.models import Activity, ActivityFile, AttendanceMode

from .models import Campaign, Duty, Inspection, Rectification, SubmissionFile
from .services import terms_for_unit

DONE = [Duty.Status.SUBMITTED, Duty.Status.ACCEPTED]
NOT_DONE = [Duty.Status.PENDING, Duty.Status.RETURNED]


@dataclass
class Completeness:
    expected: int = 0
    submitted: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0  # not submitted, not yet due

    @property
    def rate(self) -> float | None:
        """Share of duties already due that were submitted, in percent."""
        due = self.submitted + self.missing
        return round(100 * self.submitted / due, 1) if due else None

    @property
    def timely_rate(self) -> float | None:
        due = self.submitted + self.missing
        return round(100 * self.on_time / due, 1) if due else None

    @property
    def is_gap(self) -> bool:
        """Something was due and nothing at all was submitted."""
        return self.missing > 0 and self.submitted == 0

    def add(self, other: "Completeness") -> None:
        for name in ("expected", "submitted", "on_time", "late", "missing", "pending"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, int]:
        return {
            "expected": self.expected,
            "submitted": self.submitted,
            "on_time": self.on_time,
            "late": self.late,
            "missing": self.missing,
            "pending": self.pending,
        }


@dataclass
class CompletenessRow:
    unit: OrgUnit
    counts: Completeness = field(default_factory=Completeness)
    is_self: bool = False


def term_resolver_for(unit: OrgUnit) -> TermResolver:
    """Resolve `YYYY-Tn` against the term calendar that applies to `unit`."""
    spans = {(t.school_year, t.number): (t.start, t.end) for t in terms_for_unit(unit)}
    return lambda year, number: spans.get((year, number))


def completeness_by_prefix(
    unit: OrgUnit,
    period: Period,
    *,
    today: date,
    length: int,
    campaign: Campaign | None = None,
) -> dict[str, Completeness]:
    """Counts of the duties of `unit`'s subtree due in `period`, grouped by the first `length`
    characters of their unit's path (one level below `unit`, or deeper). One query."""
    duties = Duty.objects.filter(
        unit__path__startswith=unit.path, due_date__gte=period.start, due_date__lte=period.end
    )
    if campaign is not None:
        duties = duties.filter(template__campaign=campaign)
    done = Q(status__in=DONE)
    grouped = (
        duties.order_by()
        .annotate(prefix=Substr("unit__path", 1, length))
        .values("prefix")
        .annotate(
            expected=Count("pk"),
            submitted=Count("pk", filter=done),
            on_time=Count("pk", filter=done & Q(is_late=False)),
            late=Count("pk", filter=done & Q(is_late=True)),
            missing=Count("pk", filter=Q(status__in=NOT_DONE, due_date__lt=today)),
            pending=Count("pk", filter=Q(status__in=NOT_DONE, due_date__gte=today)),
        )
    )
    return {
        row["prefix"]: Completeness(
            **{k: int(v) for k, v in row.items() if k != "prefix"}  # type: ignore[call-overload]
        )
        for row in grouped
    }


def duty_completeness(
    unit: OrgUnit,
    period: Period,
    *,
    today: date,
    campaign: Campaign | None = None,
) -> tuple[Completeness, list[CompletenessRow]]:
    """Expected / submitted / on time / late / missing for duties due in `period`.

    Returns the unit's totals and one row per child unit (plus a row for the unit's own duties
    when it has any). Children with no duties, or with nothing submitted, are still listed so
    gaps show. Two queries whatever the size of the subtree.
    """
    by_prefix = completeness_by_prefix(
        unit, period, today=today, length=len(unit.path) + unit.steplen, campaign=campaign
    )
    total = Completeness()
    for counts in by_prefix.values():
        total.add(counts)
    rows = []
    own = by_prefix.get(unit.path)
    if own is not None:
        rows.append(CompletenessRow(unit=unit, counts=own, is_self=True))
    for child in OrgUnit.objects.get_children(unit).filter(is_active=True).order_by("path"):
        rows.append(CompletenessRow(unit=child, counts=by_prefix.get(child.path, Completeness())))
    return total, rows


def unit_duties(
    unit: OrgUnit, period: Period | None = None, *, campaign: Campaign | None = None
) -> QuerySet[Duty]:
    """Duties of `unit` itself (not its subtree), newest deadline first."""
    qs = Duty.objects.filter(unit=unit).select_related("template__campaign")
    if period is not None:
        qs = qs.filter(due_date__gte=period.start, due_date__lte=period.end)
    if campaign is not None:
        qs = qs.filter(template__campaign=campaign)
    return qs.order_by("due_date", "title")


def overdue_duties(unit: OrgUnit, *, today: date) -> QuerySet[Duty]:
    """Duties in `unit`'s subtree that are past their deadline and not submitted."""
    return (
        Duty.objects.filter(
            unit__path__startswith=unit.path, status__in=NOT_DONE, due_date__lt=today
        )
        .select_related("unit", "template")
        .order_by("due_date", "unit__path", "title")
    )


def user_open_duties(user: User, *, today: date, horizon_days: int = 45) -> QuerySet[Duty]:
    """Duties the user's own units must do: not done, due within `horizon_days` or overdue."""
    from datetime import timedelta

    memberships = list(user.memberships.filter(unit__is_active=True).values_list("unit_id"))
    return (
        Duty.objects.filter(
            unit_id__in=[m[0] for m in memberships],
            status__in=NOT_DONE,
            due_date__lte=today + timedelta(days=horizon_days),
        )
        .select_related("unit", "template")
        .order_by("due_date", "title")
    )


def review_queue(user: User) -> QuerySet[Duty]:
    """Submitted duties in units strictly below the user's units, waiting for review."""
    from .access import REVIEWERS

    q = Q(pk__in=[])
    for m in user.memberships.filter(role__in=REVIEWERS).select_related("unit"):
        q |= Q(unit__path__startswith=m.unit.path, unit__depth__gt=m.unit.depth)
    if user.is_superuser:
        q = Q()
    return (
        Duty.objects.filter(q, status=Duty.Status.SUBMITTED)
        .select_related("unit", "template")
        .order_by("submitted_at")
    )


@dataclass
class ReuseHit:
    evidence_id: int
    duty: Duty
    visible: bool


def submission_reuse(duty: Duty, user: User) -> dict[int, list[ReuseHit]]:
    """For each evidence file of `duty`, the other duties that used the same file."""
    evidence_ids = list(
        SubmissionFile.objects.filter(submission__duty=duty).values_list("evidence_id", flat=True)
    )
    if not evidence_ids:
        return {}
    others = (
        SubmissionFile.objects.filter(evidence_id__in=evidence_ids)
        .exclude(submission__duty=duty)
        .select_related("submission__duty__unit")
    )
    visible = set(
        Duty.objects.visible_to(user)
        .filter(pk__in=[o.submission.duty_id for o in others])
        .values_list("pk", flat=True)
    )
    hits: dict[int, list[ReuseHit]] = {}
    seen: set[tuple[int, int]] = set()
    for other in others:
        key = (other.evidence_id, other.submission.duty_id)
        if key in seen:
            continue
        seen.add(key)
        hits.setdefault(other.evidence_id, []).append(
            ReuseHit(
                evidence_id=other.evidence_id,
                duty=other.submission.duty,
                visible=other.submission.duty_id in visible,
            )
        )
    return hits


def campaigns_for(user: User, unit: OrgUnit) -> QuerySet[Campaign]:
    """Campaigns that apply to `unit`: issued by it, above it or below it, visible to the user."""
    ancestors = [*unit.ancestor_paths(), unit.path]
    return (
        Campaign.objects.visible_to(user)
        .filter(Q(unit__path__in=ancestors) | Q(unit__path__startswith=unit.path))
        .select_related("unit")
        .annotate(template_count=Count("templates", distinct=True))
        .order_by("-start_date", "name")
    )


def unit_inspections(unit: OrgUnit) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(unit__path__startswith=unit.path)
        .select_related("unit", "inspector")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_count=Count(
                "findings__rectification",
                filter=~Q(findings__rectification__status=Rectification.Status.CLOSED),
                distinct=True,
            ),
        )
        .order_by("-date", "-pk")
    )


def open_rectifications(unit: OrgUnit) -> QuerySet[Rectification]:
    return (
        Rectification.objects.filter(owner_unit__path__startswith=unit.path)
        .exclude(status=Rectification.Status.CLOSED)
        .select_related("owner_unit", "finding__inspection")
        .order_by("deadline")
    )


def linkable_activities(duty: Duty, user: User) -> QuerySet[Activity]:
    """Activity records the user may link to `duty`: visible to them, held by the duty's unit or
    a unit below it, dated inside the duty's period."""
    return (
        Activity.objects.visible_to(user)
        .in_subtree(duty.unit)
        .between(duty.period_start, duty.period_end)
        .select_related("unit")
        .order_by("-date", "-start_time", "-id")
    )


def activity_photo_evidence_ids(activity_ids: list[int]) -> set[int]:
    """The photos (images filed as on-site material, not sign-in sheets) of these activities."""
    return set(
        ActivityFile.objects.filter(
            activity_id__in=activity_ids,
            role=ActivityFile.Role.PHOTO,
            evidence__kind=EvidenceFile.Kind.IMAGE,
        ).values_list("evidence_id", flat=True)
    )


def with_activity_counts(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """Annotate `present_count` (roster ticks), `file_count` and `photo_count`."""
    return activities.annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True), distinct=True),
        file_count=Count("files", distinct=True),
        photo_count=Count(
            "files",
            filter=Q(files__role=ActivityFile.Role.PHOTO, files__evidence__kind="image"),
            distinct=True,
        ),
    )


def activity_attendance_count(activity: Activity) -> int | None:
    """Attendance as recorded: the roster's ticks, or the headcount typed in."""
    if activity.attendance_mode == AttendanceMode.ROSTER:
        return getattr(activity, "present_count", None)
    return activity.headcount


def submission_activities_prefetch() -> Prefetch:
    return Prefetch(
        "activities",
        queryset=with_activity_counts(Activity.objects.select_related("unit")).order_by(
            "date", "pk"
        ),
    )


def duty_timeline(duty: Duty) -> list[dict[str, Any]]:
    """Every state change of a duty with who and when, oldest first."""
    events: list[dict[str, Any]] = []
    for sub in duty.submissions.select_related("submitted_by", "reviewed_by").prefetch_related(
        "files__evidence", submission_activities_prefetch()
    ):
        events.append(
            {"at": sub.submitted_at, "kind": "submitted", "by": sub.submitted_by, "submission": sub}
        )
        if sub.reviewed_at:
            events.append(
                {
                    "at": sub.reviewed_at,
                    "kind": sub.decision,
                    "by": sub.reviewed_by,
                    "submission": sub,
                }
            )
    for exc in duty.exceptions.select_related("granted_by"):
        events.append(
            {"at": exc.granted_at, "kind": "exception", "by": exc.granted_by, "exception": exc}
        )
    return sorted(events, key=lambda e: e["at"])
