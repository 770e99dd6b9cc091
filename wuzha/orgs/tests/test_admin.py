"""The back-office admin: superusers see everything, other staff only their subtrees."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from wuzha.core.models import SensitiveRead
from wuzha.orgs import services
from wuzha.orgs.models import (
    Membership,
    OrgUnit,
    OrgUnitHistory,
    Person,
    PersonKind,
    Role,
    User,
)

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"


def make_staff(user: User, *codenames: str) -> User:
    """Give `user` admin access with the given model permissions (codename list)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)  # fresh instance: no cached permissions


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("t_root", "root@example.com", "x-Wuzha-2026")


@pytest.fixture
def staff_leader(world) -> User:
    return make_staff(
        world.leader,
        "view_person",
        "change_person",
        "add_person",
        "delete_person",
        "view_orgunit",
        "change_orgunit",
        "view_user",
        "change_user",
        "view_membership",
        "view_apitoken",
        "change_apitoken",
        "view_orgunithistory",
        "view_sensitiveread",
    )


def changelist(model: str, app: str = "orgs") -> str:
    return reverse(f"admin:{app}_{model}_changelist")


def change(model: str, pk: int, app: str = "orgs") -> str:
    return reverse(f"admin:{app}_{model}_change", args=[pk])


def listed(response) -> set:
    return set(response.context["cl"].result_list)


class TestSite:
    def test_header_is_chinese(self, client, superuser):
        client.force_login(superuser)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 200
        assert "无诈 后台管理" in response.text

    def test_anonymous_is_sent_to_login(self, client, db):
        response = client.get(changelist("person"))
        assert response.status_code == 302
        assert "login/" in response["Location"]

    def test_member_without_staff_flag_cannot_enter(self, client, world):
        client.force_login(world.leader)
        response = client.get(changelist("person"))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


