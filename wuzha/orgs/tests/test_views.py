"""Persona matrix for the org, roster and staff pages: works / 404 outside scope / 403 / 405."""

import pytest
from django.urls import reverse

from wuzha.core.models import SensitiveRead
from wuzha.orgs.models import Membership, OrgUnit, OrgUnitHistory, Person, Role, User

pytestmark = pytest.mark.django_db


def get_as(client, user, url, **kwargs):
    client.force_login(user)
    return client.get(url, **kwargs)


def post_as(client, user, url, data=None, **kwargs):
    client.force_login(user)
    return client.post(url, data or {}, **kwargs)


class TestLoginAndShell:
    def test_anonymous_is_sent_to_login(self, client, world):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_login_page_is_chinese(self, client, db):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert "工作人员登录" in response.text
        assert 'lang="zh-Hans"' in response.text

    def test_wrong_password_message_in_chinese_and_username_kept(self, client, world):
        response = client.post(reverse("login"), {"username": "t_leader", "password": "nope"})
        assert response.status_code == 200
        assert "用户名或密码不正确" in response.text
        assert 'value="t_leader"' in response.text

    def test_login_works_and_locks_after_repeated_failures(self, client, world):
        from wuzha.testing import PASSWORD

        ok = client.post(reverse("login"), {"username": "t_leader", "password": PASSWORD})
        assert ok.status_code == 302
        client.logout()
        for _ in range(5):
            client.post(reverse("login"), {"username": "t_leader", "password": "wrong"})
        locked = client.post(reverse("login"), {"username": "t_leader", "password": PASSWORD})
        assert locked.status_code == 429
        assert "账号已临时锁定" in locked.text

    def test_home_shows_each_membership_with_counts(self, client, world):
        response = get_as(client, world.leader, reverse("home"))
        assert response.status_code == 200
        assert "测试实验小学" in response.text
        assert response.context["cards"][0]["counts"].students == 3

    def test_home_without_membership_explains(self, client, world):
        response = get_as(client, world.outsider, reverse("home"))
        assert "还没有分配任何单位的角色" in response.text

    def test_nav_shows_import_only_to_roster_editors(self, client, world):
        assert "导入名册" in get_as(client, world.leader, reverse("home")).text
        assert "导入名册" not in get_as(client, world.teacher_a, reverse("home")).text

    def test_switch_unit_only_to_own_memberships(self, client, world):
        from wuzha.orgs import services

        services.membership_grant(user=world.teacher_a, unit=world.class_b, role=Role.TEACHER)
        response = post_as(
            client, world.teacher_a, reverse("orgs:switch_unit"), {"code": world.class_b.code}
        )
        assert response.status_code == 302
        assert client.session["wuzha_unit"] == world.class_b.code
        response = client.post(reverse("orgs:switch_unit"), {"code": world.other_class.code})
        assert response.status_code == 404
        assert client.get(reverse("orgs:switch_unit")).status_code == 405


