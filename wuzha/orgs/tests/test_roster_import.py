"""Validating and importing rosters: row errors, warnings, re-import, guardians, all-or-nothing."""

from unittest import mock

import pytest

from wuzha.orgs import roster, services
from wuzha.orgs.models import Guardianship, Person, PersonKind, UnitKind
from wuzha.orgs.roster import RosterFileError, roster_run
from wuzha.orgs.tests.test_roster_parse import HEADERS, csv_bytes, make_id, xlsx_bytes

pytestmark = pytest.mark.django_db


def run(unit, rows, *, dry_run=False, header=HEADERS, **kwargs):
    return roster_run(unit, csv_bytes([header, *rows]), "roster.csv", dry_run=dry_run, **kwargs)


def students(unit):
    return Person.objects.filter(unit__path__startswith=unit.path, kind=PersonKind.STUDENT)


def errors_by_row(result):
    return {(e.row, e.column): e.message for e in result.errors}


class TestValidation:
    def test_every_kind_of_row_error_is_reported_where_it_is(self, world):
        rows = [
            ["三年级2班", "张一", "男", "2025001", make_id(1), "张父", "父亲", "13800000001"],
            ["三年级2班", "", "男", "2025002", make_id(2), "", "", ""],
            ["三年级2班", "张三", "男", "2025003", make_id(3)[:-1] + "0", "", "", ""],
            ["三年级2班", "张四", "男", "2025001", make_id(4), "", "", ""],
            ["五年级9班", "张五", "男", "2025005", make_id(5), "", "", ""],
            ["三年级2班", "张六", "男", "2025006", make_id(6), "张母", "母亲", "12345"],
            ["三年级2班", "张七", "未知", "2025007", make_id(7), "", "", ""],
            ["三年级2班", "张八", "男", "2025008", make_id(8), "", "", "13800000008"],
        ]
        result = run(world.school, rows, dry_run=True)
        found = errors_by_row(result)
        assert set(found) == {
            (3, "姓名"),
            (4, "身份证号"),
            (5, "学号"),
            (6, "班级"),
            (7, "家长手机"),
            (8, "性别"),
            (9, "家长姓名"),
        }
        assert found[(4, "身份证号")] == "身份证号校验位不正确，请核对"
        assert found[(5, "学号")] == "学号“2025001”与第 2 行重复"
        assert "班级不存在：五年级9班" in found[(6, "班级")]
        assert "请先在组织架构中创建" in found[(6, "班级")]
        assert (result.rows, result.valid, result.created, result.updated) == (8, 1, 1, 0)
        assert not students(world.school).filter(number__startswith="2025").exists()

    def test_class_spellings_match_the_existing_class(self, world):
        rows = [
            [text, f"学生{i}", "", f"31{i}", "", "", "", ""]
            for i, text in enumerate(
                ["三(2)班", "三（2）班", "三年级2班", "3年级2班", "三年级二班"]
            )
        ]
        result = run(world.school, rows)
        assert result.errors == []
        assert students(world.class_b).filter(number__startswith="31").count() == 5

    def test_class_only_name_needs_a_grade(self, world):
        result = run(world.grade, [["2班", "甲", "", "41", "", "", "", ""]])
        assert result.errors == [] and students(world.class_b).filter(number="41").exists()
        result = run(world.school, [["2班", "乙", "", "42", "", "", "", ""]], dry_run=True)
        assert "班级不存在" in result.errors[0].message

    def test_import_into_a_class_needs_no_class_column(self, world):
        result = run(world.class_a, [["阿明", "2025100"]], header=["姓名", "学号"])
        assert result.errors == []
        assert Person.objects.get(number="2025100").unit == world.class_a

    def test_class_outside_the_import_unit_is_unknown(self, world):
        result = run(
            world.class_a, [["三年级2班", "阿明", "", "2025101", "", "", "", ""]], dry_run=True
        )
        assert result.errors[0].column == "班级"

    def test_file_without_class_column_for_a_school(self, world):
        with pytest.raises(RosterFileError, match="没有“班级”列"):
            run(world.school, [["阿明", "1"]], header=["姓名", "学号"])

    def test_unit_outside_any_school_is_refused(self, world):
        with pytest.raises(RosterFileError, match="不属于任何学校"):
            run(world.county, [["三年级2班", "阿明", "", "1", "", "", "", ""]])

    def test_numeric_id_number_in_xlsx_is_an_error_not_a_silent_loss(self, world):
        data = xlsx_bytes(
            [HEADERS, ["三年级2班", "张三", "男", 1, int(make_id(9)[:17] + "1"), "", "", ""]]
        )
        result = roster_run(world.school, data, "r.xlsx", dry_run=True)
        assert "存成了数字" in result.errors[0].message

    def test_warnings_do_not_block(self, world):
        rows = [
            ["三年级2班", "无学号", "女", "", make_id(10, male=False), "李母", "舅妈", ""],
            ["三年级1班", "赵小刚", "男", "2023101", "", "", "", ""],
            ["三年级2班", "性别错", "女", "2025011", make_id(11), "王某", "", "13800000011"],
        ]
        result = run(world.school, rows, dry_run=True)
        assert result.errors == []
        messages = [(w.row, w.message) for w in result.warnings]
        assert (2, "未填学号：按姓名和班级匹配，今后重新导入无法按学号更新") in messages
        assert (2, "家长“李母”的关系“舅妈”无法识别，按“其他”登记") in messages
        assert (2, "家长“李母”未填手机号，将无法收到通知") in messages
        assert (3, "将从三年级2班转入三年级1班") in messages
        assert (4, "性别与身份证号不一致，请核对") in messages
        assert (4, "家长“王某”未填关系，按“其他”登记") in messages


