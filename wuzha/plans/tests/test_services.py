"""Plans services through the real database: instantiation, submit/review, lock, reuse, roll-up."""

from datetime import date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from wuzha.core.models import Notification, NotificationChannel
from wuzha.core.periods import parse
from wuzha.core.tests.webhook_server import webhook_server
from wuzha.orgs import services as org_services
from wuzha.orgs.models import UnitKind
from wuzha.plans import selectors, services
from wuzha.plans.models import Duty, DutyTemplate, Submission
from wuzha.plans.testing import class_meeting_campaign, photo

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)
NOW = timezone.make_aware(datetime(2026, 11, 23, 10, 0))


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def meeting(world):
    _campaign, template = class_meeting_campaign(world.school, today=TODAY, by=world.leader)
    return template


def duty_of(template, unit, key):
    return Duty.objects.get(template=template, unit=unit, period_key=key)


class TestInstantiation:
    def test_one_duty_per_class_and_month_and_idempotent(self, world, meeting):
        keys = sorted(Duty.objects.filter(unit=world.class_a).values_list("period_key", flat=True))
        # Campaign 2026-09-09 → 2027-02-06, month-end deadlines inside it.
        assert keys == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
        assert Duty.objects.filter(template=meeting).count() == 10
        assert services.duties_instantiate(template=meeting) == 0
        assert Duty.objects.filter(template=meeting).count() == 10

    def test_new_class_gets_its_duties_on_top_up(self, world, meeting):
        org_services.unit_create(
            parent=world.grade, name="三年级3班", kind=UnitKind.CLASS, code="T-SCH-A-G3-3"
        )
        assert services.campaign_instantiate(campaign=meeting.campaign) == 5

    def test_editing_a_template_changes_only_future_periods(self, world, meeting):
        past = duty_of(meeting, world.class_a, "2026-10")
        services.duty_template_update(template=meeting, today=TODAY, deadline_day=20)
        past.refresh_from_db()
        assert past.due_date == date(2026, 10, 31)
        assert duty_of(meeting, world.class_a, "2026-11").due_date == date(2026, 11, 30)
        assert duty_of(meeting, world.class_a, "2026-12").due_date == date(2026, 12, 20)

    def test_term_calendar_of_the_school_is_used(self, world):
        term = services.term_add(
            unit=world.school,
            school_year=2026,
            number=1,
            start_date=date(2026, 9, 1),
            end_date=date(2027, 1, 22),
        )
        services.holiday_add(
            term=term, name="国庆节", start_date=date(2026, 10, 1), end_date=date(2026, 10, 7)
        )
        campaign = services.campaign_create(
            unit=world.county,
            name="县方案",
            start_date=date(2026, 9, 1),
            end_date=date(2027, 1, 31),
        )
        template = services.duty_template_create(
            campaign=campaign,
            title="学期资料",
            unit_kind=UnitKind.CLASS,
            cadence="term",
            deadline_week=15,
            deadline_weekday=5,
        )
        assert duty_of(template, world.class_a, "2026-T1").due_date == date(2026, 12, 11)
        # The other school has no calendar: the default term (1 Sep – 31 Jan) applies.
        assert duty_of(template, world.other_class, "2026-T1").due_date == date(2026, 12, 11)

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"cadence": "weekly"}, "deadline_weekday", "截止星期"),
            ({"cadence": "monthly", "deadline_day": 40}, "deadline_day", "1到31"),
            ({"cadence": "once", "due_date": date(2027, 6, 1)}, "due_date", "方案期间"),
            (
                {"cadence": "yearly", "deadline_month": 6, "deadline_day": 1},
                "cadence",
                "没有任何截止",
            ),
            ({"cadence": "term", "deadline_week": 29}, "deadline_week", "超出"),
        ],
    )
    def test_impossible_cadences_are_refused(self, world, meeting, fields, field, message):
        services.term_add(
            unit=world.school,
            school_year=2026,
            number=1,
            start_date=date(2026, 9, 1),
            end_date=date(2027, 1, 22),
        )
        with pytest.raises(ValidationError) as exc:
            services.duty_template_create(
                campaign=meeting.campaign, title="新任务", unit_kind=UnitKind.CLASS, **fields
            )
        assert message in " ".join(exc.value.message_dict[field])
        assert not DutyTemplate.objects.filter(title="新任务").exists()


