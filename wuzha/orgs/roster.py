"""Roster import and export: read a school's own spreadsheet, validate every row, apply in bulk.

The flow is always dry run first (`roster_run(..., dry_run=True)`), then an import of the valid
rows or of nothing. Both the web preview (`RosterImport`) and `manage.py import_roster` use it.
"""

import csv
import datetime
import hashlib
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import python_calamine
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.core.validators import (
    mask_id_number,
    mask_mobile,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)

from .models import (
    Gender,
    Guardianship,
    OrgUnit,
    Person,
    PersonKind,
    RosterImport,
    UnitKind,
    User,
)

Relation = Guardianship.Relation

HEADER_SCAN_ROWS = 5
PREVIEW_ROWS = 20
SUMMARY_ISSUES_CAP = 500
BATCH = 1000

# Normalised header text → field. Schools name their columns many ways; these are the usual ones.
HEADER_ALIASES: dict[str, str] = {
    **dict.fromkeys(["班级", "班级名称", "所在班级", "班别", "班"], "class"),
    **dict.fromkeys(["姓名", "学生姓名", "学生"], "name"),
    **dict.fromkeys(["性别", "学生性别"], "gender"),
    **dict.fromkeys(["学号", "学生学号", "学生编号", "学号/工号"], "number"),
    **dict.fromkeys(
        [
            "身份证号",
            "身份证",
            "身份证号码",
            "学生身份证号",
            "学生身份证号码",
            "证件号码",
            "公民身份号码",
        ],
        "id_number",
    ),
    **dict.fromkeys(["家长姓名", "监护人姓名", "监护人", "家长", "联系人"], "g0_name"),
    **dict.fromkeys(
        ["关系", "与学生关系", "与学生的关系", "监护人关系", "家长关系", "亲属关系", "与本人关系"],
        "g0_relation",
    ),
    **dict.fromkeys(
        [
            "家长手机",
            "家长手机号",
            "家长手机号码",
            "家长电话",
            "家长联系电话",
            "监护人手机",
            "监护人手机号",
            "监护人电话",
            "监护人联系电话",
            "联系电话",
            "手机号",
            "手机号码",
            "手机",
            "电话",
            "联系方式",
        ],
        "g0_mobile",
    ),
}
_GUARDIAN_PART = {
    **dict.fromkeys(["姓名"], "name"),
    **dict.fromkeys(["关系", "与学生关系", "与学生的关系"], "relation"),
    **dict.fromkeys(["手机", "手机号", "手机号码", "电话", "联系电话"], "mobile"),
}
_SLOT_RE = re.compile(r"^(?:家长|监护人|联系人)([1-9一二三四])(.+)$")
_PARENT_RE = re.compile(r"^(父亲|母亲|爸爸|妈妈)(.+)$")
_PARENT_SLOTS = {"父亲": ("f", Relation.FATHER), "爸爸": ("f", Relation.FATHER)} | {
    "母亲": ("m", Relation.MOTHER),
    "妈妈": ("m", Relation.MOTHER),
}

RELATION_ALIASES: dict[str, str] = {
    **dict.fromkeys(["父亲", "爸爸", "父", "父子", "父女"], Relation.FATHER),
    **dict.fromkeys(["母亲", "妈妈", "母", "母子", "母女"], Relation.MOTHER),
    **dict.fromkeys(
        ["爷爷", "奶奶", "外公", "外婆", "祖父", "祖母", "外祖父", "外祖母", "姥姥", "姥爷"],
        Relation.GRANDPARENT,
    ),
    **dict.fromkeys(["祖父母/外祖父母", "祖父母", "外祖父母"], Relation.GRANDPARENT),
    **dict.fromkeys(["其他", "其它"], Relation.OTHER),
    **{value: value for value in Relation.values},
}
GENDER_ALIASES: dict[str, str] = {
    **dict.fromkeys(["男", "m", "male", "男生"], Gender.MALE),
    **dict.fromkeys(["女", "f", "female", "女生"], Gender.FEMALE),
}
# Labels written by the export and the template, chosen so that they import back unchanged.
RELATION_EXPORT: dict[str, str] = {
    Relation.FATHER: "父亲",
    Relation.MOTHER: "母亲",
    Relation.GRANDPARENT: "祖父母/外祖父母",
    Relation.OTHER: "其他",
}
GENDER_EXPORT: dict[str, str] = {Gender.MALE: "男", Gender.FEMALE: "女"}
_RELATION_GENDER: dict[str, str] = {Relation.FATHER: Gender.MALE, Relation.MOTHER: Gender.FEMALE}


class RosterFileError(Exception):
    """The file as a whole cannot be read as a roster (wrong format, no header row)."""


class Issue(NamedTuple):
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(slots=True)
class GuardianEntry:
    name: str
    relation: str
    mobile: str


@dataclass(slots=True)
class RosterRow:
    row: int
    class_text: str
    name: str
    gender: str
    number: str
    id_number: str
    guardians: list[GuardianEntry]
    unit_id: int | None = None
    existing: "_Student | None" = None
    ok: bool = True


