"""The coverage-ledger channel of this app: a person passed a knowledge test (知晓率)."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs.models import OrgUnit, Person

from . import selectors
from .models import Assignment


def reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of persons in `unit`'s subtree who passed a test between `start` and `end`."""
    return selectors.passed_persons(unit, start, end)


def events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        Assignment.objects.filter(
            person=person, passed_at__date__gte=start, passed_at__date__lte=end
        )
        .select_related("quiz")
        .order_by("passed_at")
    )
    return [
        CoverageEvent(
            channel=CHANNEL.code,
            date=timezone.localdate(a.passed_at) if a.passed_at else start,
            label=_("《%(title)s》测试通过（最高 %(p)s 分）")
            % {"title": a.quiz.title, "p": a.best_percent},
            url=reverse("learning:quiz_detail", args=[a.quiz_id]),
        )
        for a in rows
    ]


CHANNEL = CoverageChannel(
    code="quiz_passed",
    label=gettext_lazy("反诈知识测试通过"),
    reached=reached,
    events=events,
    order=30,
)
