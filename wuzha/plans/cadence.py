"""Cadence arithmetic: which periods a duty template produces and when each one is due.

Pure functions over dates, so they can be property-tested without a database.

- once: one deadline on a date;
- weekly: every ISO week, due on a weekday;
- biweekly: every pair of ISO weeks, due on a weekday of the second week;
- monthly: every month, due on a day of the month (31 means the month's last day);
- term: every term, due on a weekday of a teaching week (week 15), or on the last day;
- yearly: every year, due on a month and day.

With a term calendar, `within_terms` keeps only periods that contain a teaching day (so no
monthly class meeting is due in the summer), and a deadline that falls in a holiday moves to
the first day after it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.translation import gettext as _

from wuzha.core.periods import (
    Period,
    PeriodKind,
    clamp_day,
    day_period,
    periods_between,
    term_week_start,
    term_weeks,
)

ONCE, WEEKLY, BIWEEKLY, MONTHLY, TERM, YEARLY = (
    "once",
    "weekly",
    "biweekly",
    "monthly",
    "term",
    "yearly",
)
MAX_TERM_WEEKS = 30


@dataclass(frozen=True)
class TermSpan:
    school_year: int
    number: int
    start: date
    end: date
    holidays: tuple[tuple[date, date], ...] = field(default=())

    @property
    def key(self) -> str:
        return f"{self.school_year}-T{self.number}"

    @property
    def weeks(self) -> int:
        return term_weeks(self.start, self.end)

    def is_teaching_day(self, day: date) -> bool:
        return self.start <= day <= self.end and not any(s <= day <= e for s, e in self.holidays)


@dataclass(frozen=True)
class Spec:
    cadence: str
    due_date: date | None = None
    deadline_day: int | None = None
    deadline_weekday: int | None = None
    deadline_week: int | None = None
    deadline_month: int | None = None
    within_terms: bool = False


@dataclass(frozen=True, order=True)
class Occurrence:
    due: date
    period: Period


def spec_errors(spec: Spec) -> dict[str, str]:
    """Field → Chinese message for a cadence that cannot produce deadlines."""
    errors: dict[str, str] = {}
    weekday = spec.deadline_weekday
    if spec.cadence == ONCE and spec.due_date is None:
        errors["due_date"] = _("一次性任务必须填写截止日期")
    if spec.cadence in (WEEKLY, BIWEEKLY) and not (weekday and 1 <= weekday <= 7):
        errors["deadline_weekday"] = _("请选择每周的截止星期（周一到周日）")
    if spec.cadence == MONTHLY and not (spec.deadline_day and 1 <= spec.deadline_day <= 31):
        errors["deadline_day"] = _("每月截止日必须在1到31之间（31表示月末）")
    if spec.cadence == TERM:
        week = spec.deadline_week
        if week is not None and not 1 <= week <= MAX_TERM_WEEKS:
            errors["deadline_week"] = _("教学周必须在第1周到第%(n)s周之间") % {"n": MAX_TERM_WEEKS}
        if week is not None and weekday is not None and not 1 <= weekday <= 7:
            errors["deadline_weekday"] = _("截止星期必须是周一到周日")
    if spec.cadence == YEARLY:
        month, day = spec.deadline_month, spec.deadline_day
        if not (month and 1 <= month <= 12):
            errors["deadline_month"] = _("请填写每年截止的月份（1到12）")
        elif not (day and 1 <= day <= 31):
            errors["deadline_day"] = _("请填写每年截止的日期")
        else:
            longest = 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31
            if day > longest:
                errors["deadline_day"] = _("%(m)s月没有%(d)s日") % {"m": month, "d": day}
    return errors


def _shift_out_of_holidays(day: date, terms: Sequence[TermSpan]) -> date:
    for _attempt in range(3):  # holidays may touch; three hops are plenty
        moved = day
        for term in terms:
            for start, end in term.holidays:
                if start <= moved <= end:
                    moved = end + timedelta(days=1)
        if moved == day:
            return day
        day = moved
    return day


def _has_teaching_day(period: Period, terms: Sequence[TermSpan]) -> bool:
    for term in terms:
        if not period.overlaps(term.start, term.end):
            continue
        day = max(period.start, term.start)
        last = min(period.end, term.end)
        while day <= last:
            if term.is_teaching_day(day):
                return True
            day += timedelta(days=1)
    return False


def _raw(spec: Spec, start: date, end: date, terms: Sequence[TermSpan]) -> list[Occurrence]:
    weekday = spec.deadline_weekday or 5
    if spec.cadence == ONCE:
        assert spec.due_date is not None
        return [Occurrence(spec.due_date, day_period(spec.due_date))]
    if spec.cadence == WEEKLY:
        return [
            Occurrence(p.start + timedelta(days=weekday - 1), p)
            for p in periods_between(PeriodKind.WEEK, start, end)
        ]
    if spec.cadence == BIWEEKLY:
        return [
            Occurrence(p.end - timedelta(days=7 - weekday), p)
            for p in periods_between(PeriodKind.BIWEEK, start, end)
        ]
    if spec.cadence == MONTHLY:
        assert spec.deadline_day is not None
        return [
            Occurrence(clamp_day(p.start.year, p.start.month, spec.deadline_day), p)
            for p in periods_between(PeriodKind.MONTH, start, end)
        ]
    if spec.cadence == YEARLY:
        assert spec.deadline_month is not None and spec.deadline_day is not None
        return [
            Occurrence(clamp_day(p.start.year, spec.deadline_month, spec.deadline_day), p)
            for p in periods_between(PeriodKind.YEAR, start, end)
        ]
    if spec.cadence == TERM:
        spans = [t for t in terms if t.start <= end and start <= t.end]
        if not spans:
            spans = [
                TermSpan(int(p.key[:4]), int(p.key[-1]), p.start, p.end)
                for p in periods_between(PeriodKind.TERM, start, end)
            ]
        result = []
        for t in spans:
            period = Period(t.start, t.end, PeriodKind.TERM, t.key)
            if spec.deadline_week:
                due = term_week_start(t.start, spec.deadline_week) + timedelta(days=weekday - 1)
            else:
                due = t.end
            result.append(Occurrence(due, period))
        return result
    raise ValueError(f"unknown cadence {spec.cadence}")


def occurrences(
    spec: Spec, *, start: date, end: date, terms: Sequence[TermSpan] = ()
) -> list[Occurrence]:
    """Every (period, due date) of `spec` whose due date lies in [start, end], in due order."""
    if spec_errors(spec) or end < start:
        return []
    seen: set[str] = set()
    result: list[Occurrence] = []
    for occ in _raw(spec, start, end, terms):
        skip_period = spec.within_terms and terms and spec.cadence != TERM
        if skip_period and not _has_teaching_day(occ.period, terms):
            continue
        due = _shift_out_of_holidays(occ.due, terms) if terms else occ.due
        if not start <= due <= end or occ.period.key in seen:
            continue
        seen.add(occ.period.key)
        result.append(Occurrence(due, occ.period))
    return sorted(result)


def term_week_problem(spec: Spec, terms: Sequence[TermSpan]) -> str | None:
    """A Chinese message when the teaching week lies beyond the end of a term, else None."""
    if spec.cadence != TERM or not spec.deadline_week:
        return None
    for t in terms:
        if spec.deadline_week > t.weeks:
            return _("第%(w)s周超出了%(t)s（共%(n)s周）") % {
                "w": spec.deadline_week,
                "t": t.key,
                "n": t.weeks,
            }
    return None
