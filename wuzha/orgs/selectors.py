"""Reads of the org tree and roster for pages, exports and the API."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Substr
from django.http import HttpRequest

from .models import Guardianship, Membership, OrgUnit, Person, PersonKind, UnitKind, User

SESSION_UNIT_KEY = "wuzha_unit"


@dataclass
class UnitCounts:
    classes: int = 0
    students: int = 0
    staff: int = 0
    guardians: int = 0
    students_with_guardian: int = 0

    @property
    def guardian_rate(self) -> float | None:
        if not self.students:
            return None
        return round(100 * self.students_with_guardian / self.students, 1)


@dataclass
class SubtreeRow:
    unit: OrgUnit
    counts: UnitCounts = field(default_factory=UnitCounts)


def switchable_memberships(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, unit__is_active=True)
        .select_related("unit")
        .order_by("unit__path", "role")
    )


def current_unit(request: HttpRequest) -> OrgUnit | None:
    """The unit chosen in the switcher, else the user's first membership's unit."""
    user = request.user
    if not user.is_authenticated:
        return None
    cached: OrgUnit | None = getattr(request, "_wuzha_unit", None)
    if cached is not None:
        return cached
    visible = OrgUnit.objects.visible_to(user)
    code = request.session.get(SESSION_UNIT_KEY)
    unit = visible.filter(code=code).first() if code else None
    if unit is None:
        first = switchable_memberships(user)  # type: ignore[arg-type]
        unit = first[0].unit if first else visible.filter(depth=1).first()
    request._wuzha_unit = unit  # type: ignore[attr-defined]
    return unit


def _grouped(qs: QuerySet[Any], prefix_field: str, length: int) -> dict[str, int]:
    rows = (
        qs.order_by()
        .annotate(prefix=Substr(prefix_field, 1, length))
        .values("prefix")
        .annotate(n=Count("pk"))
        .values_list("prefix", "n")
    )
    return dict(rows)


def unit_subtree_counts(unit: OrgUnit) -> tuple[UnitCounts, list[SubtreeRow]]:
    """Counts for `unit` and for each of its children, in a fixed number of queries."""
    children = list(OrgUnit.objects.get_children(unit).order_by("path"))
    length = len(unit.path) + unit.steplen
    persons = Person.objects.filter(unit__path__startswith=unit.path, is_active=True)
    students = persons.filter(kind=PersonKind.STUDENT)
    with_guardian = students.filter(Exists(Guardianship.objects.filter(student=OuterRef("pk"))))
    classes = OrgUnit.objects.filter(
        path__startswith=unit.path, kind=UnitKind.CLASS, is_active=True
    )
    series = {
        "classes": _grouped(classes, "path", length),
        "students": _grouped(students, "unit__path", length),
        "staff": _grouped(persons.filter(kind=PersonKind.STAFF), "unit__path", length),
        "guardians": _grouped(persons.filter(kind=PersonKind.GUARDIAN), "unit__path", length),
        "students_with_guardian": _grouped(with_guardian, "unit__path", length),
    }
    rows = []
    total = UnitCounts()
    for child in children:
        counts = UnitCounts(**{k: v.get(child.path, 0) for k, v in series.items()})
        rows.append(SubtreeRow(unit=child, counts=counts))
    for key, values in series.items():
        setattr(total, key, sum(values.values()))
    if unit.kind == UnitKind.CLASS:
        total.classes = 1
    return total, rows


def unit_breadcrumbs(unit: OrgUnit, user: User) -> list[OrgUnit]:
    """Ancestors of `unit` the user may open, root first."""
    return list(
        OrgUnit.objects.visible_to(user).filter(path__in=unit.ancestor_paths()).order_by("depth")
    )


def unit_persons(
    unit: OrgUnit, *, kind: str | None = None, without_guardian: bool = False
) -> QuerySet[Person]:
    """Active persons of `unit`'s subtree in roster order, each with its guardian count."""
    qs = Person.objects.in_subtree(unit).filter(is_active=True).select_related("unit")
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.annotate(guardian_count=Count("guardianships"))
    if without_guardian:
        qs = qs.filter(guardian_count=0)
    return qs.order_by("unit__path", "number", "name")


def home_summary(user: User) -> dict[str, Any]:
    """What the home page shows: each membership's unit with its live counts."""
    cards = []
    for membership in switchable_memberships(user):
        total, _rows = unit_subtree_counts(membership.unit)
        cards.append({"membership": membership, "counts": total})
    from .models import ROSTER_EDITORS, STAFF_MANAGERS

    return {"cards": cards, "roster_roles": ROSTER_EDITORS, "staff_roles": STAFF_MANAGERS}


def shell_context(request: HttpRequest) -> dict[str, Any]:
    from .models import ROSTER_EDITORS, STAFF_MANAGERS

    user: User = request.user  # type: ignore[assignment]
    unit = current_unit(request)
    roles = user.roles_for(unit) if unit else set()
    return {
        "current_unit": unit,
        "switchable": switchable_memberships(user),
        "nav": {
            "roles": roles,
            "can_import": bool(roles & ROSTER_EDITORS),
            "can_manage_staff": bool(roles & STAFF_MANAGERS),
        },
    }
