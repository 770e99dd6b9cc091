"""Indicators: numerator / denominator × factor per unit and period, rolled up the tree.

Every indicator is computed for a unit and all of its direct children at once: each source is one
query grouped by the child-subtree path prefix (`Substr(path, 1, len(unit.path) + steplen)`), so a
county with thousands of classes costs the same number of queries as a class. Rows placed
directly in the unit itself group under the unit's own path. A parent's counts are the sum of its
children's plus its own; rates are recomputed from the summed numerator and denominator, never
averaged.

Where a source app offers a set-based selector it is used (coverage from the outreach ledger, duty
completeness from plans); otherwise the query reads the source model directly.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuzha.core import coverage
from wuzha.core.periods import Period, PeriodError, PeriodKind, parse
from wuzha.orgs.models import OrgUnit, Person, PersonKind

QUIZ_CHANNEL = "quiz_passed"
RATE, COUNT, MONEY = "rate", "count", "money"


def min_denominator() -> int:
    """Below this denominator a rate is marked as not meaningful (a class of 12, a hamlet)."""
    return int(getattr(settings, "STATS_MIN_DENOMINATOR", 20))


@dataclass(frozen=True)
class Definition:
    code: str
    label: str | Promise
    kind: str  # rate / count / money
    factor: int
    numerator_label: str | Promise
    denominator_label: str | Promise = ""
    lower_is_better: bool = False
    suffix: str | Promise = ""


DEFINITIONS: list[Definition] = [
    Definition(
        "coverage", gettext_lazy("宣传覆盖率"), RATE, 100,
        gettext_lazy("已覆盖学生"), gettext_lazy("在册学生"), suffix="%",
    ),
    Definition(
        "awareness", gettext_lazy("知晓率"), RATE, 100,
        gettext_lazy("测试通过学生"), gettext_lazy("在册学生"), suffix="%",
    ),
    Definition(
        "receipts", gettext_lazy("回执签收率"), RATE, 100,
        gettext_lazy("已签收回执"), gettext_lazy("应签回执"), suffix="%",
    ),
    Definition(
        "app_installs", gettext_lazy("反诈APP安装率"), RATE, 100,
        gettext_lazy("确认已安装的学生家庭"), gettext_lazy("在册学生"), suffix="%",
    ),
    Definition(
        "screening", gettext_lazy("隐患摸排完成率"), RATE, 100,
        gettext_lazy("已完成摸排轮次"), gettext_lazy("应完成摸排轮次"), suffix="%",
    ),
    Definition(
        "duties", gettext_lazy("任务完成率"), RATE, 100,
        gettext_lazy("已提交任务"), gettext_lazy("已到期任务"), suffix="%",
    ),
    Definition(
        "duties_on_time", gettext_lazy("任务按时完成率"), RATE, 100,
        gettext_lazy("按时提交任务"), gettext_lazy("已到期任务"), suffix="%",
    ),
    Definition(
        "cases", gettext_lazy("发案数"), COUNT, 1, gettext_lazy("案件"),
        lower_is_better=True, suffix=gettext_lazy("起"),
    ),
    Definition(
        "losses", gettext_lazy("经济损失"), MONEY, 1, gettext_lazy("损失金额（元）"),
        lower_is_better=True, suffix=gettext_lazy("元"),
    ),
    Definition(
        "recovered", gettext_lazy("挽损率"), RATE, 100,
        gettext_lazy("追回金额（元）"), gettext_lazy("损失金额（元）"), suffix="%",
    ),
    Definition(
        "cases_per_10k", gettext_lazy("万人发案数"), RATE, 10_000,
        gettext_lazy("案件"), gettext_lazy("学生数（无名册时为人口数）"), lower_is_better=True,
    ),
]  # fmt: skip
BY_CODE = {d.code: d for d in DEFINITIONS}
CASE_INDICATORS = ("cases", "losses", "cases_per_10k")

# Free-text campaign goals ("学生涉诈案件数", "国家反诈中心APP安装率") matched to indicators; the
# first keyword found wins, so the more specific ones come first.
GOAL_KEYWORDS: list[tuple[str, str]] = [
    ("无诈", ""),
    ("万人发案", "cases_per_10k"),
    ("知晓率", "awareness"),
    ("APP", "app_installs"),
    ("回执", "receipts"),
    ("签收", "receipts"),
    ("签订率", "receipts"),
    ("摸排", "screening"),
    ("损失", "losses"),
    ("挽损", "recovered"),
    ("案件数", "cases"),
    ("发案数", "cases"),
    ("覆盖率", "coverage"),
]


def goal_indicator(text: str) -> str:
    """The indicator code a campaign goal's free text refers to, or "" when none fits."""
    for keyword, code in GOAL_KEYWORDS:
        if keyword.lower() in text.lower():
            return code
    return ""


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def period_for(unit: OrgUnit, key: str) -> Period:
    """Parse `key` against the term calendar that applies to `unit` (PeriodError when invalid)."""
    from wuzha.plans.selectors import term_resolver_for

    return parse(key, terms=term_resolver_for(unit))


