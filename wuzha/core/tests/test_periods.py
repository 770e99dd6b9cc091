"""Periods: parse/format round trips, containment, tiling, terms from a calendar."""

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wuzha.core.periods import (
    PeriodError,
    PeriodKind,
    clamp_day,
    monday,
    parse,
    period_containing,
    periods_between,
    term_week_of,
    term_week_start,
)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
kinds = st.sampled_from([k for k in PeriodKind if k != PeriodKind.TERM])


@pytest.mark.parametrize(
    ("key", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-W47", date(2026, 11, 16), date(2026, 11, 22)),
        ("2026-W53", date(2026, 12, 28), date(2027, 1, 3)),
        ("2026-BiW24", date(2026, 11, 16), date(2026, 11, 29)),
        ("2026-BiW27", date(2026, 12, 28), date(2027, 1, 3)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2026-T1", date(2026, 9, 1), date(2027, 1, 31)),
        ("2026-T2", date(2027, 2, 1), date(2027, 7, 31)),
        ("2026-2027", date(2026, 9, 1), date(2027, 8, 31)),
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ],
)
def test_known_periods(key, start, end):
    period = parse(key)
    assert (period.start, period.end, period.key) == (start, end, key)


@pytest.mark.parametrize("bad", ["2026-13", "2025-W53", "2026-T3", "2026-2028", "11/2026", "", "x"])
def test_bad_keys_are_refused_with_a_chinese_message(bad):
    with pytest.raises(PeriodError) as exc:
        parse(bad)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(exc.value))


def test_term_comes_from_the_calendar_when_given():
    calendar = {(2026, 1): (date(2026, 9, 1), date(2027, 1, 22))}
    period = parse("2026-T1", terms=lambda y, n: calendar.get((y, n)))
    assert (period.start, period.end) == (date(2026, 9, 1), date(2027, 1, 22))
    assert period.label == "2026-2027学年第一学期"
    assert parse("2026-T2", terms=lambda y, n: calendar.get((y, n))).start == date(2027, 2, 1)


def test_between_terms_the_next_term_is_chosen():
    calendar = {
        (2025, 2): (date(2026, 2, 23), date(2026, 7, 3)),
        (2026, 1): (date(2026, 9, 1), date(2027, 1, 22)),
    }
    resolver = lambda y, n: calendar.get((y, n))  # noqa: E731
    assert period_containing("term", date(2026, 8, 1), terms=resolver).key == "2026-T1"
    assert period_containing("term", date(2026, 11, 23), terms=resolver).key == "2026-T1"


@given(kinds, days)
def test_round_trip_and_containment(kind, day):
    period = period_containing(kind, day)
    assert period.contains(day)
    assert parse(period.key) == period


@given(kinds, days, st.integers(min_value=0, max_value=800))
def test_periods_tile_a_range_without_gaps_or_overlaps(kind, start, length):
    end = start + timedelta(days=length)
    periods = periods_between(kind, start, end)
    assert periods[0].contains(start)
    assert periods[-1].contains(end)
    for before, after in itertools.pairwise(periods):
        assert after.start == before.end + timedelta(days=1)


@given(days, st.integers(min_value=1, max_value=30))
def test_term_week_arithmetic(term_start, week):
    week_start = term_week_start(term_start, week)
    assert week_start.weekday() == 0
    assert term_week_of(term_start, week_start) == week
    assert term_week_of(term_start, week_start + timedelta(days=6)) == week
    assert term_week_of(term_start, term_start) == 1
    assert monday(term_start) == term_week_start(term_start, 1)


@given(st.integers(min_value=2000, max_value=2099), st.integers(1, 12), st.integers(1, 31))
def test_clamp_day_stays_in_month_and_hits_month_end(year, month, day):
    result = clamp_day(year, month, day)
    assert (result.year, result.month) == (year, month)
    next_day = result + timedelta(days=1)
    assert result.day == day or next_day.month != month


def test_requested_period_falls_back_with_the_error():
    from wuzha.core.periods import requested_period

    november = parse("2026-11")
    assert requested_period("2026-10", default=lambda: november) == (parse("2026-10"), "")
    assert requested_period("  ", default=lambda: november) == (november, "")
    period, error = requested_period("2026-13", default=lambda: november)
    assert period == november and error
