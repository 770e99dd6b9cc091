"""The county office opens the statistics and drills down to a class."""

import pytest

from wuzha.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_county_dashboard_drills_down_to_a_class(page, stats_world):
    w = stats_world.world
    browser_login(page, w.admin.username, PASSWORD)
    page.goto(f"/stats/units/{w.county.code}/?period={stats_world.period.key}")
    assert "测试县" in page.text_content("h1")
    page.wait_for_selector("#chart-children canvas")
    total = page.locator("#indicator-table tr.total")
    assert "10000.0" in total.text_content()  # 万人发案数 of the county: 4 cases, 4 students

    page.click(f"#indicator-table a.drill:text('{w.school.name}')")
    page.wait_for_url(f"**/stats/units/{w.school.code}/**")
    rows = page.locator("#indicator-table a.drill").all_text_contents()
    assert rows == [w.class_a.name, w.class_b.name]  # a school lists its classes, not grades

    page.click(f"#indicator-table a.drill:text('{w.class_a.name}')")
    page.wait_for_url(f"**/stats/units/{w.class_a.code}/**")
    assert w.class_a.name in page.text_content("h1")
    headline = page.locator("#headline [data-code=cases] .v").text_content()
    assert headline.strip() == "2"