class TestSubmitAndReview:
    def test_submit_return_resubmit_accept(self, world, meeting):
        duty = duty_of(meeting, world.class_a, "2026-11")
        first = services.duty_submit(
            duty=duty,
            by=world.teacher_a,
            text="召开主题班会",
            attendance=42,
            files=[photo(1), photo(2)],
            now=NOW,
        )
        duty.refresh_from_db()
        assert (duty.status, duty.is_late, first.number) == ("submitted", False, 1)
        with pytest.raises(ValidationError, match="等待上级审核"):
            services.duty_submit(
                duty=duty,
                by=world.teacher_a,
                text="again",
                attendance=1,
                files=[photo(1), photo(2)],
                now=NOW,
            )
        with pytest.raises(ValidationError):
            services.duty_review(duty=duty, by=world.leader, accept=False, comment="")
        services.duty_review(
            duty=duty,
            by=world.leader,
            accept=False,
            comment="照片看不清",
            now=NOW + timedelta(hours=1),
        )
        duty.refresh_from_db()
        assert duty.status == "returned"
        second = services.duty_submit(
            duty=duty,
            by=world.teacher_a,
            text="补充照片",
            attendance=42,
            files=[photo(3)],
            now=NOW + timedelta(days=1),
        )
        assert second.number == 2
        assert second.files.count() == 3  # two kept from the first attempt, one new
        services.duty_review(duty=duty, by=world.leader, accept=True, now=NOW + timedelta(days=2))
        duty.refresh_from_db()
        assert (duty.status, duty.reviewed_by) == ("accepted", world.leader)
        decisions = list(duty.submissions.values_list("decision", "review_comment"))
        assert decisions == [("returned", "照片看不清"), ("accepted", "")]
        timeline = [e["kind"] for e in selectors.duty_timeline(duty)]
        assert timeline == ["submitted", "returned", "submitted", "accepted"]

    def test_evidence_requirements(self, world, meeting):
        duty = duty_of(meeting, world.class_a, "2026-11")
        with pytest.raises(ValidationError) as exc:
            services.duty_submit(
                duty=duty, by=world.teacher_a, text="开了", files=[photo(1)], now=NOW
            )
        assert "至少 2 张照片" in exc.value.message_dict["attachments"][0]
        assert "参加人数" in exc.value.message_dict["attendance"][0]
        assert not Submission.objects.exists()

    def test_late_submission_is_marked_late(self, world, meeting):
        duty = duty_of(meeting, world.class_a, "2026-10")  # due 31 Oct, locks 7 Nov
        with mock.patch("django.utils.timezone.now", return_value=at(date(2026, 11, 3))):
            services.duty_submit(
                duty=duty,
                by=world.teacher_a,
                text="补开",
                attendance=40,
                files=[photo(1), photo(2)],
            )
        duty.refresh_from_db()
        assert duty.is_late is True

    def test_lock_and_exception(self, world, meeting):
        duty = duty_of(meeting, world.class_a, "2026-10")
        assert duty.lock_date == date(2026, 11, 7)
        with pytest.raises(ValidationError) as exc:
            services.duty_submit(
                duty=duty,
                by=world.teacher_a,
                text="补",
                attendance=1,
                files=[photo(1), photo(2)],
                now=NOW,
            )
        assert "锁定" in exc.value.messages[0]
        with pytest.raises(ValidationError):
            services.duty_exception_grant(
                duty=duty, by=world.leader, until=TODAY - timedelta(1), reason="x", today=TODAY
            )
        services.duty_exception_grant(
            duty=duty, by=world.leader, until=TODAY + timedelta(3), reason="班主任病假", today=TODAY
        )
        services.duty_submit(
            duty=duty,
            by=world.teacher_a,
            text="补",
            attendance=1,
            files=[photo(1), photo(2)],
            now=NOW,
        )
        duty.refresh_from_db()
        assert (duty.status, duty.is_late) == ("submitted", True)
        # After the exception ends the duty is locked again for any other unit's late work.
        other = duty_of(meeting, world.class_b, "2026-10")
        assert other.is_locked(TODAY)

    def test_reuse_of_a_photo_is_flagged(self, world, meeting):
        a = duty_of(meeting, world.class_a, "2026-11")
        b = duty_of(meeting, world.class_b, "2026-11")
        services.duty_submit(
            duty=a,
            by=world.teacher_a,
            text="班会",
            attendance=40,
            files=[photo(1), photo(2)],
            now=NOW,
        )
        services.duty_submit(
            duty=b,
            by=world.teacher_b,
            text="班会",
            attendance=38,
            files=[photo(2, name="我的照片.jpg"), photo(5)],
            now=NOW,
        )
        hits = selectors.submission_reuse(b, world.leader)
        assert len(hits) == 1
        [hit] = next(iter(hits.values()))
        assert (hit.duty, hit.visible) == (a, True)
        # The teacher of class B cannot see class A: the hit is anonymous for them.
        [hit] = next(iter(selectors.submission_reuse(b, world.teacher_b).values()))
        assert hit.visible is False


