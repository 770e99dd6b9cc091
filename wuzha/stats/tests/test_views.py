"""Pages and the API: permission matrix, bad input, exports, query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wuzha.core.periods import PeriodKind, parse, period_containing
from wuzha.orgs.services import api_token_create
from wuzha.plans import services as plan_services
from wuzha.stats import briefings, services
from wuzha.stats.models import Escalation, EvaluationKind, EvaluationRound, RankingEntry

from .conftest import add_case, at

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    _token, key = api_token_create(user=user)
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def objects(stats_world):
    """One escalation of the school, one evaluation of the school, one briefing of the school."""
    w = stats_world.world
    campaign = plan_services.campaign_create(
        unit=w.county,
        name="压案降损",
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
        by=w.coordinator,
    )
    rule = services.escalation_rule_for(campaign)
    month = parse("2025-05")
    add_case(w, w.class_b, at(datetime.date(2025, 5, 3)), 900)
    services.ranking_publish(parent=w.county, period=month, codes=rule.indicators)
    [escalation] = services.escalate(rule=rule, period=month, by=None, today=None)
    evaluation = services.evaluation_open(
        unit=w.school, kind=EvaluationKind.CLASS, period_key=stats_world.period.key, by=w.leader
    )
    term = period_containing(PeriodKind.TERM, timezone.localdate())
    briefing = briefings.briefing_draft(
        unit=w.school, kind="term", period_key=term.key, by=w.leader
    )
    return {"escalation": escalation, "evaluation": evaluation, "briefing": briefing}


def pages(w, objects) -> list[str]:
    code = w.school.code
    return [
        reverse("stats:dashboard", args=[code]),
        reverse("stats:dashboard_export", args=[code]),
        reverse("stats:rankings", args=[code]),
        reverse("stats:evaluations", args=[code]),
        reverse("stats:briefings", args=[code]),
        reverse("stats:escalation_detail", args=[objects["escalation"].token]),
        reverse("stats:escalation_document", args=[objects["escalation"].token]),
        reverse("stats:evaluation_detail", args=[objects["evaluation"].token]),
        reverse("stats:briefing_detail", args=[objects["briefing"].token]),
        reverse("stats:briefing_download", args=[objects["briefing"].token]),
        reverse("stats:dashboard", args=[w.class_a.code]),
    ]


def test_persona_matrix(client, stats_world, objects):
    w = stats_world.world
    urls = pages(w, objects)
    client.force_login(w.leader)
    for url in urls:
        assert client.get(url).status_code == 200, url
    client.force_login(w.other_teacher)
    for url in urls:
        assert client.get(url).status_code == 404, url
    for url in (urls[2], urls[3], urls[4], urls[7], urls[8]):
        assert client.post(url, {}).status_code == 404, url
    api = f"/api/v1/units/{w.school.code}/indicators"
    assert client.get(api, headers=bearer(w.other_teacher)).status_code == 404
    assert client.get(api, headers=bearer(w.leader)).status_code == 200
    assert client.get(api).status_code == 401
    assert client.post(api, headers=bearer(w.leader)).status_code == 405


def test_teacher_sees_the_class_but_may_not_run_office_actions(client, stats_world, objects):
    w = stats_world.world
    client.force_login(w.teacher_a)
    page = client.get(reverse("stats:dashboard", args=[w.class_a.code]))
    assert page.status_code == 200
    assert client.get(reverse("stats:dashboard", args=[w.class_b.code])).status_code == 404
    assert client.get(reverse("stats:home")).url == reverse(
        "stats:dashboard", args=[w.class_a.code]
    )
    form = {"period_key": "2025-05", "indicators": ["cases"]}
    assert client.post(reverse("stats:rankings", args=[w.class_a.code]), form).status_code == 403
    url = reverse("stats:evaluation_detail", args=[objects["evaluation"].token])
    client.force_login(w.teacher_b)
    assert client.get(url).status_code == 404  # the round is the school's, above class B
    client.force_login(w.leader)
    assert client.delete(reverse("stats:dashboard", args=[w.school.code])).status_code == 405


def test_dashboard_content_drill_down_and_bad_period(client, stats_world):
    w = stats_world.world
    client.force_login(w.admin)
    url = reverse("stats:dashboard", args=[w.county.code])
    page = client.get(url, {"period": stats_world.period.key}).content.decode()
    assert reverse("stats:dashboard", args=[w.school.code]) in page
    assert "echarts.min.js" in page and 'id="stats-charts"' in page
    bad = client.get(url, {"period": "2026-13"}).content.decode()
    assert "月份必须在1到12之间" in bad
    api = client.get(
        f"/api/v1/units/{w.county.code}/indicators", {"period": "2026-13"}, headers=bearer(w.admin)
    )
    assert api.status_code == 422 and api.json()["detail"] == "月份必须在1到12之间"


def test_dashboard_query_count_is_bounded(client, stats_world, django_assert_max_num_queries):
    client.force_login(stats_world.world.admin)
    url = reverse("stats:dashboard", args=[stats_world.world.county.code])
    with django_assert_max_num_queries(60):
        assert client.get(url, {"period": stats_world.period.key}).status_code == 200


def test_export_has_the_chart_tables(client, stats_world):
    w = stats_world.world
    client.force_login(w.admin)
    response = client.get(
        reverse("stats:dashboard_export", args=[w.county.code]), {"period": stats_world.period.key}
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["指标", "发案趋势", "诈骗类型"]
    rows = list(book["指标"].iter_rows(min_row=3, values_only=True))
    cases = next(r for r in rows if r[0] == "测试县" and r[1] == "发案数")
    assert cases[2] == 4
    types = {r[0]: r[1] for r in book["诈骗类型"].iter_rows(min_row=2, values_only=True)}
    assert types == {"刷单返利类": 3, "网络游戏产品虚假交易类": 1}


def test_api_rows(client, stats_world):
    w = stats_world.world
    body = client.get(
        f"/api/v1/units/{w.county.code}/indicators",
        {"period": stats_world.period.key},
        headers=bearer(w.admin),
    ).json()
    assert body["baseline_year"] == 2021
    assert [c["code"] for c in body["children"]] == ["T-EDU", "T-SCH-A", "T-SCH-B", "T-TOWN"]
    school = {i["code"]: i for i in body["children"][1]["indicators"]}
    assert school["cases_per_10k"]["numerator"] == 2
    assert school["cases_per_10k"]["denominator"] == 3
    assert school["cases"]["target"]["comparison"] == "change_pct"
    assert school["cases"]["baseline"] == 4 and school["cases"]["change_baseline"] == -50.0


def test_double_submit_opens_one_evaluation_and_bad_input_is_explained(client, stats_world):
    w = stats_world.world
    client.force_login(w.leader)
    url = reverse("stats:evaluations", args=[w.school.code])
    form = {"kind": "class", "period_key": stats_world.period.key, "require_no_case": "on"}
    first = client.post(url, form)
    second = client.post(url, form)
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert EvaluationRound.objects.count() == 1
    bad = client.post(url, {"kind": "class", "period_key": "2026-Q7"})
    assert bad.status_code == 400 and "季度必须在1到4之间" in bad.content.decode()
    briefs = reverse("stats:briefings", args=[w.school.code])
    wrong = client.post(briefs, {"kind": "biweekly", "period_key": "2026-T1"})
    assert wrong.status_code == 400 and "双周简报" in wrong.content.decode()


def test_rule_form_keeps_the_ladder_ascending(client, stats_world):
    w = stats_world.world
    url = reverse("stats:rule_edit", args=[w.county.code, stats_world.campaign.pk])
    client.force_login(w.teacher_a)
    assert client.get(url).status_code == 404  # the county is outside the teacher's scope
    client.force_login(w.coordinator)
    form = {
        "indicators": ["cases", "losses"],
        "unit_kind": "",
        "deputy_months": 3,
        "head_months": 2,
        "listing_notices": 3,
        "rectify_days": 30,
    }
    bad = client.post(url, form)
    assert bad.status_code == 400
    assert "约谈主要负责人的月数必须大于约谈分管负责人的月数" in bad.content.decode()
    form["head_months"] = 4
    assert client.post(url, form).status_code == 302
    rule = stats_world.campaign.escalation_rule
    rule.refresh_from_db()
    assert (rule.indicators, rule.head_months) == (["cases", "losses"], 4)


def test_office_runs_a_rule_for_a_month(client, stats_world):
    w = stats_world.world
    url = reverse("stats:rankings", args=[w.county.code])
    client.force_login(w.coordinator)
    form = {"campaign": stats_world.campaign.pk, "period_key": "2026-Q2"}
    bad = client.post(url, form)
    assert bad.status_code == 400 and "排名按月进行" in bad.content.decode()
    month = f"{stats_world.period.start.year}-06"
    assert client.post(url, {**form, "period_key": month}).status_code == 302
    # June: the school leads cases (2), losses (1500) … but not 万人发案数 (the other school's
    # single student makes 10,000), so it is ranked, not notified.
    page = client.get(url).content.decode()
    assert month in page and "测试实验小学" in page
    assert RankingEntry.objects.filter(period_key=month).count() == 3 * 4
    assert Escalation.objects.count() == 0
