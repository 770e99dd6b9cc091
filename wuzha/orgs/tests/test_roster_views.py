"""Roster pages: persona matrix, upload guards, preview, commit once, template, export."""

import io

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from wuzha.core.models import SensitiveRead
from wuzha.orgs.models import Guardianship, Person, PersonKind, RosterImport
from wuzha.orgs.tests.test_roster_parse import HEADERS, csv_bytes, make_id, xlsx_bytes

pytestmark = pytest.mark.django_db

GOOD_ROWS = [
    ["三年级2班", "张一", "男", "2025001", make_id(1), "张父", "父亲", "13800000001"],
    ["三(1)班", "张二", "女", "2025002", make_id(2, male=False), "张母", "母亲", "13800000002"],
]
BAD_ROW = ["三年级2班", "张三", "男", "2025003", "110105201501010010", "", "", ""]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, user, unit, content, name="名册.xlsx"):
    client.force_login(user)
    url = reverse("orgs:roster_upload", args=[unit.code])
    return client.post(url, {"file": _file(content, name)})


def _file(content, name):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def make_import(client, world, rows=None, unit=None):
    data = xlsx_bytes([HEADERS, *(rows or [*GOOD_ROWS, BAD_ROW])], title="三年级学生名册")
    response = upload(client, world.leader, unit or world.school, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return RosterImport.objects.get()


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


class TestUpload:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 200),
            ("coordinator", 200),
            ("admin", 200),
            ("teacher_a", 404),
            ("other_teacher", 404),
            ("outsider", 404),
            ("inspector", 403),
        ],
    )
    def test_persona_matrix_on_school(self, client, world, persona, status):
        client.force_login(getattr(world, persona))
        response = client.get(reverse("orgs:roster_upload", args=[world.school.code]))
        assert response.status_code == status

    def test_teacher_of_the_class_without_roster_role_gets_403(self, client, world):
        client.force_login(world.teacher_a)
        response = client.get(reverse("orgs:roster_upload", args=[world.class_a.code]))
        assert response.status_code == 403

    def test_wrong_method_and_anonymous(self, client, world):
        url = reverse("orgs:roster_upload", args=[world.school.code])
        assert client.get(url).status_code == 302
        client.force_login(world.leader)
        assert client.put(url).status_code == 405

    def test_csrf_is_still_checked_after_the_size_guard(self, world):
        from django.test import Client

        strict = Client(enforce_csrf_checks=True)
        strict.force_login(world.leader)
        url = reverse("orgs:roster_upload", args=[world.school.code])
        data = xlsx_bytes([HEADERS, *GOOD_ROWS])
        assert strict.post(url, {"file": _file(data, "r.xlsx")}).status_code == 403
        strict.get(url)
        token = strict.cookies["csrftoken"].value
        response = strict.post(url, {"file": _file(data, "r.xlsx"), "csrfmiddlewaretoken": token})
        assert response.status_code == 302

    def test_page_offers_template_and_file_field(self, client, world):
        client.force_login(world.leader)
        response = client.get(reverse("orgs:roster_upload", args=[world.school.code]))
        assert reverse("orgs:roster_template") in response.text
        assert 'type="file"' in response.text and 'enctype="multipart/form-data"' in response.text

    def test_upload_stores_file_and_redirects_to_preview(self, client, world, settings):
        item = make_import(client, world)
        assert item.unit == world.school and item.uploaded_by == world.leader
        assert item.status == RosterImport.Status.PREVIEWED
        assert item.original_name == "名册.xlsx"
        assert item.file.name.startswith("roster/") and item.token in item.file.name
        assert (item.summary["rows"], item.summary["valid"]) == (3, 2)
        assert item.summary["errors"] == [
            {"row": 5, "column": "身份证号", "message": "身份证号校验位不正确，请核对"}
        ]
        assert len(stored_files(settings)) == 1

    def test_same_file_twice_reuses_the_preview(self, client, world, settings):
        # The very same bytes: a second `xlsx_bytes` call may differ in its zip timestamps.
        data = xlsx_bytes([HEADERS, *GOOD_ROWS, BAD_ROW], title="三年级学生名册")
        assert upload(client, world.leader, world.school, data).status_code == 302
        first = RosterImport.objects.get()
        response = upload(client, world.leader, world.school, data)
        assert response["Location"] == reverse("orgs:roster_preview", args=[first.token])
        assert RosterImport.objects.count() == 1 and len(stored_files(settings)) == 1

    def test_too_large_is_refused_before_storing(self, client, world, settings):
        settings.ROSTER_UPLOAD_MAX_BYTES = 2000
        data = csv_bytes([HEADERS, *GOOD_ROWS * 40])
        assert len(data) > 2000
        response = upload(client, world.leader, world.school, data, "名册.csv")
        assert response.status_code == 200
        assert "文件过大：最大" in response.text and "请选择要上传的名册文件" not in response.text
        assert 'class="field has-error"' in response.text
        assert not RosterImport.objects.exists() and not stored_files(settings)

    @pytest.mark.parametrize(
        ("content", "name", "message"),
        [
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "不支持旧版 Excel（.xls）文件"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "renamed.xlsx", "不支持旧版 Excel（.xls）文件"),
            (b"name,class\n", "fake.xlsx", "文件内容不是有效的 .xlsx 表格"),
            (b"hello", "notes.txt", "只能上传 .xlsx 或 .csv 文件"),
            ("说明\n\n\n\n\n\n姓名,班级\n".encode(), "r.csv", "没有找到表头"),
            (b"PK\x03\x04 not really", "r.xlsx", "无法读取该 .xlsx 文件"),
        ],
    )
    def test_wrong_files_get_a_chinese_message_at_the_field(
        self, client, world, settings, content, name, message
    ):
        response = upload(client, world.leader, world.school, content, name)
        assert response.status_code == 200
        assert message in response.text
        assert 'class="field has-error"' in response.text
        assert not RosterImport.objects.exists() and not stored_files(settings)

    def test_missing_file(self, client, world):
        client.force_login(world.leader)
        response = client.post(reverse("orgs:roster_upload", args=[world.school.code]), {})
        assert "请选择要上传的名册文件" in response.text


