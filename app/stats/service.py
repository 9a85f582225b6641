"""The statistics service (docs/rules.md, 统计): the one place figures are computed.

The dashboard, the Word reports, the ledger's 统计 sheet and `xinfang stats` all call this; nothing
recomputes a figure elsewhere. `compute_in`/`case_ids_in` work inside a session the caller holds
(e.g. a report that reads other data in the same transaction).
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.db import Database
from app.periods import snapshots
from app.safety import auth
from app.stats import art41, period, queries
from app.stats.figures import BLANK
from app.stats.result import Statistics

__all__ = ["Statistics", "StatisticsService", "by_month_in", "case_ids_in", "compute_in"]


def compute_in(
    session: Session,
    date_from: dt.date,
    date_to: dt.date,
    as_of: dt.date | None = None,
    yoy: bool = True,
    workload: bool = False,
) -> Statistics:
    """Every §5 figure for [date_from, date_to] as of `as_of` (default min(to, today)), with 同比
    (`yoy=False` skips it). `workload` adds the dashboard's 临期/超期 at A ("workload.*")."""
    as_of = period.resolve(date_from, date_to, as_of, clock.today())
    this = _one(session, date_from, date_to, as_of, workload)
    if yoy:
        _pair(this, _last_year(session, date_from, date_to, as_of, workload))
    return this


def _last_year(
    session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date, workload: bool
) -> Statistics:
    """The 同比 figures: last year's same period, as reported when that period is closed (§9)."""
    shift = period.shift_year
    frozen = snapshots.exact(session, shift(date_from), shift(date_to), shift(as_of))
    if frozen is not None:
        return snapshots.thaw(frozen.raw, with_last=False)
    return _one(session, shift(date_from), shift(date_to), shift(as_of), workload)


def _pair(this: Statistics, last: Statistics) -> None:
    """Attach last year's figures to this year's, both breakdowns showing the same rows (a value
    used only last year still appears)."""
    for key, cells in this.breakdowns.items():
        if key == "by_month" or key in art41.RANKED:  # (art41: only values in R)
            continue
        other = last.breakdowns[key]
        for v in other:
            cells.setdefault(v, 0)
        for v in cells:
            other.setdefault(v, 0)
        order = sorted(cells, key=lambda v: v == BLANK)  # stable: the blank bucket last
        this.breakdowns[key] = {v: cells[v] for v in order}
        last.breakdowns[key] = {v: other[v] for v in order}
    this.last = last


def _one(
    session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date, workload: bool
) -> Statistics:
    counts, breakdowns = queries.compute(
        session, queries.scope(session, date_from, date_to, as_of), workload
    )
    _carry_frozen(session, date_from, counts)
    return Statistics(date_from, date_to, as_of, counts, breakdowns)


def _carry_frozen(session: Session, date_from: dt.date, counts: dict[str, Any]) -> None:
    """上期结转 after a closed period (§9): the 期末未结 it reported, and beside it how much the
    live figure has moved since (carried_over_correction; None when no closed period adjoins)."""
    before = snapshots.ending_before(session, date_from)
    if before is None:
        counts["carried_over_correction"] = None
        return
    frozen = int(before.raw["this"]["counts"]["open_at_end"])
    counts["carried_over_correction"] = counts["carried_over"] - frozen
    counts["carried_over"] = frozen


def case_ids_in(
    session: Session, key: str, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
) -> list[int]:
    """The ids of the cases behind a figure, oldest first. Keys: "total", "visits.batches",
    "overdue_open", "by_form.来访", "by_month.2025-03", "workload.overdue"; a rate key gives its
    denominator's cases, "closure_rate.numerator" / ".denominator" / ".missed" the parts."""
    as_of = period.resolve(date_from, date_to, as_of, clock.today())
    return queries.ids(session, queries.scope(session, date_from, date_to, as_of), key)


def by_month_in(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """Only the by_month breakdown (the dashboard's trend of a year), without the rest."""
    return queries.by_month(session, date_from, date_to)


class StatisticsService:
    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user  # the signed-in account, never a default: figures need `view_case`

    def compute(
        self,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date | None = None,
        workload: bool = False,
    ) -> Statistics:
        auth.require(self.user, "view_case")
        as_of = period.resolve(date_from, date_to, as_of, clock.today())
        with self.db.read_snapshot() as (s, snapshot):
            if snapshot is None:  # SQLite: one connection, one state
                return compute_in(s, date_from, date_to, as_of, workload=workload)
            # PostgreSQL: last year's half on a second connection reading the very same state,
            # at the same time (at 1,000,000 cases each half is most of a second).
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stats-last") as pool:
                last = pool.submit(self._read_last, date_from, date_to, as_of, workload, snapshot)
                this = _one(s, date_from, date_to, as_of, workload)
                _pair(this, last.result())
            return this

    def dashboard(
        self, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
    ) -> tuple[Statistics, dict[str, int], dict[str, int]]:
        """The dashboard's figures (with workload) and this and last year's months.

        Last year's figures are read on a second connection at the same time as this year's:
        the dashboard is the first thing a clerk waits for, and the database reads run in
        parallel (SQLite and psycopg release the GIL while the query runs), which nearly halves
        its wait. Two read transactions may straddle a write committed between them; for the
        on-screen 同比 that is harmless. (`compute`, for reports, reads one state on both.)"""
        auth.require(self.user, "view_case")
        as_of = period.resolve(date_from, date_to, as_of, clock.today())
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stats-last") as pool:
            last_future = pool.submit(self._read_last, date_from, date_to, as_of, True, None)
            with self.db.read() as s:
                stats = _one(s, date_from, date_to, as_of, workload=True)
                year = date_to.year
                first, last = period.year_period(year)
                whole_year = (date_from, date_to) == (first, last)
                if not whole_year:
                    this_months = by_month_in(s, first, last)
                    last_months = by_month_in(s, *period.year_period(year - 1))
            _pair(stats, last_future.result())
        if whole_year:
            assert stats.last is not None
            this_months = stats.breakdowns["by_month"]
            last_months = stats.last.breakdowns["by_month"]
        return stats, this_months, last_months

    def _read_last(
        self,
        date_from: dt.date,
        date_to: dt.date,
        as_of: dt.date,
        workload: bool,
        snapshot: str | None,
    ) -> Statistics:
        """Last year's half, on a connection of its own: the same state as this year's half
        when `snapshot` names it (`compute` on PostgreSQL), else possibly a write newer (the
        dashboard)."""
        with self.db.read_at(snapshot) if snapshot else self.db.read() as s:
            return _last_year(s, date_from, date_to, as_of, workload)

    def case_ids(
        self, key: str, date_from: dt.date, date_to: dt.date, as_of: dt.date | None = None
    ) -> list[int]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return case_ids_in(s, key, date_from, date_to, as_of)
