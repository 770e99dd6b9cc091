"""Key-person files: the access matrix, the read log, follow-ups, closure with review."""

import datetime
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from wuzha.core.models import SensitiveRead
from wuzha.orgs.models import Person
from wuzha.risk import services
from wuzha.risk.models import FollowUp, KeyPerson

pytestmark = pytest.mark.django_db


def open_file(world, person=None, **kwargs):
    defaults: dict[str, Any] = {
        "categories": ["cards"],
        "risk_level": "high",
        "measures": ["talk", "parent"],
        "plan": "每周谈心一次，联系家长关注银行卡",
    }
    defaults.update(kwargs)
    return services.keyperson_open(person=person or world.student_a, by=world.teacher_a, **defaults)


@pytest.fixture
def county_file(world, community, police):
    resident = Person.objects.get(name="周大海")
    return services.keyperson_open(
        person=resident, by=police, categories=["returnee"], risk_level="high", plan="每月走访"
    )


def test_open_schedules_followups_and_refuses_a_second_file(world):
    kp = open_file(world)
    assert kp.unit == world.class_a and not kp.is_county
    assert sorted(kp.followups.values_list("kind", flat=True)) == ["parent", "talk"]
    with pytest.raises(ValidationError) as err:
        open_file(world)
    assert "已有在管档案" in str(err.value)
    with pytest.raises(ValidationError):
        open_file(world, person=world.student_a2, categories=[])
    with pytest.raises(ValidationError):
        open_file(world, person=world.student_a2, categories=["nonsense"])


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("leader", 200),
        ("admin", 200),
        ("coordinator", 403),
        ("inspector", 403),
        ("teacher_b", 404),
        ("other_teacher", 404),
        ("outsider", 404),
    ],
)
def test_school_file_access_matrix(client, world, persona, status):
    kp = open_file(world)
    client.force_login(getattr(world, persona))
    assert client.get(reverse("risk:keyperson_detail", args=[kp.pk])).status_code == status
    logged = SensitiveRead.objects.filter(subject="risk.keyperson", object_id=kp.pk).count()
    assert logged == (1 if status == 200 else 0)


def test_police_may_not_open_a_school_file_but_may_open_county_groups(
    client, world, police, county_file
):
    kp = open_file(world)
    client.force_login(police)
    assert client.get(reverse("risk:keyperson_detail", args=[kp.pk])).status_code == 403
    assert client.get(reverse("risk:keyperson_detail", args=[county_file.pk])).status_code == 200
    listing = client.get(reverse("risk:keyperson_list", args=[world.county.code]))
    assert listing.status_code == 200
    assert "周大海" in listing.text and "王小明" not in listing.text
    client.force_login(world.leader)
    assert client.get(reverse("risk:keyperson_detail", args=[county_file.pk])).status_code == 404


def test_every_read_is_logged_and_viewable_by_the_leader(client, world):
    kp = open_file(world)
    client.force_login(world.teacher_a)
    client.get(reverse("risk:keyperson_detail", args=[kp.pk]))
    client.get(reverse("risk:keyperson_detail", args=[kp.pk]))
    assert SensitiveRead.objects.filter(user=world.teacher_a, object_id=kp.pk).count() == 2
    reads_url = reverse("risk:reads", args=[world.school.code])
    assert client.get(reverse("risk:reads", args=[world.class_a.code])).status_code == 403
    assert client.get(reads_url).status_code == 404
    client.force_login(world.leader)
    page = client.get(reads_url)
    assert page.status_code == 200 and page.text.count("班主任甲") == 2
    client.force_login(world.other_teacher)
    assert client.get(reads_url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("leader", 200),
        ("inspector", 403),
        ("coordinator", 403),
        ("teacher_b", 404),
    ],
)
def test_list_matrix(client, world, persona, status):
    open_file(world)
    client.force_login(getattr(world, persona))
    unit = world.class_a if persona.startswith("teacher") else world.school
    assert client.get(reverse("risk:keyperson_list", args=[unit.code])).status_code == status


def test_list_query_count(client, world, django_assert_max_num_queries):
    open_file(world)
    open_file(world, person=world.student_a2)
    open_file(world, person=world.student_b)
    client.force_login(world.leader)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("risk:keyperson_list", args=[world.school.code]))
    assert len(page.context["page"].object_list) == 3


