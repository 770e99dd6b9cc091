"""Demo work plans on top of the demo world: campaigns, a term calendar, duties and evidence.

The records are laid out around a fixed day (`DEMO_TODAY`, 23 November 2026) rather than the
clock, so every run produces the same campaigns, the same on-time / late / returned / missing
mix and the same photos. The trade-off: opened on a later date, the demo's open duties show
as overdue, exactly as they would in real life.
"""

import zlib
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from wuzha.orgs.models import Membership, OrgUnit, Role, UnitKind, User

from . import services
from .access import REVIEWERS, SUBMITTERS
from .models import Campaign, Duty, Inspection, Submission, Term
from .testing import jpeg_bytes

DEMO_TODAY = date(2026, 11, 23)
# Share of past duties, by outcome, decided per duty from a hash of its identity (stable).
OUTCOMES = (("on_time", 70), ("late", 10), ("returned", 6), ("missing", 14))
RETURN_COMMENTS = (
    "照片看不清，请补充现场照片",
    "请补充参加人数和签到表",
    "内容过于简单，请写明开展情况",
)
TEXTS = (
    "按要求开展，学生参与积极，现场照片见附件。",
    "结合近期冒充客服退款案例进行讲解，并提醒学生转告家长。",
    "已在班级群发布提示，家长反馈良好。",
    "组织观看反诈宣传片，学生分组讨论识骗方法。",
)


def _writer(stdout: Any) -> Callable[[str], None]:
    write = getattr(stdout, "write", None)
    return write if callable(write) else stdout  # type: ignore[no-any-return]


def _at(day: date, hour: int = 16) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _bucket(key: str) -> str:
    roll = zlib.crc32(key.encode()) % 100
    for outcome, share in OUTCOMES:
        if roll < share:
            return outcome
        roll -= share
    return "missing"


