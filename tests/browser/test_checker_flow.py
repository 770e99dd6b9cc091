"""A parent on a phone checks a suspicious SMS and reports it to the school in a few taps."""

import pytest
from playwright.sync_api import expect

from wuzha.risk.models import Clue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SMS = (
    "【某宝客服】您购买的儿童外套质量问题需退款，请加QQ 2873xxxx 并下载屏幕共享软件，"
    "按提示把钱转到安全账户"
)


def test_parent_checks_a_message_and_reports_it(page, world):
    page.goto("/check/")
    page.fill("textarea", SMS)
    page.click("button:has-text('检查')")
    # htmx swaps in the result without leaving the page.
    expect(page.locator("#checker-result")).to_contain_text("很可能是诈骗")
    expect(page.locator("#checker-result mark.sig").first).to_be_visible()
    assert Clue.objects.count() == 0  # nothing stored by checking

    with page.expect_navigation():
        page.click("button:has-text('举报线索')")
    page.fill("input[name=q]", world.school.name)
    with page.expect_navigation():
        page.click("button:has-text('查找')")
    with page.expect_navigation():
        page.click(f"button:has-text('{world.school.name}')")
    expect(page.locator("textarea[name=content]")).to_have_value(SMS)
    assert Clue.objects.count() == 0  # the pre-filled form is shown, not submitted

    with page.expect_navigation():
        page.click("button:has-text('提交线索')")
    expect(page.locator("body")).to_contain_text("查询码")
    clue = Clue.objects.get()
    assert clue.unit == world.school and clue.content == SMS