class TestUnitPages:
    def test_unit_detail_counts_subtree(self, client, world, django_assert_max_num_queries):
        client.force_login(world.leader)
        url = reverse("orgs:unit_detail", args=[world.school.code])
        with django_assert_max_num_queries(20):
            response = client.get(url)
        assert response.status_code == 200
        total = response.context["total"]
        assert (total.classes, total.students, total.students_with_guardian) == (2, 3, 1)
        grade_row = response.context["rows"][0]
        assert grade_row.unit == world.grade
        assert grade_row.counts.students == 3

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("teacher_a", 200),
            ("teacher_b", 404),
            ("other_teacher", 404),
            ("outsider", 404),
            ("inspector", 200),
        ],
    )
    def test_unit_detail_scope(self, client, world, persona, status):
        url = reverse("orgs:unit_detail", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_unit_detail_rejects_post(self, client, world):
        url = reverse("orgs:unit_detail", args=[world.class_a.code])
        assert post_as(client, world.leader, url).status_code == 405

    def test_htmx_request_gets_only_the_partial(self, client, world):
        url = reverse("orgs:unit_detail", args=[world.school.code])
        response = get_as(client, world.leader, url, headers={"HX-Request": "true"})
        assert 'id="subtree"' in response.text
        assert "<html" not in response.text

    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 200),
            ("coordinator", 200),
            ("teacher_a", 403),
            ("inspector", 403),
            ("other_teacher", 404),
        ],
    )
    def test_unit_edit_roles(self, client, world, persona, status):
        url = reverse("orgs:unit_edit", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_rename_keeps_history(self, client, world):
        url = reverse("orgs:unit_edit", args=[world.class_a.code])
        response = post_as(
            client,
            world.leader,
            url,
            {"name": "三年级一班", "code": world.class_a.code, "population": ""},
        )
        assert response.status_code == 302
        world.class_a.refresh_from_db()
        assert world.class_a.name == "三年级一班"
        entry = OrgUnitHistory.objects.get(unit=world.class_a, action="rename")
        assert (entry.old_value, entry.new_value, entry.by) == (
            "三年级1班",
            "三年级一班",
            world.leader,
        )

    def test_duplicate_code_shows_error_and_keeps_input(self, client, world):
        url = reverse("orgs:unit_edit", args=[world.class_a.code])
        response = post_as(
            client,
            world.leader,
            url,
            {"name": "新名字", "code": world.class_b.code, "population": ""},
        )
        assert response.status_code == 200
        assert "已被其他单位使用" in response.text
        assert 'value="新名字"' in response.text
        world.class_a.refresh_from_db()
        assert world.class_a.name == "三年级1班"

    def test_add_child_unit(self, client, world):
        url = reverse("orgs:unit_add", args=[world.grade.code])
        data = {"kind": "class", "name": "三年级3班", "code": "T-SCH-A-G3-3", "population": ""}
        assert post_as(client, world.leader, url, data).status_code == 302
        post_as(client, world.leader, url, data)  # double submit
        assert OrgUnit.objects.filter(name="三年级3班").count() == 1
        assert OrgUnit.objects.get_parent(OrgUnit.objects.get(code="T-SCH-A-G3-3")) == world.grade
        assert post_as(client, world.inspector, url, data).status_code == 403
        assert post_as(client, world.teacher_a, url, data).status_code == 404

    def test_move_keeps_people_and_history(self, client, world):
        from wuzha.orgs import services

        grade4 = services.unit_create(parent=world.school, name="四年级", kind="grade", code="T-G4")
        url = reverse("orgs:unit_move", args=[world.class_b.code])
        response = post_as(client, world.leader, url, {"new_parent": grade4.pk})
        assert response.status_code == 302
        world.class_b.refresh_from_db()
        assert OrgUnit.objects.get_parent(world.class_b) == grade4
        assert Person.objects.in_subtree(grade4).filter(pk=world.student_b.pk).exists()
        assert OrgUnitHistory.objects.filter(unit=world.class_b, action="move").exists()
        # The class teacher still sees the class after the move.
        assert (
            get_as(
                client, world.teacher_b, reverse("orgs:unit_detail", args=[world.class_b.code])
            ).status_code
            == 200
        )

    def test_cannot_move_into_own_subtree_or_other_school(self, client, world):
        url = reverse("orgs:unit_move", args=[world.grade.code])
        response = post_as(client, world.leader, url, {"new_parent": world.class_a.pk})
        assert response.status_code == 200
        assert OrgUnit.objects.get_parent(world.grade) == world.school
        response = post_as(client, world.leader, url, {"new_parent": world.other_school.pk})
        assert response.status_code == 200  # not a visible choice for the school leader
        world.grade.refresh_from_db()
        assert OrgUnit.objects.get_parent(world.grade) == world.school


class TestPersonPages:
    def test_class_teacher_sees_own_class(self, client, world, django_assert_max_num_queries):
        client.force_login(world.teacher_a)
        url = reverse("orgs:person_list", args=[world.class_a.code])
        with django_assert_max_num_queries(15):
            response = client.get(url)
        names = [p.name for p in response.context["page"]]
        assert names == ["王小明", "李小红"]

    def test_filter_students_without_guardian(self, client, world):
        url = reverse("orgs:person_list", args=[world.class_a.code]) + "?no_guardian=1"
        names = [p.name for p in get_as(client, world.teacher_a, url).context["page"]]
        assert names == ["李小红"]

    @pytest.mark.parametrize(
        ("persona", "status"), [("teacher_b", 404), ("other_teacher", 404), ("outsider", 404)]
    )
    def test_person_list_other_units_404(self, client, world, persona, status):
        url = reverse("orgs:person_list", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_person_detail_masks_sensitive_fields(self, client, world):
        response = get_as(
            client, world.teacher_a, reverse("orgs:person_detail", args=[world.guardian_a.pk])
        )
        assert response.status_code == 200
        assert "138****8000" in response.text
        assert "13800138000" not in response.text
        assert "王小明" in response.text

    @pytest.mark.parametrize(
        ("persona", "status"), [("other_teacher", 404), ("teacher_b", 404), ("outsider", 404)]
    )
    def test_person_detail_other_school_404(self, client, world, persona, status):
        url = reverse("orgs:person_detail", args=[world.student_a.pk])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_reveal_logs_the_read(self, client, world):
        url = reverse("orgs:person_reveal", args=[world.guardian_a.pk, "mobile"])
        response = post_as(client, world.teacher_a, url)
        assert response.status_code == 200
        assert "13800138000" in response.text
        log = SensitiveRead.objects.get()
        assert (log.user, log.object_id, log.field) == (
            world.teacher_a,
            world.guardian_a.pk,
            "mobile",
        )

    @pytest.mark.parametrize(
        ("persona", "status"), [("inspector", 403), ("coordinator", 403), ("other_teacher", 404)]
    )
    def test_reveal_refused(self, client, world, persona, status):
        url = reverse("orgs:person_reveal", args=[world.guardian_a.pk, "mobile"])
        assert post_as(client, getattr(world, persona), url).status_code == status
        assert not SensitiveRead.objects.exists()

    def test_reveal_requires_post(self, client, world):
        url = reverse("orgs:person_reveal", args=[world.guardian_a.pk, "mobile"])
        assert get_as(client, world.teacher_a, url).status_code == 405

    def test_add_person_bad_id_keeps_input(self, client, world):
        url = reverse("orgs:person_add", args=[world.class_a.code])
        data = {
            "kind": "student",
            "name": "周小燕",
            "gender": "F",
            "number": "2023003",
            "id_number": "110105201501010012",
            "mobile": "",
            "unit": world.class_a.pk,
        }
        response = post_as(client, world.teacher_a, url, data)
        assert response.status_code == 200
        assert "校验位不正确" in response.text
        assert 'value="周小燕"' in response.text
        assert not Person.objects.filter(name="周小燕").exists()
        from wuzha.core.validators import id_number_check_digit

        data["id_number"] = "11010520150101001" + id_number_check_digit("11010520150101001")
        assert post_as(client, world.teacher_a, url, data).status_code == 302
        assert Person.objects.get(name="周小燕").school == world.school

    def test_add_person_duplicate_number_in_school(self, client, world):
        url = reverse("orgs:person_add", args=[world.class_b.code])
        data = {
            "kind": "student",
            "name": "重号",
            "number": world.student_a.number,
            "unit": world.class_b.pk,
        }
        response = post_as(client, world.teacher_b, url, data)
        assert response.status_code == 200
        assert "学号" in response.text
        assert not Person.objects.filter(name="重号").exists()

    def test_add_person_roles(self, client, world):
        url = reverse("orgs:person_add", args=[world.class_a.code])
        assert get_as(client, world.inspector, url).status_code == 403
        assert get_as(client, world.other_teacher, url).status_code == 404

    def test_edit_person_without_sensitive_role_keeps_masked_values(self, client, world):
        world.guardian_a.id_number = ""
        url = reverse("orgs:person_edit", args=[world.guardian_a.pk])
        response = get_as(client, world.coordinator, url)
        assert response.status_code == 200
        assert "13800138000" not in response.text
        data = {
            "kind": "guardian",
            "name": "王建国",
            "gender": "M",
            "number": "",
            "id_number": "",
            "mobile": "",
            "unit": world.class_a.pk,
        }
        assert post_as(client, world.coordinator, url, data).status_code == 302
        world.guardian_a.refresh_from_db()
        assert world.guardian_a.mobile == "13800138000"
        assert world.guardian_a.gender == "M"


class TestStaffPages:
    @pytest.mark.parametrize(
        ("persona", "status"),
        [
            ("leader", 200),
            ("admin", 200),
            ("teacher_a", 403),
            ("coordinator", 403),
            ("other_teacher", 404),
        ],
    )
    def test_staff_list_roles(self, client, world, persona, status):
        url = reverse("orgs:staff_list", args=[world.class_a.code])
        assert get_as(client, getattr(world, persona), url).status_code == status

    def test_invite_creates_one_account_and_shows_password_once(self, client, world):
        url = reverse("orgs:staff_invite", args=[world.school.code])
        data = {
            "username": "new_teacher",
            "display_name": "新老师",
            "mobile": "",
            "email": "",
            "unit": world.class_b.pk,
            "role": "teacher",
            "title": "班主任",
        }
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 200
        assert "初始密码" in response.text
        user = User.objects.get(username="new_teacher")
        assert user.check_password(response.context["password"])
        again = client.post(url, data)
        assert "已存在" in again.text
        assert User.objects.filter(username="new_teacher").count() == 1

    def test_leader_cannot_grant_admin_or_outside_scope(self, client, world):
        url = reverse("orgs:staff_invite", args=[world.school.code])
        data = {
            "username": "sneaky",
            "display_name": "越权",
            "unit": world.other_class.pk,
            "role": "teacher",
        }
        response = post_as(client, world.leader, url, data)
        assert response.status_code == 200
        assert not User.objects.filter(username="sneaky").exists()
        data = {
            "username": "sneaky",
            "display_name": "越权",
            "unit": world.class_a.pk,
            "role": "admin",
        }
        post_as(client, world.leader, url, data)
        assert not User.objects.filter(username="sneaky").exists()

    def test_deactivate_and_reactivate(self, client, world):
        url = reverse("orgs:staff_set_active", args=[world.teacher_a.pk])
        assert post_as(client, world.leader, url, {"active": "0"}).status_code == 302
        world.teacher_a.refresh_from_db()
        assert not world.teacher_a.is_active
        post_as(client, world.leader, url, {"active": "1"})
        world.teacher_a.refresh_from_db()
        assert world.teacher_a.is_active
        assert get_as(client, world.leader, url).status_code == 405

    def test_other_school_staff_is_404(self, client, world):
        assert (
            get_as(
                client, world.leader, reverse("orgs:staff_detail", args=[world.other_teacher.pk])
            ).status_code
            == 404
        )
        url = reverse("orgs:staff_set_active", args=[world.other_teacher.pk])
        assert post_as(client, world.leader, url, {"active": "0"}).status_code == 404
        world.other_teacher.refresh_from_db()
        assert world.other_teacher.is_active

    def test_teacher_cannot_manage_staff(self, client, world):
        url = reverse("orgs:staff_detail", args=[world.teacher_b.pk])
        assert get_as(client, world.teacher_a, url).status_code == 404

    def test_grant_and_revoke_role(self, client, world):
        url = reverse("orgs:staff_detail", args=[world.teacher_a.pk])
        post_as(
            client, world.leader, url, {"unit": world.class_b.pk, "role": "teacher", "title": ""}
        )
        membership = Membership.objects.get(user=world.teacher_a, unit=world.class_b)
        revoke = reverse("orgs:staff_revoke", args=[world.teacher_a.pk, membership.pk])
        assert post_as(client, world.leader, revoke).status_code == 302
        assert not Membership.objects.filter(pk=membership.pk).exists()
        last = Membership.objects.get(user=world.teacher_a)
        post_as(
            client, world.leader, reverse("orgs:staff_revoke", args=[world.teacher_a.pk, last.pk])
        )
        assert Membership.objects.filter(pk=last.pk).exists()

    def test_deactivated_user_sees_nothing(self, world):
        from wuzha.orgs import services

        services.user_set_active(user=world.teacher_a, active=False)
        assert not OrgUnit.objects.visible_to(world.teacher_a).exists()
