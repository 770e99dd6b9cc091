"""Outreach activity records cited by a duty submission: picking, refusing, counting photos."""

import io
import zipfile
import zlib
from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wuzha.outreach.tests.factories import class_meeting
from wuzha.plans import services
from wuzha.plans.demo import link_class_meetings
from wuzha.plans.models import Duty, InspectionPack, Submission
from wuzha.plans.testing import class_meeting_campaign, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def duty(world):
    _campaign, template = class_meeting_campaign(
        world.school, today=timezone.localdate(), by=world.leader
    )
    today = timezone.localdate()
    return Duty.objects.get(template=template, unit=world.class_a, period_key=f"{today:%Y-%m}")


@pytest.fixture
def meeting(world, duty):
    """A class meeting of class A in the duty's period with two on-site photos."""
    return class_meeting(
        world.class_a, world.teacher_a, date=duty.period_start, photos=[photo(11), photo(12)]
    )


@pytest.fixture
def foreign(world, duty):
    """A class meeting of the other school, same day."""
    return class_meeting(world.other_class, world.other_teacher, date=duty.period_start)


def submit_url(duty):
    return reverse("plans:duty_submit", args=[duty.token])


class TestPage:
    def test_form_lists_only_linkable_activities(self, client, world, duty, meeting, foreign):
        client.force_login(world.teacher_a)
        response = client.get(reverse("plans:duty_detail", args=[duty.token]))
        choices = list(response.context["submit_form"].fields["activities"].queryset)
        assert choices == [meeting]
        assert f'value="{meeting.pk}"' in response.text
        assert f'value="{foreign.pk}"' not in response.text

    def test_link_counts_activity_photos_and_shows_them(self, client, world, duty, meeting):
        client.force_login(world.teacher_a)
        response = client.post(
            submit_url(duty), {"text": "班会已开", "attendance": 2, "activities": [meeting.pk]}
        )
        assert response.status_code == 302
        sub = Submission.objects.get(duty=duty)
        assert list(sub.activities.all()) == [meeting]
        assert not sub.files.exists()  # the activity's two photos met "照片≥2"
        page = client.get(reverse("plans:duty_detail", args=[duty.token]))
        assert "关联活动记录" in page.text
        assert f"{meeting.date:%Y-%m-%d} 主题班会" in page.text
        # Roster: both students of class A present; two files, both photos.
        assert "参加 2 人" in page.text
        assert "材料 2 份，其中照片 2 张" in page.text
        # The reviewer one level up sees the same.
        client.force_login(world.leader)
        assert "材料 2 份，其中照片 2 张" in client.get(page.request["PATH_INFO"]).text

    def test_foreign_activity_is_refused_at_the_field(self, client, world, duty, meeting, foreign):
        client.force_login(world.teacher_a)
        response = client.post(
            submit_url(duty),
            {
                "text": "借用别校活动",
                "attendance": 2,
                "activities": [meeting.pk, foreign.pk],
                "attachments": [photo(1), photo(2)],
            },
        )
        assert response.status_code == 200
        errors = response.context["submit_form"].errors
        assert "不能关联" in errors["activities"][0]
        assert "借用别校活动</textarea>" in response.text
        assert not Submission.objects.exists()

    @pytest.mark.parametrize("persona", ["teacher_b", "other_teacher", "outsider"])
    def test_out_of_scope_still_404(self, client, world, duty, meeting, persona):
        client.force_login(getattr(world, persona))
        assert client.get(reverse("plans:duty_detail", args=[duty.token])).status_code == 404
        data = {"text": "x", "attendance": 2, "activities": [meeting.pk]}
        assert client.post(submit_url(duty), data).status_code == 404
        assert not Submission.objects.exists()

    def test_resubmission_starts_with_previous_activities(self, client, world, duty, meeting):
        services.duty_submit(
            duty=duty, by=world.teacher_a, text="第一次", attendance=2, activities=[meeting]
        )
        services.duty_review(duty=duty, by=world.leader, accept=False, comment="补充签到表")
        client.force_login(world.teacher_a)
        page = client.get(reverse("plans:duty_detail", args=[duty.token]))
        assert page.context["submit_form"]["activities"].initial == [meeting.pk]


