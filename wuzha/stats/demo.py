"""Demo data: three months of rankings of 示范县 with their escalations, one 无诈班级 evaluation
of the demo primary school, and one issued 专项简报. Idempotent: each part checks, then creates.
"""

import datetime
from typing import Any

from django.utils import timezone

from wuzha.core.periods import PeriodKind, period_containing
from wuzha.orgs.models import OrgUnit, User
from wuzha.plans.models import Campaign

from . import briefings, documents, services
from .models import Briefing, EvaluationKind, EvaluationRound, RankingEntry

COUNTY_CODE = "339901"
SCHOOL_CODE = f"{COUNTY_CODE}-PS01"
MONTHS = 3


def _rankings(county: OrgUnit, office: User, out: Any) -> None:
    campaign = Campaign.objects.filter(unit=county).order_by("start_date", "pk").first()
    if campaign is None:
        out("示范县没有工作方案，跳过排名示范数据。")
        return
    rule = services.escalation_rule_for(campaign)
    month = period_containing(PeriodKind.MONTH, timezone.localdate())
    months = []
    for _i in range(MONTHS):
        month = services.previous_month(month)
        months.append(month)
    created = 0
    for period in reversed(months):
        if RankingEntry.objects.filter(parent=county, period_key=period.key).exists():
            continue
        services.ranking_publish(
            parent=county, period=period, codes=rule.indicators, campaign=campaign
        )
        created += len(services.escalate(rule=rule, period=period, by=office, today=None))
    out(f"月度排名示范：{len(months)} 个月，新增通报/约谈 {created} 项。")


def _evaluation(school: OrgUnit, leader: User | None, out: Any) -> None:
    year = period_containing(PeriodKind.YEAR, timezone.localdate())
    if EvaluationRound.objects.filter(
        unit=school, kind=EvaluationKind.CLASS, period_key=year.key
    ).exists():
        return
    round = services.evaluation_open(
        unit=school,
        kind=EvaluationKind.CLASS,
        period_key=year.key,
        by=leader,
        require_duties_complete=False,
    )
    qualifying = list(round.candidates.filter(qualifies=True).values_list("pk", flat=True))
    if leader is not None and qualifying:
        services.evaluation_approve(round=round, by=leader, candidate_ids=qualifying)
    out(f"无诈班级评选示范：{round.candidates.count()} 个班级，{len(qualifying)} 个符合条件。")


def _briefing(county: OrgUnit, office: User, out: Any) -> None:
    today = timezone.localdate()
    current = period_containing(PeriodKind.BIWEEK, today)
    last = period_containing(PeriodKind.BIWEEK, current.start - datetime.timedelta(days=1))
    if Briefing.objects.filter(unit=county, kind=Briefing.Kind.BIWEEKLY).exists():
        return
    try:
        briefing = briefings.briefing_draft(
            unit=county, kind=Briefing.Kind.BIWEEKLY, period_key=last.key, by=office
        )
    except documents.ChartFontMissing as exc:
        out(f"跳过简报示范：{exc}")
        return
    briefings.briefing_update(
        briefing=briefing,
        by=office,
        title=briefing.title,
        summary="本期各单位按计划开展主题班会和家长告知，隐患摸排按期完成。",
    )
    briefings.briefing_issue(briefing=briefing, by=office)
    out(f"简报示范：《{briefing.title}》已印发。")


def seed_demo_step(ctx: Any) -> None:
    out = getattr(ctx, "out", print)
    county = OrgUnit.objects.filter(code=COUNTY_CODE).first()
    office = User.objects.filter(username="demo_admin").first()
    if county is None or office is None:
        out("未找到示范县或管理员账号，跳过统计示范数据。")
        return
    _rankings(county, office, out)
    school = OrgUnit.objects.filter(code=SCHOOL_CODE).first()
    if school is not None:
        _evaluation(school, User.objects.filter(username="school_leader").first(), out)
    _briefing(county, office, out)
