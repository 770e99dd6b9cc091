"""A signed receipt reaches the student in the coverage ledger; an unsigned one does not."""

import datetime

import pytest
from django.utils import timezone

from wuzha.core import coverage
from wuzha.notices import services
from wuzha.notices.models import Delivery

from .conftest import make_notice, typed

pytestmark = pytest.mark.django_db


def test_channel_is_registered():
    assert "receipt_signed" in [c.code for c in coverage.channels()]


def test_signed_receipt_reaches_the_student(world):
    notice = make_notice(world)
    delivery = Delivery.objects.get(notice=notice, person=world.student_a)
    services.notice_sign(delivery=delivery, data=typed())
    channel = next(c for c in coverage.channels() if c.code == "receipt_signed")
    today = timezone.localdate()
    week = (today - datetime.timedelta(days=7), today)

    reached = set(channel.reached(world.class_a, *week).values_list("person_id", flat=True))
    assert reached == {world.student_a.pk}
    assert not channel.reached(world.other_school, *week).exists()
    last_year = (today - datetime.timedelta(days=400), today - datetime.timedelta(days=300))
    assert not channel.reached(world.class_a, *last_year).exists()

    events = channel.events(world.student_a, *week)
    assert len(events) == 1
    assert notice.title in events[0].label
    assert channel.events(world.student_a2, *week) == []
