"""Reads of the learning app for pages, exports, the API and other apps.

Definitions used everywhere (pages, xlsx, API):

- participation = takers with at least one submitted attempt / takers assigned (frozen list);
- pass rate (知晓率) = takers who passed at least once / takers assigned — people who never took
  the test do not know it as far as the record shows;
- mastery of a fraud type = share of correctly answered questions of that type on each taker's
  best attempt;
- item facility = share of takers who answered the question correctly;
- item discrimination = facility in the upper 27 % of takers (by best score) minus facility in
  the lower 27 %, each over the takers in that group whose paper held the question (papers are
  drawn per person, so not everybody sees every question).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr

from wuzha.orgs.models import OrgUnit, User

from .models import (
    Assignment,
    Attempt,
    AttemptItem,
    Question,
    Quiz,
    SelfTestInvite,
    SelfTestResponse,
    SelfTestRound,
)
from .taxonomy import FRAUD_CODES, FRAUD_LABELS

UPPER_LOWER_SHARE = 0.27


def rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


@dataclass
class Tally:
    assigned: int = 0
    participated: int = 0
    passed: int = 0
    mastery: dict[str, tuple[int, int]] = field(default_factory=dict)  # type → (correct, asked)

    @property
    def participation_rate(self) -> float | None:
        return rate(self.participated, self.assigned)

    @property
    def pass_rate(self) -> float | None:
        return rate(self.passed, self.assigned)

    def mastery_rate(self, code: str) -> float | None:
        correct, asked = self.mastery.get(code, (0, 0))
        return rate(correct, asked)

    def mastery_row(self) -> list[float | None]:
        return [self.mastery_rate(c) for c in FRAUD_CODES]

    def as_dict(self) -> dict[str, Any]:
        return {
            "participation": {
                "count": self.participated,
                "denominator": self.assigned,
                "rate": self.participation_rate,
            },
            "passed": self.passed,
            "pass_rate": self.pass_rate,
            "mastery": {c: self.mastery_rate(c) for c in FRAUD_CODES if c in self.mastery},
        }


@dataclass
class UnitRow:
    unit: OrgUnit
    tally: Tally


def _grouped_tallies(quiz: Quiz, base: OrgUnit, length: int) -> dict[str, Tally]:
    """Tallies of the quiz's takers under `base`, keyed by the first `length` chars of the path."""
    assignments = Assignment.objects.filter(quiz=quiz, unit__path__startswith=base.path)
    tallies: dict[str, Tally] = defaultdict(Tally)
    rows = (
        assignments.order_by()
        .annotate(prefix=Substr("unit__path", 1, length))
        .values("prefix")
        .annotate(
            n=Count("pk"),
            took=Count("pk", filter=Q(best_attempt__isnull=False)),
            ok=Count("pk", filter=Q(passed_at__isnull=False)),
        )
    )
    for row in rows:
        t = tallies[row["prefix"]]
        t.assigned, t.participated, t.passed = row["n"], row["took"], row["ok"]
    items = (
        AttemptItem.objects.filter(attempt_id__in=assignments.values("best_attempt_id"))
        .order_by()
        .annotate(prefix=Substr("attempt__assignment__unit__path", 1, length))
        .values("prefix", "fraud_type")
        .annotate(asked=Count("pk"), right=Count("pk", filter=Q(is_correct=True)))
    )
    for item in items:
        tallies[item["prefix"]].mastery[item["fraud_type"]] = (
            int(item["right"] or 0),
            item["asked"],
        )
    return tallies


def quiz_unit_results(quiz: Quiz, unit: OrgUnit) -> tuple[Tally, list[UnitRow]]:
    """The total for `unit` and one row per child unit that has takers, in a fixed query count."""
    total = _grouped_tallies(quiz, unit, len(unit.path)).get(unit.path, Tally())
    length = len(unit.path) + unit.steplen
    by_child = _grouped_tallies(quiz, unit, length)
    children = OrgUnit.objects.filter(path__in=list(by_child)).order_by("path")
    return total, [UnitRow(c, by_child[c.path]) for c in children]


