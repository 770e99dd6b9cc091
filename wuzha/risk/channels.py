"""The coverage channel of this app: a person was looked at in a screening round."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs.models import OrgUnit, Person

from .models import ScreeningEntry

SCREENED = "screened"


def reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of persons in `unit`'s subtree checked in a round between `start` and `end`."""
    return ScreeningEntry.objects.filter(
        person__unit__path__startswith=unit.path,
        checked_at__date__gte=start,
        checked_at__date__lte=end,
    ).values("person_id")


def events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        ScreeningEntry.objects.filter(
            person=person, checked_at__date__gte=start, checked_at__date__lte=end
        )
        .select_related("round")
        .order_by("checked_at")
    )
    return [
        CoverageEvent(
            channel=SCREENED,
            date=timezone.localtime(entry.checked_at).date(),
            label=_("%(period)s 隐患摸排：%(result)s")
            % {
                "period": entry.round.period_key,
                "result": "、".join(entry.flag_labels) or _("无异常"),
            },
            url=reverse("risk:round_detail", args=[entry.round_id]),
        )
        for entry in rows
    ]


SCREENING_CHANNEL = CoverageChannel(
    code=SCREENED,
    label=gettext_lazy("隐患摸排"),
    reached=reached,
    events=events,
    order=60,
)