@dataclass
class RosterResult:
    """What a dry run found, or what an import did."""

    rows: int = 0
    valid: int = 0
    created: int = 0
    updated: int = 0
    guardians_created: int = 0
    links_created: int = 0
    imported: bool = False
    header_row: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    preview: list[dict[str, str]] = field(default_factory=list)

    @property
    def error_rows(self) -> int:
        return self.rows - self.valid

    def as_json(self) -> dict[str, Any]:
        """The `import_roster --json` contract."""
        return {
            "rows": self.rows,
            "valid": self.valid,
            "created": self.created,
            "updated": self.updated,
            "errors": [issue.as_dict() for issue in self.errors],
        }

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary for `RosterImport`, with the issue lists capped."""
        return {
            **self.as_json(),
            "errors": [i.as_dict() for i in self.errors[:SUMMARY_ISSUES_CAP]],
            "error_count": len(self.errors),
            "error_rows": self.error_rows,
            "warnings": [i.as_dict() for i in self.warnings[:SUMMARY_ISSUES_CAP]],
            "warning_count": len(self.warnings),
            "guardians_created": self.guardians_created,
            "links_created": self.links_created,
            "header_row": self.header_row,
            "ignored_columns": self.ignored_columns,
            "preview": self.preview,
        }


# --- reading files ------------------------------------------------------------------------


@dataclass
class Sheet:
    """The data rows of a roster, with the header mapping found in its first rows."""

    header_row: int
    columns: dict[str, int]  # field → column index
    labels: dict[str, str]  # field → header text as the school wrote it
    slots: list[str]  # guardian slots present, e.g. ["g0", "g1", "gf"]
    fixed_relations: dict[str, str]  # slot → relation implied by the header (父亲姓名)
    ignored: list[str]
    rows: list[tuple[int, list[Any]]]  # (spreadsheet row number, cells)


def _norm_header(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or ""))
    text = re.sub(r"\s+", "", text).replace("*", "").replace("＊", "")
    # Notes such as 身份证号(18位) or 手机号（必填） do not change what the column holds.
    return re.sub(r"[(\[【].*?[)\]】]", "", text)


def _header_field(text: str) -> tuple[str, str | None] | None:
    """Map one normalised header to (field, implied relation), or None if unknown."""
    if text in HEADER_ALIASES:
        return HEADER_ALIASES[text], None
    match = _SLOT_RE.match(text)
    if match and match[2] in _GUARDIAN_PART:
        slot = _cn_number(match[1])
        return f"g{slot}_{_GUARDIAN_PART[match[2]]}", None
    match = _PARENT_RE.match(text)
    if match and match[2] in _GUARDIAN_PART and _GUARDIAN_PART[match[2]] != "relation":
        parent_slot, relation = _PARENT_SLOTS[match[1]]
        return f"g{parent_slot}_{_GUARDIAN_PART[match[2]]}", relation
    return None


def _find_header(grid: list[list[Any]]) -> Sheet:
    best: tuple[int, int] | None = None  # (score, row index)
    for index, cells in enumerate(grid[:HEADER_SCAN_ROWS]):
        hits = (_header_field(_norm_header(cell)) for cell in cells)
        mapped = {hit[0] for hit in hits if hit is not None}
        if "name" in mapped and len(mapped) >= 2 and (best is None or len(mapped) > best[0]):
            best = (len(mapped), index)
    if best is None:
        raise RosterFileError(
            _(
                "没有找到表头：前5行中应有一行列名，至少包含“姓名”和“班级”或“学号”等。"
                "请下载导入模板对照修改。"
            )
        )
    index = best[1]
    columns: dict[str, int] = {}
    labels: dict[str, str] = {}
    fixed: dict[str, str] = {}
    ignored: list[str] = []
    for col, cell in enumerate(grid[index]):
        label = str(cell or "").strip()
        if not label:
            continue
        hit = _header_field(_norm_header(label))
        if hit is None or hit[0] in columns:
            ignored.append(label)
            continue
        columns[hit[0]] = col
        labels[hit[0]] = label
        if hit[1]:
            fixed[hit[0].split("_")[0]] = hit[1]
    slots = sorted({key.split("_")[0] for key in columns if key.startswith("g")})
    rows = [(i + 1, cells) for i, cells in enumerate(grid) if i > index]
    return Sheet(index + 1, columns, labels, slots, fixed, ignored, rows)


def _decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterFileError(_("无法识别CSV文件的编码，请另存为“CSV UTF-8”或 .xlsx 后再上传"))


def _read_csv(data: bytes) -> list[list[Any]]:
    text = _decode_csv(data)
    head = text[:4096]
    delimiter = "\t" if head.count("\t") > head.count(",") else ","
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def _read_xlsx(data: bytes) -> list[list[Any]]:
    if not data.startswith(b"PK"):
        raise RosterFileError(
            _("文件内容不是有效的 .xlsx 表格，请用 Excel 或 WPS 另存为 .xlsx 后再上传")
        )
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        # Row numbers must be the spreadsheet's own, so leading empty rows are kept.
        return book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (python_calamine.CalamineError, zipfile.BadZipFile, ValueError) as exc:
        raise RosterFileError(
            _("无法读取该 .xlsx 文件（可能已损坏或有密码），请重新保存后再上传")
        ) from exc


def read_sheet(data: bytes, filename: str) -> Sheet:
    """Read the first worksheet of an .xlsx or a .csv (UTF-8 or GB18030) and find its header."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xls":
        raise RosterFileError(_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 后再上传"))
    if suffix == ".csv":
        grid = _read_csv(data)
    elif suffix == ".xlsx":
        grid = _read_xlsx(data)
    else:
        raise RosterFileError(_("只能导入 .xlsx 或 .csv 文件"))
    return _find_header(grid)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


# --- class names --------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9]+|[零〇一二两三四五六七八九十]+"
_CLASS_ONLY_RE = re.compile(rf"^\(?({_NUM})\)?班$")
_GRADE_CLASS_RE = re.compile(rf"^(.+?)(?:年级)?\(?({_NUM})\)?班$")
_GRADE_RE = re.compile(rf"^(初|高|大)?({_NUM})$")


def _cn_number(text: str) -> int | None:
    """Parse 12, 十二, 二十一 or 三 into an int; None if it is not a number."""
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _CN_DIGITS and ch != "十" for ch in text):
        return None
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    tens, _sep, ones = text.partition("十")
    if "十" in ones or len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def normalize_class_name(value: str) -> str:
    """Full-width to half-width, no spaces, Chinese brackets to ASCII: 三（2）班 → 三(2)班."""
    text = unicodedata.normalize("NFKC", value)
    return re.sub(r"\s+", "", text).lower()


