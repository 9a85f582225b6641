"""Snapshots as the statistics service reads them: freezing a `Statistics` into JSON and back,
and finding the snapshot in force for an exact period or for the period a new one follows.

A snapshot keeps the counts and breakdowns a `Statistics` is made of (not only its JSON), so a
report built from it has the numerators and denominators of every rate too, and its JSON is the
frozen JSON exactly.
"""

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.models import PeriodSnapshot
from app.stats.result import Statistics


def freeze(stats: Statistics) -> dict[str, Any]:
    def one(s: Statistics) -> dict[str, Any]:
        return {
            "date_from": s.date_from.isoformat(),
            "date_to": s.date_to.isoformat(),
            "as_of": s.as_of.isoformat(),
            "counts": dict(s.counts),
            "breakdowns": {k: dict(v) for k, v in s.breakdowns.items()},
        }

    return {"this": one(stats), "last": one(stats.last) if stats.last is not None else None}


def _thaw_one(raw: dict[str, Any]) -> Statistics:
    return Statistics(
        dt.date.fromisoformat(raw["date_from"]),
        dt.date.fromisoformat(raw["date_to"]),
        dt.date.fromisoformat(raw["as_of"]),
        dict(raw["counts"]),
        {k: dict(v) for k, v in raw["breakdowns"].items()},
    )


def thaw(raw: dict[str, Any], with_last: bool = True) -> Statistics:
    """The `Statistics` a snapshot froze (its to_json() is the frozen JSON)."""
    stats = _thaw_one(raw["this"])
    if with_last and raw.get("last") is not None:
        stats.last = _thaw_one(raw["last"])
    return stats


def _in_force(session: Session, *where: Any) -> list[PeriodSnapshot]:
    try:
        return list(
            session.scalars(
                select(PeriodSnapshot)
                .where(PeriodSnapshot.reopened_at.is_(None), *where)
                .order_by(PeriodSnapshot.as_of.desc(), PeriodSnapshot.id.desc())
            )
        )
    except OperationalError:  # a database before the 0008 revision (upgrade in progress)
        return []


def exact(
    session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date
) -> PeriodSnapshot | None:
    """The snapshot in force of exactly (from, to, as-of)."""
    found = _in_force(
        session,
        PeriodSnapshot.date_from == date_from,
        PeriodSnapshot.date_to == date_to,
        PeriodSnapshot.as_of == as_of,
    )
    return found[0] if found else None


def ending_before(session: Session, date_from: dt.date) -> PeriodSnapshot | None:
    """The closed period that ends the day before `date_from` (its 期末未结 is this period's
    上期结转). Several closings of that period (different as-of dates): the one as of its own
    end, else the latest."""
    day = date_from - dt.timedelta(days=1)
    found = _in_force(session, PeriodSnapshot.date_to == day)
    for snap in found:
        if snap.as_of == snap.date_to:
            return snap
    return found[0] if found else None
