import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from wuzha.core.validators import validate_id_number, validate_mobile
from wuzha.orgs import demo
from wuzha.orgs.models import (
    SCHOOL_KINDS,
    Gender,
    Guardianship,
    Membership,
    OrgUnit,
    Person,
    PersonKind,
    Role,
    UnitKind,
    User,
)

LOGIN_RE = re.compile(r"^demo login: (\S+) / (\S+) \((.+), (.+)\)$")


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (OrgUnit, Person, Guardianship, User, Membership)
    }


@pytest.fixture
def seeded(demo_world) -> str:
    """The small world, seeded once for this module; the output of `seed_demo`."""
    return demo_world


def test_small_world_has_the_county_tree(seeded):
    county = OrgUnit.objects.get(code=demo.COUNTY_CODE)
    assert county.name == "示范县" and county.kind == UnitKind.COUNTY and county.is_root()
    kinds = Counter(OrgUnit.objects.values_list("kind", flat=True))
    assert set(kinds) == set(UnitKind.values) - {UnitKind.PROVINCE, UnitKind.CITY}
    assert kinds[UnitKind.POLICE_STATION] == 3
    assert kinds[UnitKind.TOWN] == 2
    police = OrgUnit.objects.get(name="示范县公安局")
    assert {u.kind for u in OrgUnit.objects.get_children(police)} == {UnitKind.POLICE_STATION}
    for unit in OrgUnit.objects.filter(kind__in=[UnitKind.COMMUNITY, UnitKind.VILLAGE]):
        assert unit.population and unit.population > 500
    schools = dict(OrgUnit.objects.filter(kind__in=SCHOOL_KINDS).values_list("name", "kind"))
    assert schools == {
        "示范县实验幼儿园": UnitKind.KINDERGARTEN,
        "示范县第一实验小学": UnitKind.PRIMARY_SCHOOL,
        "示范县第二中学": UnitKind.MIDDLE_SCHOOL,
        "示范职业技术学院": UnitKind.UNIVERSITY,
    }
    cls = OrgUnit.objects.get(code=f"{demo.COUNTY_CODE}-PS01-G3-C2")
    assert cls.full_name() == "示范县第一实验小学 / 三年级 / 三年级2班"
    assert [g.name for g in OrgUnit.objects.get_children(cls)] == ["第1小组", "第2小组"]
    univ_class = OrgUnit.objects.get(code=f"{demo.COUNTY_CODE}-VC01-X01-2023-M1C1")
    assert univ_class.full_name() == "示范职业技术学院 / 信息工程学院 / 2023级 / 2023级计算机1班"


def test_small_world_people_are_plausible(seeded):
    students = Person.objects.filter(kind=PersonKind.STUDENT)
    assert 2500 <= students.count() <= 3500
    per_class = Counter(students.values_list("unit__kind", "unit_id"))
    assert {kind for kind, _ in per_class} == {UnitKind.CLASS}
    assert all(20 <= n <= 52 for n in per_class.values())
    # Person.school is the school the unit belongs to.
    for school in OrgUnit.objects.filter(kind__in=SCHOOL_KINDS):
        in_school = Person.objects.in_subtree(school)
        assert in_school.exists()
        assert not in_school.exclude(school=school).exists()
    # Every number is valid; only some students have an ID number, some guardians no phone.
    for id_number, mobile in Person.objects.values_list("id_number", "mobile"):
        if id_number:
            validate_id_number(id_number)
        if mobile:
            validate_mobile(mobile)
    assert 0 < students.exclude(id_number="").count() < students.count()
    guardians = Person.objects.filter(kind=PersonKind.GUARDIAN)
    assert 0 < guardians.filter(mobile="").count() < guardians.count() // 5
    # Student numbers are unique per school (the constraint) and nobody shares an ID number.
    ids = [i for i in Person.objects.values_list("id_number", flat=True) if i]
    assert len(ids) == len(set(ids))
    # Names are Chinese, two or three characters; gender is always set.
    assert all(2 <= len(n) <= 3 for n in Person.objects.values_list("name", flat=True))
    assert not Person.objects.filter(gender=Gender.UNKNOWN).exists()


def test_birth_dates_and_gender_match_the_id_numbers(seeded):
    spec = {u.code: u for u in demo.world_spec("small").walk()}
    rows = Person.objects.filter(kind=PersonKind.STUDENT).exclude(id_number="")
    for code, id_number, gender in rows.values_list("unit__code", "id_number", "gender"):
        info = spec[code].cls
        assert info is not None
        born = f"{id_number[6:10]}-{id_number[10:12]}-{id_number[12:14]}"
        assert info.born[0].isoformat() <= born <= info.born[1].isoformat()
        assert int(id_number[16]) % 2 == (1 if gender == Gender.MALE else 0)
        assert id_number.startswith(demo.COUNTY_CODE)


