"""Reading roster files: encodings, header detection, header aliases, class-name matching."""

import csv
import io
from collections.abc import Sequence

import openpyxl
import pytest

from wuzha.core.validators import id_number_check_digit
from wuzha.orgs import roster
from wuzha.orgs.roster import RosterFileError, class_key, grade_token, read_sheet

HEADERS = ["班级", "姓名", "性别", "学号", "身份证号", "家长姓名", "关系", "家长手机"]


def make_id(seq: int, birth: str = "20150101", male: bool = True) -> str:
    """A checksum-valid 身份证号; the sequence's last digit carries the gender."""
    body = f"110105{birth}{seq % 100:02d}{1 if male else 2}"
    return body + id_number_check_digit(body)


def xlsx_bytes(
    rows: Sequence[Sequence[object]], title: str | None = None, blank_rows: int = 0
) -> bytes:
    """An .xlsx with optional empty rows and a merged title row above the data."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for _ in range(blank_rows):
        sheet.append([])
    if title:
        sheet.append([title])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(rows[0]))
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Sequence[Sequence[object]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


class TestClassNames:
    @pytest.mark.parametrize(
        "text", ["三年级2班", "三(2)班", "三（2）班", "3年级2班", "三年级二班", " 三年级 (2) 班 "]
    )
    def test_school_spellings_share_one_key(self, text):
        assert class_key(text) == "3|2"

    def test_class_only_names_take_the_grade(self):
        assert class_key("2班", "三年级") == "3|2"
        assert class_key("(12)班", "初一") == "初1|12"
        assert class_key("十二班", "三年级") == "3|12"
        assert class_key("2班") is None

    def test_other_forms(self):
        assert class_key("三年级十二班") == "3|12"
        assert class_key("初一(3)班") == "初1|3"
        assert class_key("高三2班") == "高3|2"
        assert class_key("2023级计算机1班") == "2023级计算机|1"
        assert class_key("计算机应用") is None
        assert grade_token("三年级") == grade_token("3年级") == "3"


class TestReading:
    def test_merged_title_row_and_blank_rows_are_skipped(self):
        data = xlsx_bytes(
            [
                HEADERS,
                ["三年级2班", "张三", "男", 2025001, make_id(1), "张父", "父亲", 13800138000],
            ],
            title="XX小学2025年三年级学生名册",
            blank_rows=1,
        )
        sheet = read_sheet(data, "名册.xlsx")
        assert sheet.header_row == 3
        assert sheet.rows[0][0] == 4
        assert sheet.columns["name"] == 1
        assert roster._text(sheet.rows[0][1][3]) == "2025001"
        assert roster._text(sheet.rows[0][1][7]) == "13800138000"

    def test_gb18030_csv_is_decoded(self):
        data = csv_bytes([["学生花名册"], HEADERS, ["三(2)班", "欧阳䶮", "女"]], "gb18030")
        sheet = read_sheet(data, "roster.csv")
        assert sheet.header_row == 2
        assert sheet.rows[0] == (3, ["三(2)班", "欧阳䶮", "女"])

    def test_utf8_bom_csv_and_tab_separated(self):
        data = "\ufeff姓名\t班级\n李四\t三年级1班\n".encode()
        sheet = read_sheet(data, "roster.csv")
        assert sheet.columns == {"name": 0, "class": 1}

    def test_header_variants_in_any_order(self):
        header = [
            "序号",
            "联系电话",
            "与学生关系",
            "监护人姓名",
            "身份证号码",
            "学生姓名",
            "班级名称",
        ]
        sheet = read_sheet(csv_bytes([header]), "x.csv")
        assert sheet.columns == {
            "g0_mobile": 1,
            "g0_relation": 2,
            "g0_name": 3,
            "id_number": 4,
            "name": 5,
            "class": 6,
        }
        assert sheet.ignored == ["序号"]
        assert sheet.labels["g0_mobile"] == "联系电话"

    def test_numbered_guardians_and_parent_columns(self):
        header = ["姓名", "班级", "家长1姓名", "家长1关系", "家长1手机", "家长2姓名", "家长2手机号"]
        header += ["母亲姓名", "母亲电话", "身份证号（18位）", "*学号"]
        sheet = read_sheet(csv_bytes([header]), "x.csv")
        assert sheet.slots == ["g1", "g2", "gm"]
        assert sheet.fixed_relations == {"gm": "mother"}
        assert sheet.columns["id_number"] == 9
        assert sheet.columns["number"] == 10

    def test_no_header_in_first_five_rows(self):
        data = csv_bytes([["说明"]] * 5 + [HEADERS])
        with pytest.raises(RosterFileError, match="没有找到表头"):
            read_sheet(data, "x.csv")

    def test_wrong_formats_are_refused_in_chinese(self):
        with pytest.raises(RosterFileError, match="xls"):
            read_sheet(b"\xd0\xcf\x11\xe0", "old.xls")
        with pytest.raises(RosterFileError, match=r"有效的 \.xlsx"):
            read_sheet(b"name,class", "fake.xlsx")
        with pytest.raises(RosterFileError, match="无法读取"):
            read_sheet(b"PK\x03\x04broken", "broken.xlsx")
        with pytest.raises(RosterFileError, match="只能导入"):
            read_sheet(b"x", "roster.txt")