def grade_token(grade: str) -> str:
    """三年级 / 3年级 / 三 → "3"; 初一 → "初1"; anything else (2023级计算机) is kept as written."""
    grade = normalize_class_name(grade).removesuffix("年级")
    match = _GRADE_RE.match(grade)
    if match and (number := _cn_number(match[2])) is not None:
        return f"{match[1] or ''}{number}"
    return grade


def class_key(name: str, grade: str | None = None) -> str | None:
    """Canonical key "grade|class" for 三年级2班, 三(2)班, 3年级二班; `grade` fills in 2班."""
    text = normalize_class_name(name)
    match = _CLASS_ONLY_RE.match(text)
    if match:
        number = _cn_number(match[1])
        return f"{grade_token(grade)}|{number}" if grade and number is not None else None
    match = _GRADE_CLASS_RE.match(text)
    if match and (number := _cn_number(match[2])) is not None:
        return f"{grade_token(match[1])}|{number}"
    return None


class _ClassIndex:
    """The classes under the import unit, findable by the ways schools write their names."""

    def __init__(self, unit: OrgUnit, units: list[tuple[int, str, str, str, str, bool]]) -> None:
        by_path = {path: (pk, name, kind) for pk, name, kind, path, _code, _active in units}
        step = OrgUnit.steplen
        self.unit = unit
        self.keys: dict[str, set[int]] = {}
        self.names: dict[int, str] = {unit_row[0]: unit_row[1] for unit_row in units}
        self.in_scope: set[int] = set()
        self.default_grade = self._grade_of(unit.path, by_path, step)
        for pk, name, kind, path, code, active in units:
            if not active or not path.startswith(unit.path):
                continue
            self.in_scope.add(pk)
            if kind != UnitKind.CLASS:
                continue
            grade = self._grade_of(path, by_path, step)
            for key in (
                f"code:{code.lower()}",
                f"name:{normalize_class_name(name)}",
                class_key(name, grade),
            ):
                if key:
                    self.keys.setdefault(key, set()).add(pk)

    @staticmethod
    def _grade_of(path: str, by_path: dict[str, tuple[int, str, str]], step: int) -> str | None:
        for end in range(len(path), 0, -step):
            hit = by_path.get(path[:end])
            if hit and hit[2] == UnitKind.GRADE:
                return hit[1]
        return None

    def resolve(self, text: str) -> tuple[int | None, str | None]:
        """Return (class id, None) or (None, error message)."""
        if not text:
            if self.unit.is_class:
                return self.unit.pk, None
            return None, _("未填写班级")
        for key in (
            f"code:{text.strip().lower()}",
            class_key(text, self.default_grade),
            f"name:{normalize_class_name(text)}",
        ):
            hits = self.keys.get(key) if key else None
            if hits and len(hits) == 1:
                return next(iter(hits)), None
            if hits:
                return None, _("班级“%(name)s”对应多个班级，请写明年级，如“三年级2班”") % {
                    "name": text
                }
        return None, _(
            "班级不存在：%(name)s。请先在组织架构中创建该班级（导入不会自动建班），或检查名称是否写错"
        ) % {"name": text}


# --- validation ---------------------------------------------------------------------------


class _Student(NamedTuple):
    pk: int
    name: str
    unit_id: int
    gender: str
    number: str
    id_number: str
    is_active: bool


class _Context:
    """What the rows are checked against: the school's classes and its existing students."""

    def __init__(self, unit: OrgUnit) -> None:
        school = unit.school()
        if school is None:
            raise RosterFileError(
                _("只能向学校、年级或班级导入名册，“%(unit)s”不属于任何学校") % {"unit": unit.name}
            )
        self.unit = unit
        self.school = school
        units = list(
            OrgUnit.objects.filter(path__startswith=school.path).values_list(
                "pk", "name", "kind", "path", "code", "is_active"
            )
        )
        self.classes = _ClassIndex(unit, units)
        self.by_number: dict[str, _Student] = {}
        self.by_name_unit: dict[tuple[str, int], list[_Student]] = {}
        self.by_id_number: dict[str, _Student] = {}
        students = Person.objects.filter(school=school, kind=PersonKind.STUDENT).values_list(
            "pk", "name", "unit_id", "gender", "number", "id_number", "is_active"
        )
        for values in students.iterator(chunk_size=5000):
            student = _Student(*values)
            if student.number:
                self.by_number[student.number] = student
            self.by_name_unit.setdefault((student.name, student.unit_id), []).append(student)
            if student.id_number:
                self.by_id_number[student.id_number] = student

    def unit_name(self, pk: int) -> str:
        return self.classes.names.get(pk, "?")


def _check_id(value: str) -> str | None:
    try:
        validate_id_number(value)
    except ValidationError as exc:
        return exc.messages[0]
    return None


def _check_mobile(value: str) -> str | None:
    try:
        validate_mobile(value)
    except ValidationError as exc:
        return exc.messages[0]
    return None