class TestStudentNumbers:
    def test_number_of_another_student_in_the_school_is_an_error(self, world):
        result = run(world.school, [["三年级2班", "冒名", "", "2023001", "", "", "", ""]])
        assert "学号“2023001”已被本校学生“王小明”（三年级1班）使用" in result.errors[0].message
        world.student_a.refresh_from_db()
        assert world.student_a.name == "王小明"

    def test_same_number_and_name_updates_and_moves_class(self, world):
        result = run(
            world.school, [["三年级2班", "王小明", "男", "2023001", make_id(20), "", "", ""]]
        )
        assert (result.created, result.updated) == (0, 1)
        world.student_a.refresh_from_db()
        assert world.student_a.unit == world.class_b
        assert world.student_a.id_number == make_id(20)

    def test_rename_is_allowed_when_the_id_number_matches(self, world):
        services.person_update(person=world.student_a, id_number=make_id(21))
        result = run(
            world.school, [["三年级1班", "王晓明", "", "2023001", make_id(21), "", "", ""]]
        )
        assert result.errors == [] and result.updated == 1
        assert "姓名将由“王小明”改为“王晓明”" in result.warnings[0].message

    def test_id_number_of_another_student_is_an_error(self, world):
        services.person_update(person=world.student_a, id_number=make_id(22))
        result = run(world.school, [["三年级2班", "新生", "", "2025200", make_id(22), "", "", ""]])
        assert "身份证号已属于本校学生“王小明”" in result.errors[0].message

    def test_number_used_in_another_school_is_no_clash(self, world):
        result = run(world.other_school, [["初一1班", "陈小丽", "女", "2023001", "", "", "", ""]])
        assert (result.created, result.updated) == (0, 1)
        result = run(world.school, [["三年级1班", "王小明", "", "2023001", "", "", "", ""]])
        assert (result.created, result.updated) == (0, 1)

    def test_student_outside_the_import_unit_is_not_taken_over(self, world):
        result = run(world.class_b, [["", "王小明", "", "2023001", "", "", "", ""]], dry_run=True)
        assert "不在本次导入范围内" in result.errors[0].message

    def test_unnumbered_student_is_matched_by_name_and_class_then_numbered(self, world):
        run(world.school, [["三年级2班", "无号生", "", "", "", "", "", ""]])
        result = run(world.school, [["三年级2班", "无号生", "", "2025300", "", "", "", ""]])
        assert (result.created, result.updated) == (0, 1)
        assert students(world.school).get(name="无号生").number == "2025300"


