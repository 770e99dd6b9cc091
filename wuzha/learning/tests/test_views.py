"""Persona matrix for the staff pages, the public test and self-test flows, the bank import."""

import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from wuzha.core.models import SensitiveRead
from wuzha.learning import bank_xlsx, content, services
from wuzha.learning.models import (
    Assignment,
    Attempt,
    Question,
    QuestionImport,
    QuestionVersion,
    QuizClassLink,
)

from .conftest import answers_for

pytestmark = pytest.mark.django_db


def get_as(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post_as(client, user, url, data=None, **kwargs):
    client.force_login(user)
    return client.post(url, data or {}, **kwargs)


def take(quiz, person, right=None):
    a = Assignment.objects.get(quiz=quiz, person=person)
    attempt = services.attempt_start(assignment=a)
    return services.attempt_submit(attempt=attempt, answers=answers_for(attempt, right=right))


@pytest.fixture
def rnd(world):
    return services.selftest_round_create(
        unit=world.school,
        units=[world.school],
        title="风险自测",
        closes_at=timezone.now() + datetime.timedelta(days=3),
    )


def high_response(rnd, person):
    invite = rnd.invites.get(person=person)
    answers = {q.key: 0 for q in content.selftest().questions} | {"s05": 2}
    return services.selftest_submit(invite=invite, answers=answers)[0]


SCOPED = [
    ("leader", 200),
    ("teacher_a", 200),
    ("coordinator", 200),
    ("inspector", 200),
    ("other_teacher", 404),
    ("outsider", 404),
]


class TestQuizPages:
    @pytest.mark.parametrize(("persona", "status"), SCOPED)
    def test_unit_page_scope(self, client, world, quiz, persona, status):
        take(quiz, world.student_a)
        code = world.class_a.code
        url = reverse("learning:quiz_unit", args=[quiz.pk, code])
        response = get_as(client, getattr(world, persona), url)
        assert response.status_code == status
        export = client.get(reverse("learning:quiz_export", args=[quiz.pk, code]))
        assert export.status_code == status
        if status == 200:
            assert "王小明" in response.content.decode()
            book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
            names = [r[1] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
            assert names == ["王小明", "李小红"]
            mastery = list(book.worksheets[1].iter_rows(values_only=True))
            assert mastery[1][:5] == ("三年级1班", 2, 1, 1, 50)
            assert mastery[0][5] == "刷单返利类" and mastery[1][5] == 100

    @pytest.mark.parametrize(("persona", "status"), [*SCOPED[:2], ("other_teacher", 404)])
    def test_detail_redirects_to_a_visible_unit(self, client, world, quiz, persona, status):
        response = get_as(
            client, getattr(world, persona), reverse("learning:quiz_detail", args=[quiz.pk])
        )
        assert response.status_code == (302 if status == 200 else status)
        if status == 200:
            assert response.url.startswith(reverse("learning:quiz_detail", args=[quiz.pk]) + "u/")

    def test_school_page_shows_heatmap_table_children_and_flags(self, client, world, quiz):
        take(quiz, world.student_a)
        take(quiz, world.student_b, right=set())
        for person in (world.student_a2,):
            a = Assignment.objects.get(quiz=quiz, person=person)
            services.attempt_start(assignment=a)
        Attempt.objects.filter(assignment__person=world.student_a2).update(
            flag="同一设备短时间内多人作答"
        )
        body = get_as(
            client, world.leader, reverse("learning:quiz_unit", args=[quiz.pk, world.school.code])
        ).content.decode()
        assert 'id="heat-table"' in body and "三年级1班" in body and "echarts.min.js" in body
        assert 'id="n-assigned">3<' in body and 'id="n-passed">1<' in body
        assert "同一设备短时间内多人作答" in body

    def test_unit_page_query_count_does_not_grow_with_takers(
        self, client, world, quiz, django_assert_max_num_queries
    ):
        take(quiz, world.student_a)
        take(quiz, world.student_b, right=set())
        client.force_login(world.leader)
        with django_assert_max_num_queries(25):
            client.get(reverse("learning:quiz_unit", args=[quiz.pk, world.school.code]))

    @pytest.mark.parametrize(
        ("persona", "status"),
        [("teacher_a", 200), ("inspector", 403), ("teacher_b", 404), ("other_teacher", 404)],
    )
    def test_personal_links_export(self, client, world, quiz, rnd, persona, status):
        user = getattr(world, persona)
        code = world.class_a.code
        for name in ("quiz_links", "selftest_links"):
            obj = quiz if name == "quiz_links" else rnd
            response = get_as(client, user, reverse(f"learning:{name}", args=[obj.pk, code]))
            assert response.status_code == status
            if status == 200:
                book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
                rows = list(book.active.iter_rows(min_row=2, values_only=True))
                assert [r[1] for r in rows] == ["王小明", "李小红"]
                assert all("/q/" in r[3] or "/st/" in r[3] for r in rows)

    @pytest.mark.parametrize(
        ("persona", "status"),
        [("leader", 200), ("coordinator", 200), ("teacher_a", 403), ("other_teacher", 404)],
    )
    def test_item_statistics_scope(self, client, world, quiz, persona, status):
        take(quiz, world.student_a)
        response = get_as(
            client, getattr(world, persona), reverse("learning:quiz_items", args=[quiz.pk])
        )
        assert response.status_code == status

    def test_retire_from_item_statistics(self, client, world, quiz):
        done = take(quiz, world.student_a)
        question = done.items.first().version.question
        url = reverse("learning:question_retire", args=[question.pk])
        items = reverse("learning:quiz_items", args=[quiz.pk])
        assert post_as(client, world.teacher_a, url, {"retired": "1"}).status_code == 403
        response = post_as(client, world.coordinator, url, {"retired": "1", "next": items})
        assert response.status_code == 302 and response.url == items
        assert Question.objects.get(pk=question.pk).retired

    def test_create_quiz(self, client, world, bank):
        url = reverse("learning:quiz_create", args=[world.school.code])
        assert get_as(client, world.other_teacher, url).status_code == 404
        assert get_as(client, world.inspector, url).status_code == 403
        assert get_as(client, world.leader, url).status_code == 200
        now = timezone.localtime()
        data = {
            "title": "期中反诈测试",
            "units": [world.class_a.pk],
            "audience_kinds": ["student"],
            "age_band": "primary",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
            "pass_mark": 80,
            "attempts_allowed": 2,
            "time_limit_minutes": 10,
            "n_task_rebate_1": 2,
            "n_romance_3": 1,
        }
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 200
        assert "只有 0 题" in response.content.decode()  # no hard romance question in the bank
        data["n_romance_3"] = 0
        data["closes_at"] = data["opens_at"]
        response = post_as(client, world.leader, url, data)
        assert "结束时间必须晚于开始时间" in response.content.decode()
        data["closes_at"] = (now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 302
        quiz = world.school.quizzes.get(title="期中反诈测试")
        assert quiz.assignments.count() == 2 and quiz.question_count == 2

    def test_home_lists_quizzes(self, client, world, quiz):
        body = get_as(client, world.teacher_a, reverse("learning:home")).content.decode()
        assert quiz.title in body
        body = get_as(client, world.other_teacher, reverse("learning:home")).content.decode()
        assert quiz.title not in body


class TestTakingPublic:
    def test_personal_link_start_submit_result(self, client, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        page = client.get(reverse("learning:take", args=[a.token]))
        assert page.status_code == 200 and "王*明" in page.content.decode()
        assert "wz_dev" in page.cookies
        response = client.post(reverse("learning:take", args=[a.token]))
        assert response.status_code == 302
        paper = client.get(response.url)
        assert paper.status_code == 200 and 'data-seconds="' in paper.content.decode()
        attempt = Attempt.objects.get(assignment=a)
        answers = {
            f"q{pos}": [str(i) for i in chosen] for pos, chosen in answers_for(attempt).items()
        }
        data = {k: (v if len(v) > 1 else v[0]) for k, v in answers.items()}
        response = client.post(reverse("learning:paper", args=[a.token]), data)
        assert response.url == reverse("learning:result", args=[a.token, 1])
        # A double tap on 交卷 lands on the same result.
        again = client.post(reverse("learning:paper", args=[a.token]), data)
        assert again.status_code == 302 and again.url == response.url
        body = client.get(response.url).content.decode()
        assert "100" in body and "通过" in body and "凡是要求先转账" in body
        assert Attempt.objects.filter(assignment=a).count() == 1

    def test_late_submission_is_refused(self, client, world, quiz):
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        attempt = services.attempt_start(assignment=a)
        Attempt.objects.filter(pk=attempt.pk).update(
            deadline=timezone.now() - datetime.timedelta(minutes=5)
        )
        response = client.post(reverse("learning:paper", args=[a.token]), {"q1": "0"})
        assert "已超时" in response.content.decode()
        assert Attempt.objects.get(pk=attempt.pk).status == Attempt.Status.EXPIRED

    def test_unknown_token_and_closed_quiz(self, client, world, quiz):
        assert client.get(reverse("learning:take", args=["nope"])).status_code == 404
        quiz.closes_at = timezone.now() - datetime.timedelta(minutes=1)
        quiz.opens_at = quiz.closes_at - datetime.timedelta(days=1)
        quiz.save()
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        response = client.post(reverse("learning:take", args=[a.token]))
        assert response.status_code == 410 and "已结束" in response.content.decode()

    def test_class_link_identity_check(self, client, world, quiz):
        link = QuizClassLink.objects.get(quiz=quiz, unit=world.class_a)
        url = reverse("learning:class_link", args=[link.token])
        wrong = client.post(url, {"student_name": "王小明", "number_tail": "9999"})
        assert "对不上" in wrong.content.decode()
        other = client.post(url, {"student_name": "赵小刚", "number_tail": "3101"})
        assert "对不上" in other.content.decode()  # a student of class B is not on this link
        ok = client.post(url, {"student_name": "王小明", "number_tail": "3001"})
        a = Assignment.objects.get(quiz=quiz, person=world.student_a)
        assert (
            ok.status_code == 302
            and ok.url == reverse("learning:take", args=[a.token]) + "?via=class"
        )

    def test_class_link_is_rate_limited(self, client, world, quiz):
        link = QuizClassLink.objects.get(quiz=quiz, unit=world.class_a)
        url = reverse("learning:class_link", args=[link.token])
        codes = [
            client.post(url, {"student_name": "x", "number_tail": "0000"}).status_code
            for _ in range(12)
        ]
        assert codes[-1] == 429 and codes[0] == 200


class TestKnowledge:
    def test_public_pages_need_no_login(self, client, db):
        body = client.get(reverse("learning:knowledge")).content.decode()
        assert "测试发布方甲" in body and "测试口诀0" in body
        page = client.get(reverse("learning:knowledge_type", args=["romance"]))
        assert page.status_code == 200 and "测试案例 romance" in page.content.decode()
        assert client.get(reverse("learning:knowledge_type", args=["normal"])).status_code == 404


class TestBank:
    def test_bank_pages(self, client, world, bank):
        body = get_as(
            client, world.other_teacher, reverse("learning:bank") + "?type=romance"
        ).content.decode()
        assert "共 4 题" in body
        q = Question.objects.get(key="fx-romance-10")
        assert (
            get_as(
                client, world.teacher_a, reverse("learning:question_detail", args=[q.pk])
            ).status_code
            == 200
        )
        assert (
            get_as(
                client, world.teacher_a, reverse("learning:question_edit", args=[q.pk])
            ).status_code
            == 403
        )
        assert get_as(client, world.teacher_a, reverse("learning:bank_import")).status_code == 403

    def test_edit_creates_a_version(self, client, world, bank):
        q = Question.objects.get(key="fx-romance-10")
        url = reverse("learning:question_edit", args=[q.pk])
        form = get_as(client, world.coordinator, url)
        assert form.status_code == 200
        data = {
            "kind": "single",
            "fraud_type": "romance",
            "age_bands": ["primary", "adult"],
            "difficulty": 1,
            "stem": "网友说带你投资稳赚，应该怎么做？",
            "option_0": "跟着投",
            "option_1": "拒绝并告诉家人",
            "answer": "C",
            "explanation": "网恋加投资就是诈骗。",
        }
        response = post_as(client, world.coordinator, url, data)
        assert "答案必须是已填写选项的字母" in response.content.decode()
        data["answer"] = "b"
        response = post_as(client, world.coordinator, url, data)
        assert response.status_code == 302
        q.refresh_from_db()
        current = q.versions.order_by("-number")[0]
        assert current.number == 2 and current.answer == [1] and q.versions.count() == 2

    def test_export_then_import_with_bad_rows(self, client, world, bank):
        export = get_as(client, world.coordinator, reverse("learning:bank_export"))
        book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
        rows = list(book.active.iter_rows(values_only=True))
        assert list(rows[0]) == bank_xlsx.HEADER and len(rows) == 53
        wb = Workbook()
        ws = wb.active
        ws.append(bank_xlsx.HEADER)
        good = list(rows[1])
        good[5] = "改写过的题干"
        ws.append(good)
        ws.append(
            [
                "new-1",
                "单选题",
                "刷单返利类",
                "小学、初中",
                "易",
                "新题",
                "甲",
                "乙",
                None,
                None,
                None,
                None,
                "B",
                "解析",
            ]
        )
        ws.append(
            [
                "new-2",
                "多选题",
                "不存在的类型",
                "小学",
                "难",
                "题",
                "甲",
                "乙",
                None,
                None,
                None,
                None,
                "A",
                "解析",
            ]
        )
        ws.append(
            [
                "new-3",
                "判断题",
                "其他类型",
                "火星",
                5,
                "",
                "对",
                "错",
                None,
                None,
                None,
                None,
                "Z",
                "",
            ]
        )
        ws.append(
            [
                "new-1",
                "单选题",
                "刷单返利类",
                "小学",
                "易",
                "重复",
                "甲",
                "乙",
                None,
                None,
                None,
                None,
                "A",
                "解析",
            ]
        )
        buf = io.BytesIO()
        wb.save(buf)
        upload = SimpleUploadedFile("bank.xlsx", buf.getvalue())
        response = post_as(
            client, world.coordinator, reverse("learning:bank_import"), {"file": upload}
        )
        assert response.status_code == 302
        imp = QuestionImport.objects.get()
        preview = client.get(response.url).content.decode()
        assert 'id="n-good">2<' in preview and 'id="n-bad">3<' in preview
        bad: dict[Any, Any] = {r["row"]: r["errors"] for r in imp.bad_rows}
        assert any("诈骗类型" in e for e in bad[4]) and any("至少要有两个" in e for e in bad[4])
        assert any("答案必须是选项字母" in e for e in bad[5]) and any("年龄段" in e for e in bad[5])
        assert any("题干不能为空" in e for e in bad[5]) and any("难度" in e for e in bad[5])
        assert any("重复" in e for e in bad[6])
        # "Import none" leaves the bank untouched; a second choice on the same file is refused.
        post_as(client, world.coordinator, response.url, {"mode": "none"})
        assert not Question.objects.filter(key="new-1").exists()
        imp.status = QuestionImport.Status.PREVIEWED
        imp.save()
        post_as(client, world.coordinator, response.url, {"mode": "valid_only"})
        assert QuestionVersion.objects.get(question__key="new-1").answer == [1]
        assert QuestionVersion.objects.get(question__key=good[0], number=2).stem == "改写过的题干"
        assert Question.objects.count() == 53
        again = post_as(client, world.coordinator, response.url, {"mode": "valid_only"})
        assert again.status_code == 302 and Question.objects.count() == 53

    def test_import_rejects_a_foreign_file(self, client, world):
        upload = SimpleUploadedFile("bank.xlsx", b"not a workbook")
        response = post_as(
            client, world.coordinator, reverse("learning:bank_import"), {"file": upload}
        )
        assert "无法读取文件" in response.content.decode()
        wb = Workbook()
        wb.active.append(["题目", "答案"])
        buf = io.BytesIO()
        wb.save(buf)
        upload = SimpleUploadedFile("bank.xlsx", buf.getvalue())
        response = post_as(
            client, world.coordinator, reverse("learning:bank_import"), {"file": upload}
        )
        assert "表头与模板不一致" in response.content.decode()


class TestSelfTest:
    def test_public_flow_with_advice_and_class_link(self, client, world, rnd):
        link = rnd.class_links.get(unit=world.class_a)
        ok = client.post(
            reverse("learning:selftest_class_link", args=[link.token]),
            {"student_name": "李小红", "number_tail": "3002"},
        )
        assert ok.status_code == 302
        page = client.get(ok.url)
        assert "李*红" in page.content.decode()
        data = {q.key: "0" for q in content.selftest().questions}
        del data["s03"]
        response = client.post(ok.url, {**data, "via": "class"})
        assert "还有题目没有回答" in response.content.decode()
        data["s03"] = "2"
        response = client.post(ok.url, {**data, "via": "class"})
        body = response.content.decode()
        assert "中风险" in body and "建议3：马上联系班主任。" in body
        invite = rnd.invites.get(person=world.student_a2)
        assert invite.response.level == "medium" and invite.response.via == "class"
        again = client.get(ok.url)
        assert "已经提交过" in again.content.decode()

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("teacher_a", 200),
            ("leader", 200),
            ("coordinator", 403),
            ("inspector", 403),
            ("admin", 403),
            ("teacher_b", 404),
            ("other_teacher", 404),
        ],
    )
    def test_answers_are_confidential_and_reads_logged(self, client, world, rnd, persona, status):
        response = high_response(rnd, world.student_a)
        user = getattr(world, persona)
        page = get_as(client, user, reverse("learning:selftest_response", args=[response.pk]))
        assert page.status_code == status
        logged = SensitiveRead.objects.filter(
            subject="selftest_response", object_id=response.pk, user=user
        )
        assert logged.count() == (1 if status == 200 else 0)

    @pytest.mark.parametrize(
        ("persona", "names"), [("teacher_a", True), ("coordinator", False), ("inspector", False)]
    )
    def test_unit_page_shows_names_only_to_readers(self, client, world, rnd, persona, names):
        high_response(rnd, world.student_a)
        body = get_as(
            client,
            getattr(world, persona),
            reverse("learning:selftest_unit", args=[rnd.pk, world.class_a.code]),
        ).content.decode()
        assert ("王小明" in body) is names
        assert ("建立档案" in body) is names

    def test_suggestion_links_to_keyperson_creation_and_disappears_with_a_file(
        self, client, world, rnd
    ):
        from wuzha.risk.models import KeyPerson

        high_response(rnd, world.student_a)
        url = reverse("learning:selftest_unit", args=[rnd.pk, world.class_a.code])
        body = get_as(client, world.teacher_a, url).content.decode()
        create = (
            reverse("risk:keyperson_create", args=[world.class_a.code])
            + f"?person={world.student_a.pk}"
        )
        assert create in body
        assert not KeyPerson.objects.exists()  # never created automatically
        home = get_as(client, world.teacher_a, reverse("learning:home")).content.decode()
        assert 'id="suggestions"' in home and create in home
        assert (
            'id="suggestions"'
            not in get_as(client, world.teacher_b, reverse("learning:home")).content.decode()
        )
        KeyPerson.objects.create(
            person=world.student_a, unit=world.class_a, risk_level="high", opened_at=timezone.now()
        )
        body = get_as(client, world.teacher_a, url).content.decode()
        assert 'id="suggestions"' not in body

    @pytest.mark.parametrize(
        ("persona", "status"), [("leader", 302), ("teacher_a", 302), ("other_teacher", 404)]
    )
    def test_round_scope(self, client, world, rnd, persona, status):
        assert (
            get_as(
                client, getattr(world, persona), reverse("learning:selftest_detail", args=[rnd.pk])
            ).status_code
            == status
        )
        unit = get_as(
            client,
            getattr(world, persona),
            reverse("learning:selftest_unit", args=[rnd.pk, world.school.code]),
        )
        assert unit.status_code == (200 if persona == "leader" else 404)

    def test_rules_page_and_create(self, client, world):
        body = get_as(client, world.teacher_a, reverse("learning:selftest_rules")).content.decode()
        assert "一票高风险" in body and "高风险" in body
        url = reverse("learning:selftest_create", args=[world.class_a.code])
        assert get_as(client, world.other_teacher, url).status_code == 404
        closes = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
        response = post_as(
            client,
            world.teacher_a,
            url,
            {"title": "班级自测", "units": [world.class_a.pk], "closes_at": closes},
        )
        assert response.status_code == 302
        assert world.class_a.selftest_rounds.get().invites.count() == 2


def test_views_reject_wrong_methods(client, world, quiz):
    client.force_login(world.leader)
    assert (
        client.post(reverse("learning:quiz_unit", args=[quiz.pk, world.school.code])).status_code
        == 405
    )
    assert client.get(reverse("learning:question_retire", args=[1])).status_code == 405
    assert client.post(reverse("learning:knowledge")).status_code == 405