class TestPreview:
    def test_shows_counts_errors_warnings_and_sample(
        self, client, world, django_assert_max_num_queries
    ):
        item = make_import(client, world)
        url = reverse("orgs:roster_preview", args=[item.token])
        with django_assert_max_num_queries(8):
            response = client.get(url)
        assert response.status_code == 200
        text = response.text
        assert "身份证号校验位不正确，请核对" in text and 'class="row-error"' in text
        assert "导入有效的 2 行" in text and "全部不导入" in text and "有错误时全部不导入" in text
        assert "张一" in text and make_id(1) not in text and "110*************" in text
        assert "138****0001" in text

    def test_persona_matrix(self, client, world):
        item = make_import(client, world, rows=GOOD_ROWS[:1], unit=world.class_b)
        url = reverse("orgs:roster_preview", args=[item.token])
        for persona, status in [
            ("leader", 200),
            ("coordinator", 200),
            ("teacher_b", 403),
            ("inspector", 403),
            ("teacher_a", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ]:
            client.force_login(getattr(world, persona))
            assert client.get(url).status_code == status, persona
        client.force_login(world.leader)
        assert client.post(url).status_code == 405
        assert client.get(reverse("orgs:roster_preview", args=["nope"])).status_code == 404


class TestCommit:
    def test_imports_valid_rows_once_even_when_submitted_twice(self, client, world):
        item = make_import(client, world)
        url = reverse("orgs:roster_commit", args=[item.token])
        response = client.post(url, {"action": "import"}, follow=True)
        assert "导入完成：新增 2 人，更新 0 人，1 行有错误未导入" in response.text
        item.refresh_from_db()
        assert item.status == RosterImport.Status.IMPORTED and item.imported_at
        assert item.mode == RosterImport.Mode.VALID_ONLY
        assert item.outcome["created"] == 2
        response = client.post(url, {"action": "import"}, follow=True)
        assert "没有重复导入" in response.text
        assert Person.objects.filter(number__in=["2025001", "2025002"]).count() == 2
        assert not Person.objects.filter(number="2025003").exists()
        assert Guardianship.objects.filter(student__number="2025001").count() == 1
        assert "导入有效的" not in response.text

    def test_all_or_nothing_with_errors_imports_nothing(self, client, world):
        item = make_import(client, world)
        url = reverse("orgs:roster_commit", args=[item.token])
        response = client.post(url, {"action": "import", "all_or_nothing": "on"}, follow=True)
        assert "没有导入任何数据" in response.text
        item.refresh_from_db()
        assert item.status == RosterImport.Status.PREVIEWED
        assert not Person.objects.filter(number="2025001").exists()

    def test_discard_deletes_the_file_and_imports_nothing(self, client, world, settings):
        item = make_import(client, world)
        url = reverse("orgs:roster_commit", args=[item.token])
        response = client.post(url, {"action": "discard"}, follow=True)
        assert "已放弃本次导入" in response.text
        item.refresh_from_db()
        assert item.status == RosterImport.Status.DISCARDED and not item.file
        assert not stored_files(settings)
        client.post(url, {"action": "import"})
        assert not Person.objects.filter(number="2025001").exists()

    def test_persona_matrix(self, client, world):
        item = make_import(client, world, rows=GOOD_ROWS[:1], unit=world.class_b)
        url = reverse("orgs:roster_commit", args=[item.token])
        for persona, status in [
            ("teacher_b", 403),
            ("inspector", 403),
            ("teacher_a", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ]:
            client.force_login(getattr(world, persona))
            assert client.post(url, {"action": "import"}).status_code == status, persona
        client.force_login(world.leader)
        assert client.get(url).status_code == 405
        assert not Person.objects.filter(number="2025001").exists()
        assert client.post(url, {"action": "import"}).status_code == 302
        assert Person.objects.filter(number="2025001").exists()


def read_xlsx(content):
    book = CalamineWorkbook.from_filelike(io.BytesIO(content))
    return book, book.get_sheet_by_index(0).to_python()


class TestTemplateAndExport:
    def test_template_has_headers_example_and_notes(self, client, world):
        client.force_login(world.teacher_a)
        response = client.get(reverse("orgs:roster_template"))
        assert response.status_code == 200
        book, rows = read_xlsx(response.content)
        assert rows[0][:5] == ["班级", "姓名", "性别", "学号", "身份证号"]
        assert len(rows) == 2 and "说明" in book.sheet_names
        assert client.post(reverse("orgs:roster_template")).status_code == 405
        client.logout()
        assert client.get(reverse("orgs:roster_template")).status_code == 302

    def test_export_unmasked_for_sensitive_readers_and_logged(self, client, world):
        from wuzha.orgs import services

        services.person_update(person=world.student_a, id_number=make_id(30))
        client.force_login(world.leader)
        response = client.get(reverse("orgs:roster_export", args=[world.school.code]))
        assert response.status_code == 200
        _book, rows = read_xlsx(response.content)
        assert rows[0][:8] == [
            "班级",
            "姓名",
            "性别",
            "学号",
            "身份证号",
            "家长1姓名",
            "家长1关系",
            "家长1手机",
        ]
        wang = next(r for r in rows if r[1] == "王小明")
        assert wang[:8] == [
            "三年级1班",
            "王小明",
            "男",
            "2023001",
            make_id(30),
            "王建国",
            "父亲",
            "13800138000",
        ]
        assert len(rows) == 4 and all(r[1] != "陈小丽" for r in rows)
        log = SensitiveRead.objects.get()
        assert (log.user, log.object_id) == (world.leader, world.school.pk)

        # The export is in the import's own format: importing it back changes nothing.
        upload(client, world.leader, world.school, response.content, "export.xlsx")
        item = RosterImport.objects.get()
        assert (item.summary["errors"], item.summary["created"], item.summary["updated"]) == (
            [],
            0,
            3,
        )

    def test_export_masked_for_others(self, client, world):
        services_id = make_id(31)
        Person.objects.filter(pk=world.student_a.pk).update(id_number=services_id)
        client.force_login(world.inspector)
        response = client.get(reverse("orgs:roster_export", args=[world.class_a.code]))
        _book, rows = read_xlsx(response.content)
        wang = next(r for r in rows if r[1] == "王小明")
        assert wang[4] == "110*************" + services_id[-2:] and wang[7] == "138****8000"
        assert not SensitiveRead.objects.exists()

    def test_export_persona_matrix(self, client, world):
        url = reverse("orgs:roster_export", args=[world.class_a.code])
        for persona, status in [
            ("teacher_a", 200),
            ("inspector", 200),
            ("teacher_b", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ]:
            client.force_login(getattr(world, persona))
            assert client.get(url).status_code == status, persona
        assert client.post(url).status_code == 405
        assert Person.objects.filter(kind=PersonKind.STUDENT).count() == 4