def quiz_class_results(quiz: Quiz, unit: OrgUnit) -> list[UnitRow]:
    """One row per class (the takers' frozen unit) under `unit`: the heatmap's rows."""
    assignments = Assignment.objects.filter(quiz=quiz, unit__path__startswith=unit.path)
    classes = list(OrgUnit.objects.filter(pk__in=assignments.values("unit_id")).order_by("path"))
    if not classes:
        return []
    length = len(classes[0].path)
    if any(len(c.path) != length for c in classes):
        # Takers sit at different depths: group each by its own unit.
        return [
            UnitRow(c, _grouped_tallies(quiz, c, len(c.path)).get(c.path, Tally())) for c in classes
        ]
    tallies = _grouped_tallies(quiz, unit, length)
    return [UnitRow(c, tallies.get(c.path, Tally())) for c in classes]


def heatmap(rows: Sequence[UnitRow]) -> dict[str, Any]:
    """ECharts heatmap data: x = fraud types, y = classes, value = mastery % (None = not asked)."""
    data = []
    for y, row in enumerate(rows):
        for x, code in enumerate(FRAUD_CODES):
            value = row.tally.mastery_rate(code)
            if value is not None:
                data.append([x, y, value])
    return {
        "types": [str(FRAUD_LABELS[c]) for c in FRAUD_CODES],
        "classes": [r.unit.name for r in rows],
        "data": data,
    }


def quiz_takers(quiz: Quiz, unit: OrgUnit) -> QuerySet[Assignment]:
    """Takers of `unit`'s subtree with their best attempt, in roster order."""
    return (
        Assignment.objects.filter(quiz=quiz, unit__path__startswith=unit.path)
        .select_related("person", "unit", "best_attempt")
        .annotate(flags=Count("attempts", filter=~Q(attempts__flag="")))
        .order_by("unit__path", "person__number", "person__name")
    )


def flagged_attempts(quiz: Quiz, unit: OrgUnit) -> QuerySet[Attempt]:
    """Attempts under `unit` flagged by burst detection, newest first."""
    return (
        Attempt.objects.filter(assignment__quiz=quiz, assignment__unit__path__startswith=unit.path)
        .exclude(flag="")
        .select_related("assignment__person", "assignment__unit")
        .order_by("-started_at")
    )


# ---------------------------------------------------------------------------------------------
# Item statistics
# ---------------------------------------------------------------------------------------------


@dataclass
class ItemStat:
    question_id: int
    n: int
    facility: float
    discrimination: float | None
    question: Question | None = None


def item_statistics(responses: Sequence[tuple[float, dict[int, bool]]]) -> dict[int, ItemStat]:
    """Facility and upper-lower discrimination per item from (score, {item: correct}) rows.

    The upper and lower groups are the top and bottom 27 % of rows by score (at least one row
    each, ties broken by order); an item's discrimination is None when a group never saw it.
    """
    stats: dict[int, ItemStat] = {}
    if not responses:
        return stats
    ranked = sorted(range(len(responses)), key=lambda i: responses[i][0], reverse=True)
    size = max(1, round(UPPER_LOWER_SHARE * len(responses)))
    upper, lower = ranked[:size], ranked[-size:]
    seen: dict[int, list[bool]] = defaultdict(list)
    for _score, answers in responses:
        for item, ok in answers.items():
            seen[item].append(ok)

    def facility(group: Iterable[int], item: int) -> float | None:
        marks = [responses[i][1][item] for i in group if item in responses[i][1]]
        return sum(marks) / len(marks) if marks else None

    for item, marks in seen.items():
        hi, lo = facility(upper, item), facility(lower, item)
        stats[item] = ItemStat(
            question_id=item,
            n=len(marks),
            facility=round(sum(marks) / len(marks), 3),
            discrimination=None if hi is None or lo is None else round(hi - lo, 3),
        )
    return stats


