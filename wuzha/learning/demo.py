"""Demo data: the question bank, one test per demo school with realistic attempts, a self-test.

Idempotent (a second run finds the records and does nothing) and deterministic (random.Random with
a fixed seed): some classes passed, some failed, some never took the test, and one class has a
burst of attempts from one phone that the teacher sees flagged.
"""

import datetime
import random
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from wuzha.orgs.models import OrgUnit, PersonKind, UnitKind

from . import content, services
from .models import Assignment, Quiz, SelfTestInvite, SelfTestRound

SEED = 2026
DEMO_COUNTY_CODE = "339901"
QUIZ_TITLE = "秋季学期反诈知识测试"
SELFTEST_TITLE = "学生防诈骗风险自测（第一轮）"
TAKING_CLASSES = 6


def _schools() -> list[OrgUnit]:
    county = OrgUnit.objects.filter(code=DEMO_COUNTY_CODE).first()
    if county is None:
        return []
    kinds = [
        UnitKind.KINDERGARTEN,
        UnitKind.PRIMARY_SCHOOL,
        UnitKind.MIDDLE_SCHOOL,
        UnitKind.UNIVERSITY,
    ]
    return list(
        OrgUnit.objects.filter(
            path__startswith=county.path, kind__in=kinds, is_active=True
        ).order_by("path")
    )


def _rule(age_band: str) -> list[dict[str, Any]]:
    """One question per fraud type, at the difficulty the bank has most of for this age band."""
    pool = services.eligible_versions(age_band)
    rule = []
    for code in {t for t, _d in pool}:
        best = max((1, 2, 3), key=lambda d: len(pool.get((code, d), [])))
        rule.append({"fraud_type": code, "difficulty": best, "count": 1})
    return sorted(rule, key=lambda r: r["fraud_type"])


def _answers(items: list[Any], skill: dict[str, float], rng: random.Random) -> dict[int, list[int]]:
    answers = {}
    for item in items:
        v = item.version
        if rng.random() < skill.get(item.fraud_type, 0.7):
            answers[item.position] = list(v.answer)
        else:
            wrong = [i for i in range(len(v.options)) if [i] != v.answer]
            answers[item.position] = [rng.choice(wrong)] if wrong else []
    return answers


def seed_quiz(school: OrgUnit, rng: random.Random, out: Callable[[str], object]) -> None:
    if Quiz.objects.filter(unit=school, title=QUIZ_TITLE).exists():
        out(f"{school.name}：示范测验已存在，跳过。")
        return
    age_band = services.age_band_for(school)
    rule = _rule(age_band)
    if not rule:
        out(f"{school.name}：题库中没有适用的题目，跳过示范测验。")
        return
    now = timezone.now()
    kinds = [PersonKind.GUARDIAN] if school.kind == UnitKind.KINDERGARTEN else [PersonKind.STUDENT]
    quiz = services.quiz_create(
        unit=school,
        units=[school],
        title=QUIZ_TITLE,
        audience_kinds=kinds,
        age_band=age_band,
        opens_at=now - datetime.timedelta(days=10),
        closes_at=now + datetime.timedelta(days=4),
        rule=rule,
        pass_mark=80,
        attempts_allowed=2,
        time_limit_minutes=15,
    )
    pool = services.eligible_versions(age_band)
    by_class: dict[int, list[Assignment]] = {}
    for a in quiz.assignments.order_by("unit__path", "person__number", "pk"):
        by_class.setdefault(a.unit_id, []).append(a)
    classes = list(by_class)[:TAKING_CLASSES]
    attempts = passed = 0
    for n, class_id in enumerate(classes):
        # Class 0 is strong, the last one never took part, the others are mixed.
        if n == len(classes) - 1 and len(classes) >= 2:
            continue
        base = 0.92 if n == 0 else rng.uniform(0.55, 0.85)
        skill = {r["fraud_type"]: min(0.98, max(0.2, base + rng.uniform(-0.3, 0.15))) for r in rule}
        share = 0.95 if n == 0 else rng.uniform(0.5, 0.9)
        burst = n == 1
        for i, a in enumerate(by_class[class_id]):
            if rng.random() > share:
                continue
            if burst and i < 5:
                # Five students "taken" within minutes on one phone: burst detection flags them.
                started = now - datetime.timedelta(days=2, minutes=30 - i)
                device = "demo-burst-device-01"
            else:
                started = now - datetime.timedelta(minutes=rng.randint(60, 9 * 24 * 60))
                device = f"demo-{a.pk}"
            attempt = services.attempt_start(
                assignment=a, device=device, ip="10.0.0.1", now=started, rng=rng, pool=pool
            )
            items = list(attempt.items.select_related("version"))
            done = services.attempt_submit(
                attempt=attempt,
                answers=_answers(items, skill, rng),
                now=started + datetime.timedelta(minutes=rng.randint(3, 12)),
            )
            attempts += 1
            passed += done.passed
    out(
        f"{school.name}：示范测验《{QUIZ_TITLE}》{quiz.assignments.count()} 人应参加，"
        f"{attempts} 人作答，{passed} 人通过。"
    )


def seed_selftest(rng: random.Random, out: Callable[[str], object]) -> None:
    school = next((s for s in _schools() if s.kind == UnitKind.MIDDLE_SCHOOL), None)
    if school is None:
        return
    if SelfTestRound.objects.filter(unit=school, title=SELFTEST_TITLE).exists():
        out("风险自测示范数据已存在，跳过。")
        return
    try:
        test = content.selftest()
    except content.ContentError as exc:
        out(f"风险自测内容不可用，跳过示范数据：{exc}")
        return
    rnd = services.selftest_round_create(
        unit=school,
        units=[school],
        title=SELFTEST_TITLE,
        closes_at=timezone.now() + datetime.timedelta(days=14),
    )
    first_class = (
        SelfTestInvite.objects.filter(round=rnd)
        .order_by("unit__path")
        .values_list("unit_id", flat=True)
        .first()
    )
    invites = list(
        SelfTestInvite.objects.filter(round=rnd, unit_id=first_class).order_by("person__number")
    )
    levels: dict[str, int] = {}
    for i, invite in enumerate(invites[:25]):
        answers = {}
        for q in test.questions:
            risky = rng.random() < (0.9 if i == 0 else 0.08)
            answers[q.key] = rng.randrange(1, len(q.options)) if risky else 0
        _r, result = services.selftest_submit(invite=invite, answers=answers)
        levels[result.level] = levels.get(result.level, 0) + 1
    out(f"风险自测示范：{school.name} 一个班 {sum(levels.values())} 人提交，等级分布 {levels}。")


def seed_demo_step(ctx: Any) -> None:
    """The learning step of `seed_demo` (see wuzha.orgs.demo.app_steps)."""
    try:
        summary = services.load_question_bank()
    except content.ContentError as exc:
        if not (content.CONTENT_DIR / "questions.json").exists():
            ctx.out(f"题库文件缺失，跳过知识测试示范数据：{exc}")
            return
        raise
    ctx.out(f"题库：新增 {summary.created}，更新 {summary.updated}，未变化 {summary.unchanged}。")
    rng = random.Random(SEED)
    for school in _schools():
        seed_quiz(school, rng, ctx.out)
    seed_selftest(rng, ctx.out)
