"""A class teacher submits this month's class meeting; the leader returns it, then accepts it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from wuzha.plans.models import Duty
from wuzha.plans.testing import class_meeting_campaign, jpeg_bytes
from wuzha.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def as_user(page, username):
    page.context.clear_cookies()
    browser_login(page, username, PASSWORD)


def test_submit_return_resubmit_accept_then_on_time(page, world):
    today = timezone.localdate()
    class_meeting_campaign(world.school, today=today, by=world.leader)
    month = f"{today:%Y-%m}"
    duty = Duty.objects.get(unit=world.class_a, period_key=month)

    as_user(page, "t_teacher_a")
    page.click("nav >> text=工作任务")
    page.locator(".duty-list li", has_text=month).locator("a.title").click()
    page.fill("textarea[name=text]", "全班学习冒充客服退款诈骗案例，讨论识别方法。")
    page.fill("input[name=attendance]", "41")
    page.set_input_files(
        "input[name=attachments]",
        files=[
            {"name": "班会1.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(11)},
            {"name": "班会2.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(12)},
        ],
    )
    page.click("#submit button[type=submit]")
    page.wait_for_selector("text=已提交，等待上级审核")
    assert page.locator("#duty-status").inner_text() == "待审核"
    assert page.locator(".thumbs img").count() == 2

    as_user(page, "t_leader")
    page.goto("/plans/")
    page.locator(".duty-list li", has_text="三年级1班").locator("a.title").click()
    page.select_option("select[name=decision]", "return")
    page.fill("#review textarea[name=comment]", "请补充学生发言的照片")
    page.click("#review button[type=submit]")
    page.wait_for_selector("text=审核结果已保存")
    assert page.locator("#duty-status").inner_text() == "已退回"

    as_user(page, "t_teacher_a")
    page.goto(f"/plans/duties/{duty.token}/")
    assert "请补充学生发言的照片" in page.content()
    page.fill("textarea[name=text]", "补充了学生发言的照片。")
    page.fill("input[name=attendance]", "41")
    page.set_input_files(
        "input[name=attachments]",
        files=[{"name": "发言.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(13)}],
    )
    page.click("#submit button[type=submit]")
    page.wait_for_selector("text=已提交，等待上级审核")

    as_user(page, "t_leader")
    page.goto(f"/plans/duties/{duty.token}/")
    page.select_option("select[name=decision]", "accept")
    page.click("#review button[type=submit]")
    page.wait_for_selector("text=审核结果已保存")
    assert page.locator("#duty-status").inner_text() == "已通过"

    page.goto(f"/plans/units/{world.school.code}/completeness/?period={month}")
    page.click("#completeness >> text=三年级")
    row = page.locator("#completeness tbody tr", has_text="三年级1班")
    expect(row).to_be_visible()  # the grade's page has replaced the school's
    cells = row.locator("td").all_inner_texts()
    # 单位, 应交, 已交, 按时, 逾期, 缺报
    assert cells[1:6] == ["1", "1", "1", "0", "0"]
    duty.refresh_from_db()
    assert (duty.status, duty.is_late) == ("accepted", False)
