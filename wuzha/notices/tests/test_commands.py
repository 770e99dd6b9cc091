"""notice_links, send_notice_reminders and the demo seed."""

import csv
import io

import pytest
from django.core.management import call_command

from wuzha.notices.demo import seed_notices
from wuzha.notices.models import Delivery, Notice, Signature

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


def test_seed_notices_is_idempotent_with_varied_progress(db):
    from wuzha.orgs.demo import seed

    seed("small", out=lambda _line: None)
    lines: list[str] = []
    seed_notices(lines.append)
    seed_notices(lines.append)
    assert "已存在" in lines[-1]
    notice = Notice.objects.get()
    assert notice.status == "issued"
    states = set(Delivery.objects.values_list("state", flat=True))
    assert states == {"online", "paper", "pending"}
    assert Signature.objects.filter(method="drawn", image__isnull=False).exists()
    rates = {
        unit: sum(s != "pending" for s in group) / len(group)
        for unit, group in _by_unit(notice).items()
    }
    assert max(rates.values()) - min(rates.values()) > 0.1  # classes differ
    assert Signature.objects.count() == Delivery.objects.exclude(state="pending").count()


def _by_unit(notice: Notice) -> dict[int, list[str]]:
    groups: dict[int, list[str]] = {}
    for unit_id, state in notice.deliveries.values_list("unit_id", "state"):
        groups.setdefault(unit_id, []).append(state)
    return groups