class TestPersonAdmin:
    def test_superuser_sees_everyone(self, client, world, superuser):
        client.force_login(superuser)
        response = client.get(changelist("person"))
        assert response.status_code == 200
        assert listed(response) == set(Person.objects.all())

    def test_leader_sees_only_own_school(
        self, client, world, staff_leader, django_assert_max_num_queries
    ):
        client.force_login(staff_leader)
        with django_assert_max_num_queries(20):
            response = client.get(changelist("person"))
        assert response.status_code == 200
        assert listed(response) == {
            world.student_a,
            world.student_a2,
            world.student_b,
            world.guardian_a,
        }
        assert "陈小丽" not in response.text

    def test_list_masks_sensitive_fields(self, client, world, superuser):
        services.person_update(person=world.student_a, id_number=ID_NUMBER)
        client.force_login(superuser)
        response = client.get(changelist("person"))
        assert "110*************2X" in response.text
        assert ID_NUMBER not in response.text
        assert "138****8000" in response.text
        assert "13800138000" not in response.text

    def test_other_schools_person_change_page_is_refused(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(change("person", world.other_student.pk))
        # Django's admin answers an object outside the queryset with a redirect to the index.
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:index")
        deleted = client.post(
            reverse("admin:orgs_person_delete", args=[world.other_student.pk]), {"post": "yes"}
        )
        assert deleted.status_code == 302
        assert Person.objects.filter(pk=world.other_student.pk).exists()

    def test_other_school_teacher_as_staff_sees_nothing_of_school_a(self, client, world):
        staff = make_staff(world.other_teacher, "view_person", "change_person")
        client.force_login(staff)
        assert listed(client.get(changelist("person"))) == {world.other_student}
        assert client.get(change("person", world.student_a.pk)).status_code == 302

    def test_change_page_shows_full_values_and_logs_for_reader(self, client, world, staff_leader):
        services.person_update(person=world.student_a, id_number=ID_NUMBER)
        client.force_login(staff_leader)
        response = client.get(change("person", world.student_a.pk))
        assert response.status_code == 200
        assert ID_NUMBER in response.text
        read = SensitiveRead.objects.get()
        assert (read.user, read.object_id) == (staff_leader, world.student_a.pk)

    def test_change_page_masks_for_role_without_sensitive_access(self, client, world):
        services.person_update(person=world.student_a, id_number=ID_NUMBER)
        inspector = make_staff(world.inspector, "view_person")
        client.force_login(inspector)
        response = client.get(change("person", world.student_a.pk))
        assert response.status_code == 200
        assert ID_NUMBER not in response.text
        assert "110*************2X" in response.text
        assert not SensitiveRead.objects.exists()

    def test_editor_without_sensitive_access_keeps_hidden_values(self, client, world):
        services.person_update(person=world.student_a, id_number=ID_NUMBER, mobile="13912345678")
        coordinator = make_staff(world.coordinator, "view_person", "change_person")
        client.force_login(coordinator)
        page = client.get(change("person", world.student_a.pk))
        assert "id_number" not in page.context["adminform"].form.fields
        assert ID_NUMBER not in page.text
        response = client.post(
            change("person", world.student_a.pk),
            {
                "unit": world.class_a.pk,
                "kind": PersonKind.STUDENT,
                "name": "王小明明",
                "gender": "M",
                "number": "2023001",
                "is_active": "on",
                "guardianships-TOTAL_FORMS": "0",
                "guardianships-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302
        world.student_a.refresh_from_db()
        assert world.student_a.name == "王小明明"
        assert world.student_a.id_number == ID_NUMBER
        assert world.student_a.mobile == "13912345678"

    def test_unit_choices_are_limited_to_scope(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(reverse("admin:orgs_person_add"))
        choices = set(response.context["adminform"].form.fields["unit"].queryset)
        assert choices == {world.school, world.grade, world.class_a, world.class_b}

    def test_adding_outside_scope_is_rejected(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.post(
            reverse("admin:orgs_person_add"),
            {
                "unit": world.other_class.pk,
                "kind": PersonKind.STUDENT,
                "name": "越权",
                "number": "1",
            },
        )
        assert response.status_code == 200
        assert "unit" in response.context["adminform"].form.errors
        assert not Person.objects.filter(name="越权").exists()

    def test_adding_goes_through_the_service(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.post(
            reverse("admin:orgs_person_add"),
            {
                "unit": world.class_b.pk,
                "kind": PersonKind.STUDENT,
                "name": " 新同学 ",
                "number": "2023199",
                "mobile": "+86 139-1234-5678",
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        person = Person.objects.get(number="2023199")
        assert person.name == "新同学"
        assert person.school == world.school
        assert person.mobile == "13912345678"

    def test_duplicate_number_in_school_is_a_form_error(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.post(
            reverse("admin:orgs_person_add"),
            {
                "unit": world.class_b.pk,
                "kind": PersonKind.STUDENT,
                "name": "重号",
                "number": "2023001",
            },
        )
        assert response.status_code == 200
        assert "number" in response.context["adminform"].form.errors


class TestOrgUnitAdmin:
    def test_superuser_gets_the_tree(self, client, world, superuser):
        client.force_login(superuser)
        response = client.get(changelist("orgunit"))
        assert response.status_code == 200
        assert response.context["treebeard_tree"] is True

    def test_leader_gets_flat_list_of_own_units(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(changelist("orgunit"))
        assert response.status_code == 200
        assert listed(response) == {world.school, world.grade, world.class_a, world.class_b}
        assert client.get(change("orgunit", world.other_school.pk)).status_code == 302

    def test_rename_is_recorded_in_history(self, client, world, superuser):
        client.force_login(superuser)
        response = client.post(
            change("orgunit", world.class_a.pk),
            {
                "name": "三年级甲班",
                "kind": world.class_a.kind,
                "code": world.class_a.code,
                "is_active": "on",
                "treebeard_position": "first-child",
                "treebeard_ref_node": world.grade.pk,
            },
        )
        assert response.status_code == 302
        entry = OrgUnitHistory.objects.filter(action=OrgUnitHistory.Action.RENAME).get()
        assert (entry.unit, entry.old_value, entry.new_value) == (
            world.class_a,
            "三年级1班",
            "三年级甲班",
        )
        assert entry.by == superuser

    def test_leader_cannot_move_a_unit_out_of_scope(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.post(
            change("orgunit", world.class_a.pk),
            {
                "name": world.class_a.name,
                "kind": world.class_a.kind,
                "code": world.class_a.code,
                "is_active": "on",
                "treebeard_position": "first-child",
                "treebeard_ref_node": world.other_school.pk,
            },
        )
        assert response.status_code == 200
        assert "treebeard_ref_node" in response.context["adminform"].form.errors
        world.class_a.refresh_from_db()
        assert world.class_a.path.startswith(world.school.path)

    def test_drag_and_drop_endpoint_is_superuser_only(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.post(
            reverse("admin:orgs_orgunit_changelist") + "move/",
            {"node": world.class_a.pk, "target": world.other_school.pk, "relation": "child"},
        )
        assert response.status_code == 403
        world.class_a.refresh_from_db()
        assert world.class_a.path.startswith(world.school.path)


class TestUserAndMembershipAdmin:
    def test_leader_sees_accounts_with_a_role_in_school(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(changelist("user"))
        assert listed(response) == {world.leader, world.teacher_a, world.teacher_b}
        assert client.get(change("user", world.other_teacher.pk)).status_code == 302

    def test_superuser_sees_all_accounts(self, client, world, superuser):
        client.force_login(superuser)
        assert listed(client.get(changelist("user"))) == set(User.objects.all())

    def test_leader_cannot_grant_admin_flags(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(change("user", world.teacher_a.pk))
        assert response.status_code == 200
        form = response.context["adminform"].form
        assert "is_superuser" not in form.fields
        assert "user_permissions" not in form.fields
        assert "display_name" in form.fields

    def test_account_with_a_role_elsewhere_is_view_only(self, client, world, staff_leader):
        services.membership_grant(user=world.teacher_a, unit=world.other_class, role=Role.TEACHER)
        client.force_login(staff_leader)
        response = client.get(change("user", world.teacher_a.pk))
        assert response.status_code == 200
        assert "display_name" not in response.context["adminform"].form.fields

    def test_memberships_scoped(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(changelist("membership"))
        assert listed(response) == set(
            Membership.objects.filter(unit__path__startswith=world.school.path)
        )


class TestLogsAndTokens:
    def test_tokens_scoped_and_read_only(self, client, world, staff_leader):
        own, _ = services.api_token_create(user=world.teacher_a)
        services.api_token_create(user=world.other_teacher)
        client.force_login(staff_leader)
        assert listed(client.get(changelist("apitoken"))) == {own}
        assert client.get(reverse("admin:orgs_apitoken_add")).status_code == 403
        response = client.get(change("apitoken", own.pk))
        assert response.status_code == 200
        assert "key_hash" not in response.context["adminform"].form.fields

    def test_revoke_action(self, client, world, staff_leader):
        own, key = services.api_token_create(user=world.teacher_a)
        other, _ = services.api_token_create(user=world.other_teacher)
        client.force_login(staff_leader)
        response = client.post(
            changelist("apitoken"),
            {"action": "revoke", "_selected_action": [own.pk, other.pk]},
        )
        assert response.status_code == 302
        own.refresh_from_db()
        other.refresh_from_db()
        assert own.revoked_at is not None
        assert other.revoked_at is None
        assert services.api_token_authenticate(key) is None

    def test_history_scoped(self, client, world, staff_leader):
        client.force_login(staff_leader)
        response = client.get(changelist("orgunithistory"))
        units = {entry.unit for entry in listed(response)}
        assert units == {world.school, world.grade, world.class_a, world.class_b}
        entry = OrgUnitHistory.objects.get(unit=world.other_school)
        assert client.get(change("orgunithistory", entry.pk)).status_code == 302

    def test_sensitive_reads_scoped_and_read_only(self, client, world, staff_leader):
        own = SensitiveRead.objects.create(
            user=world.teacher_a, subject="person", object_id=world.student_a.pk, field="mobile"
        )
        SensitiveRead.objects.create(
            user=world.other_teacher,
            subject="person",
            object_id=world.other_student.pk,
            field="mobile",
        )
        client.force_login(staff_leader)
        response = client.get(changelist("sensitiveread", "core"))
        assert response.status_code == 200
        assert listed(response) == {own}
        assert client.get(reverse("admin:core_sensitiveread_add")).status_code == 403

    def test_unit_list_has_no_unit_of_other_school_for_other_staff(
        self, client, world, staff_leader
    ):
        client.force_login(staff_leader)
        response = client.get(changelist("orgunit"), {"q": "测试第二中学"})
        assert listed(response) == set()
        assert OrgUnit.objects.filter(name="测试第二中学").exists()
