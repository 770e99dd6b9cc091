"""Writes of the learning app: the bank and its versions, quizzes, attempts, self-tests."""

import datetime
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wuzha.orgs.models import OrgUnit, Person, PersonKind, UnitKind, User

from . import content
from .content import QuestionData
from .models import (
    Assignment,
    Attempt,
    AttemptItem,
    Question,
    QuestionImport,
    QuestionVersion,
    Quiz,
    QuizClassLink,
    SelfTestClassLink,
    SelfTestInvite,
    SelfTestResponse,
    SelfTestRound,
)
from .taxonomy import FRAUD_CODES, AgeBand

# A submission that arrives this long after the server-side deadline is still accepted: it covers
# the page's own auto-submit at zero and a slow phone network, nothing more.
SUBMIT_GRACE = datetime.timedelta(seconds=20)
# Burst detection: attempt starts for different people from one device cookie, or one address,
# within the window. A class on the school Wi-Fi shares one address, so that limit is higher.
BURST_WINDOW = datetime.timedelta(minutes=10)
BURST_DEVICE_PERSONS = 3
BURST_IP_PERSONS = 40


class AttemptRefused(Exception):
    """Why an attempt cannot start or be submitted; `code` picks the page shown to the taker."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# ---------------------------------------------------------------------------------------------
# Question bank
# ---------------------------------------------------------------------------------------------

_VERSION_FIELDS = (
    "kind",
    "fraud_type",
    "difficulty",
    "age_bands",
    "stem",
    "options",
    "answer",
    "explanation",
)


def _version_matches(version: QuestionVersion, data: QuestionData) -> bool:
    return all(getattr(version, f) == getattr(data, f) for f in _VERSION_FIELDS)


def _check(data: QuestionData) -> None:
    raw = asdict(data)
    problems = content.question_problems(raw)
    if problems:
        raise ValidationError("；".join(problems))


@transaction.atomic
def question_save(*, data: QuestionData, by: User | None = None) -> tuple[Question, str]:
    """Create the question `data.key`, or give it a new version when the content changed.

    Returns the question and "created", "updated" or "unchanged"; the old versions stay, so the
    attempts that saw them keep showing exactly what was asked.
    """
    _check(data)
    question = Question.objects.select_for_update().filter(key=data.key).first()
    if question is not None and question.current and _version_matches(question.current, data):
        return question, "unchanged"
    outcome = "updated" if question else "created"
    if question is None:
        question = Question(key=data.key)
    question.fraud_type = data.fraud_type
    question.difficulty = data.difficulty
    question.age_bands = data.age_bands
    question.full_clean(exclude=["current"])
    question.save()
    number = (question.versions.order_by("-number").values_list("number", flat=True).first()) or 0
    version = QuestionVersion(
        question=question,
        number=number + 1,
        created_by=by,
        **{f: getattr(data, f) for f in _VERSION_FIELDS},
    )
    version.full_clean()
    version.save()
    question.current = version
    question.save(update_fields=["current", "updated_at"])
    return question, outcome


def question_set_retired(*, question: Question, retired: bool) -> Question:
    """Retire a question (no longer drawn into new papers) or bring it back."""
    question.retired = retired
    question.save(update_fields=["retired", "updated_at"])
    return question


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_question_bank(path: Path | None = None) -> LoadSummary:
    """Load questions.json into the bank by key; running it again changes nothing."""
    questions = content.load_questions(path)
    summary = LoadSummary()
    with transaction.atomic():
        existing = {q.key: q for q in Question.objects.select_related("current")}
        new: list[QuestionData] = []
        for data in questions:
            question = existing.get(data.key)
            if question is None:
                new.append(data)
            elif question.current is not None and _version_matches(question.current, data):
                summary.unchanged += 1
            else:
                question_save(data=data)
                summary.updated += 1
        # New questions in bulk: a first load of a few hundred questions takes a few queries.
        created = Question.objects.bulk_create(
            [
                Question(
                    key=d.key,
                    fraud_type=d.fraud_type,
                    difficulty=d.difficulty,
                    age_bands=d.age_bands,
                )
                for d in new
            ]
        )
        if not all(q.pk for q in created):  # backends that return no ids from bulk_create
            by_key = Question.objects.in_bulk([d.key for d in new], field_name="key")
            created = [by_key[d.key] for d in new]
        versions = QuestionVersion.objects.bulk_create(
            [
                QuestionVersion(question=q, number=1, **{f: getattr(d, f) for f in _VERSION_FIELDS})
                for q, d in zip(created, new, strict=True)
            ]
        )
        if not all(v.pk for v in versions):
            by_question = {
                v.question_id: v for v in QuestionVersion.objects.filter(question__in=created)
            }
            versions = [by_question[q.pk] for q in created]
        for q, v in zip(created, versions, strict=True):
            q.current = v
        Question.objects.bulk_update(created, ["current"])
        summary.created = len(created)
    return summary


@transaction.atomic
def question_import_commit(*, imp: QuestionImport, mode: str, by: User) -> LoadSummary:
    """Import the previewed sheet: "valid_only" imports the good rows, "none" discards it."""
    imp = QuestionImport.objects.select_for_update().get(pk=imp.pk)
    if imp.status != QuestionImport.Status.PREVIEWED:
        raise ValidationError(_("这份文件已经处理过了"))
    summary = LoadSummary()
    if mode == "none":
        imp.status = QuestionImport.Status.DISCARDED
        imp.result = _("已放弃，未导入任何题目")
    else:
        for row in imp.good_rows:
            data = content.question_from_raw(row["data"])  # type: ignore[arg-type]
            _q, outcome = question_save(data=data, by=by)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        imp.status = QuestionImport.Status.IMPORTED
        imp.result = _("新增 %(c)d 题，更新 %(u)d 题，未变化 %(n)d 题，跳过错误行 %(b)d 行") % {
            "c": summary.created,
            "u": summary.updated,
            "n": summary.unchanged,
            "b": len(imp.bad_rows),
        }
    imp.save(update_fields=["status", "result"])
    return summary


# ---------------------------------------------------------------------------------------------
# Quizzes
# ---------------------------------------------------------------------------------------------


def age_band_for(unit: OrgUnit) -> str:
    """The usual age band of a unit's students (a guess the quiz author may change)."""
    school = unit.school()
    kind = school.kind if school else None
    if kind == UnitKind.KINDERGARTEN:
        return AgeBand.KINDERGARTEN_PARENT
    if kind == UnitKind.PRIMARY_SCHOOL:
        return AgeBand.PRIMARY
    if kind == UnitKind.MIDDLE_SCHOOL:
        return AgeBand.SENIOR if "高" in school.name else AgeBand.JUNIOR  # type: ignore[union-attr]
    if kind == UnitKind.UNIVERSITY:
        return AgeBand.UNIVERSITY
    return AgeBand.ADULT


