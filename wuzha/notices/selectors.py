"""Reads of notices, deliveries and signatures for pages, exports, the API and the ledger."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from wuzha.core.validators import mask_mobile
from wuzha.orgs.models import (
    Guardianship,
    Membership,
    OrgUnit,
    Person,
    PersonKind,
    Role,
    UnitKind,
    User,
)

from .models import Audience, ClassLink, Delivery, Notice, Signature


def mask_name(name: str) -> str:
    """Mask a minor's name on public pages: 王小明 → 王*明, 王明 → 王*, 欧阳小明 → 欧**明."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


AUDIENCE_KIND = {
    Audience.GUARDIANS: PersonKind.STUDENT,
    Audience.STUDENTS: PersonKind.STUDENT,
    Audience.STAFF: PersonKind.STAFF,
}


def notice_eligible_persons(notice: Notice) -> QuerySet[Person]:
    """Active persons a notice goes to now: one per student for letters, else one per person.

    A letter for guardians is one delivery per student: any linked guardian's signature covers
    that student, siblings get one each, and students without a linked guardian are included
    (their receipt goes home on paper).
    """
    q = Q()
    for path in notice.audience_units.values_list("path", flat=True):
        q |= Q(unit__path__startswith=path)
    if not q:
        return Person.objects.none()
    return (
        Person.objects.filter(q, is_active=True, kind=AUDIENCE_KIND[Audience(notice.audience)])
        .order_by("unit__path", "number", "pk")
        .distinct()
    )


def current_signature(delivery: Delivery | int) -> Signature | None:
    """The last record of the delivery's correction chain (the one not superseded)."""
    pk = delivery if isinstance(delivery, int) else delivery.pk
    return (
        Signature.objects.filter(delivery_id=pk, superseded_by__isnull=True).order_by("-id").first()
    )


def delivery_by_token(token: str) -> Delivery | None:
    return (
        Delivery.objects.select_related("notice__unit", "person", "unit")
        .filter(token=token)
        .first()
    )


def delivery_by_code(code: str) -> Delivery | None:
    code = code.strip().upper().replace("-", "").replace(" ", "")
    return Delivery.objects.filter(code=code).first() if code else None


def class_teachers(unit_ids: list[int]) -> dict[int, list[User]]:
    """Teachers holding the teacher role directly on each class."""
    result: dict[int, list[User]] = defaultdict(list)
    for m in Membership.objects.filter(
        unit_id__in=unit_ids, role=Role.TEACHER, user__is_active=True
    ).select_related("user"):
        result[m.unit_id].append(m.user)
    return result


@dataclass
class Counts:
    recipients: int = 0
    online: int = 0
    paper: int = 0

    @property
    def signed(self) -> int:
        return self.online + self.paper

    @property
    def pending(self) -> int:
        return self.recipients - self.signed

    @property
    def rate(self) -> float | None:
        return round(100 * self.signed / self.recipients, 1) if self.recipients else None

    def add(self, other: "Counts") -> None:
        self.recipients += other.recipients
        self.online += other.online
        self.paper += other.paper

    def as_dict(self) -> dict[str, Any]:
        return {
            "recipients": self.recipients,
            "signed_online": self.online,
            "signed_paper": self.paper,
            "pending": self.pending,
            "rate": self.rate,
        }


@dataclass
class ProgressRow:
    unit: OrgUnit
    school_name: str
    counts: Counts


@dataclass
class Progress:
    total: Counts
    rows: list[ProgressRow]
    schools: list[tuple[str, Counts]] = field(default_factory=list)


def _visible_deliveries(notice: Notice, user: User | None) -> QuerySet[Delivery]:
    qs = Delivery.objects.filter(notice=notice)
    if user is not None and not user.is_superuser:
        qs = qs.filter(unit__in=OrgUnit.objects.visible_to(user).values("pk"))
    return qs