def shift_period(period: Period, year: int, unit: OrgUnit | None = None) -> Period | None:
    """The same period in `year` (2026-11 → 2025-11), or None when it has no twin (2026-W53)."""
    if period.kind == PeriodKind.SCHOOL_YEAR:
        key = f"{year}-{year + 1}"
    else:
        key = f"{year:04d}{period.key[4:]}"
    try:
        return period_for(unit, key) if unit is not None else parse(key)
    except PeriodError:
        return None


# ---------------------------------------------------------------------------------------------
# Sources: each returns {prefix: (numerator, denominator)} for one or more indicators
# ---------------------------------------------------------------------------------------------

Pair = tuple[float, float | None]
Series = dict[str, Pair]


@dataclass
class Scope:
    """A unit, a period, and the depth (levels below the unit) at which rows are grouped."""

    unit: OrgUnit
    period: Period
    today: datetime.date
    levels: int = 1
    length: int = 0
    # Period-independent results (enrolment), shared by the scopes of one table's comparisons.
    memo: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.length = len(self.unit.path) + self.unit.steplen * self.levels

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        key = (name, self.unit.path, str(self.length))
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def grouped(
        self, qs: QuerySet[Any], path_field: str, **aggregates: Any
    ) -> list[dict[str, Any]]:
        return list(
            qs.order_by()
            .annotate(prefix=Substr(path_field, 1, self.length))
            .values("prefix")
            .annotate(**aggregates)
        )

    def subtree_unit_ids(self) -> QuerySet[OrgUnit]:
        # Through unit ids, so the (unit, kind) person index is used instead of LIKE on paths.
        return OrgUnit.objects.filter(path__startswith=self.unit.path).order_by().values("pk")


def _students(scope: Scope) -> dict[str, int]:
    persons = Person.objects.filter(
        unit__in=scope.subtree_unit_ids(), is_active=True, kind=PersonKind.STUDENT
    )
    return scope.once(
        "students",
        lambda: {r["prefix"]: r["n"] for r in scope.grouped(persons, "unit__path", n=Count("pk"))},
    )


def _coverage(scope: Scope) -> tuple[Series, Series | None]:
    """Students reached by any coverage channel, and by the quiz channel (知晓率).

    The same set operations as the outreach ledger (`wuzha.outreach.selectors.unit_coverage`),
    grouped at the dashboard's row depth: each channel's `reached()` is an id subquery.
    """
    from functools import reduce
    from operator import or_

    from wuzha.outreach.selectors import coverage_persons

    channels = coverage.channels()
    persons = coverage_persons(scope.unit, PersonKind.STUDENT)
    start, end = scope.period.start, scope.period.end
    totals = scope.once(
        "coverage_persons",
        lambda: {r["prefix"]: r["n"] for r in scope.grouped(persons, "unit__path", n=Count("pk"))},
    )

    def series(qs: QuerySet[Person]) -> Series:
        found = {r["prefix"]: r["n"] for r in scope.grouped(qs, "unit__path", n=Count("pk"))}
        return {p: (found.get(p, 0), n) for p, n in totals.items()}

    reached_q = [Q(pk__in=c.reached(scope.unit, start, end)) for c in channels]
    cov = series(persons.filter(reduce(or_, reached_q))) if reached_q else series(persons.none())
    quiz = next((c for c in channels if c.code == QUIZ_CHANNEL), None)
    if quiz is None:
        return cov, None
    return cov, series(persons.filter(pk__in=quiz.reached(scope.unit, start, end)))


