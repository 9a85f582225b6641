"""Each §5 figure as a SQL condition over `cases`, so counting and drill-down share one definition.

A figure is (population, condition). The populations are:
- "R": received in P and not voided (docs/rules.md, 统计);
- "carried": received before `from`, not voided, not at a final disposition the day before `from`;
- "open": received by A, not voided, not at a final disposition at A (期末未结, and the workload
  cards 临期/超期, which are always a subset of it).
Counting a figure is `COUNT(*) FILTER (WHERE condition)` over its population, and its drill-down is
`SELECT id … WHERE population AND condition`, so a card's number and its list cannot disagree.

"By A" uses the projected dates on the case row (an event dated ≤ A), except the two values a
later event can overwrite: the rating (a later 回访 replaces it: `rating_at`) and the handling due
date (a later 延期 moves it: `Scope.handling_due`).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, null, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from app.cases.deadlines import warning_sql
from app.cases.projection import UNKNOWN
from app.dialect import days_between, flag, open_span_holds, plain_column
from app.models import Case, Event

VISIT = "来访"
# §5 lists these levels, in this order; 本级 is not a figure.
VISIT_LEVELS = ["进京", "赴省", "到市", "到县"]
SATISFIED = ("满意", "基本满意")
# The bucket for a case with no value in a breakdown's column, so a breakdown sums to the total.
BLANK = "未填写"
BREAKDOWN_COLUMNS = {
    "by_form": Case.form,
    "by_channel": Case.channel,
    "by_category": Case.category,
    "by_department": Case.department,
}

# rate key → (numerator figure, denominator figure)
RATES: dict[str, tuple[str, str]] = {
    "repeat_rate": ("repeat", "total"),
    "timely_acceptance_rate": ("decided_in_time", "decision_counted"),
    "closure_rate": ("closed", "accepted"),
    "on_time_closure_rate": ("closed_on_time", "on_time_counted"),
    "handled_rate": ("finalized", "status_known"),
    "evaluation_rate": ("rated", "closed"),
    "satisfaction_rate": ("satisfied", "rated"),
    "leader_closure_rate": ("leader_closed", "leader_accepted"),
}
# sum key → (summed column, the figure whose cases it sums over)
SUMS: dict[str, tuple[SQLColumnExpression[int], str]] = {
    "persons_total": (Case.persons, "total"),
    "visits.persons": (Case.persons, "visits.batches"),
    "collective.persons": (Case.persons, "collective.batches"),
    # Over the closed cases whose 办结 date is known: a date-unknown 办结 is only a stand-in date.
    "closed_days": (
        days_between(Case.closed_on, Case.received_on),
        "closed_dated",
    ),
}
# Imported history with gaps (docs/rules.md, 统计): the parts of `data_gaps`, each a count over R
# of one flag, so a report can say "N件情况不详未计入".
DATA_GAPS = ("status_unknown", "closed_date_unknown", "decision_inferred")


@dataclass(frozen=True)
class Scope:
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date
    warning_days: int
    count_basic_satisfied: bool
    # The handling due date as it stood at A (a 延期 granted after A had not moved it yet).
    handling_due: ColumnElement[dt.date]


def plain(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """`+column`: to SQLite an expression rather than the column. Two uses: such a term cannot
    choose an index (see populations), and it has no type affinity. A DATE column has NUMERIC
    affinity, so comparing it with a date string makes SQLite try to read both as numbers on
    every row: the figures compare plain dates (measured: date conditions ~40% cheaper)."""
    return plain_column(column.expression)


class Dates:
    """The case's date columns as plain expressions (see `plain`)."""

    received_on = plain(Case.received_on)
    decision_on = plain(Case.decision_on)
    decision_due = plain(Case.decision_due)
    accepted_on = plain(Case.accepted_on)
    closed_on = plain(Case.closed_on)
    final_on = plain(Case.final_on)
    undone_final_on = plain(Case.undone_final_on)
    undone_on = plain(Case.undone_on)
    rated_on = plain(Case.rated_on)
    handling_due = plain(Case.handling_due)


