"""Roster import at county scale: a 100,000-row file for one school of 60 classes.

Times parse + validate (the dry run) for .xlsx and for a GB18030 .csv, the first import,
a re-import in which every tenth student changes class and every fifth guardian's phone
changes, and the export of the whole school.
"""

import csv
import io
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

ROWS = 100_000
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
CLASSES_PER_GRADE = 10
HEADERS = ["班级", "姓名", "性别", "学号", "身份证号", "家长1姓名", "家长1关系", "家长1手机"]
HEADERS += ["家长2姓名", "家长2关系", "家长2手机"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "小明红刚丽华军芳伟静磊洋勇艳杰娟涛敏超霞"

Report = Callable[..., None]


def _school():
    from wuzha.orgs import services
    from wuzha.orgs.models import UnitKind

    county = services.unit_create(parent=None, name="基准县", kind=UnitKind.COUNTY, code="B-C")
    school = services.unit_create(
        parent=county, name="基准实验小学", kind=UnitKind.PRIMARY_SCHOOL, code="B-S"
    )
    for g, grade_name in enumerate(GRADES, start=1):
        grade = services.unit_create(
            parent=school, name=grade_name, kind=UnitKind.GRADE, code=f"B-S-{g}"
        )
        for c in range(1, CLASSES_PER_GRADE + 1):
            services.unit_create(
                parent=grade, name=f"{grade_name}{c}班", kind=UnitKind.CLASS, code=f"B-S-{g}-{c}"
            )
    return school


def _rows(seed: int, moved: bool = False) -> list[list[str]]:
    """Students with one or two guardians; one family in fifty has two children (shared phone)."""
    from wuzha.core.validators import id_number_check_digit

    rng = random.Random(seed)
    spellings = ["{g}{c}班", "{short}({c})班", "{short}年级{c}班"]
    rows = []
    for i in range(ROWS):
        grade = i % len(GRADES)
        klass = (i // len(GRADES)) % CLASSES_PER_GRADE + 1
        if moved and i % 10 == 0:
            klass = klass % CLASSES_PER_GRADE + 1
        short = GRADES[grade][0]
        name_class = spellings[i % 3].format(g=GRADES[grade], short=short, c=klass)
        # Region digits carry i // 1000 and the sequence i % 1000, so every number is unique.
        region = f"33{i // 1000:02d}01"
        body = f"{region}{2010 + grade:04d}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        id_number = body + id_number_check_digit(body)
        family = i - 1 if i % 50 == 1 else i
        surname = SURNAMES[family % len(SURNAMES)]
        father_mobile = f"13{family % 10}{family:08d}"
        if moved and i % 5 == 0:
            father_mobile = f"15{family % 10}{family:08d}"
        row = [
            name_class,
            surname + rng.choice(GIVEN) + rng.choice(GIVEN),
            "男" if int(id_number[16]) % 2 else "女",
            f"S{i:06d}",
            id_number,
            surname + "建国",
            "父亲",
            father_mobile,
            "",
            "",
            "",
        ]
        if i % 2 == 0:
            row[8:] = ["李" + rng.choice(GIVEN) + "梅", "母亲", f"18{family % 10}{family:08d}"]
        rows.append(row)
    return rows


def _xlsx(path: Path, rows: list[list[str]]) -> None:
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_string(0, 0, "基准实验小学2025年学生名册")
    sheet.write_row(1, 0, HEADERS)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()


def _csv(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("gb18030"))


def _timed(report: Report, label: str, action: Callable[[], object]) -> object:
    started = time.perf_counter()
    outcome = action()
    elapsed = time.perf_counter() - started
    report(label, elapsed, "s")
    report(f"{label} (rows/s)", ROWS / elapsed, "rows/s")
    return outcome


def run(report: Report) -> None:
    from wuzha.orgs.models import Guardianship, Person, PersonKind
    from wuzha.orgs.roster import roster_export_xlsx, roster_run

    school = _school()
    with tempfile.TemporaryDirectory() as tmp:
        xlsx_path, csv_path, moved_path = (
            Path(tmp, "r.xlsx"),
            Path(tmp, "r.csv"),
            Path(tmp, "m.xlsx"),
        )
        started = time.perf_counter()
        rows = _rows(1)
        _xlsx(xlsx_path, rows)
        _csv(csv_path, rows)
        _xlsx(moved_path, _rows(1, moved=True))
        report("generate 100k-row .xlsx ×2 and .csv", time.perf_counter() - started, "s")
        report("xlsx size", xlsx_path.stat().st_size / 2**20, "MB")

        xlsx, gb_csv = xlsx_path.read_bytes(), csv_path.read_bytes()
        result = _timed(
            report,
            "dry run .xlsx (parse + validate)",
            lambda: roster_run(school, xlsx, "r.xlsx", dry_run=True),
        )
        assert result.valid == ROWS, result.errors[:5]  # type: ignore[attr-defined]
        _timed(
            report,
            "dry run .csv GB18030 (parse + validate)",
            lambda: roster_run(school, gb_csv, "r.csv", dry_run=True),
        )
        result = _timed(
            report,
            "import (parse + validate + write)",
            lambda: roster_run(school, xlsx, "r.xlsx", dry_run=False),
        )
        assert result.created == ROWS  # type: ignore[attr-defined]
        moved = moved_path.read_bytes()
        result = _timed(
            report,
            "re-import with changes (10% move, 20% new phone)",
            lambda: roster_run(school, moved, "m.xlsx", dry_run=False),
        )
        assert (result.created, result.updated) == (0, ROWS)  # type: ignore[attr-defined]
        _timed(
            report,
            "re-import unchanged file",
            lambda: roster_run(school, moved, "m.xlsx", dry_run=False),
        )
        students = Person.objects.filter(kind=PersonKind.STUDENT).count()
        guardians = Person.objects.filter(kind=PersonKind.GUARDIAN).count()
        report("students in the database", students, "")
        report("guardians in the database", guardians, "")
        report("guardianship links", Guardianship.objects.count(), "")
        started = time.perf_counter()
        content = roster_export_xlsx(school, unmasked=False)
        report("export whole school to .xlsx", time.perf_counter() - started, "s")
        report("export size", len(content) / 2**20, "MB")
