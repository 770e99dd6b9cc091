"""The plan templates carry the seeds' facts as duties, not only as phase text."""

import pytest

from wuzha.plans.templates_data import PLAN_TEMPLATES

# The school plan's "六个一": one keyword of each activity, and the cadence the plan gives it.
SIX_ONES = [
    ("倡议书", "once"),
    ("班级群", "weekly"),
    ("公众号", "weekly"),
    ("主题班会", "monthly"),
    ("专题培训", "term"),
    ("无诈班级", "once"),
]


@pytest.mark.parametrize(("keyword", "cadence"), SIX_ONES)
def test_school_plan_has_a_duty_for_each_of_the_six_ones(keyword, cadence):
    duties = PLAN_TEMPLATES["school_100_days"]["duties"]
    matching = [d for d in duties if keyword in d["title"]]
    assert len(matching) == 1, keyword
    assert matching[0]["cadence"] == cadence


def test_case_targets_are_measured_against_a_baseline_year():
    cases = {
        code: [(goal[2], goal[4]) for goal in template["goals"] if "发案数" in goal[0]]
        for code, template in PLAN_TEMPLATES.items()
    }
    assert cases["county_publicity_year"] == [(-50, 2021)]
    assert cases["town_three_year"] == [(-30, 2023)]
