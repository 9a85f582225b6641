"""The office's own holiday list (docs/rules.md, 时限) for years the `chinesecalendar` package
lacks.

The package is authoritative for the years it knows (the State Council publishes each year's
arrangement in November, and a package release follows); for later years deadlines are counted
over weekends plus this list and marked as estimated. Entries for a known year would be ignored
by `WorkCalendar.is_rest`, so they are refused rather than silently doing nothing.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases.deadlines import entered_years, known_years
from app.errors import DomainError
from app.models import OfficeHoliday

WEEKDAYS = "一二三四五六日"
MAX_SPAN = 31  # no holiday, not even 春节, is longer; a longer range is a typo in a year


@dataclass(frozen=True)
class Holiday:
    day: dt.date
    rest: bool  # True = 放假 (rest day), False = 调休上班 (a weekend made a workday)
    name: str


@dataclass(frozen=True)
class Coverage:
    first: int  # the years chinesecalendar knows, inclusive
    last: int
    next_year: int  # today's year + 1
    next_year_known: bool
    office_years: list[int]  # years that have entries in the office list
    entered_years: list[int]  # of those, the ones with the national schedule (their 春节)


def coverage(session: Session) -> Coverage:
    years = known_years()
    nxt = clock.today().year + 1
    rows = list(session.scalars(select(OfficeHoliday)))
    office = sorted({h.day.year for h in rows})
    entered = sorted(entered_years((h.day, h.rest, h.name) for h in rows))
    return Coverage(years.start, years.stop - 1, nxt, nxt in years, office, entered)


def missing_next_year(session: Session) -> int | None:
    """Next year, when from 1 November (the State Council publishes in November) neither the
    package nor the office list knows it: deadlines running into it are only estimated."""
    today = clock.today()
    if today.month < 11:
        return None
    cov = coverage(session)
    if cov.next_year_known or cov.next_year in cov.entered_years:
        return None
    return cov.next_year


def holidays(session: Session, year: int | None = None) -> list[Holiday]:
    query = select(OfficeHoliday).order_by(OfficeHoliday.day)
    if year is not None:
        query = query.where(OfficeHoliday.day.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return [Holiday(h.day, h.rest, h.name) for h in session.scalars(query)]


def _label(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}（星期{WEEKDAYS[day.weekday()]}）"


def put_range(
    session: Session, first: dt.date, last: dt.date, rest: bool, name: str, user: str = ""
) -> int:
    """Mark every day from `first` to `last` as 放假 (rest) or 调休上班. Returns days written."""
    name = (name or "").strip()
    if last < first:
        raise DomainError("结束日期早于开始日期。", field="last")
    days = (last - first).days + 1
    if days > MAX_SPAN:
        raise DomainError(
            f"一次最多填写 {MAX_SPAN} 天（所填为 {days} 天），请检查日期。", field="last"
        )
    if len(name) > 30:
        raise DomainError("名称最多 30 个字。", field="name")
    known = known_years()
    span = [first + dt.timedelta(days=i) for i in range(days)]
    for day in span:
        if day.year in known:
            raise DomainError(
                f"{day.year}年的节假日安排已由日历程序包（chinesecalendar，覆盖 {known.start}–"
                f"{known.stop - 1} 年）提供，无需手工填写。",
                field="first",
            )
        if not rest and day.weekday() < 5:
            raise DomainError(
                f"调休上班日应是周六或周日，{_label(day)}本来就是工作日。", field="first"
            )
    for day in span:
        row = session.get(OfficeHoliday, day)
        new = f"{'放假' if rest else '调休上班'} {name}".strip()
        if row is None:
            session.add(OfficeHoliday(day=day, rest=rest, name=name))
            audit.record(session, user, "新增", "holiday", day.isoformat(), None, None, new)
        elif row.rest != rest or row.name != name:
            old = f"{'放假' if row.rest else '调休上班'} {row.name}".strip()
            row.rest, row.name = rest, name
            audit.record(session, user, "修改", "holiday", day.isoformat(), None, old, new)
    session.flush()
    return days


def remove(session: Session, days: list[dt.date], user: str = "") -> int:
    removed = 0
    for day in days:
        row = session.get(OfficeHoliday, day)
        if row is None:
            continue
        old = f"{'放假' if row.rest else '调休上班'} {row.name}".strip()
        session.delete(row)
        audit.record(session, user, "删除", "holiday", day.isoformat(), None, old, None)
        removed += 1
    session.flush()
    return removed