class Gaps:
    """The flags of imported history with gaps, as plain expressions (see `plain`).

    `unknown`: the case is 情况不详 now — imported with no status information and not yet
    completed (补录). Its current status decides, not the status at A: once the clerk records what
    really happened, the case counts by those real dates, including for earlier as-of dates."""

    unknown = plain(Case.status) == UNKNOWN
    known = plain(Case.status) != UNKNOWN
    closed_date_unknown = flag(Case.closed_date_unknown.expression) == 1
    closed_dated = flag(Case.closed_date_unknown.expression) == 0
    inferred = flag(Case.decision_inferred.expression) == 1
    not_inferred = flag(Case.decision_inferred.expression) == 0


# How the scan of R counts a few figures more cheaply than `COUNT(*) FILTER (WHERE condition)`
# (each FILTER costs every row of R its condition); the conditions stay the drill-down's.
# figure → the 0/1 column whose sum is its count:
FLAG_COUNTS: dict[str, ColumnElement[int]] = {
    "data_gaps.closed_date_unknown": flag(Case.closed_date_unknown.expression),
    "data_gaps.decision_inferred": flag(Case.decision_inferred.expression),
}
# figure → (whole, part): its count is whole − part.
COMPLEMENTS = {"status_known": ("total", "data_gaps.status_unknown")}


def rating_at(as_of: dt.date) -> ColumnElement[str]:
    """The latest 回访 rating dated ≤ A. The row holds the latest rating; only when that one is
    dated after A do we look up the events for an earlier 回访."""
    earlier = (
        select(Event.data["rating"].as_string())
        # Walk this case's few events by (case_id, seq); on its own SQLite would pick
        # ix_events_kind_on and read every 回访 ever recorded, for each case.
        .where(
            Event.case_id == Case.id,
            plain(Event.kind) == "回访",
            plain(Event.on) <= as_of,
        )
        .order_by(Event.seq.desc())
        .limit(1)
        .scalar_subquery()
    )
    return case(
        (Dates.rated_on.is_(None), null()),
        (Dates.rated_on <= as_of, Case.rating),
        else_=earlier,
    )


def not_by(column: SQLColumnExpression[dt.date | None], day: dt.date) -> ColumnElement[bool]:
    """The event behind `column` had not happened by `day` (NULL-safe)."""
    return or_(column.is_(None), column > day)


def final_by(day: dt.date) -> ColumnElement[bool]:
    """At a final disposition on `day`: its present one had begun, or `day` falls in the
    interval a 退回 later took back from a 转送 (§9: every "final by D" replays the state on D)."""
    return or_(Dates.final_on <= day, and_(Dates.undone_final_on <= day, Dates.undone_on > day))


def open_on(day: dt.date) -> ColumnElement[bool]:
    """Not at a final disposition on `day` (NULL-safe). The final_on term walks the index."""
    undone = or_(
        Dates.undone_final_on.is_(None), Dates.undone_final_on > day, Dates.undone_on <= day
    )
    return and_(not_by(Case.final_on, day), undone)


def received_in(date_from: dt.date, date_to: dt.date) -> ColumnElement[bool]:
    """R: received in the period and not voided."""
    return and_(Case.received_on.between(date_from, date_to), Case.voided.is_(False))


def open_span(day: dt.date) -> ColumnElement[bool]:
    """Received by `day` and not finalised by it, as PostgreSQL's ix_pg_cases_open_span reads
    it; implied by `open_on(day)` with `received_on <= day`, and true on SQLite."""
    return open_span_holds(Case.received_on.expression, Case.final_on.expression, day)


def populations(s: Scope) -> dict[str, ColumnElement[bool]]:
    # Few cases are open at a date, so "carried" and "open" should walk ix_cases_final_received;
    # left alone, SQLite picks (voided, received_on) and reads nearly every case. PostgreSQL
    # finds them by their open span (migration 0010).
    received, voided = Dates.received_on, flag(Case.voided.expression)
    before = s.date_from - dt.timedelta(days=1)
    return {
        "R": received_in(s.date_from, s.date_to),
        # A 情况不详 case has no final_on, yet nobody knows it is open: left out of both.
        "carried": and_(
            open_span(before),
            received < s.date_from,
            voided == 0,
            open_on(before),
            Gaps.known,
        ),
        "open": and_(
            open_span(s.as_of), received <= s.as_of, voided == 0, open_on(s.as_of), Gaps.known
        ),
    }


