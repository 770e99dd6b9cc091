"""`manage.py import_roster`: the --json contract, dry run, import, and refusals."""

import json

import pytest
from django.core.management import CommandError, call_command

from wuzha.orgs.models import Person, PersonKind
from wuzha.orgs.tests.test_roster_parse import HEADERS, csv_bytes, make_id, xlsx_bytes

pytestmark = pytest.mark.django_db


def call(*args):
    from io import StringIO

    out = StringIO()
    call_command("import_roster", *map(str, args), stdout=out)
    return out.getvalue()


@pytest.fixture
def planted(tmp_path):
    """A roster with a merged title row and errors planted on rows 4, 6 and 7."""
    rows = [
        ["三年级2班", "张一", "男", "2025001", make_id(1), "张父", "父亲", "13800000001"],
        ["三年级2班", "张二", "男", "2025002", "110105201501010010", "", "", ""],
        ["三(1)班", "张三", "男", "2025003", make_id(3), "", "", ""],
        ["四年级1班", "张四", "男", "2025004", make_id(4), "", "", ""],
        ["三年级1班", "张五", "男", "2025001", make_id(5), "张母", "母亲", "1380000"],
    ]
    path = tmp_path / "名册.xlsx"
    path.write_bytes(xlsx_bytes([HEADERS, *rows], title="测试实验小学三年级学生名册"))
    return path


def test_dry_run_json_reports_exactly_the_planted_rows(world, planted):
    output = json.loads(call(planted, "--unit", world.school.code, "--dry-run", "--json"))
    assert set(output) == {"rows", "valid", "created", "updated", "errors"}
    assert (output["rows"], output["valid"], output["created"], output["updated"]) == (5, 2, 2, 0)
    assert [(e["row"], e["column"]) for e in output["errors"]] == [
        (4, "身份证号"),
        (6, "班级"),
        (7, "学号"),
        (7, "家长手机"),
    ]
    assert output["errors"][2]["message"] == "学号“2025001”与第 3 行重复"
    assert not Person.objects.filter(number__startswith="2025").exists()


def test_import_then_reimport_updates(world, planted):
    output = json.loads(call(planted, "--unit", world.school.code, "--json"))
    assert (output["created"], output["updated"]) == (2, 0)
    output = json.loads(call(planted, "--unit", world.school.code, "--json"))
    assert (output["created"], output["updated"]) == (0, 2)
    assert Person.objects.filter(kind=PersonKind.STUDENT, number__startswith="2025").count() == 2


def test_all_or_nothing(world, planted):
    text = call(planted, "--unit", world.school.code, "--all-or-nothing")
    assert "没有导入任何数据" in text
    assert not Person.objects.filter(number__startswith="2025").exists()


def test_human_output(world, tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([HEADERS, ["三年级2班", "", "", "1", "", "", "", ""]], "gb18030"))
    text = call(path, "--unit", world.school.code, "--dry-run")
    assert "共 1 行：有效 0 行，有错误 1 行" in text
    assert "第 2 行 [姓名] 姓名不能为空" in text


def test_missing_file_unknown_unit_and_unreadable_file(world, tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        call(tmp_path / "none.xlsx", "--unit", world.school.code)
    path = tmp_path / "r.csv"
    path.write_bytes(csv_bytes([HEADERS]))
    with pytest.raises(CommandError, match="单位不存在：NOPE"):
        call(path, "--unit", "NOPE")
    path.write_bytes(b"nothing here")
    with pytest.raises(CommandError, match="没有找到表头"):
        call(path, "--unit", world.school.code)
