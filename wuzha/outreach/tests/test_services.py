"""Activities, attendance history, evidence, chat groups and household visits through services."""

import base64
import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from wuzha.core.models import EvidenceFile
from wuzha.orgs import services as org_services
from wuzha.orgs.models import PersonKind, UnitKind
from wuzha.outreach import selectors, services
from wuzha.outreach.models import (
    Activity,
    ActivityKind,
    Attendance,
    AttendanceMode,
    ChatGroup,
    GroupTip,
    HouseholdVisit,
    VisitContact,
)

from .factories import class_meeting, jpeg, upload

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 10, 15)


def _create(world, **overrides):
    data = {
        "unit": world.class_a,
        "by": world.teacher_a,
        "kind": ActivityKind.CLASS_MEETING,
        "title": "识破刷单返利",
        "date": DAY,
        "audiences": ["student"],
        "roster_ids": [world.student_a.pk, world.student_a2.pk],
        "present_ids": [world.student_a.pk],
        "client_id": uuid.uuid4(),
        "today": DAY,
    }
    data.update(overrides)
    return services.activity_create(**data)


class TestActivity:
    def test_same_client_id_is_one_activity(self, world):
        client_id = uuid.uuid4()
        first, created = _create(world, client_id=client_id, photos=[upload(jpeg())])
        again, created_again = _create(world, client_id=client_id, photos=[upload(jpeg())])
        assert (created, created_again) == (True, False)
        assert first.pk == again.pk
        assert Activity.objects.count() == 1
        assert first.files.count() == 1
        assert first.attendance_revisions.count() == 1

    def test_future_date_is_refused_at_the_date_field(self, world):
        with pytest.raises(ValidationError) as exc:
            _create(world, date=DAY + datetime.timedelta(days=1))
        assert "不能晚于今天" in exc.value.message_dict["date"][0]
        assert not Activity.objects.exists()

    def test_count_mode_needs_a_number_and_sheet_mode_a_photo(self, world):
        with pytest.raises(ValidationError) as exc:
            _create(world, attendance_mode=AttendanceMode.COUNT, roster_ids=None)
        assert "headcount" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            _create(world, attendance_mode=AttendanceMode.SHEET, headcount=40, roster_ids=None)
        assert "sign_in_sheets" in exc.value.message_dict
        activity, _ = _create(
            world,
            attendance_mode=AttendanceMode.SHEET,
            headcount=40,
            roster_ids=None,
            sign_in_sheets=[upload(jpeg((1, 2, 3)), "签到表.jpg")],
        )
        assert activity.headcount == 40
        assert activity.files.get().role == "sign_in"
        assert not Attendance.objects.filter(activity=activity).exists()

    def test_unknown_fraud_type_is_refused(self, world):
        with pytest.raises(ValidationError):
            _create(world, fraud_types=["no_such_type"])

    def test_a_renamed_exe_is_refused_and_nothing_is_saved(self, world):
        bad = upload(b"MZ\x90\x00" + b"\x00" * 200, "photo.jpg")
        with pytest.raises(ValidationError) as exc:
            _create(world, photos=[bad])
        assert "不支持的文件类型" in exc.value.message_dict["photos"][0]
        assert not Activity.objects.exists()

    def test_roster_must_belong_to_the_unit(self, world):
        with pytest.raises(ValidationError):
            _create(
                world,
                roster_ids=[world.student_a.pk, world.other_student.pk],
                present_ids=[world.other_student.pk],
            )
        assert not Attendance.objects.exists()


class TestAttendanceHistory:
    def test_edits_keep_every_version(self, world):
        activity, _ = _create(world)
        roster = [world.student_a.pk, world.student_a2.pk]
        services.attendance_record(
            activity=activity,
            by=world.teacher_a,
            mode=AttendanceMode.ROSTER,
            roster_ids=roster,
            present_ids=roster,
        )
        services.attendance_record(
            activity=activity,
            by=world.leader,
            mode=AttendanceMode.ROSTER,
            roster_ids=roster,
            present_ids=[world.student_a2.pk],
        )
        revisions = list(activity.attendance_revisions.order_by("number"))
        assert [r.present_ids for r in revisions] == [
            [world.student_a.pk],
            sorted(roster),
            [world.student_a2.pk],
        ]
        assert revisions[1].added_ids == [world.student_a2.pk]
        assert revisions[2].removed_ids == [world.student_a.pk]
        assert revisions[2].absent_ids == [world.student_a.pk]
        assert revisions[2].by == world.leader
        activity.refresh_from_db()
        assert activity.headcount == 1
        assert set(
            Attendance.objects.filter(activity=activity, present=True).values_list(
                "person_id", flat=True
            )
        ) == {world.student_a2.pk}

    def test_saving_the_same_attendance_twice_adds_no_version(self, world):
        activity, _ = _create(world)
        for _twice in range(2):
            services.attendance_record(
                activity=activity,
                by=world.teacher_a,
                mode=AttendanceMode.ROSTER,
                roster_ids=[world.student_a.pk, world.student_a2.pk],
                present_ids=[world.student_a.pk],
            )
        assert activity.attendance_revisions.count() == 1

    def test_switching_to_a_count_names_nobody_but_keeps_history(self, world):
        activity, _ = _create(world)
        services.attendance_record(
            activity=activity, by=world.teacher_a, mode=AttendanceMode.COUNT, headcount=30
        )
        assert not Attendance.objects.filter(activity=activity).exists()
        first, second = activity.attendance_revisions.order_by("number")
        assert first.present_ids == [world.student_a.pk]
        assert (second.mode, second.headcount, second.removed_ids) == (
            "count",
            30,
            [world.student_a.pk],
        )


