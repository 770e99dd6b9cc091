"""The coverage-ledger channel of this app: a guardian signed a letter for the student."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs.models import OrgUnit, Person

from . import selectors
from .models import Delivery


def reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of students in `unit`'s subtree whose letter was signed (online or on paper)."""
    return selectors.guardian_signed_students(unit, (start, end)).values("person_id")


def events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        Delivery.objects.filter(
            person=person,
            state__in=[Delivery.State.ONLINE, Delivery.State.PAPER],
            signed_at__date__gte=start,
            signed_at__date__lte=end,
        )
        .select_related("notice")
        .order_by("signed_at")
    )
    return [
        CoverageEvent(
            channel=CHANNEL.code,
            date=delivery.signed_at.date() if delivery.signed_at else start,
            label=_("《%(title)s》回执已签（%(how)s）")
            % {"title": delivery.notice.title, "how": delivery.get_state_display()},
            url=reverse("notices:detail", args=[delivery.notice_id]),
        )
        for delivery in rows
    ]


CHANNEL = CoverageChannel(
    code="receipt_signed",
    label=gettext_lazy("家长签收告知书"),
    reached=reached,
    events=events,
    order=20,
)
