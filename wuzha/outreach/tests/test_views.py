"""Persona matrix for every outreach page: works / 404 outside scope / 403 by role / 405."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from wuzha.core import coverage
from wuzha.core.models import SensitiveRead
from wuzha.orgs import services as org_services
from wuzha.orgs.models import PersonKind, Role, UnitKind
from wuzha.outreach import services
from wuzha.outreach.models import Activity, ActivityFile, Attendance, ChatGroup, HouseholdVisit

from .factories import class_meeting, jpeg, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def yesterday():
    return timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture
def village(world):
    return org_services.unit_create(
        parent=world.county, name="上林村", kind=UnitKind.VILLAGE, code="T-V1"
    )


@pytest.fixture
def records(world, village, yesterday):
    """One of each record in class A / the village, made through the services."""
    activity = class_meeting(
        world.class_a,
        world.teacher_a,
        date=yesterday,
        present=[world.student_a],
        roster=[world.student_a, world.student_a2],
        photos=[upload(jpeg())],
    )
    group = services.group_save(
        unit=world.class_a,
        by=world.teacher_a,
        platform="wechat",
        kind="parent",
        name="三年级1班家长群",
        owner_name="班主任甲",
        member_count=40,
        responsible="班主任甲",
    )
    police = org_services.user_invite(
        username="t_police", display_name="片区民警", unit=village, role=Role.POLICE,
        password="x-Wuzha-2026",
    )[0]  # fmt: skip
    visit, _ = services.visit_record(
        client_id=uuid.uuid4(),
        unit=village,
        by=police,
        address="上林村1组1号",
        visited_on=yesterday,
        photos=[upload(jpeg((9, 9, 9)))],
    )
    return {"activity": activity, "group": group, "visit": visit, "police": police}


def get_as(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post_as(client, user, url, data=None, **kwargs):
    client.force_login(user)
    return client.post(url, data or {}, **kwargs)


def _url(name, world, records):
    a = records["activity"]
    token = a.files.get().evidence.token
    visit = records["visit"]
    return {
        "coverage": reverse("outreach:coverage", args=[world.class_a.code]),
        "coverage_export": reverse("outreach:coverage_export", args=[world.class_a.code]),
        "person_coverage": reverse("outreach:person_coverage", args=[world.student_a.pk]),
        "activity_list": reverse("outreach:activity_list", args=[world.class_a.code]),
        "activity_export": reverse("outreach:activity_export", args=[world.class_a.code]),
        "activity_create": reverse("outreach:activity_create", args=[world.class_a.code]),
        "activity_detail": reverse("outreach:activity_detail", args=[a.pk]),
        "activity_edit": reverse("outreach:activity_edit", args=[a.pk]),
        "activity_attendance": reverse("outreach:activity_attendance", args=[a.pk]),
        "activity_file": reverse("outreach:activity_file", args=[a.pk, token]),
        "activity_file_thumb": reverse("outreach:activity_file_thumb", args=[a.pk, token]),
        "group_list": reverse("outreach:group_list", args=[world.class_a.code]),
        "group_create": reverse("outreach:group_create", args=[world.class_a.code]),
        "group_detail": reverse("outreach:group_detail", args=[records["group"].pk]),
        "group_edit": reverse("outreach:group_edit", args=[records["group"].pk]),
        "visit_list": reverse("outreach:visit_list", args=["T-V1"]),
        "visit_create": reverse("outreach:visit_create", args=["T-V1"]),
        "household_add": reverse("outreach:household_add", args=["T-V1"]),
        "visit_detail": reverse("outreach:visit_detail", args=[visit.pk]),
        "visit_file": reverse(
            "outreach:visit_file", args=[visit.pk, visit.files.get().evidence.token]
        ),
    }[name]


READ_PAGES = [
    "coverage",
    "coverage_export",
    "person_coverage",
    "activity_list",
    "activity_export",
    "activity_detail",
    "activity_file",
    "activity_file_thumb",
    "group_list",
    "group_detail",
]
WRITE_PAGES = [
    "activity_create",
    "activity_edit",
    "activity_attendance",
    "group_create",
    "group_edit",
]
VILLAGE_READ = ["visit_list", "visit_detail", "visit_file"]
VILLAGE_WRITE = ["visit_create", "household_add"]


@pytest.mark.parametrize("page", READ_PAGES)
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
def test_read_pages(client, world, records, page, persona, status):
    url = _url(page, world, records)
    assert get_as(client, getattr(world, persona), url).status_code == status


@pytest.mark.parametrize("page", WRITE_PAGES)
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("teacher_a", 200),
        ("coordinator", 200),
        ("inspector", 403),
        ("teacher_b", 404),
        ("other_teacher", 404),
        ("outsider", 404),
    ],
)
def test_write_pages(client, world, records, page, persona, status):
    url = _url(page, world, records)
    assert get_as(client, getattr(world, persona), url).status_code == status


@pytest.mark.parametrize("page", VILLAGE_READ + VILLAGE_WRITE)
@pytest.mark.parametrize(
    ("persona", "status_read", "status_write"),
    [
        ("police", 200, 200),
        ("coordinator", 200, 200),
        ("inspector", 200, 403),
        ("teacher_a", 404, 404),
        ("outsider", 404, 404),
    ],
)
def test_village_pages(client, world, records, page, persona, status_read, status_write):
    user = records["police"] if persona == "police" else getattr(world, persona)
    expected = status_read if page in VILLAGE_READ else status_write
    assert get_as(client, user, _url(page, world, records)).status_code == expected


@pytest.mark.parametrize("page", [*READ_PAGES, *VILLAGE_READ])
def test_read_pages_reject_post(client, world, records, page):
    assert post_as(client, world.admin, _url(page, world, records)).status_code == 405


def test_file_upload_endpoint(client, world, records):
    a = records["activity"]
    url = reverse("outreach:activity_files_add", args=[a.pk])
    assert get_as(client, world.teacher_a, url).status_code == 405
    data = {"role": "photo", "files": upload(jpeg((1, 100, 1)), "second.jpg")}
    assert post_as(client, world.inspector, url, data).status_code == 403
    data = {"role": "photo", "files": upload(jpeg((1, 100, 1)), "second.jpg")}
    assert post_as(client, world.teacher_b, url, data).status_code == 404
    data = {"role": "photo", "files": upload(jpeg((1, 100, 1)), "second.jpg")}
    assert post_as(client, world.teacher_a, url, data).status_code == 302
    assert a.files.count() == 2


def test_file_of_another_activity_is_not_served_through_this_one(client, world, records):
    other = class_meeting(world.class_b, world.teacher_b, date=records["activity"].date,
                          photos=[upload(jpeg((3, 3, 3)))])  # fmt: skip
    token = other.files.get().evidence.token
    url = reverse("outreach:activity_file", args=[records["activity"].pk, token])
    assert get_as(client, world.teacher_a, url).status_code == 404


def test_names_are_masked_unless_asked_for_by_a_role_that_may_read_them(client, world, records):
    url = _url("coverage", world, records) + "?all=1"
    response = get_as(client, world.teacher_a, url)
    assert "王**" in response.text and "王小明" not in response.text
    response = get_as(client, world.teacher_a, url + "&names=1")
    assert "王小明" in response.text
    assert SensitiveRead.objects.filter(user=world.teacher_a, field="names").count() == 1
    assert get_as(client, world.inspector, url + "&names=1").status_code == 403
    detail = _url("activity_detail", world, records)
    assert "李小红" not in get_as(client, world.teacher_a, detail).text
    assert "李**" in get_as(client, world.teacher_a, detail).text


class TestActivityCreate:
    def _data(self, world, day, **extra):
        data = {
            "client_id": str(uuid.uuid4()),
            "kind": "class_meeting",
            "title": "",
            "date": day.isoformat(),
            "audiences": ["student"],
            "attendance_mode": "roster",
            "present": [str(world.student_a.pk)],
        }
        data.update(extra)
        return data

    def test_quick_entry_with_roster_and_photo(self, client, world, yesterday):
        url = reverse("outreach:activity_create", args=[world.class_a.code])
        form = get_as(client, world.teacher_a, url)
        # The roster is there with everyone ticked, full names for the class teacher.
        assert form.text.count('name="present"') == 2 and "王小明" in form.text
        data = self._data(world, yesterday, photos=upload(jpeg()))
        response = post_as(client, world.teacher_a, url, data)
        activity = Activity.objects.get()
        assert response["Location"] == reverse("outreach:activity_detail", args=[activity.pk])
        assert activity.title == "防范电信网络诈骗主题班会"
        assert activity.created_by == world.teacher_a
        assert list(Attendance.objects.filter(present=False).values_list("person", flat=True)) == [
            world.student_a2.pk
        ]
        assert ActivityFile.objects.count() == 1

    def test_double_submit_is_one_activity(self, client, world, yesterday):
        url = reverse("outreach:activity_create", args=[world.class_a.code])
        data = self._data(world, yesterday)
        first = post_as(client, world.teacher_a, url, data)
        second = post_as(client, world.teacher_a, url, data)
        assert first.status_code == second.status_code == 302
        assert Activity.objects.count() == 1

    def test_bad_input_shows_chinese_errors_and_keeps_what_was_typed(
        self, client, world, yesterday
    ):
        url = reverse("outreach:activity_create", args=[world.class_a.code])
        future = timezone.localdate() + datetime.timedelta(days=3)
        data = self._data(world, future, title="防范冒充老师收费", audiences=[])
        response = post_as(client, world.teacher_a, url, data)
        assert response.status_code == 200
        assert "请至少选择一类活动对象" in response.text
        assert 'value="防范冒充老师收费"' in response.text
        data = self._data(world, future, title="防范冒充老师收费")
        response = post_as(client, world.teacher_a, url, data)
        assert "活动日期不能晚于今天" in response.text
        data = self._data(world, yesterday, attendance_mode="count")
        response = post_as(client, world.teacher_a, url, data)
        assert "请填写参加人数" in response.text
        assert not Activity.objects.exists()

    def test_parent_meeting_by_roster_goes_on_to_the_guardian_roster(
        self, client, world, yesterday
    ):
        url = reverse("outreach:activity_create", args=[world.class_a.code])
        data = self._data(world, yesterday, kind="parent_meeting", audiences=["guardian"])
        response = post_as(client, world.teacher_a, url, data)
        activity = Activity.objects.get()
        assert response["Location"] == reverse("outreach:activity_attendance", args=[activity.pk])
        page = get_as(client, world.teacher_a, response["Location"])
        assert "王建国" in page.text and "王小明" not in page.text
        post_as(
            client,
            world.teacher_a,
            response["Location"],
            {"mode": "roster", "present": [str(world.guardian_a.pk)]},
        )
        assert Attendance.objects.get().person == world.guardian_a

    def test_school_wide_activity_without_roster_asks_for_a_count(self, client, world, yesterday):
        org_services.unit_create(parent=world.school, name="空年级", kind="grade", code="T-EMPTY")
        url = reverse("outreach:activity_create", args=["T-EMPTY"])
        data = self._data(world, yesterday, present=[])
        response = post_as(client, world.leader, url, data)
        assert "请选择“只记人数”" in response.text
        data = self._data(world, yesterday, present=[], attendance_mode="count", headcount="30")
        assert post_as(client, world.leader, url, data).status_code == 302


def test_attendance_edit_keeps_history_on_the_page(client, world, records):
    a = records["activity"]
    url = reverse("outreach:activity_attendance", args=[a.pk])
    data = {"mode": "roster", "present": [str(world.student_a.pk), str(world.student_a2.pk)]}
    assert post_as(client, world.teacher_a, url, data).status_code == 302
    post_as(client, world.teacher_a, url, data)  # double submit: no new version
    assert a.attendance_revisions.count() == 2
    detail = get_as(client, world.teacher_a, reverse("outreach:activity_detail", args=[a.pk]))
    assert "修改记录（2 次）" in detail.text
    assert "新增出席 1，改为缺席 0" in detail.text
    # A person from another class cannot be slipped into the attendance.
    data = {"mode": "roster", "present": [str(world.other_student.pk)]}
    response = post_as(client, world.teacher_a, url, data)
    assert response.status_code == 200 and "有效的选项" in response.text


def test_coverage_page_lists_the_unreached_of_a_class(client, world, records):
    response = get_as(client, world.teacher_a, _url("coverage", world, records))
    assert response.context["total"].persons == 2
    assert response.context["total"].reached == 1
    assert [row.person for row, _name in response.context["people"]] == [world.student_a2]


def test_coverage_roll_up_page_and_htmx_partial(
    client, world, records, django_assert_max_num_queries
):
    url = reverse("outreach:coverage", args=[world.county.code])
    client.force_login(world.coordinator)
    # One query per registered coverage channel, the rest fixed (does not grow with units).
    with django_assert_max_num_queries(11 + len(coverage.channels())):
        response = client.get(url + "?period=2026")
    assert response.status_code == 200
    assert [r.unit for r in response.context["rows"]][:2] == [world.bureau, world.school]
    partial = client.get(url, headers={"HX-Request": "true"})
    assert 'id="table"' in partial.text and "<html" not in partial.text


def test_bad_period_says_so_and_falls_back_to_the_term(client, world, records):
    response = get_as(
        client, world.teacher_a, _url("coverage", world, records) + "?period=2026-W60"
    )
    assert "没有第60周" in response.text
    assert response.context["period"].kind == "term"


@pytest.mark.parametrize(
    ("page", "limit"), [("activity_list", 14), ("group_list", 14), ("visit_list", 16)]
)
def test_list_query_counts_do_not_grow(
    client, world, records, village, yesterday, page, limit, django_assert_max_num_queries
):
    for n in range(5):
        class_meeting(
            world.class_a, world.teacher_a, date=yesterday, photos=[upload(jpeg((n, 1, 1)))]
        )
        services.group_save(
            unit=world.class_a, by=None, platform="qq", kind="class", name=f"群{n}",
            owner_name="甲", responsible="甲",
        )  # fmt: skip
        services.visit_record(
            client_id=uuid.uuid4(), unit=village, by=None, address=f"上林村2组{n}号",
            visited_on=yesterday,
        )  # fmt: skip
    url = (
        _url(page, world, records)
        if page != "visit_list"
        else reverse("outreach:visit_list", args=[world.county.code])
    )
    client.force_login(world.coordinator)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_exports_are_spreadsheets_with_the_rows(client, world, records):
    import io

    from openpyxl import load_workbook

    response = get_as(client, world.teacher_a, _url("activity_export", world, records))
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["活动登记", "出勤名单"]
    assert book["活动登记"].cell(3, 5).value == records["activity"].title
    names = [row[3].value for row in book["出勤名单"].iter_rows(min_row=2)]
    assert sorted(names) == ["李**", "王**"]
    response = get_as(client, world.teacher_a, _url("coverage_export", world, records))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [sheet.cell(r, 3).value for r in (3, 4)] == ["2023001", "2023002"]


class TestGroupsAndVisits:
    def test_group_register_and_tip(self, client, world):
        url = reverse("outreach:group_create", args=[world.class_a.code])
        data = {
            "platform": "wechat", "kind": "parent", "name": "三年级1班家长群",
            "owner_name": "班主任甲", "member_count": "45", "responsible": "班主任甲",
            "join_verification": "on", "checked_today": "on", "is_active": "on",
        }  # fmt: skip
        response = post_as(client, world.teacher_a, url, data)
        group = ChatGroup.objects.get()
        assert group.last_checked_on == timezone.localdate()
        detail = get_as(client, world.teacher_a, response["Location"])
        assert "群主身份已核实" in detail.context["gaps"]
        tip_url = reverse("outreach:group_tip_add", args=[group.pk])
        tip = {"posted_on": timezone.localdate().isoformat(), "content": "本群不收取任何费用"}
        assert post_as(client, world.teacher_a, tip_url, tip).status_code == 302
        post_as(client, world.teacher_a, tip_url, tip)
        assert group.tips.count() == 1
        assert post_as(client, world.inspector, tip_url, tip).status_code == 403
        assert post_as(client, world.other_teacher, tip_url, tip).status_code == 404
        assert get_as(client, world.teacher_a, tip_url).status_code == 405
        bad = post_as(client, world.teacher_a, tip_url, {"posted_on": "昨天", "content": "提醒"})
        assert bad.status_code == 200 and "有效的日期" in bad.text and "提醒" in bad.text
        response = post_as(client, world.teacher_a, url, {**data, "member_count": "-3"})
        assert response.status_code == 200 and 'value="三年级1班家长群"' in response.text

    def test_visit_double_post_is_one_visit(self, client, world, village, yesterday):
        url = reverse("outreach:visit_create", args=[village.code])
        data = {
            "client_id": str(uuid.uuid4()), "village": village.pk, "address": "上林村5组8号",
            "visited_on": yesterday.isoformat(), "people_met": "2", "app_installed": "1",
            "materials": ["card", "leaflet"], "latitude": "30.123456", "longitude": "120.1",
            "accuracy_m": "15",
        }  # fmt: skip
        first = post_as(client, world.coordinator, url, data)
        second = post_as(client, world.coordinator, url, data)
        assert first.status_code == second.status_code == 302
        visit = HouseholdVisit.objects.get()
        assert (visit.people_met, visit.accuracy_m, visit.household.unit) == (2, 15, village)
        response = post_as(client, world.coordinator, url, {**data, "client_id": str(uuid.uuid4()),
                           "address": "", "met_names": "张大山"})  # fmt: skip
        assert response.status_code == 200 and "这个字段是必填项" in response.text
        assert 'value="张大山"' in response.text

    def test_residents_met_at_the_door_are_covered(self, client, world, village, yesterday):
        met = org_services.person_create(unit=village, kind=PersonKind.RESIDENT, name="张大山")
        org_services.person_create(unit=village, kind=PersonKind.RESIDENT, name="张二水")
        url = reverse("outreach:visit_create", args=[village.code])
        assert "张二水" in get_as(client, world.coordinator, url).text
        data = {
            "client_id": str(uuid.uuid4()), "village": village.pk, "address": "上林村5组9号",
            "visited_on": yesterday.isoformat(), "people_met": "1", "app_installed": "0",
            "met_persons": [str(met.pk)],
        }  # fmt: skip
        assert post_as(client, world.coordinator, url, data).status_code == 302
        coverage_url = reverse("outreach:coverage", args=[village.code]) + "?kind=resident"
        response = get_as(client, world.coordinator, coverage_url)
        assert (response.context["total"].persons, response.context["total"].reached) == (2, 1)
        assert response.context["total"].by_channel["home_visit"] == 1

    def test_household_register_lines(self, client, world, village):
        url = reverse("outreach:household_add", args=[village.code])
        post_as(client, world.coordinator, url, {"lines": "上林村1组1号，张大山\n上林村1组2号\n"})
        post_as(client, world.coordinator, url, {"lines": "上林村1组1号"})
        assert village.outreach_households.count() == 2
        school_url = reverse("outreach:household_add", args=[world.school.code])
        assert get_as(client, world.leader, school_url).status_code == 404


def test_nav_and_unit_page_link_to_coverage(client, world):
    response = get_as(
        client, world.teacher_a, reverse("orgs:unit_detail", args=[world.class_a.code])
    )
    assert reverse("outreach:coverage", args=[world.class_a.code]) in response.text
    assert "宣传与覆盖" in response.text and "覆盖情况" in response.text
