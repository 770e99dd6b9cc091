"""A small org tree with one persona per role, built through the real services, for tests."""

from dataclasses import dataclass
from typing import Any

from wuzha.orgs import services
from wuzha.orgs.models import Guardianship, OrgUnit, Person, PersonKind, Role, UnitKind, User

PASSWORD = "Wuzha-test-2026"


@dataclass
class World:
    county: OrgUnit
    bureau: OrgUnit
    school: OrgUnit
    grade: OrgUnit
    class_a: OrgUnit
    class_b: OrgUnit
    other_school: OrgUnit
    other_class: OrgUnit
    admin: User
    coordinator: User
    leader: User
    teacher_a: User
    teacher_b: User
    other_teacher: User
    inspector: User
    outsider: User
    student_a: Person
    student_a2: Person
    student_b: Person
    other_student: Person
    guardian_a: Person


def _user(username: str, name: str, unit: OrgUnit | None, role: str | None) -> User:
    if unit is None or role is None:
        user = User(username=username, display_name=name)
        user.set_password(PASSWORD)
        user.save()
        return user
    user, _ = services.user_invite(
        username=username, display_name=name, unit=unit, role=role, password=PASSWORD
    )
    return user


def build_world() -> World:
    county = services.unit_create(parent=None, name="测试县", kind=UnitKind.COUNTY, code="T-COUNTY")
    bureau = services.unit_create(
        parent=county, name="测试县教育局", kind=UnitKind.BUREAU, code="T-EDU"
    )
    school = services.unit_create(
        parent=county, name="测试实验小学", kind=UnitKind.PRIMARY_SCHOOL, code="T-SCH-A"
    )
    grade = services.unit_create(
        parent=school, name="三年级", kind=UnitKind.GRADE, code="T-SCH-A-G3"
    )
    class_a = services.unit_create(
        parent=grade, name="三年级1班", kind=UnitKind.CLASS, code="T-SCH-A-G3-1"
    )
    class_b = services.unit_create(
        parent=grade, name="三年级2班", kind=UnitKind.CLASS, code="T-SCH-A-G3-2"
    )
    other_school = services.unit_create(
        parent=county, name="测试第二中学", kind=UnitKind.MIDDLE_SCHOOL, code="T-SCH-B"
    )
    other_class = services.unit_create(
        parent=other_school, name="初一1班", kind=UnitKind.CLASS, code="T-SCH-B-7-1"
    )
    student_a = services.person_create(
        unit=class_a, kind=PersonKind.STUDENT, name="王小明", number="2023001", gender="M"
    )
    student_a2 = services.person_create(
        unit=class_a, kind=PersonKind.STUDENT, name="李小红", number="2023002", gender="F"
    )
    student_b = services.person_create(
        unit=class_b, kind=PersonKind.STUDENT, name="赵小刚", number="2023101", gender="M"
    )
    other_student = services.person_create(
        unit=other_class, kind=PersonKind.STUDENT, name="陈小丽", number="2023001", gender="F"
    )
    guardian_a = services.person_create(
        unit=class_a, kind=PersonKind.GUARDIAN, name="王建国", mobile="13800138000"
    )
    services.guardian_link(
        student=student_a, guardian=guardian_a, relation=Guardianship.Relation.FATHER
    )
    return World(
        county=county,
        bureau=bureau,
        school=school,
        grade=grade,
        class_a=class_a,
        class_b=class_b,
        other_school=other_school,
        other_class=other_class,
        admin=_user("t_admin", "管理员", county, Role.ADMIN),
        coordinator=_user("t_coord", "县办联络员", county, Role.COORDINATOR),
        leader=_user("t_leader", "校长", school, Role.LEADER),
        teacher_a=_user("t_teacher_a", "班主任甲", class_a, Role.TEACHER),
        teacher_b=_user("t_teacher_b", "班主任乙", class_b, Role.TEACHER),
        other_teacher=_user("t_teacher_x", "外校班主任", other_class, Role.TEACHER),
        inspector=_user("t_inspector", "督导", county, Role.INSPECTOR),
        outsider=_user("t_outsider", "无任职用户", None, None),
        student_a=student_a,
        student_a2=student_a2,
        student_b=student_b,
        other_student=other_student,
        guardian_a=guardian_a,
    )


def browser_login(page: Any, username: str, password: str) -> None:
    """Log in through the real login form."""
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
