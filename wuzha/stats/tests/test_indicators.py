"""Each indicator against the hand-computed world in conftest.py."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wuzha.core.periods import parse
from wuzha.orgs import services as org_services
from wuzha.orgs.models import PersonKind, UnitKind
from wuzha.stats import indicators

from .conftest import add_case, at

pytestmark = pytest.mark.django_db


def table_for(sw, unit=None, **kw):
    return indicators.unit_indicators(unit or sw.world.county, sw.period, today=sw.today, **kw)


def values(row):
    return {code: cell.value for code, cell in row.cells.items()}


def test_county_total_matches_the_hand_computed_figures(stats_world):
    table = table_for(stats_world)
    assert values(table.total) == {
        "coverage": 75.0,
        "awareness": 50.0,
        "receipts": 33.33,
        "app_installs": 25.0,
        "screening": 50.0,
        "duties": 33.33,
        "duties_on_time": 33.33,
        "cases": 4,
        "losses": 2000.0,
        "recovered": 17.5,
        "cases_per_10k": 10000.0,
    }
    cases = table.total["cases"]
    assert (cases.previous, cases.change_yoy) == (1, 300.0)
    assert (cases.baseline, cases.change_baseline) == (4, 0.0)
    assert table.baseline_year == 2021
    assert cases.progress is not None and cases.progress.met is False


def test_child_rows_per_10000_baseline_and_small_units(stats_world):
    w = stats_world.world
    table = table_for(stats_world)
    rows = {r.unit.code: r for r in table.rows}
    assert list(rows) == ["T-EDU", "T-SCH-A", "T-SCH-B", "T-TOWN"]
    school = rows["T-SCH-A"]
    assert values(school) == {
        "coverage": 66.67,
        "awareness": 33.33,
        "receipts": 33.33,
        "app_installs": 33.33,
        "screening": 50.0,
        "duties": 50.0,
        "duties_on_time": 50.0,
        "cases": 2,
        "losses": 1500.0,
        "recovered": 16.67,
        "cases_per_10k": 6666.67,
    }
    # Two cases now, one last year, four in the baseline year 2021: −50 % meets the −50 % goal.
    assert school["cases"].change_yoy == 100.0
    assert school["cases"].change_baseline == -50.0
    assert school["cases"].progress.met is True
    assert school["awareness"].progress.met is False  # goal: at least 90 %
    # A rate changes by points: no APP confirmed by the end of last year, 1 of 3 now.
    app = school["app_installs"]
    assert (app.previous, app.change_yoy, app.change_unit) == (0.0, 33.33, "pp")
    assert (school["receipts"].previous, school["receipts"].change_yoy) == (None, None)
    # A school of one student: its rates are shown but marked as not comparable.
    other = rows["T-SCH-B"]
    assert (other["coverage"].value, other["coverage"].small) == (100.0, True)
    assert other["receipts"].value is None  # no letter went there
    assert (other["cases_per_10k"].numerator, other["cases_per_10k"].denominator) == (1, 1)
    # No roster: the town's population is the denominator of 万人发案数.
    town = rows["T-TOWN"]["cases_per_10k"]
    assert (town.denominator, town.value, town.small) == (20_000, 0.5, False)
    assert rows["T-EDU"]["cases_per_10k"].value is None
    assert w.school.code == "T-SCH-A"


def test_counts_roll_up_as_the_sum_of_the_children(stats_world):
    table = table_for(stats_world, compare=False)
    for code, total in table.total.cells.items():
        assert total.numerator == pytest.approx(sum(r[code].numerator for r in table.rows)), code
        if code != "cases_per_10k" and total.denominator is not None:
            assert total.denominator == pytest.approx(
                sum(r[code].denominator or 0 for r in table.rows)
            ), code


def test_school_rows_are_its_classes_and_drill_down_to_a_class(stats_world):
    w = stats_world.world
    table = table_for(stats_world, unit=w.school)
    assert [r.unit.code for r in table.rows if not r.is_self] == [w.class_a.code, w.class_b.code]
    class_a = table_for(stats_world, unit=w.class_a)
    assert class_a.rows == []
    assert values(class_a.total)["cases"] == 2
    assert class_a.total["coverage"].value == 100.0  # 王小明 by receipt, 李小红 by quiz


def test_awareness_shows_no_data_without_a_quiz_channel(stats_world, no_quiz):
    table = table_for(stats_world)
    cell = table.total["awareness"]
    assert (cell.available, cell.value, cell.display) == (False, None, "暂无数据")
    # Coverage still counts the other channels: only 王小明's signed letter is left.
    assert table.total["coverage"].value == 25.0


def test_queries_do_not_grow_with_the_subtree(stats_world):
    w = stats_world.world
    with CaptureQueriesContext(connection) as before:
        table_for(stats_world)
    for n in range(4):
        unit = org_services.unit_create(
            parent=w.grade, name=f"三年级{n + 3}班", kind=UnitKind.CLASS, code=f"T-G3-{n}"
        )
        person = org_services.person_create(
            unit=unit, kind=PersonKind.STUDENT, name=f"学生{n}", number=f"30{n}"
        )
        add_case(w, unit, at(datetime.date(stats_world.period.start.year, 3, 1)), 10)
        assert person.pk
    with CaptureQueriesContext(connection) as after:
        table = table_for(stats_world)
    assert table.total["cases"].value == 8
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(after.captured_queries) <= 40


def test_bounded_queries_for_the_county(stats_world, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        table_for(stats_world)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("学生涉诈案件数", "cases"),
        ("电信网络诈骗发案数", "cases"),
        ("群众经济损失", "losses"),
        ("群众防骗知识知晓率", "awareness"),
        ("国家反诈中心APP安装率", "app_installs"),
        ("学生承诺书签订率", "receipts"),
        ("万人发案数", "cases_per_10k"),
        ("“无诈班级”创建覆盖率", ""),
    ],
)
def test_goal_text_maps_to_an_indicator(text, code):
    assert indicators.goal_indicator(text) == code


@pytest.mark.parametrize(
    ("key", "year", "expected"),
    [("2026-11", 2021, "2021-11"), ("2026-T1", 2025, "2025-T1"), ("2026-2027", 2021, "2021-2022"),
     ("2020-W53", 2025, None)],
)  # fmt: skip
def test_same_period_in_another_year(key, year, expected):
    shifted = indicators.shift_period(parse(key), year)
    assert (shifted.key if shifted else None) == expected


def test_county_rows_list_police_stations_instead_of_their_bureau(stats_world):
    w = stats_world.world
    police = org_services.unit_create(
        parent=w.county, name="测试县公安局", kind=UnitKind.BUREAU, code="T-GAJ"
    )
    for n in (1, 2):
        org_services.unit_create(
            parent=police, name=f"第{n}派出所", kind=UnitKind.POLICE_STATION, code=f"T-PCS-{n}"
        )
    codes = [u.code for u in indicators.row_units(w.county)]
    assert codes == ["T-EDU", "T-SCH-A", "T-SCH-B", "T-TOWN", "T-PCS-1", "T-PCS-2"]