def test_create_from_screening_finding(client, world):
    round, _c = services.screening_round_open(unit=world.class_a)
    services.screening_entries_save(
        round=round,
        by=world.teacher_a,
        results={world.student_a.pk: (["loan", "behaviour"], "借网贷")},
    )
    entry = round.entries.get()
    client.force_login(world.teacher_a)
    url = reverse("risk:keyperson_create", args=[world.class_a.code]) + f"?entry={entry.pk}"
    form = client.get(url)
    assert form.context["form"].initial["categories"] == ["loan", "behaviour"]
    bad = client.post(
        url, {"entry": entry.pk, "categories": ["loan"], "risk_level": "high", "plan": ""}
    )
    assert bad.status_code == 200 and "这个字段是必填项" in bad.text
    assert not KeyPerson.objects.exists()
    ok = client.post(
        url,
        {
            "entry": entry.pk,
            "categories": ["loan", "behaviour"],
            "risk_level": "medium",
            "measures": ["talk", "watch"],
            "plan": "每周谈心，关注资金异动",
            "first_followup_on": "2026-12-01",
        },
    )
    kp = KeyPerson.objects.get()
    assert ok["Location"] == reverse("risk:keyperson_detail", args=[kp.pk])
    assert kp.source_entry == entry
    assert set(kp.followups.values_list("due_on", flat=True)) == {datetime.date(2026, 12, 1)}
    client.force_login(world.inspector)
    assert client.get(url).status_code == 403
    client.force_login(world.teacher_b)
    assert client.get(url).status_code == 404


def test_followups_and_notes(client, world):
    kp = open_file(world)
    client.force_login(world.teacher_a)
    client.post(
        reverse("risk:followup_add", args=[kp.pk]), {"kind": "counselling", "due_on": "2026-12-10"}
    )
    assert kp.followups.count() == 3
    talk = kp.followups.get(kind="talk")
    client.post(reverse("risk:followup_done", args=[talk.pk]), {"note": ""})
    talk.refresh_from_db()
    assert talk.done_at is None
    client.post(reverse("risk:followup_done", args=[talk.pk]), {"note": "已谈话，情绪稳定"})
    talk.refresh_from_db()
    assert talk.done_at is not None and talk.done_by == world.teacher_a
    client.post(reverse("risk:note_add", args=[kp.pk]), {"text": "家长已知情"})
    assert kp.notes.get().text == "家长已知情"
    client.force_login(world.teacher_b)
    assert (
        client.post(reverse("risk:followup_done", args=[talk.pk]), {"note": "x"}).status_code == 404
    )
    client.force_login(world.inspector)
    assert client.post(reverse("risk:note_add", args=[kp.pk]), {"text": "x"}).status_code == 403


def test_overdue_followups_are_reminded_once_a_day(world):
    world.teacher_a.email = "teacher@example.com"
    world.teacher_a.save(update_fields=["email"])
    kp = open_file(world)
    FollowUp.objects.filter(key_person=kp, kind="talk").update(
        due_on=timezone.localdate() - datetime.timedelta(days=3)
    )
    assert services.followup_reminders_send() == 1
    assert services.followup_reminders_send() == 0
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "已逾期" in body and "王小明" not in body
    call_command("send_followup_reminders")
    assert len(mail.outbox) == 1


def test_close_needs_reason_and_a_leaders_review(client, world):
    kp = open_file(world)
    client.force_login(world.teacher_a)
    client.post(reverse("risk:keyperson_close", args=[kp.pk]), {"reason": ""})
    kp.refresh_from_db()
    assert kp.status == "open"
    client.post(reverse("risk:keyperson_close", args=[kp.pk]), {"reason": "已毕业离校"})
    kp.refresh_from_db()
    assert kp.status == "closing"
    review = reverse("risk:keyperson_review", args=[kp.pk])
    assert client.post(review, {"decision": "approve"}).status_code == 403
    client.force_login(world.leader)
    client.post(review, {"decision": "reject", "note": ""})
    kp.refresh_from_db()
    assert kp.status == "closing"
    client.post(review, {"decision": "reject", "note": "仍有网贷往来"})
    kp.refresh_from_db()
    assert kp.status == "open" and kp.review_note == "仍有网贷往来"
    services.keyperson_close_request(kp=kp, by=world.teacher_a, reason="已还清")
    client.post(review, {"decision": "approve", "note": "同意"})
    kp.refresh_from_db()
    assert kp.status == "closed" and kp.reviewed_by == world.leader and kp.closed_at
    # A closed file makes room for a new one later.
    assert open_file(world).pk != kp.pk


def test_edit_file(client, world):
    kp = open_file(world)
    client.force_login(world.teacher_a)
    url = reverse("risk:keyperson_edit", args=[kp.pk])
    response = client.post(
        url,
        {"categories": ["cards", "victim"], "risk_level": "low", "measures": [], "plan": "观察"},
    )
    assert response.status_code == 302
    kp.refresh_from_db()
    assert kp.categories == ["cards", "victim"] and kp.risk_level == "low"
    client.force_login(world.coordinator)
    assert client.get(url).status_code == 403


def test_create_by_picking_a_person(client, world):
    client.force_login(world.teacher_a)
    url = reverse("risk:keyperson_create", args=[world.class_a.code])
    picker = client.get(url, {"q": "小"})
    assert picker.status_code == 200
    assert "王小明" in picker.text and "赵小刚" not in picker.text  # class B is outside
    form = client.get(url, {"person": world.student_a.pk})
    assert form.status_code == 200 and "建立档案 · 王小明" in form.text
    assert client.get(url, {"person": world.student_b.pk}).status_code == 404
    assert client.get(url, {"person": world.other_student.pk}).status_code == 404
