"""Rankings with ties, the escalation ladder over three months, and closing by rectification."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from docx import Document

from wuzha.core.periods import parse
from wuzha.plans import services as plan_services
from wuzha.plans.testing import jpeg_bytes
from wuzha.stats import services
from wuzha.stats.models import Escalation, RankingEntry

from .conftest import add_case, at

pytestmark = pytest.mark.django_db


def test_competition_ranking_shares_places_and_skips_after_ties():
    ranks = services.competition_ranks([(1, 5), (2, 3), (3, 5), (4, None), (5, 3), (6, 0)])
    assert ranks == {1: 1, 3: 1, 2: 3, 5: 3, 6: 5, 4: 6}


def test_published_ranking_ties_both_at_the_top(world, quiz):
    month = parse("2025-03")
    add_case(world, world.class_a, at(datetime.date(2025, 3, 5)), 100)
    add_case(world, world.other_class, at(datetime.date(2025, 3, 9)), 700)
    entries = services.ranking_publish(parent=world.county, period=month, codes=["cases", "losses"])
    by = {(e.unit.code, e.indicator): (e.value, e.rank, e.is_top) for e in entries}
    assert by[("T-SCH-A", "cases")] == (1, 1, True)
    assert by[("T-SCH-B", "cases")] == (1, 1, True)
    assert by[("T-EDU", "cases")] == (0, 3, False)
    assert by[("T-SCH-B", "losses")] == (700, 1, True)
    assert by[("T-SCH-A", "losses")] == (100, 2, False)
    # Publishing the month again replaces it.
    services.ranking_publish(parent=world.county, period=month, codes=["cases", "losses"])
    assert RankingEntry.objects.filter(period_key="2025-03").count() == 6


def _month_with_top_school(world, key: str) -> None:
    period = parse(key)
    add_case(world, world.class_a, at(period.start + datetime.timedelta(days=3)), 5000)
    add_case(world, world.class_b, at(period.start + datetime.timedelta(days=4)), 800)


def test_the_ladder_over_three_months(world, quiz):
    campaign = plan_services.campaign_create(
        unit=world.county,
        name="压案降损",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        by=world.coordinator,
    )
    rule = services.escalation_rule_for(campaign)
    assert (rule.indicators, rule.deputy_months, rule.head_months, rule.listing_notices) == (
        ["cases", "losses", "cases_per_10k"],
        2,
        3,
        3,
    )
    levels_by_month = {}
    for key in ("2025-04", "2025-05", "2025-06"):
        _month_with_top_school(world, key)
        period = parse(key)
        services.ranking_publish(
            parent=world.county, period=period, codes=rule.indicators, campaign=campaign
        )
        created = services.escalate(rule=rule, period=period, by=None, today=None)
        levels_by_month[key] = sorted(e.level for e in created)
        assert {e.unit for e in created} == {world.school}
        # Running the month again creates nothing new.
        assert services.escalate(rule=rule, period=period, by=None, today=None) == []
    assert levels_by_month == {
        "2025-04": ["notice"],
        "2025-05": ["deputy", "notice"],
        "2025-06": ["head", "listed", "notice"],
    }
    head = Escalation.objects.get(level="head")
    with head.document.open("rb") as fh:
        doc = Document(io.BytesIO(fh.read()))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "测试实验小学" in text and "约谈主要负责人" in text
    table = doc.tables[0]
    assert table.rows[1].cells[0].text == "测试实验小学"  # ranked first
    # Each escalation opened a rectification item owned by the school, signed by the campaign's
    # creator; it closes once the item is confirmed (销号).
    assert head.finding is not None
    rectification = head.finding.rectification
    assert rectification.owner_unit == world.school
    assert head.finding.inspection.inspector == world.coordinator
    plan_services.rectification_respond(
        rectification=rectification,
        by=world.leader,
        response="已召开专题会议整改",
        files=[SimpleUploadedFile("整改.jpg", jpeg_bytes(1), content_type="image/jpeg")],
    )
    assert services.escalations_close_done() == 0
    plan_services.rectification_confirm(
        rectification=rectification, by=world.coordinator, accept=True
    )
    assert services.escalations_close_done() == 1
    head.refresh_from_db()
    assert head.status == Escalation.Status.CLOSED
    assert Escalation.objects.filter(status="open").count() == 5


def test_a_broken_streak_starts_again(world, quiz):
    campaign = plan_services.campaign_create(
        unit=world.county,
        name="压案降损",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    rule = services.escalation_rule_for(campaign)
    _month_with_top_school(world, "2025-04")
    for key in ("2025-04", "2025-05", "2025-06"):
        if key == "2025-06":
            _month_with_top_school(world, key)
        period = parse(key)
        services.ranking_publish(parent=world.county, period=period, codes=rule.indicators)
        services.escalate(rule=rule, period=period, by=world.admin, today=None)
    assert sorted(Escalation.objects.values_list("period_key", "level")) == [
        ("2025-04", "notice"),
        ("2025-06", "notice"),
    ]


def test_monthly_command_publishes_once(world, quiz):
    campaign = plan_services.campaign_create(
        unit=world.county,
        name="压案降损",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        by=world.coordinator,
    )
    services.escalation_rule_for(campaign)
    _month_with_top_school(world, "2025-04")
    out = io.StringIO()
    call_command("rank_units", period="2025-04", stdout=out)
    assert "发布 1 份排名" in out.getvalue() and "新增 1 项" in out.getvalue()
    out = io.StringIO()
    call_command("rank_units", period="2025-04", stdout=out)
    assert "发布 0 份排名" in out.getvalue()
    assert Escalation.objects.count() == 1


def test_monthly_command_refuses_a_quarter(world):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="排名按月进行"):
        call_command("rank_units", period="2025-Q2")
