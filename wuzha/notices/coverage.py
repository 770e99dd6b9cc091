"""The coverage-ledger channels of this app: a guardian signed a letter for the student, and a
recipient declared the 国家反诈中心 APP installed."""

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core.coverage import CoverageChannel, CoverageEvent
from wuzha.orgs.models import OrgUnit, Person

from . import selectors
from .models import Audience, Delivery, NoticeKind, Signature


def reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of students in `unit`'s subtree whose letter was signed (online or on paper)."""
    return selectors.guardian_signed_students(unit, (start, end)).values("person_id")


def events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        Delivery.objects.filter(
            person=person,
            notice__audience=Audience.GUARDIANS,  # what `reached` counts
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


# APP installed, self-declared: a confirmed delivery of an APP-confirmation notice, or any signed
# notice whose current signature (the last of its correction chain) ticks "已安装国家反诈中心APP".
# The person is the delivery's recipient: the student for a letter to guardians (their family
# declared it), the signer themself for student or staff notices. Household visits record APP
# installations only as a number per visit, not per person, so they cannot reach anyone here.


def _app_deliveries(start: datetime.date, end: datetime.date) -> QuerySet[Delivery]:
    ticked = Signature.objects.filter(
        delivery=OuterRef("pk"), app_installed=True, superseded_by__isnull=True
    ).exclude(method=Signature.Method.VOID)
    return Delivery.objects.filter(
        Q(notice__kind=NoticeKind.APP) | Exists(ticked),
        state__in=[Delivery.State.ONLINE, Delivery.State.PAPER],
        signed_at__date__gte=start,
        signed_at__date__lte=end,
    )


def app_reached(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of persons of `unit`'s subtree who declared the APP installed in the period."""
    return (
        _app_deliveries(start, end)
        .filter(unit__path__startswith=unit.path)
        .values("person_id")
        .distinct()
    )


def app_events(person: Person, start: datetime.date, end: datetime.date) -> list[CoverageEvent]:
    rows = (
        _app_deliveries(start, end)
        .filter(person=person)
        .select_related("notice")
        .order_by("signed_at", "pk")
    )
    return [
        CoverageEvent(
            channel=APP_CHANNEL.code,
            date=timezone.localdate(delivery.signed_at) if delivery.signed_at else start,
            label=_("《%(title)s》中确认已安装国家反诈中心APP（%(how)s）")
            % {"title": delivery.notice.title, "how": delivery.get_state_display()},
            url=reverse("notices:detail", args=[delivery.notice_id]),
        )
        for delivery in rows
    ]


APP_CHANNEL = CoverageChannel(
    code="app_installed",
    label=gettext_lazy("已安装国家反诈中心APP（自报）"),
    reached=app_reached,
    events=app_events,
    order=25,
)