def quiz_item_statistics(quiz: Quiz) -> list[ItemStat]:
    """Item statistics over every taker's best attempt of `quiz`, hardest first."""
    best = Attempt.objects.filter(
        pk__in=Assignment.objects.filter(quiz=quiz).values("best_attempt_id")
    )
    scores = dict(best.values_list("pk", "percent"))
    answers: dict[int, dict[int, bool]] = defaultdict(dict)
    for attempt_id, question_id, ok in AttemptItem.objects.filter(
        attempt_id__in=list(scores)
    ).values_list("attempt_id", "version__question_id", "is_correct"):
        answers[attempt_id][question_id] = ok
    stats = item_statistics([(scores[a] or 0, answers[a]) for a in scores])
    questions = Question.objects.select_related("current").in_bulk(list(stats))
    for stat in stats.values():
        stat.question = questions.get(stat.question_id)
    return sorted(stats.values(), key=lambda s: (s.facility, s.question_id))


# ---------------------------------------------------------------------------------------------
# Quizzes for pages
# ---------------------------------------------------------------------------------------------


def quizzes_for(user: User, unit: OrgUnit) -> QuerySet[Quiz]:
    """Quizzes the user may see that concern `unit` (issued in it, above it, or below it)."""
    ancestors = [*unit.ancestor_paths(), unit.path]
    qs: QuerySet[Quiz] = Quiz.objects.visible_to(user)  # type: ignore[assignment]
    return (
        qs.filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=ancestors))
        .select_related("unit")
        .annotate(n=Count("assignments", distinct=True))
    )


def assignment_by_token(token: str) -> Assignment | None:
    return Assignment.objects.select_related("quiz", "person", "unit").filter(token=token).first()


def passed_persons(unit: OrgUnit, start: datetime.date, end: datetime.date) -> QuerySet[Any]:
    """Ids of persons of `unit`'s subtree who passed a quiz between `start` and `end`."""
    return (
        Assignment.objects.filter(
            person__unit__path__startswith=unit.path,
            passed_at__date__gte=start,
            passed_at__date__lte=end,
        )
        .order_by()
        .values("person_id")
        .distinct()
    )


# ---------------------------------------------------------------------------------------------
# Self-tests
# ---------------------------------------------------------------------------------------------


def selftest_rounds_for(user: User, unit: OrgUnit) -> QuerySet[SelfTestRound]:
    ancestors = [*unit.ancestor_paths(), unit.path]
    qs: QuerySet[SelfTestRound] = SelfTestRound.objects.visible_to(user)  # type: ignore[assignment]
    return (
        qs.filter(Q(unit__path__startswith=unit.path) | Q(unit__path__in=ancestors))
        .select_related("unit")
        .annotate(n=Count("invites", distinct=True))
    )


def selftest_counts(rnd: SelfTestRound, unit: OrgUnit) -> list[dict[str, Any]]:
    """Per class under `unit`: invited, responded, and counts per level."""
    rows = (
        SelfTestInvite.objects.filter(round=rnd, unit__path__startswith=unit.path)
        .values("unit_id", "unit__name", "unit__code", "unit__path")
        .annotate(
            invited=Count("pk"),
            responded=Count("response"),
            low=Count("pk", filter=Q(response__level="low")),
            medium=Count("pk", filter=Q(response__level="medium")),
            high=Count("pk", filter=Q(response__level="high")),
        )
        .order_by("unit__path")
    )
    return [dict(r) for r in rows]


def selftest_responses(rnd: SelfTestRound, unit: OrgUnit) -> QuerySet[SelfTestResponse]:
    return (
        SelfTestResponse.objects.filter(invite__round=rnd, invite__unit__path__startswith=unit.path)
        .select_related("invite__person", "invite__unit", "invite__round")
        .order_by("invite__unit__path", "invite__person__number")
    )


def high_without_file(rnd: SelfTestRound, unit: OrgUnit) -> list[SelfTestResponse]:
    """High results whose student has no active key-person file: suggestions, never automatic."""
    from wuzha.risk import selectors as risk_selectors

    rows = list(selftest_responses(rnd, unit).filter(level="high"))
    return [
        r
        for r in rows
        if not any(
            kp.status != kp.Status.CLOSED for kp in risk_selectors.person_key_files(r.invite.person)
        )
    ]