class TestService:
    def test_photo_shortfall_counts_activity_photos(self, world, duty):
        one = class_meeting(world.class_a, world.teacher_a, date=duty.period_start,
                            photos=[photo(21)])  # fmt: skip
        with pytest.raises(ValidationError) as info:
            services.duty_submit(
                duty=duty, by=world.teacher_a, text="班会", attendance=2, activities=[one]
            )
        assert "含关联活动的 1 张" in info.value.message_dict["attachments"][0]
        assert "目前 1 张" in info.value.message_dict["attachments"][0]
        sub = services.duty_submit(
            duty=duty,
            by=world.teacher_a,
            text="班会",
            attendance=2,
            activities=[one],
            files=[photo(22)],
        )
        assert sub.activities.get() == one

    def test_same_photo_in_activity_and_upload_counts_once(self, world, duty):
        one = class_meeting(world.class_a, world.teacher_a, date=duty.period_start,
                            photos=[photo(31)])  # fmt: skip
        with pytest.raises(ValidationError, match="目前 1 张"):
            services.duty_submit(
                duty=duty,
                by=world.teacher_a,
                text="班会",
                attendance=2,
                activities=[one],
                files=[photo(31)],
            )

    def test_activity_outside_the_period_is_refused(self, world, duty):
        early = class_meeting(
            world.class_a, world.teacher_a, date=duty.period_start - timedelta(days=1)
        )
        with pytest.raises(ValidationError) as info:
            services.duty_submit(
                duty=duty,
                by=world.teacher_a,
                text="班会",
                attendance=2,
                files=[photo(1), photo(2)],
                activities=[early],
            )
        assert "不在本任务期间" in info.value.message_dict["activities"][0]

    def test_sibling_class_activity_is_refused_even_if_visible(self, world, duty):
        # The leader sees class B, but class B's meeting is not class A's duty evidence.
        other = class_meeting(world.class_b, world.teacher_b, date=duty.period_start)
        with pytest.raises(ValidationError):
            services.duty_submit(
                duty=duty,
                by=world.leader,
                text="班会",
                attendance=2,
                files=[photo(1), photo(2)],
                activities=[other],
            )


def test_pack_lists_linked_activities(client, world, duty, meeting):
    services.duty_submit(
        duty=duty, by=world.teacher_a, text="班会", attendance=2, activities=[meeting]
    )
    client.force_login(world.leader)
    response = client.post(
        reverse("plans:pack_list", args=[world.school.code]),
        {"period": duty.period_key},
    )
    assert response.status_code == 302
    pack = InspectionPack.objects.get()
    download = client.get(reverse("plans:pack_download", args=[pack.token]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    rows = list(load_workbook(io.BytesIO(archive.read("台账索引.xlsx"))).active.values)
    assert rows[0][-1] == "关联活动记录"
    row = next(r for r in rows[1:] if r[1] == "三年级1班")
    assert row[-1] == (
        f"{meeting.date.isoformat()} 主题班会《反诈主题班会》（三年级1班，参加 2 人，材料 2 份）"
    )


def test_demo_linking_is_idempotent(world):
    """The demo cites class meetings on every second 班会 submission, once."""
    _campaign, template = class_meeting_campaign(
        world.school, today=timezone.localdate(), by=world.leader
    )
    today = timezone.localdate()
    subs: list[Submission] = []
    for unit, teacher in ((world.class_a, world.teacher_a), (world.class_b, world.teacher_b)):
        for back in (0, 31, 62):
            day = today - timedelta(days=back)
            duty = Duty.objects.filter(template=template, unit=unit, period_key=f"{day:%Y-%m}")
            if not duty.exists():
                continue
            start = duty.get().period_start
            class_meeting(unit, teacher, date=start, photos=[])
            subs.append(
                services.duty_submit(
                    duty=duty.get(),
                    by=teacher,
                    text="班会",
                    attendance=1,
                    files=[photo(100 + len(subs) * 2), photo(101 + len(subs) * 2)],
                    now=min(timezone.now(), timezone.make_aware(datetime.combine(start, time(9)))),
                )
            )
    expected = {
        s.pk
        for s in subs
        if zlib.crc32(f"{s.duty.unit.code}|{s.duty.period_key}".encode()) % 2 == 0
    }
    assert link_class_meetings(lambda _m: None) == len(expected)
    assert link_class_meetings(lambda _m: None) == 0
    linked = set(Submission.objects.filter(activities__isnull=False).values_list("pk", flat=True))
    assert linked == expected
    for sub in Submission.objects.filter(pk__in=expected):
        assert all(a.unit == sub.duty.unit for a in sub.activities.all())
