"""Persona matrix for plans pages: works / 404 out of scope / 403 not allowed / 405 bad method."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from wuzha.core.models import NotificationChannel
from wuzha.plans import services
from wuzha.plans.models import (
    Campaign,
    Duty,
    DutyException,
    DutyTemplate,
    Inspection,
    Rectification,
    Submission,
)
from wuzha.plans.testing import class_meeting_campaign, photo

pytestmark = pytest.mark.django_db


def get_as(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post_as(client, user, url, data=None, **kwargs):
    client.force_login(user)
    return client.post(url, data or {}, **kwargs)


@pytest.fixture
def meeting(world):
    _campaign, template = class_meeting_campaign(
        world.school, today=timezone.localdate(), by=world.leader
    )
    return template


@pytest.fixture
def duty(world, meeting):
    """This month's class meeting of class A (not yet due)."""
    today = timezone.localdate()
    return Duty.objects.get(template=meeting, unit=world.class_a, period_key=f"{today:%Y-%m}")


@pytest.fixture
def submitted(world, duty):
    services.duty_submit(
        duty=duty, by=world.teacher_a, text="班会", attendance=40, files=[photo(1), photo(2)]
    )
    duty.refresh_from_db()
    return duty


@pytest.fixture
def locked(world, meeting):
    """A duty of class A whose deadline and grace period are over."""
    duty = Duty.objects.filter(unit=world.class_a, template=meeting).order_by("due_date").first()
    assert duty is not None and duty.lock_date < timezone.localdate()
    return duty


class TestHome:
    @pytest.mark.parametrize("persona", ["leader", "teacher_a", "inspector", "outsider", "admin"])
    def test_everyone_with_a_login_gets_a_page(self, client, world, meeting, persona):
        assert get_as(client, getattr(world, persona), reverse("plans:home")).status_code == 200

    def test_teacher_sees_own_duties_and_leader_sees_reviews(
        self, client, world, submitted, django_assert_max_num_queries
    ):
        response = get_as(client, world.teacher_a, reverse("plans:home"))
        assert "反电诈主题班会" in response.text
        assert all(d.unit == world.class_a for d in response.context["duties"])
        client.force_login(world.leader)
        with django_assert_max_num_queries(20):
            response = client.get(reverse("plans:home"))
        assert [d.pk for d in response.context["reviews"]] == [submitted.pk]
        assert get_as(client, world.teacher_b, reverse("plans:home")).context["reviews"] == []

    def test_nav_link(self, client, world):
        assert reverse("plans:home") in get_as(client, world.teacher_a, reverse("home")).text

    def test_home_rejects_post(self, client, world):
        assert post_as(client, world.leader, reverse("plans:home")).status_code == 405


