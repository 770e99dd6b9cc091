"""notice_links, send_notice_reminders and the demo seed."""

import csv
import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_notice_links_csv_and_list(world, letter):
    rows = list(csv.reader(io.StringIO(run("notice_links", str(letter.pk), "--format", "csv"))))
    assert rows[0] == ["delivery_id", "person", "class", "url"]
    assert len(rows) == 4
    by_person = {r[1]: r for r in rows[1:]}
    delivery = letter.deliveries.get(person=world.student_a)
    assert by_person["王小明"] == [
        str(delivery.pk),
        "王小明",
        "三年级1班",
        f"http://localhost:8000/s/{delivery.token}/",
    ]
    assert run("notice_links", "--list").splitlines() == [
        f"{letter.pk}\tletter\t{letter.title}\tissued"
    ]


def test_notice_links_unknown_notice(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        run("notice_links", "999")


def test_send_notice_reminders(world, letter, mailoutbox):
    world.teacher_b.email = "b@example.cn"
    world.teacher_b.save()
    assert "已发送 1 条" in run("send_notice_reminders")
    assert mailoutbox[0].to == ["b@example.cn"]
    assert "已发送 0 条" in run("send_notice_reminders")