def _receipts(scope: Scope) -> Series:
    from wuzha.notices.models import Audience, Delivery, Notice

    deliveries = Delivery.objects.filter(
        unit__path__startswith=scope.unit.path,
        notice__status=Notice.Status.ISSUED,
        notice__audience=Audience.GUARDIANS,
        notice__deadline__gte=scope.period.start,
        notice__deadline__lte=scope.period.end,
    )
    signed = Q(state__in=[Delivery.State.ONLINE, Delivery.State.PAPER])
    rows = scope.grouped(deliveries, "unit__path", n=Count("pk"), signed=Count("pk", filter=signed))
    return {r["prefix"]: (r["signed"], r["n"]) for r in rows}


def _app_installs(scope: Scope, students: dict[str, int]) -> Series:
    from wuzha.notices.models import Signature

    signatures = Signature.objects.filter(
        delivery__unit__path__startswith=scope.unit.path,
        delivery__person__kind=PersonKind.STUDENT,
        delivery__person__is_active=True,
        superseded_by__isnull=True,
        app_installed=True,
        signed_at__date__lte=scope.period.end,
    )
    rows = scope.grouped(
        signatures, "delivery__unit__path", n=Count("delivery__person", distinct=True)
    )
    found = {r["prefix"]: r["n"] for r in rows}
    return {p: (found.get(p, 0), n) for p, n in students.items()} | {
        p: (n, students.get(p, 0)) for p, n in found.items() if p not in students
    }


def _screening(scope: Scope) -> Series:
    from wuzha.risk.models import ScreeningRound

    rounds = ScreeningRound.objects.filter(
        unit__path__startswith=scope.unit.path,
        end__gte=scope.period.start,
        end__lte=min(scope.period.end, scope.today),
    )
    rows = scope.grouped(
        rounds, "unit__path", n=Count("pk"), done=Count("pk", filter=Q(completed_at__isnull=False))
    )
    return {r["prefix"]: (r["done"], r["n"]) for r in rows}


def _duties(scope: Scope) -> tuple[Series, Series]:
    """Duties due in the period: submitted (or on time) over submitted + missing.

    The work-plan app's own counts (duties not yet due and not submitted are left out), grouped
    at the dashboard's row depth.
    """
    from wuzha.plans.selectors import completeness_by_prefix

    counts = completeness_by_prefix(
        scope.unit, scope.period, today=scope.today, length=scope.length
    )
    return (
        {p: (c.submitted, c.submitted + c.missing) for p, c in counts.items()},
        {p: (c.on_time, c.submitted + c.missing) for p, c in counts.items()},
    )


def _cases(scope: Scope) -> dict[str, dict[str, int]]:
    from wuzha.cases.models import Case

    cases = Case.objects.filter(
        unit__path__startswith=scope.unit.path,
        occurred_at__date__gte=scope.period.start,
        occurred_at__date__lte=scope.period.end,
    )
    rows = scope.grouped(
        cases,
        "unit__path",
        n=Count("pk"),
        lost=Sum("amount_lost_fen"),
        recovered=Sum("amount_recovered_fen"),
    )
    return {
        r["prefix"]: {"n": r["n"], "lost": r["lost"] or 0, "recovered": r["recovered"] or 0}
        for r in rows
    }


# ---------------------------------------------------------------------------------------------
# Cells and tables
# ---------------------------------------------------------------------------------------------


@dataclass
class Cell:
    """One indicator of one unit: numerator, denominator, value and how it compares."""

    definition: Definition
    numerator: float = 0
    denominator: float | None = None
    available: bool = True
    previous: float | None = None  # value in the same period last year
    baseline: float | None = None  # value in the same period of the baseline year
    target: "Target | None" = None

    @property
    def code(self) -> str:
        return self.definition.code

    @property
    def value(self) -> float | None:
        if not self.available:
            return None
        if self.definition.kind in (COUNT, MONEY):
            return round(self.numerator, 2)
        if not self.denominator:
            return None
        return round(self.numerator / self.denominator * self.definition.factor, 2)

    @property
    def small(self) -> bool:
        """A rate over fewer than the minimum denominator: shown, but not to be compared."""
        if self.definition.kind != RATE or not self.available:
            return False
        return self.denominator is not None and 0 < self.denominator < min_denominator()

    @staticmethod
    def _change(value: float | None, before: float | None, kind: str) -> float | None:
        if value is None or before is None:
            return None
        if kind == RATE:
            return round(value - before, 2)  # percentage points (or per-10,000 points)
        if not before:
            return None  # a change from nothing has no percentage
        return round(100 * (value - before) / before, 1)

    @property
    def change_yoy(self) -> float | None:
        """Counts and money: change in % against last year; rates: the difference in points."""
        return self._change(self.value, self.previous, self.definition.kind)

    @property
    def change_baseline(self) -> float | None:
        return self._change(self.value, self.baseline, self.definition.kind)

    @property
    def change_unit(self) -> str:
        return "pp" if self.definition.kind == RATE else "%"

    @property
    def display(self) -> str:
        value = self.value
        if value is None:
            return _("暂无数据") if not self.available else "—"
        if self.definition.kind == COUNT:
            return f"{value:.0f}"
        if self.definition.kind == MONEY:
            return f"{value:,.2f}"
        return f"{value:.1f}{self.definition.suffix}"

    @property
    def progress(self) -> "Progress | None":
        return self.target.progress(self) if self.target else None