class TestCampaigns:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 200),
            ("coordinator", 200),
            ("teacher_a", 403),
            ("inspector", 403),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_create_roles(self, client, world, persona, status):
        url = reverse("plans:campaign_create", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_create_from_template_and_double_submit_makes_one(self, client, world):
        today = timezone.localdate()
        url = reverse("plans:campaign_create", args=[world.school.code])
        data = {
            "name": "百日行动",
            "template_code": "school_100_days",
            "start_date": today.isoformat(),
            "end_date": (today + timedelta(99)).isoformat(),
            "guiding_text": "",
        }
        first = post_as(client, world.leader, url, data)
        second = client.post(url, data)
        assert first.status_code == second.status_code == 302
        assert first["Location"] == second["Location"]
        campaign = Campaign.objects.get(name="百日行动")
        assert campaign.goals.count() == 3 and campaign.leadership.count() == 4
        assert campaign.templates.filter(title="反电诈主题班会").exists()
        page = client.get(first["Location"])
        assert "每月月末前" in page.text and "组长" in page.text

    def test_bad_dates_keep_what_was_typed(self, client, world):
        url = reverse("plans:campaign_create", args=[world.school.code])
        data = {
            "name": "我的方案",
            "template_code": "",
            "start_date": "2026-12-01",
            "end_date": "2026-11-01",
        }
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 200
        assert "结束日期不能早于开始日期" in response.text
        assert 'value="我的方案"' in response.text
        assert not Campaign.objects.filter(name="我的方案").exists()

    @pytest.mark.parametrize(
        ("persona", "status"),
        [("teacher_a", 200), ("inspector", 200), ("other_teacher", 404), ("outsider", 404)],
    )
    def test_detail_scope(self, client, world, meeting, persona, status):
        url = reverse("plans:campaign_detail", args=[meeting.campaign.token])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_detail_query_count(self, client, world, django_assert_max_num_queries):
        client.force_login(world.leader)
        campaign = services.campaign_create(
            unit=world.school,
            name="百日",
            start_date=timezone.localdate(),
            end_date=timezone.localdate() + timedelta(days=99),
            template_code="school_100_days",
        )
        with django_assert_max_num_queries(20):
            response = client.get(reverse("plans:campaign_detail", args=[campaign.token]))
        assert response.status_code == 200
        assert len(response.context["templates"]) >= 4

    def test_detail_rejects_post(self, client, world, meeting):
        url = reverse("plans:campaign_detail", args=[meeting.campaign.token])
        assert post_as(client, world.leader, url).status_code == 405

    @pytest.mark.parametrize(
        ("persona", "status"), [("leader", 200), ("teacher_a", 403), ("other_teacher", 404)]
    )
    def test_template_add_roles(self, client, world, meeting, persona, status):
        url = reverse("plans:template_add", args=[meeting.campaign.token])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_impossible_cadence_is_refused_at_the_field(self, client, world, meeting):
        url = reverse("plans:template_add", args=[meeting.campaign.token])
        data = {
            "title": "每周提示",
            "cadence": "weekly",
            "unit_kind": "class",
            "role": "teacher",
            "grace_days": 3,
            "min_photos": 0,
            "remind_before_days": 1,
            "remind_after_days": 3,
        }
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 200
        assert "请选择每周的截止星期" in response.text
        assert 'value="每周提示"' in response.text
        data["deadline_weekday"] = 5
        assert client.post(url, data).status_code == 302
        template = DutyTemplate.objects.get(title="每周提示")
        assert template.duties.filter(unit=world.class_b).exists()

    def test_goal_and_phase_forms(self, client, world, meeting):
        token = meeting.campaign.token
        response = post_as(
            client,
            world.leader,
            reverse("plans:goal_add", args=[token]),
            {
                "indicator": "发案数",
                "comparison": "change_pct",
                "target_value": "-50",
                "unit_label": "起",
                "baseline_year": "",
            },
        )
        assert "必须填写基准年" in response.text
        response = client.post(
            reverse("plans:goal_add", args=[token]),
            {
                "indicator": "发案数",
                "comparison": "change_pct",
                "target_value": "-50",
                "unit_label": "起",
                "baseline_year": "2021",
            },
        )
        assert response.status_code == 302
        detail = client.get(reverse("plans:campaign_detail", args=[token]))
        assert "-50% · 较2021年" in detail.text
        response = client.post(
            reverse("plans:phase_add", args=[token]),
            {"name": "总结", "start_date": "2030-01-01", "end_date": "2030-02-01"},
        )
        assert "阶段必须在方案期间" in response.text


class TestDutyPages:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("teacher_a", 200),
            ("leader", 200),
            ("inspector", 200),
            ("coordinator", 200),
            ("teacher_b", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_detail_scope(self, client, world, duty, persona, status):
        url = reverse("plans:duty_detail", args=[duty.token])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_detail_rejects_post(self, client, world, duty):
        url = reverse("plans:duty_detail", args=[duty.token])
        assert post_as(client, world.teacher_a, url).status_code == 405

    @pytest.mark.parametrize(
        ("persona", "status"),
        [("teacher_a", 302), ("inspector", 403), ("teacher_b", 404), ("other_teacher", 404)],
    )
    def test_submit_roles(self, client, world, duty, persona, status):
        url = reverse("plans:duty_submit", args=[duty.token])
        data = {"text": "班会", "attendance": 40, "attachments": [photo(1), photo(2)]}
        assert post_as(client, getattr(world, persona), url, data).status_code == status

    def test_submit_rejects_get(self, client, world, duty):
        url = reverse("plans:duty_submit", args=[duty.token])
        assert get_as(client, world.teacher_a, url).status_code == 405

    def test_double_submit_makes_one_submission(self, client, world, duty):
        url = reverse("plans:duty_submit", args=[duty.token])
        data = {"text": "班会", "attendance": 40}
        post_as(client, world.teacher_a, url, {**data, "attachments": [photo(1), photo(2)]})
        second = client.post(url, {**data, "attachments": [photo(1), photo(2)]}, follow=True)
        assert "正在等待上级审核" in second.text
        assert Submission.objects.filter(duty=duty).count() == 1

    def test_wrong_file_type_is_explained_and_text_kept(self, client, world, duty):
        from django.core.files.uploadedfile import SimpleUploadedFile

        url = reverse("plans:duty_submit", args=[duty.token])
        bad = SimpleUploadedFile("照片.jpg", b"MZ\x90\x00not an image" * 10)
        response = post_as(
            client,
            world.teacher_a,
            url,
            {"text": "我写了很多字", "attendance": 40, "attachments": [bad, photo(2)]},
        )
        assert response.status_code == 200
        assert "不支持的文件类型" in response.text
        assert "请重新选择要上传的文件" in response.text
        assert "我写了很多字" in response.text
        assert not Submission.objects.exists()

    def test_locked_duty_is_refused_with_a_message(self, client, world, locked):
        url = reverse("plans:duty_submit", args=[locked.token])
        response = post_as(
            client,
            world.teacher_a,
            url,
            {"text": "补交", "attendance": 3, "attachments": [photo(1), photo(2)]},
        )
        assert response.status_code == 200
        assert "锁定" in response.text
        assert "补交</textarea>" in response.text
        assert not Submission.objects.exists()

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 302),
            ("coordinator", 302),
            ("teacher_a", 403),
            ("inspector", 403),
            ("teacher_b", 404),
            ("other_teacher", 404),
        ],
    )
    def test_review_roles(self, client, world, submitted, persona, status):
        url = reverse("plans:duty_review", args=[submitted.token])
        data = {"decision": "return", "comment": "请补充签到表"}
        assert post_as(client, getattr(world, persona), url, data).status_code == status

    def test_return_needs_a_comment(self, client, world, submitted):
        url = reverse("plans:duty_review", args=[submitted.token])
        response = post_as(client, world.leader, url, {"decision": "return", "comment": ""})
        assert "退回时请写明" in response.text
        submitted.refresh_from_db()
        assert submitted.status == "submitted"
        assert get_as(client, world.leader, url).status_code == 405

    def test_reviewer_sees_reused_photo(self, client, world, meeting, submitted):
        other = Duty.objects.get(
            template=meeting, unit=world.class_b, period_key=submitted.period_key
        )
        services.duty_submit(
            duty=other, by=world.teacher_b, text="班会", attendance=30, files=[photo(2), photo(9)]
        )
        response = get_as(client, world.leader, reverse("plans:duty_detail", args=[other.token]))
        assert "同一文件也用于" in response.text
        assert "三年级1班" in response.text

    @pytest.mark.parametrize(
        ("persona", "status"), [("leader", 302), ("teacher_a", 403), ("other_teacher", 404)]
    )
    def test_exception_roles(self, client, world, locked, persona, status):
        url = reverse("plans:duty_exception", args=[locked.token])
        data = {"until": (timezone.localdate() + timedelta(days=3)).isoformat(), "reason": "病假"}
        assert post_as(client, getattr(world, persona), url, data).status_code == status
        assert DutyException.objects.exists() == (status == 302)