class _Validator:
    def __init__(self, sheet: Sheet, ctx: _Context, result: RosterResult) -> None:
        self.sheet = sheet
        self.ctx = ctx
        self.result = result
        self.seen_numbers: dict[str, int] = {}
        self.seen_ids: dict[str, int] = {}
        self.seen_names: dict[tuple[str, int], int] = {}
        self.seen_students: dict[int, int] = {}

    def label(self, key: str) -> str:
        defaults = {
            "class": _("班级"),
            "name": _("姓名"),
            "gender": _("性别"),
            "number": _("学号"),
            "id_number": _("身份证号"),
        }
        return self.sheet.labels.get(key) or defaults.get(key, key)

    def run(self) -> list[RosterRow]:
        sheet = self.sheet
        if "class" not in sheet.columns and not self.ctx.unit.is_class:
            raise RosterFileError(
                _("表格中没有“班级”列。向学校或年级导入时必须填写每个学生的班级。")
            )
        col = sheet.columns
        get = {key: col.get(key) for key in ("class", "name", "gender", "number", "id_number")}
        parsed: list[RosterRow] = []
        for number, cells in sheet.rows:
            if not any(_text(c) for c in cells):
                continue

            def cell(index: int | None, cells: list[Any] = cells) -> Any:
                return cells[index] if index is not None and index < len(cells) else None

            guardians: list[GuardianEntry] = []
            raw_guardians: list[tuple[str, Any, Any, Any]] = []
            for slot in sheet.slots:
                raw_guardians.append(
                    (
                        slot,
                        cell(col.get(f"{slot}_name")),
                        cell(col.get(f"{slot}_relation")),
                        cell(col.get(f"{slot}_mobile")),
                    )
                )
            row = RosterRow(
                row=number,
                class_text=_text(cell(get["class"])),
                name=_text(cell(get["name"])),
                gender=_text(cell(get["gender"])),
                number=_text(cell(get["number"])),
                id_number="",
                guardians=guardians,
            )
            self.result.rows += 1
            errors_before = len(self.result.errors)
            self.check_student(row, cell(get["id_number"]))
            for slot, name, relation, mobile in raw_guardians:
                self.check_guardian(row, slot, name, relation, mobile)
            row.ok = len(self.result.errors) == errors_before
            if row.ok:
                self.result.valid += 1
                if row.existing is None:
                    self.result.created += 1
                else:
                    self.result.updated += 1
                if len(self.result.preview) < PREVIEW_ROWS:
                    self.result.preview.append(self.preview(row))
            parsed.append(row)
        return parsed

    def error(self, row: RosterRow, key: str, message: str) -> None:
        self.result.errors.append(Issue(row.row, self.label(key), message))

    def warn(self, row: RosterRow, key: str, message: str) -> None:
        self.result.warnings.append(Issue(row.row, self.label(key), message))

    def check_student(self, row: RosterRow, raw_id: Any) -> None:
        ctx = self.ctx
        if not row.name:
            self.error(row, "name", _("姓名不能为空"))
        elif len(row.name) > 50:
            self.error(row, "name", _("姓名过长（最多50个字）"))
        if row.gender:
            gender = GENDER_ALIASES.get(row.gender.lower())
            if gender is None:
                self.error(row, "gender", _("性别应填“男”或“女”，现为“%(v)s”") % {"v": row.gender})
            row.gender = gender or ""
        if isinstance(raw_id, float):
            self.error(
                row,
                "id_number",
                _("身份证号被表格存成了数字，后几位已丢失。请把该列设为“文本”格式后重新填写"),
            )
        elif raw_id not in (None, ""):
            row.id_number = normalize_id_number(_text(raw_id))
            message = _check_id(row.id_number)
            if message:
                self.error(row, "id_number", message)
                row.id_number = ""
            else:
                earlier = self.seen_ids.setdefault(row.id_number, row.row)
                if earlier != row.row:
                    self.error(
                        row, "id_number", _("身份证号与第 %(row)d 行重复") % {"row": earlier}
                    )
                id_gender = Gender.MALE if int(row.id_number[16]) % 2 else Gender.FEMALE
                if not row.gender:
                    row.gender = id_gender
                elif row.gender != id_gender:
                    self.warn(row, "gender", _("性别与身份证号不一致，请核对"))
        unit_id, message = ctx.classes.resolve(row.class_text)
        if message:
            self.error(row, "class", message)
        row.unit_id = unit_id
        if row.number:
            if len(row.number) > 40:
                self.error(row, "number", _("学号过长（最多40个字符）"))
            earlier = self.seen_numbers.setdefault(row.number, row.row)
            if earlier != row.row:
                self.error(
                    row,
                    "number",
                    _("学号“%(number)s”与第 %(row)d 行重复")
                    % {"number": row.number, "row": earlier},
                )
                return
            row.existing = ctx.by_number.get(row.number)
            if row.existing is None and unit_id is not None:
                # A student imported earlier without a number gets it now instead of a twin.
                unnumbered = [
                    s for s in ctx.by_name_unit.get((row.name, unit_id), []) if not s.number
                ]
                row.existing = unnumbered[0] if len(unnumbered) == 1 else None
        elif row.name and unit_id is not None:
            self.warn(row, "number", _("未填学号：按姓名和班级匹配，今后重新导入无法按学号更新"))
            earlier = self.seen_names.setdefault((row.name, unit_id), row.row)
            if earlier != row.row:
                self.error(
                    row, "name", _("同班同名且都没有学号，与第 %(row)d 行重复") % {"row": earlier}
                )
                return
            same = ctx.by_name_unit.get((row.name, unit_id), [])
            if len(same) > 1:
                self.error(
                    row,
                    "number",
                    _("本班已有 %(n)d 名叫“%(name)s”的学生，请填写学号以区分")
                    % {"n": len(same), "name": row.name},
                )
                return
            row.existing = same[0] if same else None
        self.check_existing(row)

    def check_existing(self, row: RosterRow) -> None:
        ctx = self.ctx
        existing = row.existing
        if row.id_number:
            owner = ctx.by_id_number.get(row.id_number)
            if owner is not None and (existing is None or owner.pk != existing.pk):
                self.error(
                    row,
                    "id_number",
                    _("身份证号已属于本校学生“%(name)s”（学号 %(number)s，%(cls)s）")
                    % {
                        "name": owner.name,
                        "number": owner.number or "-",
                        "cls": ctx.unit_name(owner.unit_id),
                    },
                )
                row.existing = None
                return
        if existing is None:
            return
        same_person_by_id = bool(row.id_number) and row.id_number == existing.id_number
        if row.name and existing.name != row.name and not same_person_by_id:
            self.error(
                row,
                "number",
                _(
                    "学号“%(number)s”已被本校学生“%(name)s”（%(cls)s）使用。"
                    "如是同一人改名，请同时填写身份证号"
                )
                % {
                    "number": existing.number,
                    "name": existing.name,
                    "cls": ctx.unit_name(existing.unit_id),
                },
            )
            row.existing = None
            return
        if existing.unit_id not in ctx.classes.in_scope:
            self.error(
                row,
                "number",
                _("学号“%(number)s”的学生“%(name)s”在%(cls)s，不在本次导入范围内，请在学校一级导入")
                % {
                    "number": existing.number,
                    "name": existing.name,
                    "cls": ctx.unit_name(existing.unit_id),
                },
            )
            row.existing = None
            return
        earlier = self.seen_students.setdefault(existing.pk, row.row)
        if earlier != row.row:
            self.error(row, "name", _("与第 %(row)d 行是同一名学生") % {"row": earlier})
            row.existing = None
            return
        if row.name and existing.name != row.name:
            self.warn(
                row,
                "name",
                _("姓名将由“%(old)s”改为“%(new)s”") % {"old": existing.name, "new": row.name},
            )
        if row.unit_id is not None and existing.unit_id != row.unit_id:
            self.warn(
                row,
                "class",
                _("将从%(old)s转入%(new)s")
                % {"old": ctx.unit_name(existing.unit_id), "new": ctx.unit_name(row.unit_id)},
            )

    def check_guardian(
        self, row: RosterRow, slot: str, name: Any, relation: Any, mobile: Any
    ) -> None:
        sheet = self.sheet
        name_text, relation_text, mobile_text = _text(name), _text(relation), _text(mobile)
        if not (name_text or relation_text or mobile_text):
            return
        name_key, relation_key, mobile_key = f"{slot}_name", f"{slot}_relation", f"{slot}_mobile"
        labels = self.sheet.labels
        ok = True
        if not name_text:
            self.result.errors.append(
                Issue(
                    row.row, labels.get(name_key, _("家长姓名")), _("填写了家长信息但缺少家长姓名")
                )
            )
            ok = False
        elif len(name_text) > 50:
            self.result.errors.append(
                Issue(row.row, labels.get(name_key, _("家长姓名")), _("家长姓名过长（最多50个字）"))
            )
            ok = False
        if mobile_text:
            mobile_text = normalize_mobile(mobile_text)
            message = _check_mobile(mobile_text)
            if message:
                self.result.errors.append(
                    Issue(row.row, labels.get(mobile_key, _("家长手机")), message)
                )
                ok = False
        elif name_text:
            self.result.warnings.append(
                Issue(
                    row.row,
                    labels.get(mobile_key, labels.get(name_key, "")),
                    _("家长“%(name)s”未填手机号，将无法收到通知") % {"name": name_text},
                )
            )
        fixed = sheet.fixed_relations.get(slot)
        value = fixed or RELATION_ALIASES.get(relation_text.lower() if relation_text else "")
        if value is None:
            value = Relation.OTHER
            column = labels.get(relation_key, labels.get(name_key, ""))
            message = (
                _("家长“%(name)s”的关系“%(rel)s”无法识别，按“其他”登记")
                if relation_text
                else _("家长“%(name)s”未填关系，按“其他”登记")
            )
            self.result.warnings.append(
                Issue(row.row, column, message % {"name": name_text, "rel": relation_text})
            )
        if ok:
            entry = GuardianEntry(name=name_text, relation=value, mobile=mobile_text)
            if entry not in row.guardians:
                row.guardians.append(entry)

    def preview(self, row: RosterRow) -> dict[str, str]:
        ctx = self.ctx
        if row.existing is None:
            action = _("新增")
        elif row.unit_id != row.existing.unit_id:
            action = _("转班")
        else:
            action = _("更新")
        return {
            "row": str(row.row),
            "class": ctx.unit_name(row.unit_id) if row.unit_id else "",
            "name": row.name,
            "gender": GENDER_EXPORT.get(row.gender, ""),
            "number": row.number,
            "id_number": mask_id_number(row.id_number),
            "guardians": "；".join(
                f"{g.name}（{RELATION_EXPORT[g.relation]}）{mask_mobile(g.mobile)}"
                for g in row.guardians
            ),
            "action": action,
        }