@dataclass
class Target:
    """A campaign goal applied to an indicator."""

    indicator: str
    comparison: str  # at_least / at_most / change_pct
    value: float
    text: str
    campaign: str
    baseline_year: int | None = None

    def progress(self, cell: Cell) -> "Progress | None":
        if self.comparison == "change_pct":
            change = cell.change_baseline
            if change is None or cell.definition.kind == RATE:
                return None
            met = change <= self.value if self.value < 0 else change >= self.value
            share = round(100 * change / self.value, 1) if self.value else None
            return Progress(met=met, share=share)
        value = cell.value
        if value is None:
            return None
        if self.comparison == "at_least":
            share = round(100 * value / self.value, 1) if self.value else 100.0
            return Progress(met=value >= self.value, share=min(share, 100.0))
        return Progress(met=value <= self.value, share=None)


@dataclass(frozen=True)
class Progress:
    met: bool
    share: float | None  # how far along, in % of the target (None when not meaningful)


@dataclass
class UnitRow:
    unit: OrgUnit
    cells: dict[str, Cell]
    is_self: bool = False  # records placed directly in the parent, not in a child

    def __getitem__(self, code: str) -> Cell:
        return self.cells[code]


@dataclass
class IndicatorTable:
    unit: OrgUnit
    period: Period
    total: UnitRow
    rows: list[UnitRow]
    baseline_year: int | None = None
    targets: list[Target] = field(default_factory=list)
    by_type: list[dict[str, Any]] = field(default_factory=list)

    def all_rows(self) -> list[UnitRow]:
        return [self.total, *self.rows]


def _raw(scope: Scope, codes: set[str]) -> dict[str, dict[str, Pair | None]]:
    """{prefix: {code: (numerator, denominator) or None when unavailable}} for the scope."""
    out: dict[str, dict[str, Pair | None]] = {}

    def put(code: str, series: Series | None) -> None:
        if series is None:
            out.setdefault("*", {})[code] = None
            return
        for prefix, pair in series.items():
            out.setdefault(prefix, {})[code] = pair

    students = _students(scope)
    if codes & {"coverage", "awareness"}:
        cov, quiz = _coverage(scope)
        put("coverage", cov)
        put("awareness", quiz)
    if "receipts" in codes:
        put("receipts", _receipts(scope))
    if "app_installs" in codes:
        put("app_installs", _app_installs(scope, students))
    if "screening" in codes:
        put("screening", _screening(scope))
    if codes & {"duties", "duties_on_time"}:
        done, timely = _duties(scope)
        put("duties", done)
        put("duties_on_time", timely)
    if codes & {*CASE_INDICATORS, "recovered"}:
        cases = _cases(scope)
        put("cases", {p: (c["n"], None) for p, c in cases.items()})
        put("losses", {p: (c["lost"] / 100, None) for p, c in cases.items()})
        put("recovered", {p: (c["recovered"] / 100, c["lost"] / 100) for p, c in cases.items()})
        put("cases_per_10k", {p: (c["n"], None) for p, c in cases.items()})
    out.setdefault("#students", {})
    for prefix, n in students.items():
        out["#students"][prefix] = (n, None)
    return out


