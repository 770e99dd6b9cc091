"""DHIS2-style periods: parse, format, contain and enumerate reporting periods.

Keys (what the API and URLs accept):

| kind | key | meaning |
| --- | --- | --- |
| day | `2026-11-23` | one day (a one-off duty) |
| week | `2026-W47` | ISO week, Monday to Sunday |
| biweek | `2026-BiW24` | ISO weeks 47 and 48 (pairs 1–2, 3–4, …) |
| month | `2026-11` | calendar month |
| quarter | `2026-Q4` | calendar quarter |
| term | `2026-T1`, `2026-T2` | first / second term of school year 2026–2027 |
| school_year | `2026-2027` | 1 September 2026 to 31 August 2027 |
| year | `2026` | calendar year |

Terms come from a term calendar (per school or county); without one the conventional dates are
used: term 1 from 1 September to 31 January, term 2 from 1 February to 31 July.
"""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.utils.translation import gettext as _


class PeriodKind(StrEnum):
    DAY = "day"
    WEEK = "week"
    BIWEEK = "biweek"
    MONTH = "month"
    QUARTER = "quarter"
    TERM = "term"
    SCHOOL_YEAR = "school_year"
    YEAR = "year"


# (school_year, term_number) → (first day, last day) of that term, or None when unknown.
TermResolver = Callable[[int, int], tuple[date, date] | None]


class PeriodError(ValueError):
    """A period key that cannot be parsed or does not exist (e.g. `2026-W60`)."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date  # inclusive
    kind: PeriodKind
    key: str

    def __str__(self) -> str:
        return self.key

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        """The period as a person reads it, e.g. 2026年11月, 2026-2027学年第一学期."""
        year = self.key[:4]
        if self.kind == PeriodKind.DAY:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.kind == PeriodKind.WEEK:
            return _("%(y)s年第%(n)s周") % {"y": year, "n": int(self.key[6:])}
        if self.kind == PeriodKind.BIWEEK:
            return _("%(y)s年第%(n)s双周") % {"y": year, "n": int(self.key[8:])}
        if self.kind == PeriodKind.MONTH:
            return _("%(y)s年%(m)s月") % {"y": year, "m": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(y)s年第%(q)s季度") % {"y": year, "q": self.key[-1]}
        if self.kind == PeriodKind.TERM:
            sy = int(year)
            name = _("第一学期") if self.key.endswith("1") else _("第二学期")
            return _("%(a)s-%(b)s学年%(t)s") % {"a": sy, "b": sy + 1, "t": name}
        if self.kind == PeriodKind.SCHOOL_YEAR:
            return _("%(k)s学年") % {"k": self.key}
        return _("%(y)s年") % {"y": year}


def default_term(school_year: int, number: int) -> tuple[date, date]:
    """Conventional term dates when no term calendar says otherwise."""
    if number == 1:
        return date(school_year, 9, 1), date(school_year + 1, 1, 31)
    return date(school_year + 1, 2, 1), date(school_year + 1, 7, 31)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def clamp_day(year: int, month: int, day: int) -> date:
    """`day` of the month, or the month's last day when the month is shorter (31 → 30/28/29)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _iso_weeks(year: int) -> int:
    return date(year, 12, 28).isocalendar().week


def _week(year: int, week: int) -> Period:
    if not 1 <= week <= _iso_weeks(year):
        raise PeriodError(_("%(y)s年没有第%(w)s周") % {"y": year, "w": week})
    start = date.fromisocalendar(year, week, 1)
    return Period(start, start + timedelta(days=6), PeriodKind.WEEK, f"{year}-W{week:02d}")


def _biweek(year: int, number: int) -> Period:
    weeks = _iso_weeks(year)
    if not 1 <= number <= (weeks + 1) // 2:
        raise PeriodError(_("%(y)s年没有第%(n)s个双周") % {"y": year, "n": number})
    first = 2 * number - 1
    start = date.fromisocalendar(year, first, 1)
    last = min(first + 1, weeks)
    end = date.fromisocalendar(year, last, 7)
    return Period(start, end, PeriodKind.BIWEEK, f"{year}-BiW{number:02d}")


def _month(year: int, month: int) -> Period:
    if not 1 <= month <= 12:
        raise PeriodError(_("月份必须在1到12之间"))
    return Period(
        date(year, month, 1), month_end(year, month), PeriodKind.MONTH, f"{year}-{month:02d}"
    )


def _quarter(year: int, quarter: int) -> Period:
    if not 1 <= quarter <= 4:
        raise PeriodError(_("季度必须在1到4之间"))
    first = 3 * quarter - 2
    return Period(
        date(year, first, 1),
        month_end(year, first + 2),
        PeriodKind.QUARTER,
        f"{year}-Q{quarter}",
    )


def _term(school_year: int, number: int, terms: TermResolver | None) -> Period:
    if number not in (1, 2):
        raise PeriodError(_("学期只能是 T1 或 T2"))
    found = terms(school_year, number) if terms else None
    start, end = found or default_term(school_year, number)
    return Period(start, end, PeriodKind.TERM, f"{school_year}-T{number}")


def _school_year(year: int) -> Period:
    return Period(
        date(year, 9, 1), date(year + 1, 8, 31), PeriodKind.SCHOOL_YEAR, f"{year}-{year + 1}"
    )


