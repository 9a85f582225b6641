import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from app.cases.deadlines import WorkCalendar, entered_years, known_years, warning

CAL = WorkCalendar()
WORK = WorkCalendar(working_days=True)
D = dt.date


def test_fifteen_days_from_a_plain_weekday() -> None:
    # 2025-03-05 (Wed) + 15 = 2025-03-20 (Thu): start day not counted, a workday.
    assert CAL.add_days(D(2025, 3, 5), 15).day == D(2025, 3, 20)


def test_last_day_on_national_day_rolls_to_first_workday() -> None:
    # 2025-09-20 + 15 = 2025-10-05, inside the 10-01…10-08 holiday → 10-09.
    due = CAL.add_days(D(2025, 9, 20), 15)
    assert due == type(due)(D(2025, 10, 9), False)


def test_makeup_workday_on_a_weekend_counts_as_workday() -> None:
    # 2025-09-28 is a Sunday but an official 调休 workday: a period ending there stays there.
    assert CAL.add_days(D(2025, 9, 13), 15).day == D(2025, 9, 28)


def test_working_day_counting_skips_the_holiday() -> None:
    # Five working days after Fri 2025-09-26: 9-28 (调休 Sun), 9-29, 9-30, then 10-09, 10-10.
    assert WORK.add_days(D(2025, 9, 26), 5).day == D(2025, 10, 10)


def test_unknown_year_falls_back_to_weekends_and_office_list() -> None:
    last_known = known_years()[-1]
    start = D(last_known + 1, 1, 1)  # a year the package does not know
    due = CAL.add_days(start, 2)
    assert due.estimated
    assert due.day.weekday() < 5
    holiday = due.day
    office = WorkCalendar(office_days={holiday: True})
    moved = office.add_days(start, 2)
    # One local rest day typed in: the year's national schedule is still unknown.
    assert moved.estimated and moved.day > holiday
    # Once the office has entered that year's schedule (from the State Council's notice) it is.
    entered = WorkCalendar(office_days={holiday: True}, entered=frozenset({last_known + 1}))
    assert not entered.add_days(start, 2).estimated
    assert entered.add_days(D(last_known + 2, 1, 1), 2).estimated  # the year after: a guess


def test_entered_years_are_those_with_the_spring_festival() -> None:
    y = known_years()[-1] + 1
    days = [(D(y, 3, 22), True, "地方假日"), (D(y + 1, 2, 5), True, "春节 ")]
    days.append((D(y + 2, 2, 6), False, "春节"))  # a 调休 workday alone is not the schedule
    assert entered_years(days) == frozenset({y + 1})


def test_period_through_an_unknown_year_is_estimated_until_entered() -> None:
    last_known = known_years()[-1]
    start = D(last_known, 12, 20)  # the 15-day limit ends in the next year
    assert CAL.add_days(start, 15).estimated
    entered = WorkCalendar(entered=frozenset({last_known + 1}))
    assert not entered.add_days(start, 15).estimated


def test_months() -> None:
    # 人大建议: three months; 30 Nov + 3 months = 28 Feb (end of month), then not a rest day.
    assert CAL.add_months(D(2025, 11, 30), 3).day == D(2026, 2, 28)


def test_warning_window() -> None:
    today = D(2025, 6, 10)
    assert warning(D(2025, 6, 9), today, 7) == "超期"
    assert warning(D(2025, 6, 10), today, 7) == "临期"  # due today is still in time
    assert warning(D(2025, 6, 17), today, 7) == "临期"
    assert warning(D(2025, 6, 18), today, 7) is None
    assert warning(None, today, 7) is None


dates = st.dates(min_value=D(2004, 1, 1), max_value=D(2035, 12, 31))


@given(dates, st.integers(min_value=1, max_value=90))
def test_calendar_due_is_the_first_workday_on_or_after_start_plus_n(start: dt.date, n: int) -> None:
    due = CAL.add_days(start, n)
    target = start + dt.timedelta(days=n)
    assert due.day >= target
    assert not CAL.is_rest(due.day)[0]
    # Every day skipped was a rest day: the roll-forward is minimal.
    day = target
    while day < due.day:
        assert CAL.is_rest(day)[0]
        day += dt.timedelta(days=1)
    assert due.estimated == any(
        CAL.is_rest(target + dt.timedelta(days=k))[1] for k in range((due.day - target).days + 1)
    )


@given(dates, st.integers(min_value=1, max_value=60))
def test_working_days_count_exactly_n_workdays(start: dt.date, n: int) -> None:
    due = WORK.add_days(start, n).day
    workdays = sum(
        not CAL.is_rest(start + dt.timedelta(days=k))[0] for k in range(1, (due - start).days + 1)
    )
    assert workdays == n
    assert not CAL.is_rest(due)[0]


@given(dates, st.integers(min_value=1, max_value=60))
def test_never_raises_and_longer_periods_never_end_earlier(start: dt.date, n: int) -> None:
    assert CAL.add_days(start, n).day <= CAL.add_days(start, n + 1).day
    assert WORK.add_days(start, n).day < WORK.add_days(start, n + 1).day