class TestCompleteness:
    def test_roll_up_with_gaps_and_zero_units(self, world, meeting):
        services.duty_submit(
            duty=duty_of(meeting, world.class_a, "2026-10"),
            by=world.teacher_a,
            text="x",
            attendance=1,
            files=[photo(1), photo(2)],
            now=at(date(2026, 10, 30)),
        )
        services.duty_submit(
            duty=duty_of(meeting, world.class_a, "2026-09"),
            by=world.teacher_a,
            text="x",
            attendance=1,
            files=[photo(3), photo(4)],
            now=at(date(2026, 10, 2)),
        )
        term = parse("2026-T1")
        total, rows = selectors.duty_completeness(world.county, term, today=TODAY)
        assert total.as_dict() == {
            "expected": 10,
            "submitted": 2,
            "on_time": 1,
            "late": 1,
            "missing": 2,
            "pending": 6,
        }
        by_unit = {r.unit: r.counts for r in rows}
        assert set(by_unit) == {world.bureau, world.school, world.other_school}
        assert by_unit[world.bureau].expected == 0
        assert by_unit[world.school].expected == 10
        _total, rows = selectors.duty_completeness(world.grade, term, today=TODAY)
        by_unit = {r.unit: r.counts for r in rows}
        assert by_unit[world.class_a].submitted == 2
        assert by_unit[world.class_b].is_gap and by_unit[world.class_b].missing == 2
        month, _rows = selectors.duty_completeness(world.school, parse("2026-11"), today=TODAY)
        assert (month.expected, month.pending, month.missing) == (2, 2, 0)

    def test_overdue_list(self, world, meeting):
        overdue = list(selectors.overdue_duties(world.school, today=TODAY))
        assert [(d.unit, d.period_key) for d in overdue] == [
            (world.class_a, "2026-09"),
            (world.class_b, "2026-09"),
            (world.class_a, "2026-10"),
            (world.class_b, "2026-10"),
        ]


class TestReminders:
    def test_email_and_robots_before_and_after_deadline(self, world, meeting):
        world.teacher_a.email = "a@example.cn"
        world.teacher_a.save()
        with webhook_server() as server:
            NotificationChannel.objects.create(
                unit=world.school, kind="wecom", name="学校群", webhook_url=f"{server.url}/wecom"
            )
            NotificationChannel.objects.create(
                unit=world.county,
                kind="dingtalk",
                name="县群",
                webhook_url=f"{server.url}/ding?access_token=x",
                secret="S",
            )
            # 28 Nov: November meetings due in 2 days; October ones 28 days overdue (> 7: quiet).
            queued = services.reminders_send(now=at(date(2026, 11, 28)))
            assert queued == {"email": 1, "robot": 2}
            again = services.reminders_send(now=at(date(2026, 11, 28), 15))
            assert again == {"email": 0, "robot": 0}
        from django.core import mail

        assert len(mail.outbox) == 1
        assert (
            "三年级1班：反电诈主题班会（2026-11，2026-11-30 截止，还剩2天）" in mail.outbox[0].body
        )
        paths = sorted(r.path for r in server.requests)
        assert paths == ["/ding", "/wecom"]
        wecom = next(r for r in server.requests if r.path == "/wecom")
        assert "三年级2班" in wecom.body["markdown"]["content"]
        ding = next(r for r in server.requests if r.path == "/ding")
        assert "sign" in ding.query and ding.body["msgtype"] == "markdown"
        assert Notification.objects.filter(status="sent").count() == 3

    def test_robot_failure_is_visible_and_not_fatal(self, world, meeting):
        NotificationChannel.objects.create(
            unit=world.school, kind="wecom", name="坏地址", webhook_url="http://127.0.0.1:9/x"
        )
        queued = services.reminders_send(now=at(date(2026, 12, 2)))
        assert queued["robot"] == 1
        n = Notification.objects.get()
        assert (n.status, n.attempts) == ("pending", 1)
        assert n.last_error
