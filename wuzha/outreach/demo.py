"""Demo outreach for 示范县: this term's class meetings with absentees, school lectures, chat
groups with checklist gaps, and household visits in the villages.

Deterministic (one seeded rng, dates inside the current term up to today) and idempotent: it
does nothing when 示范县 already has activities.
"""

import datetime
import io
import random
import uuid
from collections import defaultdict
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from wuzha.core.periods import Period, PeriodKind, period_containing
from wuzha.learning.taxonomy import FraudType
from wuzha.orgs.demo import COUNTY_CODE, SEED, DemoContext
from wuzha.orgs.models import OrgUnit, Person, PersonKind, UnitKind, User

from . import services
from .models import Activity, ActivityKind, AttendanceMode, ChatGroup, Material

CLASS_TOPICS = [
    ("识破刷单返利骗局", [FraudType.TASK_REBATE]),
    ("网络游戏装备交易防骗", [FraudType.GAME_TRADE]),
    ("警惕冒充老师收费", [FraudType.IMPERSONATE_ACQUAINTANCE]),
    ("“灵魂8问”与“六个一律”", [FraudType.IMPERSONATE_AUTHORITY, FraudType.TASK_REBATE]),
    ("追星、购物陷阱", [FraudType.SHOPPING_SERVICE]),
    ("校园贷与注销校园贷骗局", [FraudType.LOAN_CREDIT_CARD, FraudType.CREDIT_REPAIR]),
]
PLACES = ["本班教室", "多功能厅", "学校报告厅", "操场"]
STATIONS = ["城关派出所", "青山派出所", "东湖派出所"]
TIP_TEXTS = [
    "老师不会在群里要求转账缴费，收费通知请当面或电话核实。",
    "凡是自称“客服”要求屏幕共享、提供验证码的，都是诈骗。",
    "游戏账号、皮肤不要私下交易，免费领皮肤是诈骗。",
    "刷单返利都是诈骗，不要垫付任何钱款。",
]


def _term(today: datetime.date) -> Period:
    term = period_containing(PeriodKind.TERM, today)
    if term.start > today:  # in a vacation: the term that has just ended
        term = period_containing(PeriodKind.TERM, term.start - datetime.timedelta(days=1))
    return term


def _day(rng: random.Random, term: Period, today: datetime.date) -> datetime.date:
    end = min(term.end, today)
    return term.start + datetime.timedelta(days=rng.randint(0, max((end - term.start).days, 0)))