class TestImport:
    def test_import_sets_school_class_and_guardians(self, world):
        rows = [["三(2)班", "张一", "男", "2025001", make_id(1), "张父", "爸爸", "138 0000 0001"]]
        result = run(world.school, rows)
        assert (result.created, result.guardians_created, result.links_created) == (1, 1, 1)
        student = Person.objects.get(number="2025001")
        assert (student.unit, student.school, student.gender) == (world.class_b, world.school, "M")
        link = Guardianship.objects.get(student=student)
        assert link.relation == Guardianship.Relation.FATHER
        assert (link.guardian.mobile, link.guardian.school, link.guardian.kind) == (
            "13800000001",
            world.school,
            PersonKind.GUARDIAN,
        )

    def test_three_bad_rows_among_five_thousand(self, world):
        services.unit_create(parent=world.grade, name="三年级3班", kind=UnitKind.CLASS, code="G3-3")
        classes = ["三年级1班", "三(2)班", "三年级三班"]
        rows = [
            [
                classes[i % 3],
                f"学生{i}",
                "男女"[i % 2],
                f"S{i:05d}",
                "",
                f"家长{i}",
                "母亲",
                f"139{i:08d}",
            ]
            for i in range(5000)
        ]
        rows[100][4] = "110105201501010010"  # bad checksum
        rows[2500][1] = ""  # missing name
        rows[4999][3] = "S00007"  # duplicate of an earlier row
        data = xlsx_bytes([HEADERS, *rows], title="测试实验小学三年级学生名册")
        result = roster_run(world.school, data, "名册.xlsx", dry_run=True)
        assert [(e.row, e.column) for e in result.errors] == [
            (103, "身份证号"),
            (2503, "姓名"),
            (5002, "学号"),
        ]
        assert "与第 10 行重复" in result.errors[2].message
        assert (result.rows, result.valid, result.created) == (5000, 4997, 4997)
        result = roster_run(world.school, data, "名册.xlsx", dry_run=False)
        assert result.imported and result.created == 4997
        assert students(world.school).count() == 3 + 4997
        assert Guardianship.objects.count() == 1 + 4997

        again = roster_run(world.school, data, "名册.xlsx", dry_run=False)
        assert (again.created, again.updated, again.guardians_created, again.links_created) == (
            0,
            4997,
            0,
            0,
        )
        assert students(world.school).count() == 3 + 4997
        assert Person.objects.filter(kind=PersonKind.GUARDIAN).count() == 1 + 4997

    def test_reimport_updates_changes_without_duplicates(self, world):
        rows = [["三年级2班", "张一", "男", "2025001", "", "张父", "父亲", "13800000001"]]
        run(world.school, rows)
        rows = [["三年级1班", "张一", "男", "2025001", make_id(1), "张父", "其他", "13900000001"]]
        result = run(world.school, rows)
        assert (result.created, result.updated, result.guardians_created) == (0, 1, 0)
        student = Person.objects.get(number="2025001")
        assert (student.unit, student.id_number) == (world.class_a, make_id(1))
        link = Guardianship.objects.get(student=student)
        assert (link.relation, link.guardian.mobile) == ("other", "13900000001")

    def test_siblings_share_one_guardian(self, world):
        header = [
            *HEADERS[:5],
            "家长1姓名",
            "家长1关系",
            "家长1手机",
            "家长2姓名",
            "家长2关系",
            "家长2手机",
        ]
        rows = [
            [
                "三年级1班",
                "刘大",
                "",
                "A1",
                "",
                "刘父",
                "父亲",
                "13700000001",
                "陈母",
                "母亲",
                "13700000002",
            ],
            ["三年级2班", "刘二", "", "A2", "", "刘父", "父亲", "13700000001", "", "", ""],
        ]
        run(world.school, rows, header=header)
        father = Person.objects.get(kind=PersonKind.GUARDIAN, mobile="13700000001")
        assert sorted(father.wards.values_list("student__name", flat=True)) == ["刘二", "刘大"]
        assert Person.objects.filter(kind=PersonKind.GUARDIAN, name="刘父").count() == 1
        assert Guardianship.objects.filter(student__name="刘大").count() == 2

    def test_existing_guardian_is_reused_by_mobile(self, world):
        rows = [["三年级2班", "王小弟", "", "2025400", "", "王建国", "父亲", "13800138000"]]
        result = run(world.school, rows)
        assert result.guardians_created == 0
        assert sorted(world.guardian_a.wards.values_list("student__name", flat=True)) == [
            "王小弟",
            "王小明",
        ]

    def test_all_or_nothing_imports_nothing_when_any_row_is_bad(self, world):
        rows = [
            ["三年级2班", "好学生", "", "2025500", "", "", "", ""],
            ["三年级2班", "", "", "2025501", "", "", "", ""],
        ]
        result = run(world.school, rows, all_or_nothing=True)
        assert not result.imported and result.created == 1 and result.valid == 1
        assert not Person.objects.filter(number="2025500").exists()
        result = run(world.school, rows)
        assert result.imported and Person.objects.filter(number="2025500").exists()

    def test_a_failure_midway_leaves_nothing_half_imported(self, world):
        rows = [["三年级2班", "张一", "", "2025001", "", "张父", "父亲", "13800000001"]]
        real_insert = roster._insert

        def insert_failing_on_links(model, values, rows):
            if model is Guardianship:
                raise RuntimeError("disk full")
            return real_insert(model, values, rows)

        with (
            mock.patch.object(roster, "_insert", side_effect=insert_failing_on_links),
            pytest.raises(RuntimeError),
        ):
            run(world.school, rows)
        assert not Person.objects.filter(name__in=["张一", "张父"]).exists()
