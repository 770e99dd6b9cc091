"""Screening rounds: the checklist, the fast path, completeness rolling up, the county variant."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from wuzha.core import coverage
from wuzha.risk import selectors, services
from wuzha.risk.models import ScreeningEntry, ScreeningRound

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 23)


def open_round(unit):
    round, _created = services.screening_round_open(unit=unit, today=TODAY)
    return round


def test_cadence_is_biweekly_and_configurable(world, settings):
    round = open_round(world.class_a)
    assert round.period_key == "2026-BiW24"
    assert (round.start, round.end) == (datetime.date(2026, 11, 16), datetime.date(2026, 11, 29))
    assert open_round(world.class_a) == round  # one per period
    settings.RISK_SCREENING_CADENCE = "month"
    assert services.screening_period(TODAY).key == "2026-11"


def test_generate_covers_every_class_once(world):
    assert services.screening_rounds_generate(today=TODAY) == 3
    assert services.screening_rounds_generate(today=TODAY) == 0
    assert set(ScreeningRound.objects.values_list("unit__code", flat=True)) == {
        world.class_a.code,
        world.class_b.code,
        world.other_class.code,
    }


def test_generate_command(world):
    call_command("generate_screening_rounds")
    assert ScreeningRound.objects.count() == 3


def test_fast_path_still_records_every_student(world):
    round = open_round(world.class_a)
    added = services.screening_round_clear(round=round, by=world.teacher_a)
    assert added == 2
    round.refresh_from_db()
    assert round.completed_at is not None and round.fast_path
    assert set(round.entries.values_list("person_id", flat=True)) == {
        world.student_a.pk,
        world.student_a2.pk,
    }
    assert not round.entries.exclude(flags=[]).exists()


def test_fast_path_after_a_finding_completes_but_is_not_clear(world):
    round = open_round(world.class_a)
    services.screening_entries_save(
        round=round, by=world.teacher_a, results={world.student_a.pk: (["cards"], "出借银行卡")}
    )
    round.refresh_from_db()
    assert round.completed_at is None
    services.screening_round_clear(round=round, by=world.teacher_a)
    round.refresh_from_db()
    assert round.completed_at is not None and not round.fast_path
    assert ScreeningEntry.objects.get(person=world.student_a).flags == ["cards"]


def test_entries_refuse_strangers_and_unknown_items(world):
    round = open_round(world.class_a)
    with pytest.raises(ValidationError):
        services.screening_entries_save(
            round=round, by=world.teacher_a, results={world.student_b.pk: ([], "")}
        )
    with pytest.raises(ValidationError):
        services.screening_entries_save(
            round=round, by=world.teacher_a, results={world.student_a.pk: (["high_risk"], "")}
        )


def test_completeness_rolls_up(world):
    a = open_round(world.class_a)
    services.screening_round_clear(round=a, by=world.teacher_a)
    b = open_round(world.class_b)
    services.screening_entries_save(round=b, by=world.teacher_b, results={})
    period = services.screening_period(TODAY)
    report = selectors.screening_completeness(world.county, period)
    t = report.total
    assert (t.units, t.complete, t.partial, t.not_started) == (3, 1, 0, 2)
    assert (t.persons, t.checked) == (4, 2)
    children = {u.code: c for u, c in report.children}
    assert children[world.school.code].complete == 1 and children[world.school.code].units == 2
    assert children[world.other_school.code].not_started == 1
    services.screening_entries_save(
        round=b, by=world.teacher_b, results={world.student_b.pk: (["game"], "")}
    )
    report = selectors.screening_completeness(world.school, period)
    assert (report.total.complete, report.total.flagged) == (2, 1)
    assert [u.state for u in report.units] == ["complete", "complete"]


def test_completeness_query_count(world, django_assert_max_num_queries):
    period = services.screening_period(TODAY)
    with django_assert_max_num_queries(4):
        selectors.screening_completeness(world.county, period)


def test_county_variant_uses_four_groups(world, community):
    round = open_round(community)
    assert round.kind == "county"
    assert [c for c, _label in round.items] == ["high_risk", "two_cards", "returnee", "prior"]
    residents = list(selectors.round_persons(round))
    assert len(residents) == 2
    services.screening_entries_save(
        round=round, by=None, results={residents[0].pk: (["returnee"], "缅北回流")}
    )
    services.screening_round_clear(round=round, by=None)
    round.refresh_from_db()
    assert round.completed_at is not None
    with pytest.raises(ValidationError):
        services.screening_round_open(unit=world.school, today=TODAY)


def test_coverage_channel_registered(world):
    round = open_round(world.class_a)
    services.screening_round_clear(round=round, by=world.teacher_a)
    channel = {c.code: c for c in coverage.channels()}["screened"]
    today = round.entries.first().checked_at.date()
    start, end = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    reached = set(channel.reached(world.school, start, end).values_list("person_id", flat=True))
    assert reached == {world.student_a.pk, world.student_a2.pk}
    events = channel.events(world.student_a, start, end)
    assert len(events) == 1 and "无异常" in events[0].label


# --- pages --------------------------------------------------------------------------------------


def test_checklist_page_saves_only_rows_looked_at(client, world):
    client.force_login(world.teacher_a)
    response = client.post(reverse("risk:round_open", args=[world.class_a.code]))
    round = ScreeningRound.objects.get(unit=world.class_a)
    assert response["Location"] == reverse("risk:round_detail", args=[round.pk])
    page = client.get(response["Location"])
    assert "王小明" in page.text and "出租、出借、出售“两卡”或社交账号" in page.text
    a, a2 = world.student_a.pk, world.student_a2.pk
    client.post(
        response["Location"],
        {"person": [a, a2], f"flags_{a}": ["rebate", "loan"], f"note_{a}": "网贷"},
    )
    assert list(round.entries.values_list("person_id", "flags")) == [(a, ["rebate", "loan"])]
    page = client.get(response["Location"])
    assert "已摸排 1 / 2 人" in page.text and "建立重点人员档案" in page.text


def test_fast_path_page_requires_confirmation(client, world):
    round = open_round(world.class_a)
    client.force_login(world.teacher_a)
    url = reverse("risk:round_clear", args=[round.pk])
    client.post(url, {})
    round.refresh_from_db()
    assert round.completed_at is None
    client.post(url, {"confirm": "on"})
    round.refresh_from_db()
    assert round.completed_at is not None and round.fast_path


@pytest.mark.parametrize(
    ("persona", "get_status", "post_status"),
    [
        ("teacher_a", 200, 302),
        ("leader", 200, 302),
        ("inspector", 200, 403),
        ("coordinator", 200, 403),
        ("teacher_b", 404, 404),
        ("other_teacher", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_round_persona_matrix(client, world, persona, get_status, post_status):
    round = open_round(world.class_a)
    client.force_login(getattr(world, persona))
    url = reverse("risk:round_detail", args=[round.pk])
    assert client.get(url).status_code == get_status
    clear = reverse("risk:round_clear", args=[round.pk])
    assert client.post(clear, {"confirm": "on"}).status_code == post_status
    assert client.put(clear).status_code in {405, 404}


def test_inspector_sees_masked_names(client, world):
    round = open_round(world.class_a)
    client.force_login(world.inspector)
    page = client.get(reverse("risk:round_detail", args=[round.pk]))
    assert "王小明" not in page.text and "王**" in page.text


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("leader", 200),
        ("inspector", 200),
        ("teacher_a", 200),
        ("teacher_b", 200),
        ("other_teacher", 404),
    ],
)
def test_home_scope(client, world, persona, status):
    client.force_login(getattr(world, persona))
    unit = world.class_b if persona == "teacher_b" else world.school
    if persona == "teacher_a":
        unit = world.class_a
    assert client.get(reverse("risk:home", args=[unit.code])).status_code == status
    assert client.post(reverse("risk:home", args=[world.class_a.code])).status_code in {405, 404}


def test_home_shows_completeness_and_suggestions(client, world, django_assert_max_num_queries):
    today = datetime.date.today()
    round, _created = services.screening_round_open(unit=world.class_a, today=today)
    services.screening_entries_save(
        round=round, by=world.teacher_a, results={world.student_a.pk: (["cards"], "")}
    )
    client.force_login(world.leader)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("risk:home", args=[world.school.code]))
    assert "应摸排 2 个班级/社区：完成 0，进行中 1，未开始 1" in page.text
    assert "摸排发现，建议建档" in page.text and "王小明" in page.text
    bad = client.get(reverse("risk:home", args=[world.school.code]), {"period": "2026-BiW99"})
    assert bad.status_code == 200 and "双周" in bad.text
