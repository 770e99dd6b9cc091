"""Persona matrix for the notice pages, and the public signing pages."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from wuzha.notices import services
from wuzha.notices.models import Delivery, Notice, RegisterView, Signature

from .conftest import data_url, make_notice, signature_png, typed

pytestmark = pytest.mark.django_db


def get_as(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post_as(client, user, url, data=None, **kwargs):
    client.force_login(user)
    return client.post(url, data or {}, **kwargs)


def form_data(world, **overrides):
    data = {
        "kind": "letter",
        "audience": "guardians",
        "audience_units": [world.class_a.pk],
        "title": "寒假防诈骗告家长书",
        "body": "{学生姓名}同学的家长：寒假期间请提醒孩子不要刷单。",
        "receipt_text": "我已阅读。",
        "signature_mode": "either",
        "ask_app": "on",
        "deadline": (timezone.localdate() + datetime.timedelta(days=5)).isoformat(),
    }
    data.update(overrides)
    return data


class TestStaffPages:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 200),
            ("teacher_a", 200),
            ("inspector", 200),
            ("coordinator", 200),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_detail_scope(self, client, world, letter, persona, status):
        url = reverse("notices:detail", args=[letter.pk])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_detail_rejects_post_and_counts_queries(
        self, client, world, letter, django_assert_max_num_queries
    ):
        url = reverse("notices:detail", args=[letter.pk])
        assert post_as(client, world.leader, url).status_code == 405
        with django_assert_max_num_queries(16):
            response = client.get(url)
        assert response.context["progress"].total.recipients == 3

    def test_list_shows_notices_with_counts(
        self, client, world, letter, django_assert_max_num_queries
    ):
        make_notice(world, key="pledge")
        client.force_login(world.teacher_a)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("notices:list"))
        assert response.status_code == 200
        assert letter.title in response.text
        # A class teacher counts only their own class.
        row = next(r for r in response.context["rows"] if r["notice"] == letter)
        assert row["counts"].recipients == 2
        assert get_as(client, world.other_teacher, reverse("notices:list")).context["rows"] == []

    def test_create_keeps_input_on_error_and_saves_once(self, client, world):
        url = reverse("notices:create")
        client.force_login(world.leader)
        assert "一封信" in client.get(url + "?template=letter").text
        bad = client.post(url, form_data(world, title="", deadline="2020-01-01"))
        assert bad.status_code == 200
        assert "截止日期不能早于今天" in bad.text
        assert "寒假期间请提醒孩子不要刷单" in bad.text
        ok = client.post(url, form_data(world))
        assert ok.status_code == 302
        notice = Notice.objects.get(title="寒假防诈骗告家长书")
        assert notice.status == "draft" and list(notice.audience_units.all()) == [world.class_a]

    @pytest.mark.parametrize(("persona", "status"), [("inspector", 403), ("outsider", 404)])
    def test_create_requires_a_role(self, client, world, persona, status):
        url = reverse("notices:create")
        assert post_as(client, getattr(world, persona), url, form_data(world)).status_code == status

    def test_preview_renders_variables_in_phone_frame(self, client, world):
        response = post_as(
            client,
            world.leader,
            reverse("notices:preview"),
            {"title": "T", "body": "{学生姓名}同学，{学校}", "receipt_text": "r"},
            headers={"HX-Request": "true"},
        )
        assert "王*明" in response.text and "测试实验小学" in response.text
        assert "<html" not in response.text
        assert get_as(client, world.leader, reverse("notices:preview")).status_code == 405

    def test_issue_roles_and_double_submit(self, client, world):
        notice = make_notice(world, issue=False)
        url = reverse("notices:issue", args=[notice.pk])
        assert post_as(client, world.teacher_a, url).status_code == 403
        assert post_as(client, world.inspector, url).status_code == 403
        assert post_as(client, world.other_teacher, url).status_code == 404
        assert get_as(client, world.leader, url).status_code == 405
        assert post_as(client, world.leader, url).status_code == 302
        assert post_as(client, world.leader, url).status_code == 302  # double submit
        assert notice.deliveries.count() == 3

    def test_edit_only_drafts(self, client, world, letter):
        url = reverse("notices:edit", args=[letter.pk])
        response = get_as(client, world.leader, url)
        assert response.status_code == 302
        draft = make_notice(world, issue=False)
        url = reverse("notices:edit", args=[draft.pk])
        assert get_as(client, world.leader, url).status_code == 200
        assert get_as(client, world.inspector, url).status_code == 403
        response = post_as(client, world.leader, url, form_data(world, title="改过的标题"))
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.title == "改过的标题"

    @pytest.mark.parametrize(
        ("persona", "code", "status"),
        [
            ("teacher_a", "class_a", 200),
            ("teacher_b", "class_a", 404),
            ("other_teacher", "class_a", 404),
            ("inspector", "class_a", 200),
            ("leader", "grade", 200),
            ("leader", "other_class", 404),
        ],
    )
    def test_class_page_scope(self, client, world, letter, persona, code, status):
        url = reverse("notices:class_detail", args=[letter.pk, getattr(world, code).code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_class_page_chase_list_masks_phones_and_is_audited(self, client, world, letter):
        url = reverse("notices:class_detail", args=[letter.pk, world.class_a.code])
        response = get_as(client, world.teacher_a, url)
        assert "138****8000" in response.text and "13800138000" not in response.text
        assert "未关联家长" in response.text  # student_a2 has no guardian
        assert "复制提醒" in response.text
        assert RegisterView.objects.filter(
            user=world.teacher_a, unit=world.class_a, what="class_page"
        ).exists()
        assert post_as(client, world.teacher_a, url).status_code == 405

    def test_paper_receipt_by_teacher_not_inspector(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a2)
        url = reverse("notices:paper", args=[delivery.pk])
        data = {"signer_name": "李大红", "relation": "mother"}
        assert post_as(client, world.inspector, url, data).status_code == 403
        assert post_as(client, world.teacher_b, url, data).status_code == 404
        assert get_as(client, world.teacher_a, url).status_code == 405
        photo = SimpleUploadedFile("r.png", signature_png(), content_type="image/png")
        response = post_as(client, world.teacher_a, url, {**data, "photo": photo})
        assert response.status_code == 302
        post_as(client, world.teacher_a, url, data)  # double submit
        sig = Signature.objects.get(delivery=delivery)
        assert sig.method == "paper" and sig.photo and sig.recorded_by == world.teacher_a
        # Inspectors see it, labelled as paper.
        page = get_as(
            client,
            world.inspector,
            reverse("notices:class_detail", args=[letter.pk, "T-SCH-A-G3-1"]),
        )
        assert "纸质" in page.text and "李大红" in page.text

    def test_countersign_by_the_level_above(self, client, world):
        from wuzha.orgs import services as org_services

        staff = org_services.person_create(unit=world.school, kind="staff", name="张老师")
        notice = make_notice(world, key="responsibility")
        sig, _ = services.notice_sign(
            delivery=notice.deliveries.get(person=staff), data=typed("张老师", "self")
        )
        url = reverse("notices:countersign", args=[sig.pk])
        assert post_as(client, world.coordinator, url).status_code == 403
        assert post_as(client, world.teacher_a, url).status_code == 404
        assert get_as(client, world.leader, url).status_code == 405
        assert post_as(client, world.leader, url).status_code == 302
        page = client.get(reverse("notices:class_detail", args=[notice.pk, world.school.code]))
        assert "上级会签" in page.text and "校长" in page.text

    def test_signature_image_is_audited(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        sig, _ = services.notice_sign(
            delivery=delivery,
            data=services.SignInput("王建国", "father", "drawn", image=signature_png()),
        )
        url = reverse("notices:signature_image", args=[sig.pk])
        assert get_as(client, world.teacher_b, url).status_code == 404
        response = get_as(client, world.inspector, url)
        assert response.content.startswith(b"\x89PNG")
        assert RegisterView.objects.filter(user=world.inspector, what="signature").exists()

    def test_void_requires_reason_and_role(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        sig, _ = services.notice_sign(delivery=delivery, data=typed())
        url = reverse("notices:void", args=[sig.pk])
        assert post_as(client, world.inspector, url, {"reason": "x"}).status_code == 403
        assert post_as(client, world.other_teacher, url, {"reason": "x"}).status_code == 404
        post_as(client, world.teacher_a, url, {"reason": ""})
        assert Signature.objects.filter(delivery=delivery).count() == 1
        post_as(client, world.teacher_a, url, {"reason": "孩子代签"})
        delivery.refresh_from_db()
        assert delivery.state == Delivery.State.PENDING
        assert Signature.objects.filter(delivery=delivery).count() == 2

    def test_exports_are_audited_and_scoped(self, client, world, letter):
        services.notice_sign(delivery=letter.deliveries.get(person=world.student_a), data=typed())
        reg = reverse("notices:register_xlsx", args=[letter.pk, world.class_a.code])
        links = reverse("notices:links_xlsx", args=[letter.pk, world.class_a.code])
        response = get_as(client, world.inspector, reg)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert get_as(client, world.inspector, links).status_code == 403
        assert get_as(client, world.teacher_b, reg).status_code == 404
        import io

        from openpyxl import load_workbook

        response = get_as(client, world.teacher_a, links)
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0][:4] == ("姓名", "学号", "班级", "个人链接")
        assert len(rows) == 3 and "/s/" in rows[1][3]
        whats = set(RegisterView.objects.values_list("what", flat=True))
        assert whats == {"register_xlsx", "links_xlsx"}

    def test_pdf_job_and_poster(self, client, world, letter, django_capture_on_commit_callbacks):
        url = reverse("notices:pdf_start", args=[letter.pk, world.class_a.code, "letters"])
        assert post_as(client, world.inspector, url).status_code == 403
        with django_capture_on_commit_callbacks(execute=True):
            response = post_as(client, world.teacher_a, url)
        assert response.status_code == 302
        job_url = response["Location"]
        page = client.get(job_url)
        assert "下载PDF" in page.text
        download = client.get(reverse("notices:job_download", args=[page.context["job"].pk]))
        assert b"".join(download.streaming_content).startswith(b"%PDF")
        assert get_as(client, world.teacher_b, job_url).status_code == 404
        poster = get_as(
            client, world.teacher_a, reverse("notices:poster", args=[letter.pk, world.class_a.code])
        )
        assert poster.content.startswith(b"%PDF")

    def test_revoke_extend_remind(self, client, world, letter, mailoutbox):
        world.teacher_a.email = "teacher_a@example.cn"
        world.teacher_a.save()
        post_as(client, world.leader, reverse("notices:remind", args=[letter.pk]))
        assert len(mailoutbox) == 1 and "三年级1班" in mailoutbox[0].body
        assert "2 人未签署" in mailoutbox[0].body
        post_as(client, world.leader, reverse("notices:remind", args=[letter.pk]))
        assert len(mailoutbox) == 1  # once a day per teacher and class
        assert (
            post_as(
                client, world.teacher_a, reverse("notices:revoke", args=[letter.pk])
            ).status_code
            == 403
        )
        post_as(client, world.leader, reverse("notices:extend", args=[letter.pk]))
        post_as(client, world.leader, reverse("notices:revoke", args=[letter.pk]))
        letter.refresh_from_db()
        assert letter.status == "revoked"


class TestPublicSigning:
    def sign_url(self, delivery):
        return reverse("notices:sign", args=[delivery.token])

    def test_page_masks_name_and_needs_no_login(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        response = client.get(self.sign_url(delivery))
        assert response.status_code == 200
        assert "王*明" in response.text and "王小明" not in response.text
        assert "已安装国家反诈中心APP" in response.text
        assert client.get("/s/nope-not-a-token/").status_code == 404
        assert client.put(self.sign_url(delivery)).status_code == 405

    def test_drawn_signature_then_thanks_and_only_once(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        data = {
            "relation": "father",
            "signer_name": "王建国",
            "method": "drawn",
            "signature": data_url(signature_png()),
            "app_installed": "on",
        }
        response = client.post(self.sign_url(delivery), data)
        assert response.status_code == 302
        assert response["Location"] == reverse("notices:sign_done", args=[delivery.token])
        assert "谢谢您" in client.get(response["Location"]).text
        client.post(self.sign_url(delivery), data)
        sig = Signature.objects.get(delivery=delivery)
        assert (
            sig.app_installed
            and sig.via == "personal"
            and bytes(sig.image or b"").startswith(b"\x89PNG")
        )

    @pytest.mark.parametrize(
        ("signature", "message"),
        [
            ("", "请在签名框内手写签名"),
            ("data:image/jpeg;base64,AAAA", "签名图片格式不正确"),
            ("data:image/png;base64,AAAAAAAA", "签名图片格式不正确"),
            (data_url(signature_png(ink=False)), "签名框是空的"),
        ],
    )
    def test_bad_signature_shows_error_and_keeps_input(
        self, client, world, letter, signature, message
    ):
        delivery = letter.deliveries.get(person=world.student_a)
        data = {
            "relation": "mother",
            "signer_name": "刘芳",
            "method": "drawn",
            "signature": signature,
        }
        response = client.post(self.sign_url(delivery), data)
        assert response.status_code == 200
        assert message in response.text
        assert 'value="刘芳"' in response.text
        assert not Signature.objects.exists()

    def test_typed_needs_confirmation(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        data = {"relation": "mother", "signer_name": "刘芳", "method": "typed"}
        assert "请勾选确认" in client.post(self.sign_url(delivery), data).text
        assert client.post(self.sign_url(delivery), {**data, "confirm": "on"}).status_code == 302
        assert Signature.objects.get().method == "typed"

    def test_expired_and_revoked_links_say_so(self, client, world, letter):
        one, two = letter.deliveries.order_by("pk")[:2]
        services.delivery_revoke(delivery=one, by=world.leader)
        response = client.get(self.sign_url(one))
        assert response.status_code == 410 and "链接已失效" in response.text
        Notice.objects.filter(pk=letter.pk).update(
            deadline=timezone.localdate() - datetime.timedelta(days=1)
        )
        response = client.get(self.sign_url(two))
        assert response.status_code == 410 and "已过截止时间" in response.text

    def test_rate_limited_per_link(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_a)
        data = {"relation": "mother", "signer_name": "", "method": "typed"}
        statuses = [client.post(self.sign_url(delivery), data).status_code for _ in range(12)]
        assert statuses[0] == 200 and statuses[-1] == 429

    def test_class_link_identity_check(self, client, world, letter):
        link = letter.class_links.get(unit=world.class_a)
        url = reverse("notices:class_link", args=[link.token])
        assert client.get(url).status_code == 200
        wrong = client.post(url, {"student_name": "王小明", "number_tail": "9999"})
        assert "对不上" in wrong.text
        ok = client.post(url, {"student_name": "王小明", "number_tail": "3001"})
        delivery = letter.deliveries.get(person=world.student_a)
        assert ok["Location"] == reverse("notices:sign", args=[delivery.token]) + "?via=class"
        # A student of class B is not found through class A's link.
        other = client.post(url, {"student_name": "赵小刚", "number_tail": "3101"})
        assert other.status_code == 200

    def test_receipt_code_fallback(self, client, world, letter):
        delivery = letter.deliveries.get(person=world.student_b)
        code = f"{delivery.code[:4].lower()}-{delivery.code[4:]}"
        response = client.post(reverse("notices:sign_code"), {"code": code})
        assert response["Location"] == reverse("notices:sign", args=[delivery.token])
        assert "没有找到" in client.post(reverse("notices:sign_code"), {"code": "AAAA-AAAA"}).text

    def test_pledge_asks_student_and_cosigner(self, client, world):
        pledge = make_notice(world, key="pledge", units=[world.class_a])
        delivery = pledge.deliveries.get(person=world.student_a)
        page = client.get(self.sign_url(delivery))
        assert "家长姓名" in page.text and "您与学生的关系" not in page.text
        client.post(
            self.sign_url(delivery),
            {
                "relation": "self",
                "signer_name": "王小明",
                "cosigner_name": "王建国",
                "method": "typed",
                "confirm": "on",
            },
        )
        sig = Signature.objects.get(delivery=delivery)
        assert (sig.relation, sig.cosigner_name) == ("self", "王建国")


def test_app_confirmation_takes_an_optional_screenshot(client, world):
    notice = make_notice(world, key="app", units=[world.class_b])
    delivery = notice.deliveries.get()
    url = reverse("notices:sign", args=[delivery.token])
    assert "安装截图" in client.get(url).text
    shot = SimpleUploadedFile("shot.png", signature_png(), content_type="image/png")
    data = {
        "relation": "mother",
        "signer_name": "赵妈妈",
        "confirm": "on",
        "app_installed": "on",
        "screenshot": shot,
    }
    assert client.post(url, data).status_code == 302
    sig = Signature.objects.get(delivery=delivery)
    assert sig.app_installed and (sig.photo.name or "").endswith(".png")
