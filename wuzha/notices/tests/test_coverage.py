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


def test_a_signed_pledge_is_not_a_receipt_in_the_ledger(world):
    pledge = make_notice(world, key="pledge", units=[world.class_a])
    delivery = Delivery.objects.get(notice=pledge, person=world.student_a)
    services.notice_sign(delivery=delivery, data=typed())
    channel = next(c for c in coverage.channels() if c.code == "receipt_signed")
    today = timezone.localdate()
    week = (today - datetime.timedelta(days=7), today)
    assert not channel.reached(world.class_a, *week).exists()
    assert channel.events(world.student_a, *week) == []


def _app_channel():
    return next(c for c in coverage.channels() if c.code == "app_installed")


def test_app_channel_is_registered_with_its_label():
    channel = _app_channel()
    assert str(channel.label) == "已安装国家反诈中心APP（自报）"
    codes = [c.code for c in coverage.channels()]
    assert codes.index("receipt_signed") < codes.index("app_installed")


def test_app_confirmation_reaches_the_person(world):
    notice = make_notice(world, key="app")
    signed = Delivery.objects.get(notice=notice, person=world.student_a)
    services.notice_sign(delivery=signed, data=typed(app_installed=True))
    # Another school's confirmation is counted there, not here.
    other = make_notice(world, key="app", unit=world.other_school)
    services.notice_sign(
        delivery=Delivery.objects.get(notice=other, person=world.other_student),
        data=typed(app_installed=True),
    )
    channel = _app_channel()
    today = timezone.localdate()
    week = (today - datetime.timedelta(days=7), today)

    reached = set(channel.reached(world.school, *week).values_list("person_id", flat=True))
    assert reached == {world.student_a.pk}
    assert set(channel.reached(world.other_school, *week).values_list("person_id", flat=True)) == {
        world.other_student.pk
    }
    last_year = (today - datetime.timedelta(days=400), today - datetime.timedelta(days=300))
    assert not channel.reached(world.school, *last_year).exists()

    events = channel.events(world.student_a, *week)
    assert [e.channel for e in events] == ["app_installed"]
    assert "安装国家反诈中心APP确认" in events[0].label and "线上签署" in events[0].label
    assert events[0].date == today
    assert channel.events(world.student_a2, *week) == []
    assert channel.events(world.student_a, *last_year) == []


def test_letter_with_app_ticked_counts_and_unticked_or_voided_does_not(world):
    letter = make_notice(world)  # a letter that asks about the APP
    ticked = Delivery.objects.get(notice=letter, person=world.student_a)
    services.notice_sign(delivery=ticked, data=typed(app_installed=True))
    unticked = Delivery.objects.get(notice=letter, person=world.student_a2)
    services.notice_sign(delivery=unticked, data=typed(app_installed=False))
    voided = Delivery.objects.get(notice=letter, person=world.student_b)
    signature, _created = services.notice_sign(delivery=voided, data=typed(app_installed=True))
    today = timezone.localdate()
    week = (today - datetime.timedelta(days=7), today)
    channel = _app_channel()
    assert set(channel.reached(world.school, *week).values_list("person_id", flat=True)) == {
        world.student_a.pk,
        world.student_b.pk,
    }
    services.signature_void(signature=signature, by=world.leader, reason="家长签错")
    assert set(channel.reached(world.school, *week).values_list("person_id", flat=True)) == {
        world.student_a.pk
    }
    assert channel.events(world.student_b, *week) == []


def test_coverage_page_shows_the_app_channel(client, world):
    from django.urls import reverse

    notice = make_notice(world, key="app")
    delivery = Delivery.objects.get(notice=notice, person=world.student_a)
    services.notice_sign(delivery=delivery, data=typed(app_installed=True))
    client.force_login(world.teacher_a)
    response = client.get(reverse("outreach:coverage", args=[world.class_a.code]) + "?all=1")
    assert response.status_code == 200
    assert "已安装国家反诈中心APP（自报）" in response.text
    codes = [code for code, _label in response.context["channels"]]
    hits = {
        row.person.pk: row.channels[codes.index("app_installed")]
        for row, _name in response.context["people"]
    }
    assert hits[world.student_a.pk] and not hits[world.student_a2.pk]
    person = client.get(reverse("outreach:person_coverage", args=[world.student_a.pk]))
    assert "确认已安装国家反诈中心APP" in person.text
    # Another school's teacher still gets 404 for the class and the person.
    client.force_login(world.other_teacher)
    assert client.get(reverse("outreach:coverage", args=[world.class_a.code])).status_code == 404
    person = client.get(reverse("outreach:person_coverage", args=[world.student_a.pk]))
    assert person.status_code == 404