# --- apply --------------------------------------------------------------------------------
#
# The import writes Person and Guardianship rows with raw multi-row INSERT … RETURNING and
# executemany UPDATE rather than through services.person_create / guardian_link or even
# bulk_create: per-row services would take many minutes for 100,000 rows, and bulk_create spends
# most of its time compiling each value. The same rules are enforced by the validator above
# instead (name present and ≤ 50, number ≤ 40 and unique per school, ID number checksum, mobile
# format, gender and relation choices, school set from the unit), and the database constraints
# still hold as the last line of defence inside the one transaction.


@dataclass(slots=True)
class _Guardian:
    pk: int | None
    name: str
    mobile: str
    is_active: bool
    unit_id: int
    gender: str = ""


def _insert(model: type[Any], values: dict[str, Any], rows: list[tuple[Any, ...]]) -> list[int]:
    """Insert `rows` (in the order of `values`' keys, which are attnames) and return their ids.

    `values` maps each attname given per row to None and any other column to a fixed value; the
    remaining columns take their model default.
    """
    if not rows:
        return []
    per_row = [name for name, fixed in values.items() if fixed is None]
    columns: list[str] = []
    constants: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(f.column)
        if f.attname in per_row:
            continue
        value = values[f.attname] if f.attname in values else f.get_default()
        constants[f.column] = f.get_db_prep_save(value, connection)
    positions = {name: i for i, name in enumerate(per_row)}
    attnames = {f.column: f.attname for f in model._meta.concrete_fields}
    template = [
        (None, constants[c]) if c in constants else (positions[attnames[c]], None) for c in columns
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    column_sql = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    size = max(1, min(500, (connection.features.max_query_params or 999) // len(columns)))
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params: list[Any] = []
            for row in batch:
                params.extend([row[i] if i is not None else value for i, value in template])
            sql = f"INSERT INTO {table} ({column_sql}) VALUES " + ", ".join(
                [placeholders] * len(batch)
            )
            # Rows come back in VALUES order on SQLite and PostgreSQL (bulk_create relies on it).
            cursor.execute(f"{sql} RETURNING {pk_column}", params)
            ids.extend(r[0] for r in cursor.fetchall())
    assert len(ids) == len(rows)
    return ids


def _executemany(sql: str, params: list[tuple[Any, ...]]) -> None:
    # bulk_update builds CASE WHEN per row, quadratic on SQLite; one prepared UPDATE is linear.
    if not params:
        return
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH * 10):
            cursor.executemany(sql, params[start : start + BATCH * 10])


def _apply(rows: list[RosterRow], ctx: _Context, result: RosterResult) -> None:
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    school_id = ctx.school.pk
    valid = [r for r in rows if r.ok]
    student_pk: dict[int, int] = {}  # spreadsheet row → student pk
    new_rows: list[RosterRow] = []
    student_updates: list[tuple[Any, ...]] = []
    for row in valid:
        existing = row.existing
        if existing is None:
            new_rows.append(row)
            continue
        student_pk[row.row] = existing.pk
        values = (
            row.unit_id,
            row.name or existing.name,
            row.gender or existing.gender,
            row.number or existing.number,
            row.id_number or existing.id_number,
            True,
        )
        if values != (
            existing.unit_id,
            existing.name,
            existing.gender,
            existing.number,
            existing.id_number,
            existing.is_active,
        ):
            student_updates.append((*values, now, existing.pk))
    ids = _insert(
        Person,
        {
            "unit_id": None,
            "name": None,
            "gender": None,
            "number": None,
            "id_number": None,
            "school_id": school_id,
            "kind": PersonKind.STUDENT,
            "is_active": True,
            "created_at": timezone.now(),
            "updated_at": timezone.now(),
        },
        [(r.unit_id, r.name, r.gender, r.number, r.id_number) for r in new_rows],
    )
    for row, pk in zip(new_rows, ids, strict=True):
        student_pk[row.row] = pk
    table = connection.ops.quote_name(Person._meta.db_table)
    _executemany(
        f"UPDATE {table} SET unit_id = %s, name = %s, gender = %s, number = %s, "
        f"id_number = %s, is_active = %s, updated_at = %s WHERE id = %s",
        student_updates,
    )
    result.created = len(new_rows)
    result.updated = len(valid) - len(new_rows)
    _apply_guardians(valid, student_pk, ctx, result, now)
    result.imported = True


def _apply_guardians(
    valid: list[RosterRow],
    student_pk: dict[int, int],
    ctx: _Context,
    result: RosterResult,
    now: Any,
) -> None:
    if not any(row.guardians for row in valid):
        return
    school = ctx.school
    guardians: dict[int, _Guardian] = {}
    by_mobile_name: dict[tuple[str, str], _Guardian] = {}
    for pk, name, mobile, unit_id, is_active in (
        Person.objects.filter(school=school, kind=PersonKind.GUARDIAN)
        .values_list("pk", "name", "mobile", "unit_id", "is_active")
        .iterator(chunk_size=5000)
    ):
        known = _Guardian(pk, name, mobile, is_active, unit_id)
        guardians[pk] = known
        if mobile:
            by_mobile_name[(mobile, name)] = known
    links: dict[tuple[int, int], str] = {}
    linked: dict[int, list[_Guardian]] = {}
    for student_id, guardian_id, relation in (
        Guardianship.objects.filter(student__school=school, student__kind=PersonKind.STUDENT)
        .values_list("student_id", "guardian_id", "relation")
        .iterator(chunk_size=5000)
    ):
        links[(student_id, guardian_id)] = relation
        if guardian_id in guardians:
            linked.setdefault(student_id, []).append(guardians[guardian_id])

    new_guardians: list[_Guardian] = []
    changed: dict[int, _Guardian] = {}
    wanted: list[tuple[int, _Guardian, str]] = []
    for row in valid:
        assert row.unit_id is not None
        spk = student_pk[row.row]
        for entry in row.guardians:
            guardian: _Guardian | None = (
                by_mobile_name.get((entry.mobile, entry.name)) if entry.mobile else None
            )
            if guardian is None:
                # A guardian already linked to this student under the same name is the same
                # person, even if the phone number is new or has changed.
                guardian = next((g for g in linked.get(spk, []) if g.name == entry.name), None)
                if guardian is not None and entry.mobile and guardian.mobile != entry.mobile:
                    if guardian.mobile:
                        by_mobile_name.pop((guardian.mobile, guardian.name), None)
                    guardian.mobile = entry.mobile
                    by_mobile_name[(entry.mobile, entry.name)] = guardian
                    if guardian.pk:
                        changed[guardian.pk] = guardian
            if guardian is None:
                gender = _RELATION_GENDER.get(entry.relation, "")
                guardian = _Guardian(None, entry.name, entry.mobile, True, row.unit_id, gender)
                new_guardians.append(guardian)
                if entry.mobile:
                    by_mobile_name[(entry.mobile, entry.name)] = guardian
            if guardian.pk and not guardian.is_active:
                guardian.is_active = True
                changed[guardian.pk] = guardian
            family = linked.setdefault(spk, [])
            if not any(g is guardian for g in family):
                family.append(guardian)
            wanted.append((spk, guardian, entry.relation))

    ids = _insert(
        Person,
        {
            "unit_id": None,
            "name": None,
            "mobile": None,
            "gender": None,
            "school_id": school.pk,
            "kind": PersonKind.GUARDIAN,
            "is_active": True,
            "created_at": timezone.now(),
            "updated_at": timezone.now(),
        },
        [(g.unit_id, g.name, g.mobile, g.gender) for g in new_guardians],
    )
    for guardian, pk in zip(new_guardians, ids, strict=True):
        guardian.pk = pk
    table = connection.ops.quote_name(Person._meta.db_table)
    _executemany(
        f"UPDATE {table} SET mobile = %s, is_active = %s, updated_at = %s WHERE id = %s",
        [(g.mobile, g.is_active, now, pk) for pk, g in changed.items()],
    )
    new_links: dict[tuple[int, int], str] = {}
    relation_updates: dict[tuple[int, int], str] = {}
    for spk, guardian, relation in wanted:
        assert guardian.pk is not None
        pair = (spk, guardian.pk)
        current = links.get(pair)
        if current is None:
            new_links[pair] = relation
        elif current != relation:
            relation_updates[pair] = relation
    _insert(
        Guardianship,
        {"student_id": None, "guardian_id": None, "relation": None, "created_at": timezone.now()},
        [(s, g, relation) for (s, g), relation in new_links.items()],
    )
    link_table = connection.ops.quote_name(Guardianship._meta.db_table)
    _executemany(
        f"UPDATE {link_table} SET relation = %s WHERE student_id = %s AND guardian_id = %s",
        [(relation, s, g) for (s, g), relation in relation_updates.items()],
    )
    result.guardians_created = len(new_guardians)
    result.links_created = len(new_links)


def roster_run(
    unit: OrgUnit,
    data: bytes,
    filename: str,
    *,
    dry_run: bool,
    all_or_nothing: bool = False,
) -> RosterResult:
    """Validate a roster file against `unit`; unless `dry_run`, import its valid rows.

    With `all_or_nothing`, any row error means nothing is imported. Created/updated counts are
    what the import does, or in a dry run what it would do. Raises RosterFileError when the
    file as a whole cannot be read.
    """
    sheet = read_sheet(data, filename)
    result = RosterResult(header_row=sheet.header_row, ignored_columns=sheet.ignored)
    ctx = _Context(unit)
    rows = _Validator(sheet, ctx, result).run()
    if dry_run or not result.valid or (all_or_nothing and result.errors):
        return result
    with transaction.atomic():
        _apply(rows, ctx, result)
    return result


# --- uploads through the web ------------------------------------------------------------


def _read_upload(uploaded: UploadedFile) -> bytes:
    return b"".join(uploaded.chunks())


def roster_import_upload(*, unit: OrgUnit, user: User, uploaded: UploadedFile) -> RosterImport:
    """Dry-run an uploaded roster and keep it for preview; the same file again reuses its preview.

    Raises RosterFileError (nothing is stored) when the file cannot be read as a roster.
    """
    data = _read_upload(uploaded)
    filename = uploaded.name or "roster"
    digest = hashlib.sha256(data).hexdigest()
    result = roster_run(unit, data, filename, dry_run=True)
    existing = RosterImport.objects.filter(
        unit=unit, uploaded_by=user, sha256=digest, status=RosterImport.Status.PREVIEWED
    ).first()
    if existing is not None:
        # The roster may have changed since the first upload, so the preview is refreshed.
        existing.summary = result.summary()
        existing.save(update_fields=["summary"])
        return existing
    suffix = Path(filename).suffix.lower()
    item = RosterImport(
        unit=unit,
        uploaded_by=user,
        original_name=filename[:255],
        sha256=digest,
        summary=result.summary(),
    )
    # The stored name is the random token, not the school's file name, which may hold names.
    item.file.save(f"{item.token}{suffix}", ContentFile(data), save=False)
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # A double-submitted upload raced this one and won; use its record.
        item.file.delete(save=False)
        return RosterImport.objects.get(
            unit=unit, uploaded_by=user, sha256=digest, status=RosterImport.Status.PREVIEWED
        )
    return item


class CommitOutcome(NamedTuple):
    item: RosterImport
    result: RosterResult | None  # None when the import had already been committed or discarded


def roster_import_commit(*, item: RosterImport, all_or_nothing: bool) -> CommitOutcome:
    """Import the valid rows of a previewed upload, exactly once even if submitted twice.

    The file is validated again against the roster as it is now. With `all_or_nothing`, any
    error leaves the upload previewed and nothing imported.
    """
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().select_related("unit").get(pk=item.pk)
        if locked.status != RosterImport.Status.PREVIEWED:
            return CommitOutcome(locked, None)
        with locked.file.open("rb") as handle:
            data = handle.read()
        result = roster_run(
            locked.unit, data, locked.original_name, dry_run=False, all_or_nothing=all_or_nothing
        )
        locked.summary = result.summary()
        fields = ["summary"]
        if result.imported:
            locked.status = RosterImport.Status.IMPORTED
            locked.imported_at = timezone.now()
            locked.mode = (
                RosterImport.Mode.ALL_OR_NOTHING if all_or_nothing else RosterImport.Mode.VALID_ONLY
            )
            locked.outcome = {
                "created": result.created,
                "updated": result.updated,
                "skipped": result.error_rows,
                "guardians_created": result.guardians_created,
                "links_created": result.links_created,
            }
            fields += ["status", "imported_at", "mode", "outcome"]
        locked.save(update_fields=fields)
    return CommitOutcome(locked, result)


def roster_import_discard(*, item: RosterImport) -> RosterImport:
    """Give up a previewed upload; its stored file is deleted since nothing will use it."""
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=item.pk)
        if locked.status != RosterImport.Status.PREVIEWED:
            return locked
        if locked.file:
            locked.file.delete(save=False)
        locked.status = RosterImport.Status.DISCARDED
        locked.save(update_fields=["status", "file"])
    return locked


# --- template and export ------------------------------------------------------------------

TEMPLATE_HEADERS = [
    "班级",
    "姓名",
    "性别",
    "学号",
    "身份证号",
    "家长1姓名",
    "家长1关系",
    "家长1手机",
    "家长2姓名",
    "家长2关系",
    "家长2手机",
]


def roster_template_xlsx() -> bytes:
    """An import template: the header row, one example row and a sheet of instructions."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#F2F4F7", "border": 1})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(_("名册"))
    sheet.write_row(0, 0, TEMPLATE_HEADERS, head)
    sheet.set_column(0, 0, 14, text)
    sheet.set_column(1, 3, 10, text)
    sheet.set_column(4, 4, 22, text)
    sheet.set_column(5, len(TEMPLATE_HEADERS) - 1, 13, text)
    example = [
        "三年级2班",
        "张小明",
        "男",
        "2025001",
        "11010520150101003X",
        "张建国",
        "父亲",
        "13800138000",
        "李美丽",
        "母亲",
        "13900139000",
    ]
    sheet.write_row(1, 0, example, text)
    sheet.freeze_panes(1, 0)
    notes = book.add_worksheet(_("说明"))
    notes.set_column(0, 0, 100)
    lines = [
        _("名册导入说明"),
        _("1. 第2行是示例，导入前请删除。列的顺序可以调整，表头可以放在前5行中的任意一行。"),
        _("2. 班级必须已在组织架构中创建，可写作“三年级2班”“三(2)班”“3年级2班”等。"),
        _("3. 姓名必填；性别填“男”或“女”；身份证号和学号请设为“文本”格式，避免末位丢失。"),
        _("4. 学号在本校唯一：再次导入时按学号更新，不会重复新增。"),
        _("5. 家长关系可填：父亲、母亲、爷爷、奶奶、外公、外婆、其他；手机号为11位。"),
        _("6. 多位家长依次填写“家长1…”“家长2…”，也可以只用“家长姓名/关系/家长手机”三列。"),
        _("7. 同一家长有多个孩子时填写同一个手机号，系统会合并为一位家长。"),
        _("8. 支持 .xlsx 和 .csv（UTF-8 或 GBK/GB18030 编码）；不支持旧版 .xls，请另存为 .xlsx。"),
    ]
    for index, line in enumerate(lines):
        notes.write_string(index, 0, line)
    book.close()
    return buffer.getvalue()


def _export_rows(unit: OrgUnit, *, unmasked: bool) -> tuple[int, Iterator[list[str]]]:
    guardians: dict[int, list[tuple[str, str, str]]] = {}
    for student_id, name, relation, mobile in (
        Guardianship.objects.filter(
            student__unit__path__startswith=unit.path,
            student__kind=PersonKind.STUDENT,
            student__is_active=True,
        )
        .order_by("student_id", "relation", "guardian_id")
        .values_list("student_id", "guardian__name", "relation", "guardian__mobile")
        .iterator(chunk_size=5000)
    ):
        guardians.setdefault(student_id, []).append((name, relation, mobile))
    slots = min(max((len(v) for v in guardians.values()), default=1), 4)
    slots = max(slots, 2)
    students = (
        Person.objects.filter(
            unit__path__startswith=unit.path, kind=PersonKind.STUDENT, is_active=True
        )
        .order_by("unit__path", "number", "name", "pk")
        .values_list("pk", "unit__name", "name", "gender", "number", "id_number")
    )
    show_id = (lambda v: v) if unmasked else mask_id_number
    show_mobile = (lambda v: v) if unmasked else mask_mobile

    def rows() -> Iterator[list[str]]:
        for pk, unit_name, name, gender, number, id_number in students.iterator(chunk_size=5000):
            line = [unit_name, name, GENDER_EXPORT.get(gender, ""), number, show_id(id_number)]
            for g_name, relation, mobile in guardians.get(pk, [])[:slots]:
                line += [g_name, RELATION_EXPORT.get(relation, relation), show_mobile(mobile)]
            yield line

    return slots, rows()


def roster_export_xlsx(unit: OrgUnit, *, unmasked: bool) -> bytes:
    """The students of `unit`'s subtree with their guardians, in the import template's columns.

    ID and mobile numbers are masked unless `unmasked`; the caller decides and logs that.
    """
    slots, rows = _export_rows(unit, unmasked=unmasked)
    headers = TEMPLATE_HEADERS[:5]
    for slot in range(1, slots + 1):
        headers += [f"家长{slot}姓名", f"家长{slot}关系", f"家长{slot}手机"]
    buffer = io.BytesIO()
    # constant_memory streams rows to a temp file instead of holding every cell in memory.
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    head = book.add_format({"bold": True, "bg_color": "#F2F4F7"})
    sheet = book.add_worksheet(_("名册"))
    sheet.set_column(0, 0, 14)
    sheet.set_column(4, 4, 22)
    sheet.set_column(5, len(headers) - 1, 13)
    sheet.write_row(0, 0, headers, head)
    for index, line in enumerate(rows, start=1):
        for col, value in enumerate(line):
            sheet.write_string(index, col, value or "")
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def issues_text(issues: Iterable[Issue]) -> str:
    """Issues as lines for the command line: 第 12 行 [身份证号] …"""
    return "\n".join(
        _("第 %(row)d 行 [%(column)s] %(message)s")
        % {"row": i.row, "column": i.column or "-", "message": i.message}
        for i in issues
    )