def notice_progress(notice: Notice, *, user: User | None = None) -> Progress:
    """Recipients, signed online, on paper, pending and rate per class, per school and in total.

    With `user`, only the classes the user may see are counted. Four queries, whatever the size.
    """
    counts: dict[int, Counts] = defaultdict(Counts)
    grouped = (
        _visible_deliveries(notice, user)
        .order_by()
        .values("unit_id", "state")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "state", "n")
    )
    for unit_id, state, n in grouped:
        c = counts[unit_id]
        c.recipients += n
        if state == Delivery.State.ONLINE:
            c.online += n
        elif state == Delivery.State.PAPER:
            c.paper += n
    units = list(OrgUnit.objects.filter(pk__in=counts).order_by("path"))
    step = OrgUnit.steplen
    ancestor_paths = {u.path[:i] for u in units for i in range(step, len(u.path), step)}
    schools = {
        a.path: a.name
        for a in OrgUnit.objects.filter(path__in=ancestor_paths, kind__in=_school_kinds())
    }
    total = Counts()
    rows: list[ProgressRow] = []
    by_school: dict[str, Counts] = defaultdict(Counts)
    for unit in units:
        school = next(
            (schools[p] for p in sorted(schools, key=len, reverse=True) if unit.path.startswith(p)),
            unit.name if unit.is_school else "",
        )
        rows.append(ProgressRow(unit=unit, school_name=school, counts=counts[unit.pk]))
        total.add(counts[unit.pk])
        by_school[school].add(counts[unit.pk])
    return Progress(total=total, rows=rows, schools=sorted(by_school.items()))


def _school_kinds() -> list[str]:
    from wuzha.orgs.models import SCHOOL_KINDS

    return list(SCHOOL_KINDS)


def notices_for_user(user: User, unit: OrgUnit | None) -> list[dict[str, Any]]:
    """Notices visible to `user` around `unit`, newest first, each with its overall counts."""
    qs = Notice.objects.visible_to(user).select_related("unit")
    if unit is not None:
        step = OrgUnit.steplen
        above = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
        qs = qs.filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=above))
    notices = list(qs[:100])
    visible_units = OrgUnit.objects.visible_to(user).values("pk")
    stats = (
        Delivery.objects.filter(notice__in=notices)
        .filter(Q() if user.is_superuser else Q(unit__in=visible_units))
        .order_by()
        .values("notice_id")
        .annotate(
            n=Count("pk"),
            online=Count("pk", filter=Q(state=Delivery.State.ONLINE)),
            paper=Count("pk", filter=Q(state=Delivery.State.PAPER)),
        )
    )
    by_notice = {s["notice_id"]: Counts(s["n"], s["online"], s["paper"]) for s in stats}
    return [{"notice": n, "counts": by_notice.get(n.pk, Counts())} for n in notices]


@dataclass
class ChaseRow:
    delivery: Delivery
    guardians: list[dict[str, str]]


def class_deliveries(notice: Notice, unit: OrgUnit) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(notice=notice, unit__path__startswith=unit.path)
        .select_related("person", "unit")
        .order_by("unit__path", "person__number", "person__name")
    )


def chase_list(notice: Notice, unit: OrgUnit) -> list[ChaseRow]:
    """Pending recipients of `unit` with their guardians (names, relations, masked phones)."""
    deliveries = list(class_deliveries(notice, unit).filter(state=Delivery.State.PENDING))
    links: dict[int, list[dict[str, str]]] = defaultdict(list)
    if notice.audience != Audience.STAFF:
        for g in (
            Guardianship.objects.filter(student_id__in=[d.person_id for d in deliveries])
            .select_related("guardian")
            .order_by("pk")
        ):
            links[g.student_id].append(
                {
                    "name": g.guardian.name,
                    "relation": g.get_relation_display(),
                    "mobile": mask_mobile(g.guardian.mobile),
                }
            )
    return [ChaseRow(delivery=d, guardians=links.get(d.person_id, [])) for d in deliveries]


@dataclass
class RegisterRow:
    delivery: Delivery
    signature: Signature | None
    history: list[Signature]
    countersigned_by: str = ""