def eligible_versions(age_band: str) -> dict[tuple[str, int], list[QuestionVersion]]:
    """Current versions of non-retired questions for `age_band`, by (fraud type, difficulty)."""
    pool: dict[tuple[str, int], list[QuestionVersion]] = {}
    rows = (
        Question.objects.filter(retired=False, current__isnull=False)
        .select_related("current")
        .order_by("pk")
    )
    for q in rows:
        if age_band in q.age_bands and q.current is not None:
            pool.setdefault((q.fraud_type, q.difficulty), []).append(q.current)
    return pool


def clean_rule(rule: Sequence[dict[str, Any]], age_band: str) -> list[dict[str, Any]]:
    """Validate a paper rule against the bank; merge duplicate rows. Raises ValidationError."""
    merged: dict[tuple[str, int], int] = {}
    for row in rule:
        fraud_type, difficulty, count = (
            row.get("fraud_type"),
            row.get("difficulty"),
            row.get("count"),
        )
        if fraud_type not in FRAUD_CODES or difficulty not in (1, 2, 3):
            raise ValidationError(_("组卷规则中有无效的类型或难度"))
        if not isinstance(count, int) or count < 0:
            raise ValidationError(_("每类题数必须是非负整数"))
        if count:
            merged[(fraud_type, difficulty)] = merged.get((fraud_type, difficulty), 0) + count
    if not merged:
        raise ValidationError(_("组卷规则至少要抽一道题"))
    pool = eligible_versions(age_band)
    short = []
    for (fraud_type, difficulty), count in merged.items():
        have = len(pool.get((fraud_type, difficulty), []))
        if have < count:
            short.append(
                _("%(t)s（难度%(d)d）需要 %(n)d 题，题库中适用该年龄段的只有 %(h)d 题")
                % {
                    "t": dict(Question._meta.get_field("fraud_type").choices)[fraud_type],  # type: ignore[arg-type]
                    "d": difficulty,
                    "n": count,
                    "h": have,
                }
            )
    if short:
        raise ValidationError("；".join(short))
    return [{"fraud_type": t, "difficulty": d, "count": n} for (t, d), n in merged.items()]


