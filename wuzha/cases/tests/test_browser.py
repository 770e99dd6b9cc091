"""On a phone: a teacher files an emergency case; the police liaison acknowledges from the link."""

import re

import pytest
from django.core import mail

from wuzha.cases.models import Case
from wuzha.orgs import services as org_services
from wuzha.orgs.models import Role
from wuzha.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_files_emergency_and_police_acknowledges_from_link(
    page, browser, live_server, world, settings
):
    settings.SITE_URL = live_server.url
    org_services.user_invite(
        username="t_police",
        display_name="李警官",
        unit=world.county,
        role=Role.POLICE,
        password=PASSWORD,
        email="police@example.com",
    )
    browser_login(page, world.teacher_a.username, PASSWORD)
    page.get_by_role("link", name="紧急止付").first.click()
    page.wait_for_url("**/cases/units/*/emergency/")
    assert page.get_by_role("link", name="96110").is_visible()
    page.get_by_label("被骗学生").select_option(label="王小明（2023001）")
    page.get_by_label("转账金额（元）").fill("3000")
    page.get_by_label("对方收款账户").fill("6222 0000 1111 2222 张某")
    page.get_by_role("button", name="立即上报并通知警方").click()

    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    assert page.get_by_text("已保存，正在等待警方确认").is_visible()
    assert page.get_by_text("不要再向对方转任何钱", exact=False).first.is_visible()
    case = Case.objects.get()
    assert case.amount_lost_fen == 300_000 and case.notified_at is not None

    # The police liaison gets the link by email and opens it on their own phone, logged in.
    found = re.search(r"https?://\S+/cases/ack/\S+/", str(mail.outbox[0].body))
    assert found is not None
    link = found.group(0)
    police_context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    police_page = police_context.new_page()
    browser_login(police_page, "t_police", PASSWORD)
    police_page.goto(link)
    assert police_page.get_by_text("¥3,000.00").is_visible()
    police_page.get_by_role("button", name="李警官：确认接警").click()
    police_page.wait_for_url(f"**/cases/{case.pk}/")
    assert police_page.get_by_text("警方已确认").is_visible()
    police_context.close()

    # The teacher's screen notices by itself (it polls while waiting).
    page.get_by_text("警方已确认").wait_for(timeout=12_000)
    case.refresh_from_db()
    assert case.acknowledged_by is not None
    assert case.acknowledged_by.username == "t_police"
