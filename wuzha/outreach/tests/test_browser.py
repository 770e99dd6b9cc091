"""On a phone: a class teacher records a class meeting with two absentees and a photo."""

import pytest

from wuzha.orgs import services as org_services
from wuzha.orgs.models import PersonKind
from wuzha.outreach.models import Activity, ActivityFile, Attendance
from wuzha.testing import PASSWORD, browser_login

from .factories import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_teacher_records_a_class_meeting_and_coverage_updates(page, world):
    for n, name in enumerate(["张子轩", "刘欣怡", "陈浩宇", "杨梓涵"], start=3):
        org_services.person_create(
            unit=world.class_a, kind=PersonKind.STUDENT, name=name, number=f"202300{n}"
        )
    browser_login(page, world.teacher_a.username, PASSWORD)

    page.get_by_role("link", name="宣传与覆盖").click()
    assert page.locator("#unreached-count").inner_text() == "6"

    page.get_by_role("link", name="登记活动").click()
    page.get_by_label("王小明 2023001").uncheck()
    page.get_by_label("杨梓涵 2023006").uncheck()
    assert page.locator("[data-present-count]").inner_text() == "4"
    page.set_input_files(
        "input[name=photos]",
        files=[{"name": "班会.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}],
    )
    page.get_by_role("button", name="保存活动").click()

    page.wait_for_url("**/outreach/activities/*/")
    assert page.locator("#present-count").inner_text() == "4"
    assert page.locator("#absent-count").inner_text() == "2"
    assert page.get_by_text("班会.jpg").is_visible()

    page.get_by_role("link", name="三年级1班").last.click()
    assert page.locator("#reached-count").inner_text() == "4"
    assert page.locator("#unreached-count").inner_text() == "2"
    unreached = page.locator("table.coverage tbody tr").all_inner_texts()
    assert len(unreached) == 2
    assert "王**" in unreached[0] and "杨**" in unreached[1]
    assert "王小明" not in page.content()  # masked by default

    activity = Activity.objects.get()
    assert activity.kind == "class_meeting"
    assert Attendance.objects.filter(activity=activity, present=False).count() == 2
    assert ActivityFile.objects.filter(activity=activity).count() == 1