def quiz_recipients(units: Iterable[OrgUnit], kinds: Iterable[str]) -> list[Person]:
    """Active persons of the given kinds in the units' subtrees, each once, in roster order."""
    seen: dict[int, Person] = {}
    for unit in units:
        for person in Person.objects.in_subtree(unit).filter(is_active=True, kind__in=list(kinds)):
            seen.setdefault(person.pk, person)
    return sorted(seen.values(), key=lambda p: (p.unit_id, p.number, p.pk))


def _class_units(units: Iterable[OrgUnit]) -> list[OrgUnit]:
    classes: dict[int, OrgUnit] = {}
    for unit in units:
        for c in OrgUnit.objects.filter(
            path__startswith=unit.path, kind=UnitKind.CLASS, is_active=True
        ):
            classes.setdefault(c.pk, c)
    return list(classes.values())


@transaction.atomic
def quiz_create(
    *,
    unit: OrgUnit,
    units: Sequence[OrgUnit],
    title: str,
    audience_kinds: Sequence[str],
    age_band: str,
    opens_at: datetime.datetime,
    closes_at: datetime.datetime,
    rule: Sequence[dict[str, Any]],
    pass_mark: int = 80,
    attempts_allowed: int = 2,
    time_limit_minutes: int = 15,
    by: User | None = None,
) -> Quiz:
    """Create a quiz, freeze its list of takers (one personal link each) and make class links."""
    errors: dict[str, list[str]] = {}
    if not units:
        errors["units"] = [_("请至少选择一个范围")]
    elif any(not u.path.startswith(unit.path) for u in units):
        errors["units"] = [_("范围必须在发布单位之内")]
    if not audience_kinds or any(k not in PersonKind.values for k in audience_kinds):
        errors["audience_kinds"] = [_("请选择测验对象")]
    try:
        cleaned_rule = clean_rule(rule, age_band)
    except ValidationError as exc:
        errors["rule"] = exc.messages
    if errors:
        raise ValidationError(errors)
    quiz = Quiz(
        unit=unit,
        title=title.strip(),
        audience_kinds=list(audience_kinds),
        age_band=age_band,
        opens_at=opens_at,
        closes_at=closes_at,
        rule=cleaned_rule,
        pass_mark=pass_mark,
        attempts_allowed=attempts_allowed,
        time_limit_minutes=time_limit_minutes,
        created_by=by,
    )
    quiz.full_clean()
    if quiz.closes_at <= quiz.opens_at:
        raise ValidationError({"closes_at": _("结束时间必须晚于开始时间")})
    quiz.save()
    quiz.units.set(units)
    Assignment.objects.bulk_create(
        [
            Assignment(quiz=quiz, person=p, unit_id=p.unit_id)
            for p in quiz_recipients(units, audience_kinds)
        ],
        batch_size=500,
    )
    QuizClassLink.objects.bulk_create(
        [QuizClassLink(quiz=quiz, unit=c) for c in _class_units(units)], batch_size=500
    )
    return quiz


Pool = dict[tuple[str, int], list[QuestionVersion]]


def draw_paper(
    quiz: Quiz, rng: random.Random | None = None, pool: Pool | None = None
) -> list[QuestionVersion]:
    """A fresh random paper for one taker: for each rule row, `count` distinct questions.

    `pool` (from `eligible_versions`) may be passed when drawing many papers in one go.
    """
    rng = rng or random.SystemRandom()
    pool = pool if pool is not None else eligible_versions(quiz.age_band)
    paper: list[QuestionVersion] = []
    for row in quiz.rule:
        candidates = pool.get((row["fraud_type"], row["difficulty"]), [])
        count = int(row["count"])
        if len(candidates) < count:
            raise AttemptRefused("bank")
        paper.extend(rng.sample(candidates, count))
    rng.shuffle(paper)
    return paper


