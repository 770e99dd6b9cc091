"""A hand-computed statistics world on top of the shared `world` fixture.

In the current calendar year (the period `YEAR`):

- 测试实验小学 (class A: 王小明, 李小红; class B: 赵小刚): 3 students; 2 cases (lost 1000 with
  250 recovered, lost 500); the letter signed for 1 of 3 (王小明, APP installed); quiz passed by
  李小红; screening done in 1 of 2 rounds; duties done 1 of 2, on time.
- 测试第二中学 (初一1班: 陈小丽): 1 student; 1 case (lost 300); quiz passed by 陈小丽; no round;
  duties done 0 of 1.
- 城关镇 (population 20,000, no roster): 1 case in 东村 (lost 200, 100 recovered).
- 测试县教育局: nothing.

Coverage (any channel): 王小明 (receipt), 李小红 and 陈小丽 (quiz) → school 2/3, county 3/4.
Last year: one case in class A; 2021 (the campaign goal's baseline): four cases in class A.
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from wuzha.cases import services as case_services
from wuzha.core import coverage
from wuzha.core.coverage import CoverageChannel
from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.notices import services as notice_services
from wuzha.notices.content import BUILTIN_BY_KEY
from wuzha.notices.coverage import CHANNEL as RECEIPT_CHANNEL
from wuzha.notices.models import Notice
from wuzha.orgs import services as org_services
from wuzha.orgs.models import OrgUnit, Person, UnitKind
from wuzha.plans import services as plan_services
from wuzha.plans.models import Campaign, CampaignGoal, Duty
from wuzha.risk import services as risk_services
from wuzha.testing import World


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATS_MIN_DENOMINATOR = 3


@dataclass
class Quiz:
    """The edge: a stand-in for the learning app's quiz channel, passing whom the test says."""

    passed: list[Person]

    def reached(self, unit: OrgUnit, start: datetime.date, end: datetime.date) -> Any:
        return Person.objects.filter(
            pk__in=[p.pk for p in self.passed], unit__path__startswith=unit.path
        ).values("pk")


@pytest.fixture
def quiz(monkeypatch) -> Quiz:
    """Coverage channels limited to the receipts channel and a controllable quiz channel."""
    stub = Quiz(passed=[])
    channel = CoverageChannel(
        code="quiz_passed",
        label="测试通过",
        reached=stub.reached,
        events=lambda person, start, end: [],
        order=30,
    )
    monkeypatch.setattr(
        coverage, "_CHANNELS", {RECEIPT_CHANNEL.code: RECEIPT_CHANNEL, channel.code: channel}
    )
    return stub


@pytest.fixture
def no_quiz(monkeypatch) -> None:
    monkeypatch.setattr(coverage, "_CHANNELS", {RECEIPT_CHANNEL.code: RECEIPT_CHANNEL})


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def add_case(world: World, unit: OrgUnit, when: datetime.datetime, lost: int, **kw: Any) -> Any:
    case, _created = case_services.case_open(
        unit=unit,
        by=world.admin,
        occurred_at=when,
        channel="phone",
        victim_name=kw.pop("victim_name", "受害人"),
        fraud_type=kw.pop("fraud_type", "task_rebate"),
        amount_lost_fen=lost * 100,
        **kw,
    )
    return case


def make_letter(world: World, unit: OrgUnit) -> Notice:
    template = BUILTIN_BY_KEY["letter"]
    notice = notice_services.notice_create(
        unit=unit,
        by=world.leader,
        audience_units=[unit],
        kind=template.kind,
        audience=template.audience,
        title=template.title,
        body=template.body,
        receipt_text=template.receipt_text,
        signature_mode=template.signature_mode,
        guardian_cosign=template.guardian_cosign,
        ask_app=template.ask_app,
        deadline=timezone.localdate(),
    )
    notice_services.notice_issue(notice=notice, by=world.leader)
    notice.refresh_from_db()
    return notice


def sign(notice: Notice, person: Person, *, app: bool = False) -> None:
    delivery = notice.deliveries.get(person=person)
    notice_services.notice_sign(
        delivery=delivery,
        data=notice_services.SignInput(
            signer_name="王建国", relation="father", method="typed", app_installed=app
        ),
    )


@dataclass
class StatsWorld:
    world: World
    town: OrgUnit
    village: OrgUnit
    campaign: Campaign
    letter: Notice
    period: Period
    today: datetime.date  # the day the figures are computed on: after the whole period


@pytest.fixture
def stats_world(world: World, quiz: Quiz) -> StatsWorld:
    w = world
    today = timezone.localdate()
    period = period_containing(PeriodKind.YEAR, today)
    year = period.start.year
    town = org_services.unit_create(
        parent=w.county, name="城关镇", kind=UnitKind.TOWN, code="T-TOWN", population=20_000
    )
    village = org_services.unit_create(
        parent=town, name="东村", kind=UnitKind.VILLAGE, code="T-TOWN-V1"
    )
    mid = datetime.date(year, 6, 15)
    add_case(w, w.class_a, at(mid), 1000, amount_recovered_fen=25_000, victim=w.student_a2)
    add_case(w, w.class_a, at(mid, 11), 500, fraud_type="game_trade")
    add_case(w, w.other_class, at(mid), 300)
    add_case(w, village, at(mid), 200, amount_recovered_fen=10_000)
    add_case(w, w.class_a, at(datetime.date(year - 1, 6, 15)), 100)
    for day in range(4):
        add_case(w, w.class_a, at(datetime.date(2021, 3, 1 + day)), 100)

    letter = make_letter(w, w.school)
    sign(letter, w.student_a, app=True)
    quiz.passed = [w.student_a2, w.other_student]

    round_a, _ = risk_services.screening_round_open(unit=w.class_a, today=today)
    risk_services.screening_round_clear(round=round_a, by=w.teacher_a)
    risk_services.screening_round_open(unit=w.class_b, today=today)

    campaign = plan_services.campaign_create(
        unit=w.county,
        name="测试年度方案",
        start_date=period.start,
        end_date=period.end,
        by=w.admin,
    )
    plan_services.goal_add(
        campaign=campaign,
        indicator="学生涉诈案件数",
        comparison=CampaignGoal.Comparison.CHANGE_PCT,
        target_value=-50,
        unit_label="起",
        baseline_year=2021,
    )
    plan_services.goal_add(
        campaign=campaign,
        indicator="反诈知识知晓率",
        comparison=CampaignGoal.Comparison.AT_LEAST,
        target_value=90,
        unit_label="%",
    )
    plan_services.duty_template_create(
        campaign=campaign,
        title="主题班会",
        unit_kind=UnitKind.CLASS,
        cadence="once",
        due_date=today,
        role="teacher",
    )
    duty = Duty.objects.get(unit=w.class_a)
    plan_services.duty_submit(duty=duty, by=w.teacher_a, text="已召开主题班会")
    return StatsWorld(
        world=w,
        town=town,
        village=village,
        campaign=campaign,
        letter=letter,
        period=period,
        today=period.end + datetime.timedelta(days=1),
    )