def class_register(notice: Notice, unit: OrgUnit) -> list[RegisterRow]:
    """Every delivery of `unit` with its current signature and the full correction chain."""
    deliveries = list(class_deliveries(notice, unit))
    chains: dict[int, list[Signature]] = defaultdict(list)
    for sig in (
        Signature.objects.filter(delivery__in=deliveries)
        .select_related("recorded_by", "countersignature__by")
        .defer("image")
        .order_by("id")
    ):
        chains[sig.delivery_id].append(sig)
    rows = []
    for d in deliveries:
        chain = chains.get(d.pk, [])
        current = chain[-1] if chain else None
        counter = ""
        if current is not None and hasattr(current, "countersignature"):
            counter = str(current.countersignature.by)
        rows.append(RegisterRow(d, current, chain, counter))
    return rows


def class_link_for(notice: Notice, unit: OrgUnit) -> ClassLink | None:
    return ClassLink.objects.filter(notice=notice, unit=unit).first()


def class_units(notice: Notice, within: OrgUnit | None = None) -> QuerySet[OrgUnit]:
    """Units (usually classes) that have recipients of `notice`, optionally under `within`."""
    qs = OrgUnit.objects.filter(
        pk__in=Delivery.objects.filter(notice=notice).values("unit_id")
    ).order_by("path")
    if within is not None:
        qs = qs.filter(path__startswith=within.path)
    return qs


@dataclass
class ReminderRow:
    unit_id: int
    unit_name: str
    teacher: User
    teacher_id: int
    teacher_name: str
    pending: int
    class_page_path: str


def teacher_reminders(notice: Notice) -> list[ReminderRow]:
    """One row per class teacher with pending recipients and an email address."""
    pending = dict(
        Delivery.objects.filter(notice=notice, state=Delivery.State.PENDING)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("pk"))
        .values_list("unit_id", "n")
    )
    units = OrgUnit.objects.in_bulk(list(pending))
    rows = []
    for unit_id, teachers in class_teachers(list(pending)).items():
        for teacher in teachers:
            if not teacher.email:
                continue
            rows.append(
                ReminderRow(
                    unit_id=unit_id,
                    unit_name=units[unit_id].name,
                    teacher=teacher,
                    teacher_id=teacher.pk,
                    teacher_name=str(teacher),
                    pending=pending[unit_id],
                    class_page_path=reverse(
                        "notices:class_detail", args=[notice.pk, units[unit_id].code]
                    ),
                )
            )
    return rows


def guardian_signed_students(unit: OrgUnit, period_or_dates: Any) -> QuerySet[Delivery]:
    """Students of `unit`'s subtree whose guardian signed a letter in the period (the ledger).

    `period_or_dates` is a (start, end) pair of dates (inclusive) or any object with `start` and
    `end` date attributes (a Period). Rows: delivery with `person_id` (the student), `notice_id`,
    `state` (online / paper) and `signed_at`, one per student and letter.
    """
    if isinstance(period_or_dates, tuple):
        start, end = period_or_dates
    else:
        start, end = period_or_dates.start, period_or_dates.end
    return (
        Delivery.objects.filter(
            unit__path__startswith=unit.path,
            notice__audience=Audience.GUARDIANS,
            state__in=[Delivery.State.ONLINE, Delivery.State.PAPER],
            signed_at__date__gte=start,
            signed_at__date__lte=end,
        )
        .select_related("notice")
        .order_by("person_id", "signed_at")
    )


def students_without_guardian(notice: Notice, unit: OrgUnit) -> set[int]:
    ids = class_deliveries(notice, unit).values("person_id")
    return set(
        Person.objects.filter(pk__in=ids)
        .exclude(Exists(Guardianship.objects.filter(student=OuterRef("pk"))))
        .values_list("pk", flat=True)
    )


def is_class(unit: OrgUnit) -> bool:
    return unit.kind == UnitKind.CLASS
