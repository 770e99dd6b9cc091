"""The coverage channels this app contributes: an activity attended, a household visit.

Both return the ids of the persons named by a record (a present attendance row, a person met at
the door); nobody is covered through someone else here. See `selectors.unit_coverage`.
"""

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs.models import OrgUnit, Person

from .models import Attendance, VisitContact

ACTIVITY = "activity"
HOME_VISIT = "home_visit"


def _held_for(unit: OrgUnit, field: str) -> Q:
    """Records whose unit (through `field`) could have named a person of `unit`'s subtree.

    A roster only names persons below the record's own unit, so the record was made in `unit`'s
    subtree or in one of its ancestors; saying so lets the database start from the few records
    of that part of the tree (index on unit and date) instead of every record of the period.
    """
    return Q(**{f"{field}__path__startswith": unit.path}) | Q(
        **{f"{field}__path__in": unit.ancestor_paths()}
    )


def activity_reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return Attendance.objects.filter(
        _held_for(unit, "activity__unit"),
        present=True,
        activity__date__gte=start,
        activity__date__lte=end,
        person__unit__path__startswith=unit.path,
    ).values("person_id")


def activity_events(
    person: Person, start: datetime.date, end: datetime.date
) -> list[CoverageEvent]:
    rows = (
        Attendance.objects.filter(
            person=person, present=True, activity__date__gte=start, activity__date__lte=end
        )
        .select_related("activity")
        .order_by("activity__date", "activity_id")
    )
    return [
        CoverageEvent(
            channel=ACTIVITY,
            date=row.activity.date,
            label=f"{row.activity.get_kind_display()}：{row.activity.title}",
            url=reverse("outreach:activity_detail", args=[row.activity_id]),
        )
        for row in rows
    ]


def visit_reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    return VisitContact.objects.filter(
        _held_for(unit, "visit__household__unit"),
        visit__visited_on__gte=start,
        visit__visited_on__lte=end,
        person__unit__path__startswith=unit.path,
    ).values("person_id")


def visit_events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        VisitContact.objects.filter(
            person=person, visit__visited_on__gte=start, visit__visited_on__lte=end
        )
        .select_related("visit__household")
        .order_by("visit__visited_on", "visit_id")
    )
    return [
        CoverageEvent(
            channel=HOME_VISIT,
            date=row.visit.visited_on,
            label=_("入户宣传：%(a)s") % {"a": row.visit.household.address},
            url=reverse("outreach:visit_detail", args=[row.visit_id]),
        )
        for row in rows
    ]


ACTIVITY_CHANNEL = CoverageChannel(
    code=ACTIVITY,
    label=str(gettext_lazy("参加宣传教育活动")),
    reached=activity_reached,
    events=activity_events,
    order=10,
)
HOME_VISIT_CHANNEL = CoverageChannel(
    code=HOME_VISIT,
    label=str(gettext_lazy("入户宣传")),
    reached=visit_reached,
    events=visit_events,
    order=50,
)