def _year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), PeriodKind.YEAR, f"{year}")


_PATTERNS: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), PeriodKind.DAY),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.I), PeriodKind.WEEK),
    (re.compile(r"^(\d{4})-BiW(\d{1,2})$", re.I), PeriodKind.BIWEEK),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), PeriodKind.MONTH),
    (re.compile(r"^(\d{4})-Q(\d)$", re.I), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})-T(\d)$", re.I), PeriodKind.TERM),
    (re.compile(r"^(\d{4})-(\d{4})$"), PeriodKind.SCHOOL_YEAR),
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
]


def parse(text: str, *, terms: TermResolver | None = None) -> Period:
    """Parse a period key; raise PeriodError with a Chinese message when it is not valid."""
    text = (text or "").strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        numbers = [int(g) for g in match.groups()]
        year = numbers[0]
        if not 1900 <= year <= 2200:
            raise PeriodError(_("年份超出范围"))
        if kind == PeriodKind.DAY:
            try:
                day = date(numbers[0], numbers[1], numbers[2])
            except ValueError as exc:
                raise PeriodError(_("日期“%(t)s”不存在") % {"t": text}) from exc
            return day_period(day)
        if kind == PeriodKind.WEEK:
            return _week(year, numbers[1])
        if kind == PeriodKind.BIWEEK:
            return _biweek(year, numbers[1])
        if kind == PeriodKind.MONTH:
            return _month(year, numbers[1])
        if kind == PeriodKind.QUARTER:
            return _quarter(year, numbers[1])
        if kind == PeriodKind.TERM:
            return _term(year, numbers[1], terms)
        if kind == PeriodKind.SCHOOL_YEAR:
            if numbers[1] != year + 1:
                raise PeriodError(_("学年应写作“2026-2027”这样的相邻两年"))
            return _school_year(year)
        return _year(year)
    raise PeriodError(
        _("无法识别的期间“%(t)s”：请用 2026-11（月）、2026-W47（周）、2026-T1（学期）等格式")
        % {"t": text}
    )


def requested_period(
    key: str | None, *, default: Callable[[], Period], terms: TermResolver | None = None
) -> tuple[Period, str]:
    """The period a page was asked for (`?period=`), else `default()`; with the Chinese parse
    error when the key was given but invalid, so the page can show it next to the picker."""
    key = (key or "").strip()
    if not key:
        return default(), ""
    try:
        return parse(key, terms=terms), ""
    except PeriodError as exc:
        return default(), str(exc)


def day_period(day: date) -> Period:
    return Period(day, day, PeriodKind.DAY, day.isoformat())


def period_containing(
    kind: PeriodKind | str, day: date, *, terms: TermResolver | None = None
) -> Period:
    """The period of `kind` that contains `day` (for terms: the term by date, else the nearest)."""
    kind = PeriodKind(kind)
    if kind == PeriodKind.DAY:
        return day_period(day)
    if kind == PeriodKind.WEEK:
        iso = day.isocalendar()
        return _week(iso.year, iso.week)
    if kind == PeriodKind.BIWEEK:
        iso = day.isocalendar()
        return _biweek(iso.year, (iso.week + 1) // 2)
    if kind == PeriodKind.MONTH:
        return _month(day.year, day.month)
    if kind == PeriodKind.QUARTER:
        return _quarter(day.year, (day.month - 1) // 3 + 1)
    if kind == PeriodKind.SCHOOL_YEAR:
        return _school_year(day.year if day.month >= 9 else day.year - 1)
    if kind == PeriodKind.TERM:
        candidates = [
            _term(sy, number, terms)
            for sy in (day.year - 2, day.year - 1, day.year)
            for number in (1, 2)
        ]
        for period in candidates:
            if period.contains(day):
                return period
        # Between terms (a vacation): the term that comes next.
        return min((p for p in candidates if p.start > day), key=lambda p: p.start)
    return _year(day.year)


def periods_between(
    kind: PeriodKind | str, start: date, end: date, *, terms: TermResolver | None = None
) -> list[Period]:
    """Every period of `kind` that overlaps [start, end], in order, without repeats."""
    if end < start:
        return []
    result: list[Period] = []
    cursor = start
    while cursor <= end:
        period = period_containing(kind, cursor, terms=terms)
        if period.end < cursor:  # a term calendar gap: jump to the next day
            cursor += timedelta(days=1)
            continue
        if period.overlaps(start, end) and (not result or result[-1].key != period.key):
            result.append(period)
        cursor = max(period.end, cursor) + timedelta(days=1)
    return result


def term_week_start(term_start: date, week: int) -> date:
    """The Monday of teaching week `week` (1-based); week 1 is the week the term starts in."""
    return monday(term_start) + timedelta(weeks=week - 1)


def term_week_of(term_start: date, day: date) -> int:
    """Which teaching week `day` falls in (1-based; 0 or less before the term starts)."""
    return (monday(day) - monday(term_start)).days // 7 + 1


def term_weeks(term_start: date, term_end: date) -> int:
    """How many teaching weeks a term has (counting partial first and last weeks)."""
    return term_week_of(term_start, term_end)
