"""The deterministic demo world that `seed_demo` builds and `demo_logins` prints.

Three parts, each usable on its own:

- the tree spec (`world_spec`): plain data describing 示范县 (and, at city scale, its neighbours);
- the people generator (`PeopleGenerator`): students, guardians and staff as plain rows, from a
  seeded `random.Random`, so two runs give the same names, numbers, ID numbers and mobiles;
- the steps (`STEPS`): each writes one part of the world to the database and is idempotent on
  its own, so a later issue adds demo records by appending a step.
"""

import datetime
import importlib
import importlib.util
import random
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from axes.utils import reset as axes_reset
from django.apps import apps as django_apps
from django.contrib.auth.hashers import check_password
from django.db import transaction
from django.db.models import Count

from wuzha.core.validators import id_number_check_digit

from . import services
from .models import (
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

SEED = 2026
DEMO_PASSWORD = "Wuzha@2026"
SCALES = ("small", "county", "city")
# Fictional division codes: no real prefecture uses 3399.
CITY_CODE = "339900"
COUNTY_CODE = "339901"
# The demo's school year starts in September 2025; birth dates and grades are fixed to it, not
# to the clock, so the world is the same whenever it is built.
SCHOOL_YEAR = 2025
BULK_BATCH = 1000

# ---------------------------------------------------------------------------------------------
# Names, ID numbers, mobiles
# ---------------------------------------------------------------------------------------------

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤"
)
# Roughly Zipf-shaped: 王, 李, 张 are far more common than 汤.
SURNAME_WEIGHTS = tuple(1.0 / (i + 4) for i in range(len(SURNAMES)))
GIVEN_CHARS = {
    (
        "child",
        Gender.MALE,
    ): "子浩宇轩睿泽俊博文辰梓奕铭嘉一天思皓晨宸瑞煜航逸昊明杰然豪锦硕毅凯烨诚骏彦哲",
    (
        "child",
        Gender.FEMALE,
    ): "欣怡涵诗雨桐可馨子萱依语佳思琪一诺若汐梦瑶悦晓雅婷静心彤妍蕊颖安沐晴",
    ("adult", Gender.MALE): "建国伟强军华明志勇平海林峰斌涛刚辉磊东文春德永新成杰波超荣庆龙",
    ("adult", Gender.FEMALE): "丽芳娟敏静燕艳霞玲红梅琴英慧萍云洁美秀兰凤雪晓丹婷倩莉",
}
MOBILE_PREFIXES = tuple(
    f"1{n}" for n in (*range(30, 40), 50, 51, 52, 53, 55, 56, 57, 58, 59, 76, 77, 78)
) + tuple(f"1{n}" for n in (*range(80, 90), 91, 98, 99))


class NameGen:
    """Realistic, gender-consistent Chinese names and valid identifiers from one seeded rng."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.id_numbers: set[str] = set()
        self.mobiles: set[str] = set()

    def surname(self) -> str:
        return self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]

    def gender(self, male_share: float = 0.5) -> str:
        return Gender.MALE if self.rng.random() < male_share else Gender.FEMALE

    def name(self, gender: str, *, child: bool, surname: str | None = None) -> str:
        chars = GIVEN_CHARS[("child" if child else "adult", Gender(gender))]
        first = self.rng.choice(chars)
        # Children born after 2005 mostly have two-character given names; their parents less so.
        if self.rng.random() < (0.8 if child else 0.5):
            second = self.rng.choice(chars)
            while second == first:
                second = self.rng.choice(chars)
            first += second
        return (surname or self.surname()) + first

    def birth_date(self, start: datetime.date, end: datetime.date) -> datetime.date:
        return start + datetime.timedelta(days=self.rng.randint(0, (end - start).days))

    def adult_birth_date(self, first_year: int, last_year: int) -> datetime.date:
        return self.birth_date(datetime.date(first_year, 1, 1), datetime.date(last_year, 12, 31))

    def id_number(self, region: str, born: datetime.date, gender: str) -> str:
        """An 18-digit 身份证号 with a GB 11643 check digit; the 17th digit's parity is the sex."""
        while True:
            odd = gender == Gender.MALE
            sex_digit = self.rng.choice("13579" if odd else "02468")
            body = f"{region}{born:%Y%m%d}{self.rng.randint(0, 99):02d}{sex_digit}"
            number = body + id_number_check_digit(body)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99_999_999):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number