def _cells(
    raw: dict[str, dict[str, Pair | None]],
    prefixes: list[str] | None,
    codes: list[str],
    population: int | None,
) -> dict[str, Cell]:
    """Sum the raw pairs over `prefixes` (None: every prefix) into one cell per code."""
    unavailable = raw.get("*", {})
    cells: dict[str, Cell] = {}
    keys = [p for p in raw if p not in ("*", "#students")] if prefixes is None else prefixes
    for code in codes:
        definition = BY_CODE[code]
        if code in unavailable:
            cells[code] = Cell(definition, available=False)
            continue
        num = 0.0
        den: float | None = None if definition.kind in (COUNT, MONEY) else 0.0
        for prefix in keys:
            pair = raw.get(prefix, {}).get(code)
            if pair is None:
                continue
            num += pair[0]
            if den is not None and pair[1] is not None:
                den += pair[1]
        cells[code] = Cell(definition, numerator=num, denominator=den)
    if "cases_per_10k" in cells:
        # Enrolment when the unit has a roster, else its population figure.
        enrolled = sum((raw["#students"].get(p) or (0, None))[0] for p in keys)
        cells["cases_per_10k"].denominator = enrolled or (population or 0)
    return cells


def row_units(unit: OrgUnit) -> list[OrgUnit]:
    """The units a dashboard of `unit` lists: its active children, except that a school lists
    its classes rather than its grades, and a bureau of police stations (公安局) is replaced by
    its stations, so a county shows its schools, towns and police stations."""
    from wuzha.orgs.models import SCHOOL_KINDS, UnitKind

    children = list(OrgUnit.objects.get_children(unit).filter(is_active=True).order_by("path"))
    if unit.kind in SCHOOL_KINDS and children and all(c.kind == UnitKind.GRADE for c in children):
        return list(
            OrgUnit.objects.filter(
                path__startswith=unit.path, depth=unit.depth + 2, is_active=True
            ).order_by("path")
        )
    bureaus = [c for c in children if c.kind == UnitKind.BUREAU and c.numchild]
    if not bureaus:
        return children
    q = Q(pk__in=[])
    for b in bureaus:
        q |= Q(path__startswith=b.path, depth=b.depth + 1)
    stations = list(
        OrgUnit.objects.filter(q, kind=UnitKind.POLICE_STATION, is_active=True).order_by("path")
    )
    expanded = {s.path[: -unit.steplen] for s in stations}
    rows: list[OrgUnit] = []
    for child in children:
        if child.path in expanded:
            rows.extend(s for s in stations if s.path.startswith(child.path))
        else:
            rows.append(child)
    return rows


def _table_values(
    unit: OrgUnit,
    period: Period,
    today: datetime.date,
    codes: list[str],
    below: list[OrgUnit],
    memo: dict[tuple[str, ...], Any] | None = None,
) -> tuple[UnitRow, list[UnitRow]]:
    levels = max([(u.depth - unit.depth) for u in below] or [1])
    scope = Scope(
        unit=unit, period=period, today=today, levels=levels, memo={} if memo is None else memo
    )
    raw = _raw(scope, set(codes))
    total = UnitRow(unit=unit, cells=_cells(raw, None, codes, unit.population))
    rows = []
    by_path = {u.path: u for u in below}
    lengths = sorted({len(u.path) for u in below})
    members: dict[str, list[str]] = {u.path: [] for u in below}
    others = []
    for prefix in raw:
        if prefix in ("*", "#students"):
            continue
        owner = next((prefix[:n] for n in lengths if prefix[:n] in by_path), None)
        if owner is None or len(prefix) < len(owner):
            others.append(prefix)
        else:
            members[owner].append(prefix)
    # Records placed in the unit itself, or in a level between it and the rows.
    if below and others:
        own = _cells(raw, others, codes, None)
        if any(c.numerator or c.denominator for c in own.values()):
            rows.append(UnitRow(unit=unit, cells=own, is_self=True))
    for row_unit in below:
        cells = _cells(raw, members[row_unit.path], codes, row_unit.population)
        rows.append(UnitRow(unit=row_unit, cells=cells))
    return total, rows


def campaign_targets(unit: OrgUnit, period: Period) -> list[Target]:
    """Goals of the campaigns issued by `unit` or above it that run during `period`."""
    from wuzha.plans.models import CampaignGoal

    paths = [*unit.ancestor_paths(), unit.path]
    goals = CampaignGoal.objects.filter(
        campaign__unit__path__in=paths,
        campaign__start_date__lte=period.end,
        campaign__end_date__gte=period.start,
    ).select_related("campaign")
    targets = []
    for goal in goals.order_by("campaign__unit__depth", "pk"):
        code = goal_indicator(goal.indicator)
        if not code:
            continue
        value = float(goal.target_value)
        if code == "losses" and goal.comparison != "change_pct" and goal.unit_label == "万元":
            value *= 10_000
        targets.append(
            Target(
                indicator=code,
                comparison=goal.comparison,
                value=value,
                text=f"{goal.indicator}：{goal.display}",
                campaign=goal.campaign.name,
                baseline_year=goal.baseline_year,
            )
        )
    return targets


