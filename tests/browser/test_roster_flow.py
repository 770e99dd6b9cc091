"""A school leader logs in, imports a roster, opens a class and sees its students."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from wuzha.orgs.models import Person
from wuzha.testing import PASSWORD, browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roster_xlsx() -> bytes:
    """A school's own spreadsheet: a merged title row, its own header order, one bad row."""
    wb = Workbook()
    ws = wb.active
    ws.append(["测试实验小学三年级学生名册"])
    ws.merge_cells("A1:F1")
    ws.append(["学号", "姓名", "班级", "性别", "家长姓名", "家长手机"])
    ws.append(["2023011", "孙浩然", "三(1)班", "男", "孙志强", "13912345678"])
    ws.append(["2023012", "周雨桐", "三年级1班", "女", "周丽", "13987654321"])
    ws.append(["2023013", "吴子涵", "三年级2班", "男", "吴刚", "1398765"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_leader_imports_roster_and_sees_the_class(page, world):
    browser_login(page, "t_leader", PASSWORD)
    assert "测试实验小学" in page.content()

    page.goto(f"/orgs/units/{world.school.code}/roster/upload/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "三年级名册.xlsx",
                "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "buffer": roster_xlsx(),
            }
        ],
    )
    page.click("text=上传并检查")
    page.wait_for_url("**/roster/imports/**")
    preview = page.content()
    assert "手机号" in preview  # the bad phone on spreadsheet row 5 is reported
    assert "5" in page.locator(".row-error").first.inner_text()

    with page.expect_navigation():
        page.click("button[name=action][value=import]")
    assert Person.objects.filter(name__in=["孙浩然", "周雨桐"]).count() == 2
    assert not Person.objects.filter(name="吴子涵").exists()

    page.goto(f"/orgs/units/{world.school.code}/")
    page.click("text=三年级")
    page.click("text=三年级1班")
    page.click("text=学生名册")
    # Auto-waiting assertions: the list page may still be loading after the click.
    expect(page.locator("#rows tbody tr td:first-child")).to_have_text(
        ["王小明", "李小红", "孙浩然", "周雨桐"]
    )
    page.click("text=孙浩然")
    expect(page.locator("body")).to_contain_text("孙志强")
    assert "139****5678" in page.content()