# ---------------------------------------------------------------------------------------------
# The tree spec
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassInfo:
    """What the people generator needs to fill one class."""

    size: tuple[int, int]
    born: tuple[datetime.date, datetime.date]
    entry_year: int
    id_share: float  # share of students whose 身份证号 is on the roster
    mobile_share: float  # share of students with their own mobile


@dataclass
class UnitSpec:
    code: str
    name: str
    kind: str
    population: int | None = None
    staff: int = 0  # staff without accounts placed directly in this unit (non-school units)
    cls: ClassInfo | None = None
    children: list["UnitSpec"] = field(default_factory=list)

    def walk(self) -> Iterator["UnitSpec"]:
        yield self
        for child in self.children:
            yield from child.walk()


CN_DIGITS = "一二三四五六七八九"
KINDERGARTEN_GRADES = ("小班", "中班", "大班")
MIDDLE_GRADES = {7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三"}


def _born_for_level(level: int) -> tuple[datetime.date, datetime.date]:
    """Birth window of a pupil in grade `level` (1 = 一年级, 0 = 大班, 7 = 七年级)."""
    return (
        datetime.date(SCHOOL_YEAR - 6 - level, 9, 1),
        datetime.date(SCHOOL_YEAR - 5 - level, 8, 31),
    )


def _class_info(level: int, first_level: int, kind: str) -> ClassInfo:
    sizes = {
        UnitKind.KINDERGARTEN: (24, 30),
        UnitKind.PRIMARY_SCHOOL: (38, 45),
        UnitKind.MIDDLE_SCHOOL: (42, 48) if level <= 9 else (45, 52),
    }
    id_shares: dict[str, float] = {UnitKind.KINDERGARTEN: 0.3, UnitKind.PRIMARY_SCHOOL: 0.55}
    id_share = id_shares.get(kind, 0.75)
    return ClassInfo(
        size=sizes[UnitKind(kind)],
        born=_born_for_level(level),
        entry_year=SCHOOL_YEAR - (level - first_level),
        id_share=id_share,
        mobile_share=0.15 if level >= 7 else 0.0,
    )


def kindergarten(code: str, name: str, per_grade: int) -> UnitSpec:
    school = UnitSpec(code, name, UnitKind.KINDERGARTEN)
    for i, grade_name in enumerate(KINDERGARTEN_GRADES):
        level = i - 2
        grade = UnitSpec(f"{code}-K{i + 1}", grade_name, UnitKind.GRADE)
        info = _class_info(level, -2, UnitKind.KINDERGARTEN)
        for n in range(1, per_grade + 1):
            grade.children.append(
                UnitSpec(f"{grade.code}-C{n}", f"{grade_name}{n}班", UnitKind.CLASS, cls=info)
            )
        school.children.append(grade)
    return school


def primary_school(code: str, name: str, per_grade: int) -> UnitSpec:
    """一年级…六年级, each class with two 小组."""
    school = UnitSpec(code, name, UnitKind.PRIMARY_SCHOOL)
    for level in range(1, 7):
        grade_name = f"{CN_DIGITS[level - 1]}年级"
        grade = UnitSpec(f"{code}-G{level}", grade_name, UnitKind.GRADE)
        info = _class_info(level, 1, UnitKind.PRIMARY_SCHOOL)
        for n in range(1, per_grade + 1):
            cls = UnitSpec(f"{grade.code}-C{n}", f"{grade_name}{n}班", UnitKind.CLASS, cls=info)
            cls.children = [
                UnitSpec(f"{cls.code}-Z{z}", f"第{z}小组", UnitKind.GROUP) for z in (1, 2)
            ]
            grade.children.append(cls)
        school.children.append(grade)
    return school


def middle_school(code: str, name: str, per_grade: int, *, senior: bool = False) -> UnitSpec:
    """七年级…九年级 (初中), or 高一…高三 when `senior`."""
    school = UnitSpec(code, name, UnitKind.MIDDLE_SCHOOL)
    levels = range(10, 13) if senior else range(7, 10)
    for level in levels:
        grade_name = MIDDLE_GRADES[level]
        grade = UnitSpec(f"{code}-G{level}", grade_name, UnitKind.GRADE)
        info = _class_info(level, levels[0], UnitKind.MIDDLE_SCHOOL)
        for n in range(1, per_grade + 1):
            grade.children.append(
                UnitSpec(f"{grade.code}-C{n}", f"{grade_name}{n}班", UnitKind.CLASS, cls=info)
            )
        school.children.append(grade)
    return school


def university(code: str, name: str, colleges: list[tuple[str, list[tuple[str, int]]]]) -> UnitSpec:
    """高校 → 二级学院 → 年级 (2023级…2025级) → 班级 (2023级计算机1班)."""
    school = UnitSpec(code, name, UnitKind.UNIVERSITY)
    for ci, (college_name, majors) in enumerate(colleges, start=1):
        college = UnitSpec(f"{code}-X{ci:02d}", college_name, UnitKind.COLLEGE)
        for year in (SCHOOL_YEAR - 2, SCHOOL_YEAR - 1, SCHOOL_YEAR):
            grade = UnitSpec(f"{college.code}-{year}", f"{year}级", UnitKind.GRADE)
            info = ClassInfo(
                size=(35, 45),
                born=(datetime.date(year - 19, 9, 1), datetime.date(year - 17, 8, 31)),
                entry_year=year,
                id_share=1.0,
                mobile_share=0.95,
            )
            for mi, (major, count) in enumerate(majors, start=1):
                for n in range(1, count + 1):
                    grade.children.append(
                        UnitSpec(
                            f"{grade.code}-M{mi}C{n}",
                            f"{year}级{major}{n}班",
                            UnitKind.CLASS,
                            cls=info,
                        )
                    )
            college.children.append(grade)
        school.children.append(college)
    return school


UNIVERSITY_COLLEGES = [
    ("信息工程学院", [("计算机", 2), ("软件技术", 2), ("电子信息", 1)]),
    ("经济管理学院", [("会计", 2), ("电子商务", 1), ("物流管理", 1)]),
]
UNIVERSITY_COLLEGES_MORE = [
    ("机电工程学院", [("机电一体化", 2), ("数控技术", 1), ("汽车检测", 1)]),
    ("医药护理学院", [("护理", 3), ("药学", 1)]),
    ("艺术设计学院", [("视觉传达", 1), ("环境艺术", 1)]),
]

# (name, communities, villages); the first two towns exist at every scale.
TOWNS = [
    (
        "城关镇",
        ["南门社区", "北街社区", "文昌社区", "新华社区", "滨江社区"],
        ["东湖村", "桥头村", "杨家村"],
    ),
    ("青山乡", ["青山社区"], ["上林村", "下溪村", "石桥村", "竹坞村", "前山村"]),
    ("东湖镇", ["东湖社区", "和平社区"], ["后塘村", "新屋村", "大坪村", "岭下村"]),
    ("白沙镇", ["白沙社区", "人民社区"], ["水口村", "枫林村", "坳头村", "李家庄村", "黄田村"]),
]
POLICE_STATIONS = ["城关派出所", "东湖派出所", "青山派出所", "白沙派出所"]
OTHER_COUNTIES = [("339902", "东城区"), ("339903", "西城区"), ("339904", "南山县")]


def _town(
    county: str,
    index: int,
    name: str,
    communities: list[str],
    villages: list[str],
    rng: random.Random,
    *,
    full: bool,
) -> UnitSpec:
    # 乡镇 codes: 100-199 镇, 200-399 乡; village codes: 001-199 居委会, 200-399 村委会.
    base = 200 if name.endswith("乡") else 100
    town = UnitSpec(f"{county}{base + index:03d}", name, UnitKind.TOWN, staff=6)
    if not full:
        communities, villages = communities[: max(1, len(communities) - 2)], villages[:-1]
    for n, community in enumerate(communities, start=1):
        town.children.append(
            UnitSpec(
                f"{town.code}{n:03d}",
                community,
                UnitKind.COMMUNITY,
                population=rng.randrange(3000, 12000, 10),
                staff=3,
            )
        )
    for n, village in enumerate(villages, start=201):
        town.children.append(
            UnitSpec(
                f"{town.code}{n:03d}",
                village,
                UnitKind.VILLAGE,
                population=rng.randrange(800, 3500, 10),
                staff=2,
            )
        )
    town.population = sum(c.population or 0 for c in town.children) + rng.randrange(500, 3000, 10)
    return town


def county_spec(code: str, name: str, *, full: bool, with_university: bool) -> UnitSpec:
    """One county: bureaus, 派出所, towns with communities and villages, and its schools.

    `full` is the county scale (≈30,000 students); otherwise the small core (≈3,000).
    """
    rng = random.Random(f"{SEED}:{code}")
    county = UnitSpec(code, name, UnitKind.COUNTY, staff=6)
    county.children.append(UnitSpec(f"{code}-JYJ", f"{name}教育局", UnitKind.BUREAU, staff=12))
    police = UnitSpec(f"{code}-GAJ", f"{name}公安局", UnitKind.BUREAU, staff=10)
    stations = POLICE_STATIONS if full else POLICE_STATIONS[:3]
    police.children = [
        UnitSpec(f"{police.code}-{n:02d}", station, UnitKind.POLICE_STATION, staff=8)
        for n, station in enumerate(stations, start=1)
    ]
    county.children.append(police)
    towns = [
        _town(code, i, town, communities, villages, rng, full=full)
        for i, (town, communities, villages) in enumerate(TOWNS if full else TOWNS[:2])
    ]
    county.children.extend(towns)

    county.children += [
        kindergarten(f"{code}-KG01", f"{name}实验幼儿园", 3),
        primary_school(f"{code}-PS01", f"{name}第一实验小学", 3),
        middle_school(f"{code}-MS02", f"{name}第二中学", 6),
    ]
    if full:
        county.children += [
            kindergarten(f"{code}-KG02", f"{name}第二幼儿园", 6),
            primary_school(f"{code}-PS02", f"{name}第二实验小学", 12),
            primary_school(f"{code}-PS03", f"{name}第三实验小学", 12),
            primary_school(f"{code}-PS04", f"{name}第四实验小学", 8),
            middle_school(f"{code}-MS01", f"{name}第一中学", 16),
            middle_school(f"{code}-MS03", f"{name}第三中学", 14),
            middle_school(f"{code}-HS01", f"{name}高级中学", 16, senior=True),
        ]
        # Town schools sit under their town: the town's roles see them.
        for i, town in enumerate(towns):
            short = town.name[:-1]
            town.children += [
                kindergarten(f"{code}-KG{i + 11}", f"{short}中心幼儿园", 4),
                primary_school(f"{code}-PS{i + 11}", f"{short}中心小学", 8 - i),
                middle_school(f"{code}-MS{i + 11}", f"{short}初级中学", 8 - i),
            ]
    if with_university:
        colleges = UNIVERSITY_COLLEGES + (UNIVERSITY_COLLEGES_MORE if full else [])
        county.children.append(university(f"{code}-VC01", "示范职业技术学院", colleges))
    county.population = sum(t.population or 0 for t in towns) + rng.randrange(60_000, 90_000, 100)
    return county


def world_spec(scale: str) -> UnitSpec:
    """The demo tree at `scale`: 示范县 alone (small, county), or 示范市 with 4 counties (city)."""
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    demo = county_spec(COUNTY_CODE, "示范县", full=scale != "small", with_university=True)
    if scale != "city":
        return demo
    city = UnitSpec(CITY_CODE, "示范市", UnitKind.CITY, staff=8)
    city.children.append(demo)
    for code, name in OTHER_COUNTIES:
        city.children.append(county_spec(code, name, full=True, with_university=False))
    city.population = sum(c.population or 0 for c in city.children)
    return city


# ---------------------------------------------------------------------------------------------
# Staff accounts
# ---------------------------------------------------------------------------------------------

C = COUNTY_CODE


@dataclass(frozen=True)
class Account:
    """A demo staff login; its staff Person is placed in the first membership's unit."""

    username: str
    name: str
    gender: str
    memberships: tuple[tuple[str, str, str], ...]  # (role, unit code, title)


ACCOUNTS: tuple[Account, ...] = (
    Account("demo_admin", "周建华", Gender.MALE, ((Role.ADMIN, C, "系统管理员"),)),
    Account(
        "county_office",
        "陈丽娟",
        Gender.FEMALE,
        ((Role.COORDINATOR, C, "县反诈领导小组办公室联络员"),),
    ),
    Account(
        "edu_leader", "王志强", Gender.MALE, ((Role.LEADER, C, "县教育局局长、领导小组副组长"),)
    ),
    Account(
        "inspector_county", "刘秀英", Gender.FEMALE, ((Role.INSPECTOR, C, "县教育督导室督学"),)
    ),
    Account(
        "police_liaison",
        "赵国庆",
        Gender.MALE,
        (
            (Role.POLICE, f"{C}-GAJ-01", "社区民警"),
            # The schools' liaison officer: emergencies and clues of each school reach him.
            (Role.POLICE, f"{C}-PS01", "法治副校长"),
            (Role.POLICE, f"{C}-MS02", "法治副校长"),
            (Role.POLICE, f"{C}-VC01", "校园警务室民警"),
        ),
    ),
    Account("kg_leader", "孙晓燕", Gender.FEMALE, ((Role.LEADER, f"{C}-KG01", "园长"),)),
    Account("school_leader", "黄文斌", Gender.MALE, ((Role.LEADER, f"{C}-PS01", "校长"),)),
    Account(
        "school_office", "林静", Gender.FEMALE, ((Role.COORDINATOR, f"{C}-PS01", "德育处主任"),)
    ),
    Account(
        "teacher_primary", "张敏", Gender.FEMALE, ((Role.TEACHER, f"{C}-PS01-G3-C2", "班主任"),)
    ),
    Account("teacher_middle", "杨帆", Gender.MALE, ((Role.TEACHER, f"{C}-MS02-G8-C1", "班主任"),)),
    Account(
        "psych_middle", "徐慧", Gender.FEMALE, ((Role.COUNSELLOR, f"{C}-MS02", "心理健康教师"),)
    ),
    Account("univ_office", "马俊", Gender.MALE, ((Role.COORDINATOR, f"{C}-VC01", "学工部部长"),)),
    Account(
        "counsellor_univ",
        "何雨桐",
        Gender.FEMALE,
        (
            (Role.TEACHER, f"{C}-VC01-X01-{SCHOOL_YEAR - 1}-M1C1", "辅导员"),
            (Role.TEACHER, f"{C}-VC01-X01-{SCHOOL_YEAR - 1}-M2C1", "辅导员"),
        ),
    ),
)


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass
class PersonRow:
    key: int
    unit_code: str
    kind: str
    name: str
    gender: str
    number: str = ""
    id_number: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class LinkRow:
    student: int
    guardian: int
    relation: str


@dataclass
class Batch:
    """The people of one school, or the staff of one non-school unit; written in one go."""

    school_code: str | None
    persons: list[PersonRow] = field(default_factory=list)
    links: list[LinkRow] = field(default_factory=list)


@dataclass
class Family:
    surname: str
    class_code: str
    guardians: list[tuple[int, str]]  # (guardian key, relation)


NO_GUARDIAN_SHARE = 0.04
SIBLING_SHARE = 0.025
STAFF_RATIO = {  # students per staff member besides the class teachers
    UnitKind.KINDERGARTEN: 10,
    UnitKind.PRIMARY_SCHOOL: 16,
    UnitKind.MIDDLE_SCHOOL: 12,
    UnitKind.UNIVERSITY: 18,
}
R = Guardianship.Relation


class PeopleGenerator:
    """Turn a tree spec into batches of person rows, deterministically (`random.Random(2026)`)."""

    def __init__(self, accounts: tuple[Account, ...] = ACCOUNTS) -> None:
        self.rng = random.Random(SEED)
        self.gen = NameGen(self.rng)
        self.next_key = 0
        self.families: list[Family] = []
        self.region = COUNTY_CODE
        self.office_seq = 0
        self.accounts_at: dict[str, list[Account]] = {}
        for account in accounts:
            self.accounts_at.setdefault(account.memberships[0][1], []).append(account)

    def batches(self, spec: UnitSpec) -> Iterator[Batch]:
        if spec.kind in (UnitKind.CITY, UnitKind.COUNTY):
            # Families, ID regions and office staff numbers are per county.
            self.region, self.families, self.office_seq = spec.code, [], 0
        if spec.kind in SCHOOL_KINDS:
            yield self._school(spec)
            return
        batch = Batch(None)
        for account in self.accounts_at.get(spec.code, []):
            self._staff(batch, spec.code, self._office_number(), account)
        for _ in range(spec.staff):
            self._staff(batch, spec.code, self._office_number())
        if batch.persons:
            yield batch
        for child in spec.children:
            yield from self.batches(child)

    def _key(self) -> int:
        self.next_key += 1
        return self.next_key

    def _office_number(self) -> str:
        self.office_seq += 1
        return f"G{self.region[-2:]}{self.office_seq:04d}"

    def _staff(
        self, batch: Batch, unit_code: str, number: str, account: Account | None = None
    ) -> None:
        gen = self.gen
        if account:
            gender, name = account.gender, account.name
        else:
            gender = gen.gender(0.45)
            name = gen.name(gender, child=False)
        born = gen.adult_birth_date(1966, 2000)
        id_number = gen.id_number(self.region, born, gender) if self.rng.random() < 0.7 else ""
        batch.persons.append(
            PersonRow(
                self._key(),
                unit_code,
                PersonKind.STAFF,
                name,
                gender,
                number=number,
                id_number=id_number,
                mobile=gen.mobile(),
            )
        )

    def _school(self, school: UnitSpec) -> Batch:
        batch = Batch(school.code)
        staff_seq = 0

        def staff_number() -> str:
            nonlocal staff_seq
            staff_seq += 1
            return f"T{staff_seq:04d}"

        cohort_seq: Counter[int] = Counter()
        students = 0
        for unit in school.walk():
            accounts = list(self.accounts_at.get(unit.code, []))
            if unit.cls is not None:
                # One 班主任 per class; a demo teacher account is that class's 班主任.
                self._staff(batch, unit.code, staff_number(), accounts.pop(0) if accounts else None)
            for account in accounts:
                self._staff(batch, unit.code, staff_number(), account)
            if unit.cls is None:
                continue
            for _ in range(self.rng.randint(*unit.cls.size)):
                cohort_seq[unit.cls.entry_year] += 1
                number = f"{unit.cls.entry_year}{cohort_seq[unit.cls.entry_year]:04d}"
                self._student(batch, unit.code, unit.cls, number)
                students += 1
        ratio = STAFF_RATIO[UnitKind(school.kind)]
        for _ in range(max(4, students // ratio)):
            self._staff(batch, school.code, staff_number())
        return batch

    def _student(self, batch: Batch, class_code: str, info: ClassInfo, number: str) -> None:
        gen, rng = self.gen, self.rng
        gender = gen.gender(0.52)
        born = gen.birth_date(*info.born)
        roll = rng.random()
        family: Family | None = None
        new_family = False
        if roll < NO_GUARDIAN_SHARE:
            surname = gen.surname()
        elif roll < NO_GUARDIAN_SHARE + SIBLING_SHARE and self.families:
            family = rng.choice(self.families)
            if family.class_code == class_code:
                family, new_family = None, True
            surname = family.surname if family else gen.surname()
        else:
            new_family = True
            surname = gen.surname()
        student = PersonRow(
            self._key(),
            class_code,
            PersonKind.STUDENT,
            gen.name(gender, child=True, surname=surname),
            gender,
            number=number,
            id_number=gen.id_number(self.region, born, gender)
            if rng.random() < info.id_share
            else "",
            mobile=gen.mobile() if rng.random() < info.mobile_share else "",
        )
        batch.persons.append(student)
        if new_family:
            family = self._family(batch, class_code, surname, born)
            self.families.append(family)
        if family:
            batch.links += [LinkRow(student.key, key, rel) for key, rel in family.guardians]

    def _family(
        self, batch: Batch, class_code: str, surname: str, child_born: datetime.date
    ) -> Family:
        """One to three guardians of a new household; the father carries the child's surname."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            relations = [
                rng.choices([R.MOTHER, R.FATHER, R.GRANDPARENT, R.OTHER], [45, 35, 15, 5])[0]
            ]
        elif roll < 0.93:
            relations = [R.FATHER, R.MOTHER]
        else:
            relations = [R.FATHER, R.MOTHER, R.GRANDPARENT]
        family = Family(surname, class_code, [])
        for relation in relations:
            family.guardians.append(
                (self._guardian(batch, class_code, surname, relation, child_born), relation)
            )
        return family

    def _guardian(
        self, batch: Batch, class_code: str, surname: str, relation: str, child_born: datetime.date
    ) -> int:
        gen, rng = self.gen, self.rng
        gender: str
        if relation == R.FATHER:
            gender, own_surname = Gender.MALE, surname
        elif relation == R.MOTHER:
            gender, own_surname = Gender.FEMALE, gen.surname()
        else:
            gender = gen.gender()
            own_surname = (
                surname if relation == R.GRANDPARENT and gender == Gender.MALE else gen.surname()
            )
        age_gap = rng.randint(48, 62) if relation == R.GRANDPARENT else rng.randint(23, 38)
        born = gen.adult_birth_date(child_born.year - age_gap, child_born.year - age_gap)
        has_mobile = rng.random() < (0.55 if relation == R.GRANDPARENT else 0.92)
        row = PersonRow(
            self._key(),
            class_code,
            PersonKind.GUARDIAN,
            gen.name(gender, child=False, surname=own_surname),
            gender,
            id_number=gen.id_number(self.region, born, gender) if rng.random() < 0.4 else "",
            mobile=gen.mobile() if has_mobile else "",
        )
        batch.persons.append(row)
        return row.key


# ---------------------------------------------------------------------------------------------
# Steps
# ---------------------------------------------------------------------------------------------


@dataclass
class DemoContext:
    """What the steps share while seeding; `built` is True when this run created the tree."""

    scale: str
    spec: UnitSpec
    out: Callable[[str], None]
    built: bool = False
    units: dict[str, OrgUnit] = field(default_factory=dict)


def step_tree(ctx: DemoContext) -> None:
    """Create every unit of the spec through `unit_create`, unless 示范县 already exists."""
    if OrgUnit.objects.filter(code=COUNTY_CODE).exists():
        ctx.out("示范数据已存在，跳过建树（不会重复创建）。")
        return

    def create(spec: UnitSpec, parent: OrgUnit | None) -> None:
        unit = services.unit_create(
            parent=parent,
            name=spec.name,
            kind=spec.kind,
            code=spec.code,
            population=spec.population,
        )
        ctx.units[spec.code] = unit
        for child in spec.children:
            create(child, unit)

    create(ctx.spec, None)
    ctx.built = True


def step_people(ctx: DemoContext) -> None:
    """Bulk-create students, guardians, staff and guardianships for a tree built in this run."""
    if not ctx.built:
        return
    guardian_pks: dict[int, int] = {}
    for batch in PeopleGenerator().batches(ctx.spec):
        school = ctx.units[batch.school_code] if batch.school_code else None
        objs = [
            Person(
                unit=ctx.units[row.unit_code],
                school=school,
                kind=row.kind,
                name=row.name,
                gender=row.gender,
                number=row.number,
                id_number=row.id_number,
                mobile=row.mobile,
            )
            for row in batch.persons
        ]
        Person.objects.bulk_create(objs, batch_size=BULK_BATCH)
        student_pks: dict[int, int] = {}
        for row, obj in zip(batch.persons, objs, strict=True):
            assert obj.pk is not None
            if row.kind == PersonKind.GUARDIAN:
                guardian_pks[row.key] = obj.pk
            elif row.kind == PersonKind.STUDENT:
                student_pks[row.key] = obj.pk
        Guardianship.objects.bulk_create(
            [
                Guardianship(
                    student_id=student_pks[link.student],
                    guardian_id=guardian_pks[link.guardian],
                    relation=link.relation,
                )
                for link in batch.links
            ],
            batch_size=BULK_BATCH,
        )


def step_accounts(ctx: DemoContext) -> None:
    """Ensure every demo account exists, is active, unlocked, holds its roles and has the demo
    password; runs on every `seed_demo`, so `make run` always prints logins that work."""
    codes = {code for account in ACCOUNTS for _role, code, _title in account.memberships}
    units = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    missing = codes - units.keys()
    if missing:
        raise RuntimeError(f"demo units missing, cannot create demo accounts: {sorted(missing)}")
    for account in ACCOUNTS:
        (role, code, title), *more = account.memberships
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user, _ = services.user_invite(
                username=account.username,
                display_name=account.name,
                unit=units[code],
                role=role,
                password=DEMO_PASSWORD,
                title=title,
            )
        else:
            services.membership_grant(user=user, unit=units[code], role=role, title=title)
        for role, code, title in more:
            services.membership_grant(user=user, unit=units[code], role=role, title=title)
        if not user.is_active:
            services.user_set_active(user=user, active=True)
        # A demo account locked out by mistyped passwords would break the printed logins.
        axes_reset(username=account.username)
    _ensure_demo_passwords()


def _ensure_demo_passwords() -> None:
    """Give every demo account the demo password, hashing it once rather than once per account.

    The accounts share one encoded hash, so a re-run checks a single hash and leaves accounts
    (and their sessions) untouched when nobody changed a password.
    """
    users = list(User.objects.filter(username__in=[a.username for a in ACCOUNTS]).order_by("pk"))
    encoded = next((u.password for u in users if check_password(DEMO_PASSWORD, u.password)), None)
    if encoded is None:  # every demo password was changed: hash afresh
        users[0].set_password(DEMO_PASSWORD)
        encoded = users[0].password
    stale = [u.pk for u in users if u.password != encoded]
    if stale:
        User.objects.filter(pk__in=stale).update(password=encoded)


Step = Callable[[DemoContext], None]
# Append later steps here; each must be idempotent on its own (check, then create).
STEPS: list[Step] = [step_tree, step_people, step_accounts]


@dataclass(frozen=True)
class DemoSummary:
    built: bool
    units: int
    students: int
    guardians: int
    staff: int


def app_steps() -> list[Step]:
    """`seed_demo_step(ctx)` of every other installed app's `demo` module, in INSTALLED_APPS order.

    Domain apps depend on orgs, never the reverse, so each app brings its own demo records.
    """
    steps: list[Step] = []
    for config in django_apps.get_app_configs():
        if config.name == __package__ or importlib.util.find_spec(f"{config.name}.demo") is None:
            continue
        module = importlib.import_module(f"{config.name}.demo")
        step = getattr(module, "seed_demo_step", None)
        if step is not None:
            steps.append(step)
    return steps


def seed(scale: str = "small", out: Callable[[str], None] = print) -> DemoSummary:
    """Build the demo world at `scale` (or only re-ensure the accounts if it exists), then let
    every app add its demo records; each step is idempotent."""
    ctx = DemoContext(scale=scale, spec=world_spec(scale), out=out)
    with transaction.atomic():
        for step in STEPS:
            step(ctx)
    for step in app_steps():
        with transaction.atomic():
            step(ctx)
    return summary(built=ctx.built)


def summary(*, built: bool = False) -> DemoSummary:
    """Counts of the demo world under its root (示范市 at city scale, else 示范县)."""
    root = OrgUnit.objects.filter(code__in=[CITY_CODE, COUNTY_CODE]).order_by("depth").first()
    if root is None:
        return DemoSummary(built, 0, 0, 0, 0)
    persons = dict(
        Person.objects.in_subtree(root)
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return DemoSummary(
        built=built,
        units=OrgUnit.objects.filter(path__startswith=root.path).count(),
        students=persons.get(PersonKind.STUDENT, 0),
        guardians=persons.get(PersonKind.GUARDIAN, 0),
        staff=persons.get(PersonKind.STAFF, 0),
    )


def login_lines() -> list[str]:
    """`demo login: <username> / <password> (<role>, <unit name>)`, one per demo membership."""
    order = {account.username: i for i, account in enumerate(ACCOUNTS)}
    memberships = (
        Membership.objects.filter(
            user__username__in=order, user__is_active=True, unit__is_active=True
        )
        .select_related("user", "unit")
        .order_by("unit__path", "role")
    )
    ordered = sorted(memberships, key=lambda m: order[m.user.username])
    return [
        f"demo login: {m.user.username} / {DEMO_PASSWORD} ({Role(m.role).label}, {m.unit.name})"
        for m in ordered
    ]