def test_guardians_siblings_and_students_without_guardian(seeded):
    students = Person.objects.filter(kind=PersonKind.STUDENT)
    without = students.filter(guardianships__isnull=True).count()
    assert 0.02 <= without / students.count() <= 0.07
    wards: dict[int, set[tuple[int, int | None]]] = defaultdict(set)
    for guardian_id, unit_id, school_id in Guardianship.objects.values_list(
        "guardian_id", "student__unit_id", "student__school_id"
    ):
        wards[guardian_id].add((unit_id, school_id))
    siblings = [places for places in wards.values() if len(places) > 1]
    assert len(siblings) >= 10
    assert any(len({school for _unit, school in places}) > 1 for places in siblings)
    relations = set(Guardianship.objects.values_list("relation", flat=True))
    assert relations == set(Guardianship.Relation.values)


def test_logins_are_printed_and_work(seeded, client):
    lines = [line for line in seeded.splitlines() if line.startswith("demo login:")]
    assert lines == demo.login_lines()
    assert len(lines) == Membership.objects.count()
    roles = set()
    teacher_schools = set()
    for line in lines:
        match = LOGIN_RE.match(line)
        assert match, line
        username, password, role_label, unit_name = match.groups()
        user = User.objects.get(username=username)
        assert user.check_password(password)
        role = next(r for r in Role if r.label == role_label)
        membership = Membership.objects.get(user=user, role=role, unit__name=unit_name)
        roles.add(role)
        if role == Role.TEACHER:
            teacher_schools.add(membership.unit.school())
    assert roles == set(Role)
    assert len(teacher_schools) >= 2
    # Through the real login page (with django-axes in front), every account gets in.
    for username in {LOGIN_RE.match(line).group(1) for line in lines}:  # type: ignore[union-attr]
        response = client.post(
            reverse("login"), {"username": username, "password": demo.DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
        client.logout()


def test_rerun_lifts_a_lockout_of_a_demo_account(seeded, client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    login = {"username": "teacher_middle", "password": "wrong-password"}
    for _ in range(2):
        client.post(reverse("login"), login)
    login["password"] = demo.DEMO_PASSWORD
    assert client.post(reverse("login"), login).status_code != 302

    _seed()

    assert client.post(reverse("login"), login).status_code == 302


def test_each_account_is_a_staff_person_in_its_unit(seeded):
    for account in demo.ACCOUNTS:
        _role, code, _title = account.memberships[0]
        person = Person.objects.get(name=account.name, unit__code=code, kind=PersonKind.STAFF)
        assert person.gender == account.gender
        assert User.objects.get(username=account.username).display_name == account.name
    assert Person.objects.filter(kind=PersonKind.STAFF).count() > 10 * len(demo.ACCOUNTS)


def test_second_run_creates_nothing_and_restores_passwords(seeded):
    before = _counts()
    teacher = User.objects.get(username="teacher_primary")
    teacher.set_password("changed-in-the-demo")
    teacher.save(update_fields=["password"])
    untouched = User.objects.get(username="demo_admin").password

    output = _seed()

    assert _counts() == before
    assert "示范数据已存在" in output
    teacher.refresh_from_db()
    assert teacher.check_password(demo.DEMO_PASSWORD)
    assert User.objects.get(username="demo_admin").password == untouched
    demo_logins = StringIO()
    call_command("demo_logins", stdout=demo_logins)
    assert demo_logins.getvalue().splitlines() == demo.login_lines()


def test_no_logins_flag_leaves_the_logins_to_make_run(seeded):
    output = _seed("--no-logins")
    assert "示范数据已存在" in output and "demo login:" not in output


def test_people_in_the_database_are_the_deterministic_generation(seeded):
    def generated() -> list[tuple[str, str, str, str, str]]:
        spec = demo.world_spec("small")
        return [
            (row.unit_code, row.name, row.number, row.id_number, row.mobile)
            for batch in demo.PeopleGenerator().batches(spec)
            for row in batch.persons
        ]

    first = generated()
    assert first == generated()
    stored = list(
        Person.objects.order_by("pk").values_list(
            "unit__code", "name", "number", "id_number", "mobile"
        )
    )
    assert stored == first


def test_county_scale_is_about_thirty_thousand_students():
    spec = demo.world_spec("county")
    kinds = Counter(
        row.kind for batch in demo.PeopleGenerator().batches(spec) for row in batch.persons
    )
    assert 27_000 <= kinds[PersonKind.STUDENT] <= 33_000
    codes = [unit.code for unit in spec.walk()]
    assert len(codes) == len(set(codes))
    # The demo accounts' units exist at every scale.
    assert {code for a in demo.ACCOUNTS for _r, code, _t in a.memberships} <= set(codes)


def test_unknown_scale_is_refused():
    with pytest.raises(ValueError):
        demo.world_spec("planet")