class TestEvidence:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("teacher_a", 200),
            ("leader", 200),
            ("inspector", 200),
            ("teacher_b", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_files_only_for_who_can_see_the_submission(
        self, client, world, submitted, persona, status
    ):
        evidence = submitted.submissions.get().files.first().evidence
        user = getattr(world, persona)
        response = get_as(client, user, reverse("plans:evidence", args=[evidence.token]))
        assert response.status_code == status
        if status == 200:
            assert response["Content-Type"] == "image/jpeg"
            assert response["X-Content-Type-Options"] == "nosniff"
            thumb = client.get(reverse("plans:evidence_thumb", args=[evidence.token]))
            assert thumb.status_code == 200

    def test_no_public_media_url(self, client, world, submitted):
        evidence = submitted.submissions.get().files.first().evidence
        client.force_login(world.teacher_a)
        assert client.get("/media/" + evidence.file.name).status_code == 404


class TestCompletenessPages:
    def test_school_page_rolls_up_and_shows_gaps(
        self, client, world, meeting, django_assert_max_num_queries
    ):
        client.force_login(world.leader)
        url = reverse("plans:completeness", args=[world.grade.code])
        today = timezone.localdate()
        term = f"{today.year if today.month >= 8 else today.year - 1}-T1"
        with django_assert_max_num_queries(15):
            response = client.get(url, {"period": term})
        assert response.status_code == 200
        rows = {r.unit: r.counts for r in response.context["rows"]}
        assert set(rows) == {world.class_a, world.class_b}
        assert rows[world.class_b].expected > 0

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("teacher_a", 200),
            ("inspector", 200),
            ("teacher_b", 404),
            ("other_teacher", 404),
            ("outsider", 404),
        ],
    )
    def test_scope(self, client, world, meeting, persona, status):
        url = reverse("plans:completeness", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_bad_period_is_explained(self, client, world, meeting):
        url = reverse("plans:completeness", args=[world.school.code])
        response = get_as(client, world.leader, url, data={"period": "2026-W60"})
        assert "没有第60周" in response.text
        assert 'value="2026-W60"' in response.text

    def test_htmx_gets_the_partial(self, client, world, meeting):
        url = reverse("plans:completeness", args=[world.school.code])
        response = get_as(client, world.leader, url, headers={"HX-Request": "true"})
        assert 'id="completeness"' in response.text and "<html" not in response.text
        assert post_as(client, world.leader, url).status_code == 405

    def test_overdue_list(self, client, world, meeting, django_assert_max_num_queries):
        client.force_login(world.leader)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("plans:overdue", args=[world.school.code]))
        assert response.status_code == 200
        assert all(d.due_date < timezone.localdate() for d in response.context["page"])
        assert (
            get_as(
                client, world.teacher_b, reverse("plans:overdue", args=[world.class_a.code])
            ).status_code
            == 404
        )

    def test_unit_detail_links_to_completeness(self, client, world):
        response = get_as(
            client, world.leader, reverse("orgs:unit_detail", args=[world.school.code])
        )
        assert reverse("plans:completeness", args=[world.school.code]) in response.text