def figures(s: Scope) -> dict[str, tuple[str, ColumnElement[bool]]]:
    """Every countable figure: key → (population, condition)."""
    a = s.as_of
    due = s.handling_due
    visit = Case.form == VISIT
    decided = Dates.decision_on <= a
    accepted = Dates.accepted_on <= a
    closed = and_(accepted, Dates.closed_on <= a)
    leader = and_(Case.leader.is_not(None), Case.leader != "")
    rating = rating_at(a)
    good = SATISFIED if s.count_basic_satisfied else SATISFIED[:1]
    rated = and_(closed, rating.is_not(None))
    # The status at A, as search.warning_condition reads it from the status column today.
    undecided_at = not_by(Dates.decision_on, a)
    handling_at = and_(accepted, not_by(Dates.closed_on, a))
    out: dict[str, tuple[str, ColumnElement[bool]]] = {
        "total": ("R", true()),
        "visits.batches": ("R", visit),
        "collective.batches": ("R", and_(visit, Case.collective.is_(True))),
        **{f"visit_levels.{v}": ("R", and_(visit, Case.visit_level == v)) for v in VISIT_LEVELS},
        "skip_level": ("R", Case.skip_level.is_(True)),
        "abnormal": ("R", Case.abnormal.is_(True)),
        "repeat": ("R", Case.repeat.is_(True)),
        # An inferred decision has no real date to be timely or late by. (A 情况不详 case has no
        # decision_due, so neither term holds for it.) The flag terms come last: SQLite stops at
        # the first false term, so rows an earlier term rejects never test them.
        "decision_counted": ("R", and_(or_(decided, Dates.decision_due < a), Gaps.not_inferred)),
        "decided_in_time": (
            "R",
            and_(decided, Dates.decision_on <= Dates.decision_due, Gaps.not_inferred),
        ),
        "accepted": ("R", accepted),
        # A date-unknown 办结 counts as closed on its stored date, but is neither on time nor late.
        "closed": ("R", closed),
        "closed_dated": ("R", and_(closed, Gaps.closed_dated)),
        "closed_on_time": ("R", and_(closed, Dates.closed_on <= due, Gaps.closed_dated)),
        "on_time_counted": (
            "R",
            and_(accepted, or_(Dates.closed_on <= a, due < a), Gaps.closed_dated),
        ),
        "overdue_open": ("R", and_(handling_at, due < a, Gaps.closed_dated)),
        "status_known": ("R", Gaps.known),
        "finalized": ("R", final_by(a)),
        "rated": ("R", rated),
        "satisfied": ("R", and_(rated, rating.in_(good))),
        "leader_cases": ("R", leader),
        "leader_accepted": ("R", and_(leader, accepted)),
        "leader_closed": ("R", and_(leader, closed)),
        "data_gaps.status_unknown": ("R", Gaps.unknown),
        "data_gaps.closed_date_unknown": ("R", Gaps.closed_date_unknown),
        "data_gaps.decision_inferred": ("R", Gaps.inferred),
        "carried_over": ("carried", true()),
        "open_at_end": ("open", true()),
        "workload.overdue": (
            "open",
            or_(
                and_(undecided_at, warning_sql(Dates.decision_due, "超期", a, s.warning_days)),
                and_(handling_at, warning_sql(due, "超期", a, s.warning_days)),
            ),
        ),
        "workload.due_soon": (
            "open",
            or_(
                and_(undecided_at, warning_sql(Dates.decision_due, "临期", a, s.warning_days)),
                and_(handling_at, warning_sql(due, "临期", a, s.warning_days)),
            ),
        ),
    }
    return out


def breakdown_condition(key: str, value: str, s: Scope) -> ColumnElement[bool]:
    """The cases of R behind one breakdown cell, e.g. ("by_category", "水利")."""
    if key == "by_month":
        year, month = (int(p) for p in value.split("-"))
        first = dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        return and_(Case.received_on >= first, Case.received_on < nxt)
    column = BREAKDOWN_COLUMNS[key]
    if value == BLANK:
        return or_(column.is_(None), column == "")
    return column == value
