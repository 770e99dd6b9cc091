"""一案双查 on seeded history: coverage from every app's channel, key files, duties, Word."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from wuzha.cases import selectors, services
from wuzha.cases.models import Inquiry
from wuzha.outreach.tests.factories import class_meeting
from wuzha.risk import services as risk_services

from .conftest import make_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(world):
    """Student A attended a class meeting, was screened and got a key file; A2 got nothing."""
    today = timezone.localdate()
    class_meeting(
        world.class_a,
        world.teacher_a,
        date=today - datetime.timedelta(days=30),
        roster=[world.student_a, world.student_a2],
        present=[world.student_a],
        title="识破刷单返利骗局",
    )
    round, _created = risk_services.screening_round_open(
        unit=world.class_a, today=today - datetime.timedelta(days=20)
    )
    risk_services.screening_entries_save(
        round=round, by=world.teacher_a, results={world.student_a.pk: (["rebate"], "刷单邀约")}
    )
    risk_services.keyperson_open(
        person=world.student_a,
        by=world.teacher_a,
        categories=["rebate"],
        risk_level="medium",
        measures=["talk"],
        plan="每周谈心",
    )
    return world


def test_report_reads_every_channel(history):
    world = history
    case = make_case(world, days_ago=0)  # the screening entry was recorded today
    report = selectors.dual_check_report(case)
    by_code = {s.code: s for s in report.channels}
    assert "activity" in by_code and "screened" in by_code
    assert [e.label for e in by_code["activity"].events] == ["主题班会：识破刷单返利骗局"]
    assert "兼职刷单" in by_code["screened"].events[0].label
    assert len(report.education_events) == 1  # screening is not education
    assert not report.no_education
    assert [kp.get_status_display() for kp in report.key_persons] == ["在管"]
    # The class, the grade and the school over the three preceding months.
    assert report.duties is not None
    assert {row.unit for row in report.duties} == {world.class_a, world.grade, world.school}
    assert len(report.duties) == 9


def test_no_education_opens_one_inquiry(history, client):
    world = history
    case = make_case(world, victim=world.student_a2, days_ago=1)
    report = selectors.dual_check_report(case)
    assert report.no_education
    first = services.dual_check_run(case=case, by=world.leader)
    second = services.dual_check_run(case=case, by=world.leader)
    assert first.inquiry is not None and second.inquiry == first.inquiry
    assert Inquiry.objects.count() == 1 and case.dual_checks.count() == 2
    client.force_login(world.leader)
    page = client.get(reverse("cases:dual_check", args=[case.pk]))
    assert "受害人在核查范围内未接受任何防诈宣传教育" in page.text
    assert "待调查" in page.text


def test_victim_outside_roster_is_not_flagged(world):
    case, _created = services.case_open(
        unit=world.class_a,
        by=world.teacher_a,
        victim_name="校外人员",
        occurred_at=timezone.now(),
        channel="phone",
    )
    report = selectors.dual_check_report(case)
    assert not report.in_roster and not report.no_education
    assert services.dual_check_run(case=case, by=world.leader).inquiry is None


def test_word_export(history, client):
    from docx import Document

    world = history
    case = make_case(world, days_ago=1)
    client.force_login(world.coordinator)
    response = client.get(reverse("cases:dual_check_docx", args=[case.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "一案双查报告" in text and "重点人员档案" in text
    assert "识破刷单返利骗局" in cells and "三年级1班" in cells


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 200),
        ("coordinator", 200),
        ("inspector", 200),
        ("teacher_a", 403),
        ("other_teacher", 404),
    ],
)
def test_dual_check_scope(client, world, persona, status):
    case = make_case(world)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("cases:dual_check", args=[case.pk])).status_code == status
    assert client.get(reverse("cases:dual_check_docx", args=[case.pk])).status_code == status


def test_inspector_reads_but_cannot_record(client, world):
    case = make_case(world)
    client.force_login(world.inspector)
    assert client.post(reverse("cases:dual_check", args=[case.pk])).status_code == 403
    client.force_login(world.leader)
    assert client.post(reverse("cases:dual_check", args=[case.pk])).status_code == 302
