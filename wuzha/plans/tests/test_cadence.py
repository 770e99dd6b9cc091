"""Cadence arithmetic: month ends, term weeks, holidays, windows; properties over many dates."""

from datetime import date, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from wuzha.plans import cadence as cad
from wuzha.plans.cadence import Spec, TermSpan, occurrences, spec_errors

TERM = TermSpan(
    2026,
    1,
    date(2026, 9, 1),
    date(2027, 1, 22),
    holidays=((date(2026, 10, 1), date(2026, 10, 7)), (date(2027, 1, 1), date(2027, 1, 3))),
)
starts = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


def test_monthly_on_the_31st_is_the_month_end():
    found = occurrences(
        Spec("monthly", deadline_day=31), start=date(2027, 1, 1), end=date(2027, 4, 30)
    )
    assert [o.due for o in found] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
    ]


def test_monthly_28th_in_term_skips_summer_and_moves_out_of_holidays():
    spec = Spec("monthly", deadline_day=28, within_terms=True)
    found = occurrences(spec, start=date(2026, 7, 1), end=date(2027, 2, 28), terms=[TERM])
    assert [o.period.key for o in found] == ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01"]
    spec = Spec("monthly", deadline_day=1)
    found = occurrences(spec, start=date(2026, 10, 1), end=date(2026, 10, 31), terms=[TERM])
    assert [o.due for o in found] == [date(2026, 10, 8)]


def test_week_15_of_the_term():
    spec = Spec("term", deadline_week=15, deadline_weekday=5)
    [occ] = occurrences(spec, start=date(2026, 8, 1), end=date(2027, 2, 1), terms=[TERM])
    # The term starts on Tuesday 1 September; week 1 is the week of 31 August.
    assert occ.due == date(2026, 12, 11)
    assert occ.period.key == "2026-T1"
    assert cad.term_week_problem(Spec("term", deadline_week=25), [TERM]) is not None
    assert cad.term_week_problem(Spec("term", deadline_week=21), [TERM]) is None


def test_weekly_in_term_skips_the_national_day_week():
    spec = Spec("weekly", deadline_weekday=5, within_terms=True)
    found = occurrences(spec, start=date(2026, 9, 28), end=date(2026, 10, 18), terms=[TERM])
    # 2026-W40 (28 Sep–4 Oct) has teaching days 28–30 Sep, due Fri 2 Oct → moved to 8 Oct.
    assert [(o.period.key, o.due) for o in found] == [
        ("2026-W40", date(2026, 10, 8)),
        ("2026-W41", date(2026, 10, 9)),
        ("2026-W42", date(2026, 10, 16)),
    ]


def test_impossible_cadences_are_explained():
    assert "deadline_weekday" in spec_errors(Spec("weekly"))
    assert "deadline_day" in spec_errors(Spec("monthly", deadline_day=0))
    assert "deadline_day" in spec_errors(Spec("yearly", deadline_month=2, deadline_day=30))
    assert "deadline_week" in spec_errors(Spec("term", deadline_week=40))
    assert "due_date" in spec_errors(Spec("once"))
    assert spec_errors(Spec("yearly", deadline_month=2, deadline_day=29)) == {}


cadences = st.one_of(
    st.builds(lambda w: Spec("weekly", deadline_weekday=w), st.integers(1, 7)),
    st.builds(lambda w: Spec("biweekly", deadline_weekday=w), st.integers(1, 7)),
    st.builds(lambda d: Spec("monthly", deadline_day=d), st.integers(1, 31)),
    st.builds(
        lambda d, m: Spec("yearly", deadline_day=d, deadline_month=m),
        st.integers(1, 28),
        st.integers(1, 12),
    ),
    st.builds(lambda w: Spec("term", deadline_week=w, deadline_weekday=5), st.integers(1, 18)),
)


@st.composite
def term_calendars(draw):
    start = draw(starts)
    length = draw(st.integers(min_value=100, max_value=150))
    hol_start = start + timedelta(days=draw(st.integers(10, 80)))
    hol_len = draw(st.integers(0, 9))
    return TermSpan(
        start.year,
        1,
        start,
        start + timedelta(days=length),
        holidays=((hol_start, hol_start + timedelta(days=hol_len)),),
    )


@given(cadences, term_calendars(), st.booleans())
def test_occurrences_are_unique_in_window_and_never_on_a_holiday(spec, term, within):
    spec = Spec(**{**spec.__dict__, "within_terms": within})
    start, end = term.start - timedelta(days=40), term.end + timedelta(days=40)
    found = occurrences(spec, start=start, end=end, terms=[term])
    keys = [o.period.key for o in found]
    assert len(keys) == len(set(keys))
    assert found == sorted(found)
    for occ in found:
        assert start <= occ.due <= end
        assert not any(s <= occ.due <= e for s, e in term.holidays)
        if within and spec.cadence != "term":
            assert any(
                term.is_teaching_day(occ.period.start + timedelta(days=i))
                for i in range(occ.period.days)
            )


@given(
    st.builds(lambda d: Spec("monthly", deadline_day=d), st.integers(1, 31)),
    starts,
    st.integers(0, 1000),
)
def test_monthly_without_calendar_has_one_deadline_per_month(spec, start, length):
    end = start + timedelta(days=length)
    found = occurrences(spec, start=start, end=end)
    for occ in found:
        assert occ.period.contains(occ.due)
        assert occ.due.day == min(spec.deadline_day, occ.period.end.day)
    assume(length > 62)
    assert len(found) >= length // 31 - 1
