import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from wuzha.orgs import access
from wuzha.orgs.models import OrgUnit, Person


def test_units_visible_only_in_members_subtree(world):
    visible = set(OrgUnit.objects.visible_to(world.teacher_a).values_list("code", flat=True))
    assert visible == {"T-SCH-A-G3-1"}
    leader_visible = set(OrgUnit.objects.visible_to(world.leader).values_list("code", flat=True))
    assert leader_visible == {"T-SCH-A", "T-SCH-A-G3", "T-SCH-A-G3-1", "T-SCH-A-G3-2"}
    assert not OrgUnit.objects.visible_to(world.outsider).exists()


def test_guardian_visible_through_ward(world):
    assert world.guardian_a in Person.objects.visible_to(world.teacher_a)
    assert world.guardian_a not in Person.objects.visible_to(world.teacher_b)
    assert world.guardian_a not in Person.objects.visible_to(world.other_teacher)


def test_other_schools_person_is_404(world):
    with pytest.raises(Http404):
        access.get_person_for_user(world.other_teacher, world.student_a.pk)
    assert access.get_person_for_user(world.teacher_a, world.student_a.pk) == world.student_a


def test_inspector_may_read_but_not_write(world):
    assert access.get_person_for_user(world.inspector, world.student_a.pk)
    with pytest.raises(PermissionDenied):
        access.get_person_for_user(world.inspector, world.student_a.pk, write=True)


def test_same_student_number_allowed_in_two_schools(world):
    assert world.student_a.number == world.other_student.number
    assert world.student_a.school == world.school
    assert world.other_student.school == world.other_school
