"""Demo screening, key persons and clues for 示范县.

This period's screening rounds in the two demo schools (some classes complete — one through the
fast path —, some partial, some not started) with last period's rounds complete; a few key-person
files from the findings with follow-ups (one overdue, one closure awaiting review); clues in every
status. The demo roster has no residents, so the county variant (four key groups) is not seeded.

Deterministic (one seeded rng; dates relative to today) and idempotent: it does nothing when 示范县
already has screening rounds.
"""

import datetime
import random
from typing import Any

from django.utils import timezone

from wuzha.orgs.demo import COUNTY_CODE, SEED, DemoContext
from wuzha.orgs.models import OrgUnit, UnitKind, User

from . import selectors, services
from .models import Clue, FollowUp, KeyPerson, ScreeningEntry, ScreeningItem, ScreeningRound

SCHOOLS = (f"{COUNTY_CODE}-PS01", f"{COUNTY_CODE}-MS02")
OWNERS = {"PS01-G3-C2": "teacher_primary", "MS02-G8-C1": "teacher_middle"}


def _users() -> dict[str, User]:
    names = ["teacher_primary", "teacher_middle", "school_leader", "police_liaison"]
    names += ["school_office", "psych_middle"]
    return {u.username: u for u in User.objects.filter(username__in=names)}


def _classes(school: OrgUnit) -> list[OrgUnit]:
    return list(
        OrgUnit.objects.filter(
            path__startswith=school.path, kind=UnitKind.CLASS, is_active=True
        ).order_by("path")
    )


def _screen_schools(
    rng: random.Random, users: dict[str, User], today: datetime.date
) -> list[ScreeningEntry]:
    findings: list[ScreeningEntry] = []
    previous = today - datetime.timedelta(days=14)
    for code in SCHOOLS:
        school = OrgUnit.objects.filter(code=code).first()
        if school is None:
            continue
        for n, cls in enumerate(_classes(school)):
            by = next((users.get(u) for end, u in OWNERS.items() if cls.code.endswith(end)), None)
            last, _c = services.screening_round_open(unit=cls, today=previous)
            if last.completed_at is None and selectors.round_persons(last).exists():
                services.screening_round_clear(round=last, by=by)
            current, _c = services.screening_round_open(unit=cls, today=today)
            persons = list(selectors.round_persons(current).values_list("pk", flat=True))
            if not persons:
                continue
            state = n % 4  # 0, 1 complete; 2 partial; 3 not started
            if state == 3:
                continue
            flagged = rng.sample(persons, k=1) if state == 1 or rng.random() < 0.3 else []
            results: dict[int, tuple[list[str], str]] = {
                pid: (rng.sample(ScreeningItem.values, k=rng.choice([1, 1, 2])), "谈心中发现")
                for pid in flagged
            }
            if state == 2:
                for pid in persons[: len(persons) // 2]:
                    results.setdefault(pid, ([], ""))
            services.screening_entries_save(round=current, by=by, results=results)
            if state in (0, 1):
                services.screening_round_clear(round=current, by=by)
            findings.extend(current.entries.exclude(flags=[]).select_related("person"))
    return findings


def _key_persons(
    findings: list[ScreeningEntry], users: dict[str, User], today: datetime.date
) -> None:
    opener = users.get("teacher_primary") or users.get("school_leader")
    for n, entry in enumerate(findings[:4]):
        kp = services.keyperson_open(
            person=entry.person,
            by=opener,
            categories=entry.flags,
            risk_level=["high", "medium", "medium", "low"][n],
            measures=["talk", "parent", "watch"] if n % 2 == 0 else ["talk", "counselling"],
            plan="班主任每周谈心一次；联系家长共同关注银行卡、手机卡和资金往来；"
            "请班级信息员留意其是否参与刷单兼职群。",
            first_followup_on=today + datetime.timedelta(days=3 + n),
            source_entry=entry,
        )
        services.keyperson_note_add(kp=kp, by=opener, text="已与学生谈话，学生表示已退出相关群聊。")
        if n == 0:
            # One follow-up is overdue, so the reminders and the red badge have something to show.
            FollowUp.objects.filter(key_person=kp, kind="talk").update(
                due_on=today - datetime.timedelta(days=4)
            )
            talk = kp.followups.filter(kind="parent").first()
            if talk is not None:
                services.followup_complete(
                    followup=talk, by=opener, note="已电话联系家长，家长将保管学生银行卡。"
                )
        if n == 3:
            services.keyperson_close_request(
                kp=kp, by=opener, reason="连续两轮摸排无异常，家长已配合保管银行卡。"
            )


CLUES: tuple[tuple[str, str, str, str], ...] = (
    ("recruiter", "微信 abc_job888", "有人在学校附近以每张500元收购学生银行卡和手机卡。", "new"),
    ("group", "QQ群 73****21", "群里发布“点赞返利”兼职，要求先垫付。", "triaged"),
    ("phone", "00852-5***-8821", "自称学校财务处，要求家长缴纳资料费。", "forwarded"),
    ("link", "http://cl-refund.example/pay", "短信称快递丢件理赔，链接要求填银行卡。", "closed"),
    ("sms", "106********", "营业厅正常话费通知，经核实非诈骗。", "rejected"),
)


def _clues(county: OrgUnit, users: dict[str, User]) -> None:
    school = OrgUnit.objects.filter(code=SCHOOLS[0]).first() or county
    office, police = users.get("school_office"), users.get("police_liaison")
    for n, (kind, target, content, status) in enumerate(CLUES):
        clue = services.clue_submit(
            unit=school,
            kind=kind,
            target=target,
            content=content,
            anonymous=n % 2 == 0,
            reporter_name="" if n % 2 == 0 else "家长李女士",
        )
        if status in ("triaged", "forwarded", "closed"):
            services.clue_triage(clue=clue, by=office, status="triaged", note="已电话核实")
        if status in ("forwarded", "closed") and police is not None:
            services.clue_forward(clue=clue, by=office, police=police, note="请派出所跟进")
        if status == "closed":
            services.clue_triage(
                clue=clue, by=police, status="closed", public_reply="已查处，感谢您的举报。"
            )
        if status == "rejected":
            services.clue_triage(
                clue=clue, by=office, status="rejected", public_reply="经核实为正常通知。"
            )


def seed_risk(out: Any = print, *, today: datetime.date | None = None) -> None:
    county = OrgUnit.objects.filter(code=COUNTY_CODE).first()
    if county is None:
        return
    if ScreeningRound.objects.filter(unit__path__startswith=county.path).exists():
        out("隐患摸排示范数据已存在，跳过。")
        return
    today = today or timezone.localdate()
    rng = random.Random(f"{SEED}:risk")
    users = _users()
    findings = _screen_schools(rng, users, today)
    services.screening_rounds_generate(today=today, root=county)
    _key_persons(findings, users, today)
    _clues(county, users)
    inside = {"unit__path__startswith": county.path}
    out(
        f"隐患摸排：{ScreeningRound.objects.filter(**inside).count()} 轮，"
        f"重点人员 {KeyPerson.objects.filter(**inside).count()} 人，"
        f"线索 {Clue.objects.filter(**inside).count()} 条。"
    )


def seed_demo_step(ctx: DemoContext) -> None:
    """The risk step of `seed_demo`."""
    seed_risk(ctx.out)
