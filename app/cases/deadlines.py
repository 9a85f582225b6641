"""Time limits (docs/rules.md, 时限): 民法典 Art.201/203 counting over the Chinese holiday calendar.

The start day is not counted; a period whose last day is a rest day ends on the next working day.
Holidays come from `chinesecalendar`, which only knows the years it was released for; for other
years we use weekends plus the office's own holiday list. A year whose national schedule the office
has entered (imported from the State Council's notice, which is where the package's tables come
from too, or typed with its 春节) counts as known; only a day in a year neither knows makes a due
date estimated. One local rest day typed in does not make a year known.
"""

import calendar
import datetime as dt
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import chinese_calendar
from sqlalchemy import and_

Warning = Literal["临期", "超期"]
_ONE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Due:
    day: dt.date
    # The calendar package did not know a year on the way: the office list and weekends were used.
    estimated: bool = False


@dataclass(frozen=True)
class WorkCalendar:
    working_days: bool = False
    # The office's list for unknown years: day → True (rest day) / False (make-up workday).
    office_days: dict[dt.date, bool] = field(default_factory=dict)
    # Years whose national schedule the office has entered (`entered_years`): exact, not estimated.
    entered: frozenset[int] = frozenset()

    def is_rest(self, day: dt.date) -> tuple[bool, bool]:
        """(is a rest day, estimated)."""
        rest = _package_rest(day)
        if rest is not None:
            return (rest, False)
        return (self.office_days.get(day, day.weekday() >= 5), day.year not in self.entered)

    def add_days(self, start: dt.date, days: int) -> Due:
        """The last day of a period of `days` days that starts after `start`."""
        estimated = False
        if self.working_days:
            day, counted = start, 0
            while counted < days:
                day += _ONE
                rest, est = self.is_rest(day)
                estimated |= est
                if not rest:
                    counted += 1
            return Due(day, estimated)
        return self._roll_forward(start + dt.timedelta(days=days))

    def add_months(self, start: dt.date, months: int) -> Due:
        """Periods written in months end on the same day-of-month (or the month's last day)."""
        month_index = start.month - 1 + months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return self._roll_forward(dt.date(year, month, day))

    def _roll_forward(self, day: dt.date) -> Due:
        estimated = False
        while True:
            rest, est = self.is_rest(day)
            estimated |= est
            if not rest:
                return Due(day, estimated)
            day += _ONE


class MemoCalendar(WorkCalendar):
    """A WorkCalendar that remembers each period it has counted (the answers never change).

    For bulk work (reprojecting every case, importing a ledger): thousands of cases share a
    start day, and counting working days walks the calendar day by day.
    """

    def __init__(self, base: WorkCalendar) -> None:
        super().__init__(base.working_days, base.office_days, base.entered)
        object.__setattr__(self, "_days", {})
        object.__setattr__(self, "_months", {})

    def add_days(self, start: dt.date, days: int) -> Due:
        memo: dict[tuple[dt.date, int], Due] = self._days  # type: ignore[attr-defined]
        due = memo.get((start, days))
        if due is None:
            due = memo[(start, days)] = super().add_days(start, days)
        return due

    def add_months(self, start: dt.date, months: int) -> Due:
        memo: dict[tuple[dt.date, int], Due] = self._months  # type: ignore[attr-defined]
        due = memo.get((start, months))
        if due is None:
            due = memo[(start, months)] = super().add_months(start, months)
        return due


# Every State Council notice has a 春节; the import names each day by its holiday.
SPRING_FESTIVAL = "春节"


def entered_years(days: Iterable[tuple[dt.date, bool, str]]) -> frozenset[int]:
    """The years of an office list (day, rest, name) that hold the national schedule: those
    with a rest day named 春节 (from the notice, or typed so)."""
    return frozenset(d.year for d, rest, name in days if rest and name.strip() == SPRING_FESTIVAL)


@functools.lru_cache(maxsize=8192)
def _package_rest(day: dt.date) -> bool | None:
    """The package's answer, or None for a year it does not know. Cached: the package scans
    its tables on every call, and reprojecting 100,000 cases asks about the same days often."""
    try:
        return not chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def known_years() -> range:
    """The years the installed holiday package covers."""
    years = sorted({d.year for d in chinese_calendar.holidays})
    return range(years[0], years[-1] + 1)


@dataclass(frozen=True)
class WarningCutoffs:
    """The two cut-off dates of the warning rule (docs/rules.md, 临期/超期), for one day."""

    overdue_before: dt.date  # a due day before this is 超期 (the due day itself is not)
    soon_until: dt.date  # a due day from overdue_before up to this one (inclusive) is 临期


def warning_cutoffs(today: dt.date, window: int) -> WarningCutoffs:
    return WarningCutoffs(overdue_before=today, soon_until=today + dt.timedelta(days=window))


def warning(due: dt.date | None, today: dt.date, window: int) -> Warning | None:
    """超期 once the due day has passed; 临期 when it is at most `window` days away."""
    if due is None:
        return None
    c = warning_cutoffs(today, window)
    if due < c.overdue_before:
        return "超期"
    if due <= c.soon_until:
        return "临期"
    return None


def warning_sql(due: Any, kind: str, today: dt.date, window: int) -> Any:
    """`warning(due, today, window) == kind` as an SQL condition on a due-date column, built from
    the same cut-offs, so a filter and a row's label never disagree."""
    c = warning_cutoffs(today, window)
    if kind == "超期":
        return due < c.overdue_before
    if kind == "临期":
        return and_(due >= c.overdue_before, due <= c.soon_until)
    raise ValueError(kind)


def days_left(due: dt.date, today: dt.date) -> int:
    return (due - today).days
