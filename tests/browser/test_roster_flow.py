"""A school leader logs in, imports a roster, opens a class and sees its students."""

import pytest

from wuzha.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leader_sees_class_roster(page, world):
    browser_login(page, "t_leader", PASSWORD)
    assert "测试实验小学" in page.content()
    page.goto(f"/orgs/units/{world.class_a.code}/persons/")
    rows = page.locator("#rows tbody tr")
    assert rows.count() == 2
    assert "王小明" in rows.first.inner_text()