def unit_indicators(
    unit: OrgUnit,
    period: Period,
    *,
    today: datetime.date,
    codes: list[str] | None = None,
    compare: bool = True,
    baseline_year: int | None = None,
    rows: list[OrgUnit] | None = None,
) -> IndicatorTable:
    """Every indicator (or `codes`) for `unit` and each active child, with comparisons.

    The rows are `rows` (units of the subtree whose subtrees do not overlap), by default
    `row_units(unit)`.

    With `compare`, the same period last year and in the baseline year (the campaign goals'
    baseline, or `baseline_year`) are computed too, and each cell carries its target. The number
    of queries does not depend on the size of the subtree.
    """
    codes = list(codes or BY_CODE)
    below = row_units(unit) if rows is None else rows
    memo: dict[tuple[str, ...], Any] = {}
    total, unit_rows = _table_values(unit, period, today, codes, below, memo)
    table = IndicatorTable(unit=unit, period=period, total=total, rows=unit_rows)
    if not compare:
        return table
    targets = campaign_targets(unit, period)
    table.targets = targets
    if baseline_year is None:
        baseline_year = next((t.baseline_year for t in targets if t.baseline_year), None)
    table.baseline_year = baseline_year
    comparisons: list[tuple[str, Period]] = []
    last_year = shift_period(period, period.start.year - 1, unit)
    if last_year is not None:
        comparisons.append(("previous", last_year))
    if baseline_year and baseline_year != period.start.year:
        base = shift_period(period, baseline_year, unit)
        if base is not None:
            comparisons.append(("baseline", base))
    for attr, other in comparisons:
        other_total, other_rows = _table_values(unit, other, today, codes, below, memo)
        by_unit = {r.unit.pk: r for r in other_rows if not r.is_self}
        pairs = [(total, other_total)] + [
            (r, by_unit.get(r.unit.pk)) for r in unit_rows if not r.is_self
        ]
        for mine, theirs in pairs:
            if theirs is None:
                continue
            for code, cell in mine.cells.items():
                setattr(cell, attr, theirs.cells[code].value)
    by_code = {t.indicator: t for t in targets}
    for row in table.all_rows():
        for code, cell in row.cells.items():
            cell.target = by_code.get(code)
    return table


def fraud_type_mix(unit: OrgUnit, period: Period) -> list[dict[str, Any]]:
    """Cases of `unit`'s subtree in `period` by fraud type, most frequent first (one query)."""
    from wuzha.cases.models import Case
    from wuzha.learning.taxonomy import FraudType

    rows = (
        Case.objects.filter(
            unit__path__startswith=unit.path,
            occurred_at__date__gte=period.start,
            occurred_at__date__lte=period.end,
        )
        .order_by()
        .values("fraud_type")
        .annotate(n=Count("pk"), lost=Sum("amount_lost_fen"))
    )
    mix = [
        {
            "code": r["fraud_type"],
            "label": str(FraudType(r["fraud_type"]).label),
            "count": r["n"],
            "lost": (r["lost"] or 0) / 100,
        }
        for r in rows
    ]
    return sorted(mix, key=lambda r: (-r["count"], r["code"]))


def case_trend(unit: OrgUnit, end: datetime.date, months: int = 12) -> list[dict[str, Any]]:
    """Cases and losses per month for the `months` months ending with `end`'s month."""
    from django.db.models.functions import TruncMonth

    from wuzha.cases.models import Case

    first = end.replace(day=1)
    for _i in range(months - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    rows = (
        Case.objects.filter(
            unit__path__startswith=unit.path,
            occurred_at__date__gte=first,
            occurred_at__date__lte=end,
        )
        .order_by()
        .annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(n=Count("pk"), lost=Sum("amount_lost_fen"))
    )
    found = {(r["month"].year, r["month"].month): r for r in rows}
    result = []
    cursor = first
    for _i in range(months):
        r = found.get((cursor.year, cursor.month))
        result.append(
            {
                "key": f"{cursor.year}-{cursor.month:02d}",
                "cases": r["n"] if r else 0,
                "lost": ((r["lost"] or 0) / 100) if r else 0.0,
            }
        )
        cursor = (cursor + datetime.timedelta(days=32)).replace(day=1)
    return result