def _first_user(units: list[OrgUnit], roles: frozenset[str]) -> User | None:
    """The first demo account holding one of `roles` on the nearest of `units` (deepest first)."""
    for unit in sorted(units, key=lambda u: -u.depth):
        m = (
            Membership.objects.filter(unit=unit, role__in=roles, user__is_active=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if m is not None:
            return m.user
    return User.objects.filter(is_superuser=True).order_by("pk").first()


def _chain(unit: OrgUnit) -> list[OrgUnit]:
    return [*OrgUnit.objects.filter(path__in=unit.ancestor_paths()), unit]


def _find(kind: str, county: OrgUnit, code_suffix: str) -> OrgUnit | None:
    units = OrgUnit.objects.filter(path__startswith=county.path, kind=kind).order_by("path")
    return units.filter(code__endswith=code_suffix).first() or units.first()


def _calendar(county: OrgUnit) -> None:
    term = Term.objects.filter(unit=county, school_year=2026, number=1).first()
    if term is None:
        term = services.term_add(
            unit=county,
            school_year=2026,
            number=1,
            start_date=date(2026, 9, 1),
            end_date=date(2027, 1, 22),
        )
    for name, start, end in (
        ("国庆节", date(2026, 10, 1), date(2026, 10, 7)),
        ("元旦", date(2027, 1, 1), date(2027, 1, 3)),
    ):
        if not term.holidays.filter(name=name).exists():
            services.holiday_add(term=term, name=name, start_date=start, end_date=end)


def _campaign(
    unit: OrgUnit | None, name: str, code: str, start: date, end: date, out: Callable[[str], None]
) -> Campaign | None:
    if unit is None:
        return None
    existing = Campaign.objects.filter(unit=unit, name=name).first()
    if existing is not None:
        return existing
    by = _first_user(_chain(unit), frozenset(REVIEWERS))
    campaign = services.campaign_create(
        unit=unit, name=name, start_date=start, end_date=end, template_code=code, by=by
    )
    count = Duty.objects.filter(template__campaign=campaign).count()
    out(f"工作方案：{unit.name}《{name}》，{count} 项任务")
    return campaign


def _submit_past_duties(campaign: Campaign, *, gap_unit: OrgUnit | None) -> int:
    """Give past duties their outcome; the gap unit never submits anything."""
    duties = (
        Duty.objects.filter(
            template__campaign=campaign,
            status=Duty.Status.PENDING,
            due_date__lte=DEMO_TODAY + timedelta(days=7),
            submissions__isnull=True,
        )
        .select_related("unit", "template")
        .order_by("due_date", "unit__path")
    )
    users: dict[int, tuple[User | None, User | None]] = {}
    made = 0
    previous_photo: bytes | None = None
    for duty in duties:
        if gap_unit is not None and duty.unit.path.startswith(gap_unit.path):
            continue
        key = f"{duty.unit.code}|{duty.title}|{duty.period_key}"
        outcome = _bucket(key)
        upcoming = duty.due_date > DEMO_TODAY
        if outcome == "missing" or (upcoming and outcome != "on_time"):
            continue
        if duty.unit_id not in users:
            chain = _chain(duty.unit)
            users[duty.unit_id] = (
                _first_user(chain, frozenset(SUBMITTERS)),
                _first_user(chain[:-1] or chain, frozenset(REVIEWERS)),
            )
        submitter, reviewer = users[duty.unit_id]
        if submitter is None:
            continue
        seed = zlib.crc32(key.encode())
        offset = -(seed % 4) if outcome != "late" else 1 + seed % max(duty.template.grace_days, 1)
        when = _at(min(duty.due_date + timedelta(days=offset), DEMO_TODAY), 9 + seed % 9)
        template = duty.template
        files = []
        for n in range(max(template.min_photos, 1 if seed % 3 else 0)):
            data = jpeg_bytes(
                seed + n,
                taken_at=when.replace(tzinfo=None) - timedelta(hours=2),
                gps=(31.2 + (seed % 100) / 1000, 119.4 + (seed % 77) / 1000),
            )
            files.append(SimpleUploadedFile(f"IMG_{seed % 10000:04d}_{n + 1}.jpg", data))
        if files and seed % 29 == 0 and previous_photo is not None:
            # One reused photo, so reviewers see the duplicate warning in the demo.
            files[0] = SimpleUploadedFile("IMG_reuse.jpg", previous_photo)
        if files:
            previous_photo = files[-1].read()
            files[-1].seek(0)
        if template.requires_document:
            from .testing import docx_bytes

            files.append(
                SimpleUploadedFile(
                    f"{template.title}.docx", docx_bytes(f"{duty.unit.name}{template.title}")
                )
            )
        services.duty_submit(
            duty=duty,
            by=submitter,
            text=TEXTS[seed % len(TEXTS)],
            files=files,
            count=(20 + seed % 30) if template.count_label else None,
            attendance=(30 + seed % 20) if template.requires_attendance else None,
            now=when,
        )
        made += 1
        if reviewer is None or upcoming:
            continue
        reviewed = when + timedelta(days=1)
        if outcome == "returned":
            services.duty_review(
                duty=duty,
                by=reviewer,
                accept=False,
                comment=RETURN_COMMENTS[seed % len(RETURN_COMMENTS)],
                now=reviewed,
            )
        elif seed % 5:  # most are accepted; some still wait for review
            services.duty_review(duty=duty, by=reviewer, accept=True, now=reviewed)
    return made


def _inspection(county: OrgUnit, school: OrgUnit | None) -> None:
    if school is None:
        return
    inspector = (
        Membership.objects.filter(unit=county, role=Role.INSPECTOR).select_related("user").first()
    )
    if inspector is None or Inspection.objects.filter(unit=school).exists():
        return
    inspection = services.inspection_create(
        unit=school,
        inspector=inspector.user,
        date=date(2026, 11, 10),
        method=Inspection.Method.ON_SITE,
        summary="查看反诈宣传阵地、班会记录和家长告知书回执，抽查三个班级。",
    )
    klass = (
        OrgUnit.objects.filter(path__startswith=school.path, kind=UnitKind.CLASS)
        .order_by("path")
        .first()
    )
    services.finding_add(
        inspection=inspection,
        text="部分班级群反诈提示发布不连续，十月有两周未发布",
        owner_unit=klass or school,
        deadline=date(2026, 11, 30),
    )
    services.finding_add(inspection=inspection, text="宣传栏海报内容陈旧，未更新近期典型案例")


@transaction.atomic
def seed_plans(stdout: Any = print) -> None:
    """Create the demo campaigns, calendar, duties, submissions and an inspection; idempotent."""
    out = _writer(stdout)
    counties = OrgUnit.objects.filter(kind=UnitKind.COUNTY).order_by("path")
    county = counties.filter(code="339901").first() or counties.first()
    if county is None:
        out("没有县级单位，跳过工作方案示范数据。")
        return
    _calendar(county)
    primary = _find(UnitKind.PRIMARY_SCHOOL, county, "-PS01")
    middle = _find(UnitKind.MIDDLE_SCHOOL, county, "-MS02")
    university = _find(UnitKind.UNIVERSITY, county, "-VC01")
    town = _find(UnitKind.TOWN, county, "")
    campaigns = [
        _campaign(
            county,
            "2026年“全民反诈”宣传年",
            "county_publicity_year",
            date(2026, 1, 1),
            date(2026, 12, 31),
            out,
        ),
        _campaign(
            primary,
            "防范电信网络诈骗“百日行动”",
            "school_100_days",
            date(2026, 9, 7),
            date(2026, 12, 15),
            out,
        ),
        _campaign(
            middle,
            "防范电信网络诈骗“百日行动”",
            "school_100_days",
            date(2026, 9, 7),
            date(2026, 12, 15),
            out,
        ),
        _campaign(
            university,
            "学生反诈专项行动",
            "university_student",
            date(2026, 9, 1),
            date(2027, 1, 22),
            out,
        ),
        _campaign(
            town,
            "打击治理电信网络诈骗三年行动",
            "town_three_year",
            date(2026, 1, 1),
            date(2028, 12, 31),
            out,
        ),
    ]
    gap = None
    if primary is not None:
        gap = (
            OrgUnit.objects.filter(path__startswith=primary.path, kind=UnitKind.CLASS)
            .order_by("-path")
            .first()
        )
    made = sum(_submit_past_duties(c, gap_unit=gap) for c in campaigns if c is not None)
    _inspection(county, primary)
    if made:
        out(f"示范提交：{made} 份（按时、逾期、退回、缺报各有；{gap.name if gap else ''}全部未报）")
    else:
        out("工作方案示范数据已存在，未重复创建。")


def link_class_meetings(stdout: Any = print) -> int:
    """Link class-meeting activity records to the submissions of 主题班会 duties; idempotent.

    Every second such submission (by a stable hash) cites the class meetings its class held in
    the duty's period. Submissions that already cite activities are left as they are. The
    outreach step calls this again once its activities exist (it runs after this app's step).
    """
    from wuzha.outreach.models import Activity, ActivityKind

    out = _writer(stdout)
    subs = (
        Submission.objects.filter(
            duty__template__title__contains="班会",
            duty__unit__kind=UnitKind.CLASS,
            activities__isnull=True,
        )
        .select_related("duty__unit")
        .order_by("pk")
    )
    linked = 0
    for sub in subs:
        duty = sub.duty
        if zlib.crc32(f"{duty.unit.code}|{duty.period_key}".encode()) % 2:
            continue
        meetings = list(
            Activity.objects.in_subtree(duty.unit)
            .between(duty.period_start, duty.period_end)
            .filter(kind=ActivityKind.CLASS_MEETING)
            .order_by("date", "pk")[:2]
        )
        if meetings:
            sub.activities.set(meetings)
            linked += 1
    if linked:
        out(f"班会任务关联活动记录：{linked} 份提交")
    return linked


def seed_demo_step(ctx: Any) -> None:
    """The plans step of `seed_demo` (see wuzha.orgs.demo.app_steps)."""
    seed_plans(ctx.out)
    link_class_meetings(ctx.out)