class TestCalendarAndChannels:
    def test_terms(self, client, world):
        url = reverse("plans:term_list", args=[world.school.code])
        data = {
            "school_year": 2026,
            "number": 1,
            "start_date": "2026-09-01",
            "end_date": "2027-01-22",
        }
        class_url = reverse("plans:term_list", args=[world.class_a.code])
        assert post_as(client, world.teacher_a, class_url, data).status_code == 403
        assert post_as(client, world.other_teacher, url, data).status_code == 404
        assert post_as(client, world.leader, url, data).status_code == 302
        assert get_as(client, world.leader, url).status_code == 200
        response = get_as(
            client, world.teacher_a, reverse("plans:term_list", args=[world.class_a.code])
        )
        assert "使用上级单位的" in response.text
        bad = post_as(client, world.leader, url, {**data, "number": 2, "end_date": "2026-08-01"})
        assert "学期结束日期必须晚于开学日期" in bad.text

    @pytest.mark.parametrize(
        ("persona", "status"), [("leader", 200), ("teacher_a", 403), ("other_teacher", 404)]
    )
    def test_channels_roles(self, client, world, persona, status):
        url = reverse("plans:channel_list", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_add_channel(self, client, world):
        url = reverse("plans:channel_list", args=[world.school.code])
        data = {
            "kind": "dingtalk",
            "name": "校群",
            "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=x",
            "secret": "SEC1",
        }
        assert post_as(client, world.leader, url, data).status_code == 302
        assert NotificationChannel.objects.get().unit == world.school


class TestInspections:
    def test_inspection_finding_rectification_loop(
        self, client, world, django_assert_max_num_queries
    ):
        add = reverse("plans:inspection_add", args=[world.school.code])
        class_add = reverse("plans:inspection_add", args=[world.class_a.code])
        assert get_as(client, world.teacher_a, class_add).status_code == 403
        assert get_as(client, world.other_teacher, add).status_code == 404
        today = timezone.localdate().isoformat()
        data = {"date": today, "method": "unannounced", "summary": "暗访三年级"}
        first = post_as(client, world.inspector, add, data)
        again = client.post(add, data)
        assert first.status_code == 302 and again.status_code == 200
        assert "已记录过这次检查" in again.text
        inspection = Inspection.objects.get()
        findings = reverse("plans:finding_add", args=[inspection.token])
        response = client.post(findings, {"text": "班级群未发提示", "owner_unit": world.class_a.pk})
        assert "请填写整改期限" in response.text
        client.post(
            findings, {"text": "班级群未发提示", "owner_unit": world.class_a.pk, "deadline": today}
        )
        rect = Rectification.objects.get()
        url = reverse("plans:rectification_detail", args=[rect.token])
        assert get_as(client, world.teacher_b, url).status_code == 404
        assert get_as(client, world.teacher_a, url).status_code == 200
        respond = reverse("plans:rectification_respond", args=[rect.token])
        response = post_as(client, world.teacher_a, respond, {"response": "已补发"})
        assert "请上传至少一份整改证明材料" in response.text
        assert post_as(client, world.inspector, respond, {"response": "x"}).status_code == 403
        post_as(client, world.teacher_a, respond, {"response": "已补发", "attachments": [photo(7)]})
        rect.refresh_from_db()
        assert rect.status == "responded"
        confirm = reverse("plans:rectification_confirm", args=[rect.token])
        assert post_as(client, world.teacher_a, confirm, {"decision": "accept"}).status_code == 403
        assert post_as(client, world.leader, confirm, {"decision": "accept"}).status_code == 403
        assert post_as(client, world.inspector, confirm, {"decision": "accept"}).status_code == 302
        rect.refresh_from_db()
        assert rect.status == "closed" and rect.confirmed_by == world.inspector
        client.force_login(world.leader)
        with django_assert_max_num_queries(15):
            listing = client.get(reverse("plans:inspection_list", args=[world.school.code]))
        assert listing.status_code == 200 and "暗访" in listing.text


class TestCampaignEditing:
    @pytest.mark.parametrize(
        ("persona", "status"), [("leader", 200), ("teacher_a", 403), ("other_teacher", 404)]
    )
    def test_template_edit_roles(self, client, world, meeting, persona, status):
        url = reverse("plans:template_edit", args=[meeting.campaign.token, meeting.pk])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_template_edit_to_specific_units(self, client, world, meeting):
        url = reverse("plans:template_edit", args=[meeting.campaign.token, meeting.pk])
        data = {
            "title": "反电诈主题班会",
            "cadence": "monthly",
            "deadline_day": 25,
            "unit_kind": "class",
            "target_units": [world.class_a.pk],
            "role": "teacher",
            "grace_days": 7,
            "min_photos": 2,
            "requires_attendance": "on",
            "remind_before_days": 3,
            "remind_after_days": 7,
        }
        assert post_as(client, world.leader, url, data).status_code == 302
        meeting.refresh_from_db()
        assert list(meeting.target_units.all()) == [world.class_a]
        today = timezone.localdate()
        future = Duty.objects.filter(template=meeting, period_start__gt=today)
        assert future.exists() and not future.filter(unit=world.class_b).exists()

    def test_campaign_file_is_served_in_scope_only(self, client, world, meeting):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from wuzha.plans.testing import docx_bytes

        url = reverse("plans:file_add", args=[meeting.campaign.token])
        upload = SimpleUploadedFile("方案.docx", docx_bytes("方案正文"))
        assert (
            post_as(client, world.leader, url, {"title": "正式方案", "upload": upload}).status_code
            == 302
        )
        evidence = meeting.campaign.files.get().evidence
        download = reverse("plans:evidence", args=[evidence.token])
        response = get_as(client, world.teacher_a, download)
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
        assert get_as(client, world.other_teacher, download).status_code == 404
        bad = SimpleUploadedFile("方案.docx", b"not really a document")
        response = post_as(client, world.leader, url, {"title": "坏文件", "upload": bad})
        assert "不支持的文件类型" in response.text and 'value="坏文件"' in response.text

    def test_top_up_button(self, client, world, meeting):
        url = reverse("plans:campaign_instantiate", args=[meeting.campaign.token])
        assert get_as(client, world.leader, url).status_code == 405
        assert post_as(client, world.teacher_a, url).status_code == 403
        response = post_as(client, world.leader, url, follow=True)
        assert "已补充生成 0 项任务" in response.text

    def test_retry_a_failed_delivery(self, client, world):
        from wuzha.core import notify
        from wuzha.core.models import Notification

        robot = NotificationChannel.objects.create(
            unit=world.school, kind="wecom", name="群", webhook_url="http://127.0.0.1:9/x"
        )
        n = notify.notification_create(
            dedupe_key="r1", channel="wecom", robot=robot, unit=world.school, subject="s", body="b"
        )
        assert n is not None
        Notification.objects.filter(pk=n.pk).update(status="failed", attempts=5)
        url = reverse("plans:notification_retry", args=[world.school.code, n.pk])
        assert post_as(client, world.teacher_a, url).status_code == 404
        assert post_as(client, world.leader, url).status_code == 302
        n.refresh_from_db()
        assert (n.status, n.attempts) == ("pending", 1) and n.last_error
        page = get_as(client, world.leader, reverse("plans:channel_list", args=[world.school.code]))
        assert "待发送" in page.text and n.last_error.split(":")[0] in page.text