def _photo(rng: random.Random, day: datetime.date, label: int) -> bytes:
    """A small JPEG whose EXIF capture time is the activity day."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), (rng.randint(120, 230), rng.randint(120, 230), 200))
    draw = ImageDraw.Draw(image)
    for _line in range(6):
        draw.line(
            [(rng.randint(0, 320), rng.randint(0, 240)) for _ in range(2)],
            fill=(40, 40, 90),
            width=3,
        )
    draw.text((12, 12), f"#{label}", fill=(0, 0, 0))
    exif = Image.Exif()
    exif[306] = f"{day:%Y:%m:%d} {rng.randint(8, 16):02d}:{rng.randint(0, 59):02d}:00"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=70)
    return out.getvalue()


def _create(**kwargs: Any) -> Activity:
    activity, _created = services.activity_create(client_id=uuid.uuid4(), **kwargs)
    return activity


def seed_outreach(out: Any = print, *, today: datetime.date | None = None) -> None:
    county = OrgUnit.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return
    if Activity.objects.filter(unit__path__startswith=county.path).exists():
        out("宣传活动示范数据已存在，跳过。")
        return
    today = today or timezone.localdate()
    term = _term(today)
    rng = random.Random(f"{SEED}:outreach")
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["county_office", "teacher_primary"])
    }
    office = users.get("county_office")
    units = list(OrgUnit.objects.filter(path__startswith=county.path, is_active=True))
    classes = [u for u in units if u.kind == UnitKind.CLASS]
    schools = [u for u in units if u.is_school]
    roster: dict[int, list[int]] = defaultdict(list)
    guardians: dict[int, list[int]] = defaultdict(list)
    by_path = {u.path: u for u in classes}
    step = county.steplen
    for pk, kind, path in (
        Person.objects.filter(unit__path__startswith=county.path, is_active=True)
        .filter(kind__in=[PersonKind.STUDENT, PersonKind.GUARDIAN])
        .order_by("unit__path", "number", "pk")
        .values_list("pk", "kind", "unit__path")
    ):
        # Persons sit in the class unit itself or in a 小组 under it.
        cls = by_path.get(path) or by_path.get(path[:-step])
        if cls is not None:
            (roster if kind == PersonKind.STUDENT else guardians)[cls.pk].append(pk)

    photo_schools = {f"{COUNTY_CODE}-PS01", f"{COUNTY_CODE}-MS02"}
    photo_no = 0
    first_photo = b""  # used again for a later meeting: the register flags the reuse
    meetings = 0
    for cls in classes:
        if rng.random() < 0.12 or not roster[cls.pk]:
            continue  # some classes have held none yet this term
        school_code = cls.code.split("-")[0] + "-" + cls.code.split("-")[1]
        teacher = users.get("teacher_primary") if cls.code.endswith("PS01-G3-C2") else None
        for _n in range(rng.choice([1, 1, 2, 2, 3])):
            title, types = rng.choice(CLASS_TOPICS)
            day = _day(rng, term, today)
            students = roster[cls.pk]
            absent = set(rng.sample(students, min(len(students), rng.choice([0, 1, 2, 2, 3, 4]))))
            photos = []
            if school_code in photo_schools:
                photo_no += 1
                data = first_photo if photo_no == 7 else _photo(rng, day, photo_no)
                first_photo = first_photo or data
                photos.append(ContentFile(data, name=f"现场照片{photo_no}.jpg"))
            _create(
                unit=cls,
                by=teacher,
                kind=ActivityKind.CLASS_MEETING,
                title=title,
                date=day,
                start_time=datetime.time(rng.choice([8, 10, 14, 16]), rng.choice([0, 30])),
                place=PLACES[0],
                speaker="班主任",
                audiences=[PersonKind.STUDENT],
                fraud_types=[str(t) for t in types],
                attendance_mode=AttendanceMode.ROSTER,
                roster_ids=students,
                present_ids=[p for p in students if p not in absent],
                photos=photos,
                today=today,
            )
            meetings += 1
        if rng.random() < 0.25 and guardians[cls.pk]:
            parents = guardians[cls.pk]
            present = [p for p in parents if rng.random() < 0.7]
            _create(
                unit=cls,
                by=teacher,
                kind=ActivityKind.PARENT_MEETING,
                title="家长会：防范冒充老师收费诈骗",
                date=_day(rng, term, today),
                audiences=[PersonKind.GUARDIAN],
                fraud_types=[FraudType.IMPERSONATE_ACQUAINTANCE.value],
                attendance_mode=AttendanceMode.ROSTER,
                roster_ids=parents,
                present_ids=present,
                today=today,
            )
    for school in schools:
        _create(
            unit=school,
            by=None,
            kind=ActivityKind.LECTURE,
            title="民警进校园：防范电信网络诈骗专题讲座",
            date=_day(rng, term, today),
            place="学校报告厅",
            speaker=f"{rng.choice(STATIONS)}民警",
            audiences=[PersonKind.STUDENT, PersonKind.STAFF],
            fraud_types=[FraudType.TASK_REBATE.value, FraudType.GAME_TRADE.value],
            attendance_mode=AttendanceMode.COUNT,
            headcount=rng.randint(200, 900),
            today=today,
        )
        if rng.random() < 0.6:
            _create(
                unit=school,
                by=None,
                kind=ActivityKind.BROADCAST,
                title="校园广播：防骗提示",
                date=_day(rng, term, today),
                audiences=[PersonKind.STUDENT],
                attendance_mode=AttendanceMode.COUNT,
                headcount=rng.randint(300, 1200),
                today=today,
            )

    groups = 0
    for cls in classes:
        if not cls.code.startswith((f"{COUNTY_CODE}-PS01", f"{COUNTY_CODE}-MS02")):
            continue
        gap = rng.random()
        group = services.group_save(
            unit=cls,
            by=None,
            platform=rng.choice([ChatGroup.Platform.WECHAT, ChatGroup.Platform.QQ]),
            kind=ChatGroup.Kind.PARENT,
            name=f"{cls.name}家长群",
            owner_name="班主任",
            admins="副班主任",
            member_count=len(guardians[cls.pk]) + rng.randint(0, 6),
            responsible="班主任",
            join_verification=gap > 0.15,
            owner_verified=gap > 0.3,
            no_fee_notice=gap > 0.2,
            remark_names_set=gap > 0.1,
            checked_today=False,
        )
        if gap > 0.4:
            group.last_checked_on = _day(rng, term, today)
            group.save(update_fields=["last_checked_on"])
        for week in range(rng.randint(0, 6)):
            services.group_tip_log(
                group=group,
                by=None,
                posted_on=min(term.start + datetime.timedelta(weeks=week, days=1), today),
                content=rng.choice(TIP_TEXTS),
            )
        groups += 1

    visits = 0
    for village in [u for u in units if u.kind in (UnitKind.VILLAGE, UnitKind.COMMUNITY)]:
        count = rng.randint(25, 60)
        share = rng.choice([0.0, 0.2, 0.5, 0.8, 1.0])
        for n in range(1, count + 1):
            address = f"{village.name}{(n - 1) // 10 + 1}组{n}号"
            services.household_register(unit=village, address=address)
            if rng.random() < share:
                services.visit_record(
                    client_id=uuid.UUID(int=rng.getrandbits(128)),
                    unit=village,
                    by=office,
                    address=address,
                    visited_on=_day(rng, term, today),
                    people_met=rng.randint(1, 4),
                    materials=[Material.CARD.value, rng.choice(Material.values)],
                    topics=[rng.choice([t.value for t in FraudType if t != FraudType.NORMAL])],
                    app_installed=rng.randint(0, 2),
                    today=today,
                )
                visits += 1
    out(f"宣传活动：{meetings} 次班会，{groups} 个家长群，{visits} 次入户宣传（{term.label}）。")


def seed_demo_step(ctx: DemoContext) -> None:
    """The outreach step of `seed_demo`."""
    seed_outreach(ctx.out)
    # The plans step ran before the activities existed: link class meetings to duties now.
    from wuzha.plans.demo import link_class_meetings

    link_class_meetings(ctx.out)