class TestEvidence:
    def test_the_same_photo_on_two_activities_is_flagged(self, world):
        photo = jpeg((10, 200, 10))
        first = class_meeting(world.class_a, world.teacher_a, date=DAY, photos=[upload(photo)])
        second = class_meeting(
            world.class_b, world.teacher_b, date=DAY, photos=[upload(photo, "again.jpg")]
        )
        assert EvidenceFile.objects.count() == 1
        flags = selectors.activity_files(second, Activity.objects.visible_to(world.leader))
        assert [a.pk for a in flags[0].reused_in] == [first.pk]
        # Teacher B cannot open class A's activity: the reuse is still flagged, without the link.
        flags = selectors.activity_files(second, Activity.objects.visible_to(world.teacher_b))
        assert (flags[0].reused_in, flags[0].reused_elsewhere) == ([], 1)
        fresh = class_meeting(
            world.class_a, world.teacher_a, date=DAY, photos=[upload(jpeg((0, 0, 250)))]
        )
        flags = selectors.activity_files(fresh, Activity.objects.all())
        assert (flags[0].reused_in, flags[0].reused_elsewhere) == ([], 0)

    def test_exif_date_far_from_the_activity_is_flagged(self, world):
        old = upload(jpeg(taken="2025:03:01 09:00:00"), "old.jpg")
        today = upload(jpeg((5, 5, 5), taken="2026:10:15 09:30:00"), "today.jpg")
        activity = class_meeting(world.class_a, world.teacher_a, date=DAY, photos=[old, today])
        flags = selectors.activity_files(activity, Activity.objects.all())
        assert [f.date_mismatch for f in flags] == [True, False]
        taken = flags[0].link.evidence.taken_at
        assert taken is not None and taken.date() == datetime.date(2025, 3, 1)


class TestGroups:
    def test_checklist_gaps_and_tips_logged_once(self, world):
        group = services.group_save(
            unit=world.class_a,
            by=world.teacher_a,
            platform=ChatGroup.Platform.WECHAT,
            kind=ChatGroup.Kind.PARENT,
            name="三年级1班家长群",
            owner_name="班主任甲",
            member_count=52,
            responsible="班主任甲",
            join_verification=True,
            owner_verified=True,
            no_fee_notice=False,
            remark_names_set=True,
            checked_today=True,
            today=DAY,
        )
        assert group.gaps(DAY) == ["已发布“本群不收取任何费用”公告"]
        assert "超过30天未检查" in group.gaps(DAY + datetime.timedelta(days=31))
        for _twice in range(2):
            services.group_tip_log(
                group=group, by=world.teacher_a, posted_on=DAY, content="老师不会在群里收费"
            )
        assert GroupTip.objects.count() == 1


def _signature() -> str:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 20), (255, 255, 255)).save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


class TestHouseholdVisits:
    @pytest.fixture
    def village(self, world):
        return org_services.unit_create(
            parent=world.county, name="上林村", kind=UnitKind.VILLAGE, code="T-V1"
        )

    def test_a_retried_submission_is_stored_once(self, world, village):
        resident = org_services.person_create(unit=village, kind=PersonKind.RESIDENT, name="张大山")
        client_id = uuid.uuid4()
        data = {
            "client_id": client_id,
            "unit": village,
            "by": world.coordinator,
            "address": "上林村  3组12号",
            "visited_on": DAY,
            "met_persons": [resident],
            "materials": ["card"],
            "topics": ["impersonate_authority"],
            "signature": _signature(),
            "signer_name": "张大山",
            "today": DAY,
        }
        visit, created = services.visit_record(**data)
        again, created_again = services.visit_record(**data)
        assert (created, created_again, visit.pk) == (True, False, again.pk)
        assert HouseholdVisit.objects.count() == 1
        assert VisitContact.objects.count() == 1
        assert visit.household.address == "上林村 3组12号"
        assert visit.signature is not None and visit.signature.kind == "image"

    def test_progress_counts_households_visited_over_registered(self, world, village):
        for n in range(4):
            services.household_register(unit=village, address=f"上林村1组{n}号")
        for n in range(2):
            for _repeat in range(2):  # two visits to the same household count once
                services.visit_record(
                    client_id=uuid.uuid4(),
                    unit=village,
                    by=world.coordinator,
                    address=f"上林村1组{n}号",
                    visited_on=DAY,
                    today=DAY,
                )
        period = selectors.period_for(village, "2026-10")
        [row] = selectors.visit_progress(world.county, period)
        assert (row.unit, row.households, row.visited, row.visits, row.rate) == (
            village,
            4,
            2,
            4,
            50.0,
        )

    def test_bad_signature_and_persons_from_elsewhere_are_refused(self, world, village):
        with pytest.raises(ValidationError) as exc:
            services.visit_record(
                client_id=uuid.uuid4(),
                unit=village,
                by=world.coordinator,
                address="上林村1组1号",
                visited_on=DAY,
                signature="data:image/png;base64,!!!",
                today=DAY,
            )
        assert "signature" in exc.value.message_dict
        with pytest.raises(ValidationError) as exc:
            services.visit_record(
                client_id=uuid.uuid4(),
                unit=village,
                by=world.coordinator,
                address="上林村1组1号",
                visited_on=DAY,
                met_persons=[world.student_a],
                today=DAY,
            )
        assert "met_persons" in exc.value.message_dict
        assert not HouseholdVisit.objects.exists()