def attempt_close_overdue(*, assignment: Assignment, now: datetime.datetime | None = None) -> int:
    """Close the assignment's in-progress attempt when its deadline (plus grace) has passed."""
    now = now or timezone.now()
    return Attempt.objects.filter(
        assignment=assignment,
        status=Attempt.Status.IN_PROGRESS,
        deadline__lt=now - SUBMIT_GRACE,
    ).update(status=Attempt.Status.EXPIRED, finished_at=now)


def in_progress(assignment: Assignment) -> Attempt | None:
    return Attempt.objects.filter(assignment=assignment, status=Attempt.Status.IN_PROGRESS).first()


def _distinct_persons(attempts: QuerySet[Attempt]) -> int:
    """How many different people the attempts belong to.

    Two indexed lookups rather than one join: while a transaction is still inserting attempts
    (a class starting together, the demo), PostgreSQL has no statistics for them and would join
    the whole assignment table for every start.
    """
    assignment_ids = set(attempts.values_list("assignment_id", flat=True))
    return Assignment.objects.filter(pk__in=assignment_ids).values("person_id").distinct().count()


def _burst_flag(attempt: Attempt, *, device: str, ip: str | None, now: datetime.datetime) -> str:
    """Flag text when many different people started attempts from this device or address."""
    since = now - BURST_WINDOW
    recent = Attempt.objects.filter(started_at__gte=since, started_at__lte=now)
    minutes = int(BURST_WINDOW.total_seconds() // 60)
    if device:
        persons = _distinct_persons(recent.filter(device=device))
        if persons >= BURST_DEVICE_PERSONS:
            recent.filter(device=device, flag="").update(flag=_("同一设备短时间内多人作答"))
            return _("同一设备%(m)d分钟内有%(n)d人开始作答") % {"m": minutes, "n": persons}
    if ip:
        persons = _distinct_persons(recent.filter(ip_address=ip))
        if persons >= BURST_IP_PERSONS:
            recent.filter(ip_address=ip, flag="").update(flag=_("同一网络地址短时间内大量作答"))
            return _("同一网络地址%(m)d分钟内有%(n)d人开始作答") % {"m": minutes, "n": persons}
    return ""


def attempt_start(
    *,
    assignment: Assignment,
    via: str = Attempt.Via.PERSONAL,
    device: str = "",
    ip: str | None = None,
    now: datetime.datetime | None = None,
    rng: random.Random | None = None,
    pool: Pool | None = None,
) -> Attempt:
    """Start an attempt (or return the one in progress) with its own paper and deadline.

    Refused ("not_open", "closed", "used_up", "passed") outside the window, when the attempts
    allowed are used up, or once passed. The deadline is the time limit from now, cut at the end
    of the window; it is stored, so the phone's clock never matters.
    """
    now = now or timezone.now()
    quiz = assignment.quiz
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        attempt_close_overdue(assignment=assignment, now=now)
        current = in_progress(assignment)
        if current is not None:
            return current
        if now < quiz.opens_at:
            raise AttemptRefused("not_open")
        if now >= quiz.closes_at:
            raise AttemptRefused("closed")
        if assignment.passed_at is not None:
            raise AttemptRefused("passed")
        if assignment.attempts_used >= quiz.attempts_allowed:
            raise AttemptRefused("used_up")
        paper = draw_paper(quiz, rng, pool)
        deadline = min(now + datetime.timedelta(minutes=quiz.time_limit_minutes), quiz.closes_at)
        try:
            with transaction.atomic():
                attempt = Attempt.objects.create(
                    assignment=assignment,
                    number=assignment.attempts_used + 1,
                    via=via,
                    started_at=now,
                    deadline=deadline,
                    total=len(paper),
                    device=device[:64],
                    ip_address=ip or None,
                )
        except IntegrityError:
            # A second tap raced us: the other request created the attempt.
            current = in_progress(assignment)
            if current is None:
                raise
            return current
        AttemptItem.objects.bulk_create(
            [
                AttemptItem(attempt=attempt, position=i, version=v, fraud_type=v.fraud_type)
                for i, v in enumerate(paper, start=1)
            ]
        )
        Assignment.objects.filter(pk=assignment.pk).update(attempts_used=F("attempts_used") + 1)
        flag = _burst_flag(attempt, device=device, ip=ip, now=now)
        if flag:
            attempt.flag = flag
            attempt.save(update_fields=["flag"])
    return attempt


def attempt_submit(
    *,
    attempt: Attempt,
    answers: dict[int, list[int]],
    now: datetime.datetime | None = None,
) -> Attempt:
    """Score `answers` (position → chosen option indices) and close the attempt.

    After the deadline (plus a short grace) the answers are refused and the attempt is closed as
    expired: it counts as used and scores nothing. A repeated submit returns the scored attempt.
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status == Attempt.Status.SUBMITTED:
            return attempt
        late = attempt.status == Attempt.Status.EXPIRED or now > attempt.deadline + SUBMIT_GRACE
        if late and attempt.status == Attempt.Status.IN_PROGRESS:
            attempt.status = Attempt.Status.EXPIRED
            attempt.finished_at = now
            attempt.save(update_fields=["status", "finished_at"])
    if late:
        # Raised outside the transaction so the expiry itself is kept.
        raise AttemptRefused("expired")
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return attempt
        items = list(attempt.items.select_related("version"))
        correct = 0
        for item in items:
            chosen = sorted(set(answers.get(item.position, [])))
            valid = [i for i in chosen if 0 <= i < len(item.version.options)]
            item.chosen = valid
            item.is_correct = valid == sorted(item.version.answer)
            correct += item.is_correct
        AttemptItem.objects.bulk_update(items, ["chosen", "is_correct"])
        quiz = attempt.assignment.quiz
        attempt.correct = correct
        attempt.percent = round(100 * correct / attempt.total) if attempt.total else 0
        attempt.passed = attempt.percent >= quiz.pass_mark
        attempt.status = Attempt.Status.SUBMITTED
        attempt.finished_at = now
        attempt.save(update_fields=["correct", "percent", "passed", "status", "finished_at"])
        assignment = Assignment.objects.select_for_update().get(pk=attempt.assignment_id)
        if assignment.best_percent is None or attempt.percent > assignment.best_percent:
            assignment.best_percent = attempt.percent
            assignment.best_attempt = attempt
        if attempt.passed and assignment.passed_at is None:
            assignment.passed_at = now
        assignment.save(update_fields=["best_percent", "best_attempt", "passed_at"])
    return attempt


# ---------------------------------------------------------------------------------------------
# Risk self-test
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def selftest_round_create(
    *,
    unit: OrgUnit,
    units: Sequence[OrgUnit],
    title: str,
    closes_at: datetime.datetime,
    by: User | None = None,
) -> SelfTestRound:
    """Open a self-test round for the students of `units`, with personal and class links."""
    if not units or any(not u.path.startswith(unit.path) for u in units):
        raise ValidationError({"units": [_("范围必须在发布单位之内")]})
    rnd = SelfTestRound(unit=unit, title=title.strip(), closes_at=closes_at, created_by=by)
    rnd.full_clean()
    rnd.save()
    rnd.units.set(units)
    SelfTestInvite.objects.bulk_create(
        [
            SelfTestInvite(round=rnd, person=p, unit_id=p.unit_id)
            for p in quiz_recipients(units, [PersonKind.STUDENT])
        ],
        batch_size=500,
    )
    SelfTestClassLink.objects.bulk_create(
        [SelfTestClassLink(round=rnd, unit=c) for c in _class_units(units)], batch_size=500
    )
    return rnd


def selftest_submit(
    *,
    invite: SelfTestInvite,
    answers: dict[str, int],
    via: str = Attempt.Via.PERSONAL,
    now: datetime.datetime | None = None,
) -> tuple[SelfTestResponse, content.SelfTestResult]:
    """Score and store one respondent's answers (once; a repeat returns the first response)."""
    now = now or timezone.now()
    if now > invite.round.closes_at:
        raise AttemptRefused("closed")
    test = content.selftest()
    result = test.score(answers)
    existing = SelfTestResponse.objects.filter(invite=invite).first()
    if existing is not None:
        return existing, test.score(existing.answers)
    try:
        with transaction.atomic():
            response = SelfTestResponse.objects.create(
                invite=invite,
                version=test.version,
                answers=answers,
                score=result.score,
                level=result.level,
                hard_flags=result.hard_flags,
                via=via,
                submitted_at=now,
            )
    except IntegrityError:
        response = SelfTestResponse.objects.get(invite=invite)
        return response, test.score(response.answers)
    return response, result
