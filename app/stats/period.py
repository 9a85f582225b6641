"""Period arithmetic for §5: the default as-of date, 同比 shifting, months, and period presets."""

import calendar
import datetime as dt

from app.errors import DomainError


def shift_year(day: dt.date, years: int = -1) -> dt.date:
    """The same day `years` years away; 29 February becomes 28 February (docs/rules.md,
    统计: yoy)."""
    if day.month == 2 and day.day == 29:
        return dt.date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def resolve(date_from: dt.date, date_to: dt.date, as_of: dt.date | None, today: dt.date) -> dt.date:
    """Check a period and return its as-of date (default: min(to, today))."""
    if date_from > date_to:
        raise DomainError(
            f"统计起始日期 {date_from:%Y-%m-%d} 晚于截止日期 {date_to:%Y-%m-%d}。",
            field="date_from",
        )
    if as_of is None:
        as_of = min(date_to, today)
    if as_of < date_from:
        raise DomainError(
            f"统计时点 {as_of:%Y-%m-%d} 早于统计起始日期 {date_from:%Y-%m-%d}，无法统计。",
            field="as_of",
        )
    return as_of


def months(date_from: dt.date, date_to: dt.date) -> list[str]:
    """Every month touched by the period, as "YYYY-MM" (the keys of by_month)."""
    out: list[str] = []
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_period(day: dt.date) -> tuple[dt.date, dt.date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def quarter_period(day: dt.date) -> tuple[dt.date, dt.date]:
    first = (day.month - 1) // 3 * 3 + 1
    last = first + 2
    end = dt.date(day.year, last, calendar.monthrange(day.year, last)[1])
    return dt.date(day.year, first, 1), end


def year_period(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# The dashboard's presets: name → (from, to) for a given today.
PRESETS = {
    "month": month_period,
    "quarter": quarter_period,
    "year": lambda today: year_period(today.year),
    "last_year": lambda today: year_period(today.year - 1),
}


def preset(name: str, today: dt.date) -> tuple[dt.date, dt.date]:
    return PRESETS[name](today)
