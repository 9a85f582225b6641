"""The one place "today" comes from, so tests and benchmarks can pin it."""

import datetime as dt
import os

_fixed: dt.date | None = None


def today() -> dt.date:
    if _fixed is not None:
        return _fixed
    env = os.environ.get("XINFANG_TODAY")
    if env:
        return dt.date.fromisoformat(env)
    return dt.date.today()


def set_today(day: dt.date | None) -> None:
    """Pin today's date (tests); None returns to the system clock."""
    global _fixed
    _fixed = day


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)
