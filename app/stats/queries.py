"""The few SQL queries behind one period's statistics (one scan of R for the figures, groupings
of R for the breakdowns, the period's events, two small index queries, the registers), and the
drill-down query. Plain dicts out; `result.py` shapes them."""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    distinct,
    func,
    literal,
    select,
)
from sqlalchemy.orm import Session

from app.cases.projection import project, work_calendar
from app.dialect import as_date
from app.models import Case, DictEntry, Event, LeaderReception, Screening
from app.office import settings
from app.office.dictionaries import FORMS
from app.stats import art41, period
from app.stats.figures import (
    BLANK,
    BREAKDOWN_COLUMNS,
    COMPLEMENTS,
    FLAG_COUNTS,
    RATES,
    SUMS,
    Dates,
    Scope,
    breakdown_condition,
    figures,
    populations,
    received_in,
)

DICTIONARY_KINDS = {
    "by_channel": "channel",
    "by_category": "category",
    "by_department": "department",
}


def scope(session: Session, date_from: dt.date, date_to: dt.date, as_of: dt.date) -> Scope:
    cfg = settings.get_all(session)
    return Scope(
        date_from,
        date_to,
        as_of,
        int(cfg["warning_days"]),
        bool(cfg["count_basic_satisfied"]),
        handling_due_at(session, as_of, max(date_to, as_of), cfg),
    )


def handling_due_at(
    session: Session, as_of: dt.date, received_to: dt.date, cfg: dict[str, Any]
) -> ColumnElement[dt.date]:
    """`handling_due` as it stood at A. The row's date includes any 延期; for the (few) cases
    whose 延期 is dated after A, re-project their events up to A with the workflow's own rules."""
    heads = {
        cid: (received_on, channel)
        for cid, received_on, channel in session.execute(
            select(Case.id, Case.received_on, Case.channel)
            .join(Event, Case.id == Event.case_id)
            .where(
                Event.kind == "延期",
                Event.on > as_of,
                Case.accepted_on <= as_of,
                Case.received_on <= received_to,
                Case.voided.is_(False),
            )
        )
    }
    if not heads:
        return Dates.handling_due
    extended_later = list(heads)
    cal = work_calendar(session)
    events: dict[int, list[SimpleNamespace]] = {cid: [] for cid in extended_later}
    for cid, seq, kind, on, data in session.execute(
        select(Event.case_id, Event.seq, Event.kind, Event.on, Event.data).where(
            Event.case_id.in_(extended_later), Event.on <= as_of
        )
    ):
        events[cid].append(SimpleNamespace(seq=seq, kind=kind, on=on, data=data or {}))
    due: dict[int, dt.date] = {}
    for cid, (received_on, channel) in heads.items():
        then = SimpleNamespace(received_on=received_on, channel=channel)
        project(then, events[cid], cfg, cal)  # type: ignore[arg-type]  # only reads these fields
        due[cid] = then.handling_due
    # The CASE over ids is read one branch after another; behind a membership test (a hashed
    # IN list on PostgreSQL, a temporary index on SQLite) only these few cases walk it, not
    # every row of the period: at 1,000,000 cases 100,000 rows × 400 branches, five times over,
    # were most of a year's statistics.
    # The ids and dates are written into the SQL (at execution; the compiled form stays cached):
    # as bound parameters, five copies of 400 ids and dates were 4,000 placeholders that psycopg
    # rewrote on every run (profiled: 56 → 5 ms of Python in a year's half at 1,000,000 cases).
    # (Written out, a date is text to PostgreSQL until as_date makes it one again.)
    ids: Any = bindparam("extended_ids", list(due), expanding=True, literal_execute=True)
    dues = {_written(cid): _written(day) for cid, day in due.items()}
    return case(
        (Case.id.in_(ids), as_date(case(dues, value=Case.id))),
        else_=Dates.handling_due,
    )


def _written(value: Any) -> Any:
    return literal(value, literal_execute=True)


def _dictionary(session: Session, kind: str) -> tuple[list[str], list[str]]:
    """(active values, every value ever in the dictionary) in the office's order."""
    rows = session.execute(
        select(DictEntry.value, DictEntry.active)
        .where(DictEntry.kind == kind)
        .order_by(DictEntry.sort, DictEntry.id)
    ).all()
    every = list(dict.fromkeys(v for v, _ in rows))
    return [v for v, active in rows if active], every


def compute(
    session: Session, s: Scope, workload: bool = False
) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Every count of one period: (flat counts, breakdowns)."""
    pops = populations(s)
    figs = _all_figures(s)
    counts: dict[str, int] = {}

    values = _scan_of_r(session, figs, pops["R"])
    for key, (whole, part) in COMPLEMENTS.items():
        values[key] = values[whole] - values[part]

    breakdowns = _dictionary_breakdowns(session, pops["R"])
    breakdowns["by_month"] = by_month(session, s.date_from, s.date_to)
    breakdowns.update(art41.ranked(session, pops["R"]))
    counts.update(values)
    counts.update(art41.counts(session, s))

    # ---- the populations outside R: small index-driven queries. Kept apart: each walks
    # ix_cases_final_received (SQLite) or ix_pg_cases_open_span (PostgreSQL) to the few cases
    # open on its day.
    counts["carried_over"] = session.scalar(select(func.count()).where(pops["carried"])) or 0
    open_columns: list[tuple[str, Any]] = [("open_at_end", func.count())]
    if workload:
        open_columns += [
            (k, func.count().filter(figs[k][1])) for k in ("workload.overdue", "workload.due_soon")
        ]
    row = session.execute(select(*(c for _, c in open_columns)).where(pops["open"])).one()
    counts.update({name: int(v or 0) for (name, _), v in zip(open_columns, row, strict=True)})

    counts.update(_registers(session, s.date_from, s.date_to))
    return counts, breakdowns


def _all_figures(s: Scope) -> dict[str, tuple[str, ColumnElement[bool]]]:
    figs = figures(s)
    figs.update(art41.figures(figs))  # assigned_on_time_rate's two counts, over R
    return figs


def _scan_of_r(
    session: Session, figs: dict[str, tuple[str, ColumnElement[bool]]], received: Any
) -> dict[str, int]:
    """One scan of R: every figure over R and the sums, by name."""
    columns: list[tuple[str, Any]] = []
    for key, (pop, cond) in figs.items():
        if pop != "R" or key in COMPLEMENTS:
            continue
        if key == "total":
            columns.append((key, func.count()))
        elif key in FLAG_COUNTS:  # a 0/1 column summed: cheaper per row than a FILTER
            # typed Integer: the sum of a Boolean column would come back as a bool
            columns.append((key, func.sum(FLAG_COUNTS[key], type_=Integer)))
        else:
            columns.append((key, func.count().filter(cond)))
    for key, (summed, over) in SUMS.items():
        cond = figs[over][1]
        columns.append(
            (key, func.sum(summed) if over == "total" else func.sum(summed).filter(cond))
        )
    row = session.execute(select(*(c for _, c in columns)).where(received)).one()
    return {name: int(round(v or 0)) for (name, _), v in zip(columns, row, strict=True)}


def by_month(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    """R per month, every month of the period present. Counted per day straight from the
    (voided, received_on) index, without reading the case rows, and summed into months here:
    a month label computed on every row cost more than the count (35 → 6 ms a year at
    1,000,000 cases on PostgreSQL)."""
    query = (
        select(Case.received_on, func.count())
        .where(received_in(date_from, date_to))
        .group_by(Case.received_on)
    )
    counts = {m: 0 for m in period.months(date_from, date_to)}
    for day, n in session.execute(query):
        counts[f"{day:%Y-%m}"] += n
    return counts


def _dictionary_breakdowns(
    session: Session, population: ColumnElement[bool]
) -> dict[str, dict[str, int]]:
    """by_form, by_channel, by_category and by_department from one grouping of R by the four
    columns (at most a few thousand groups: the dictionaries are short). Per column: the active
    dictionary's values in its order, zeros included, then any other value found (retired,
    imported, blank) in the dictionary's order, then by name, blank last.

    Cheaper than a FILTER per dictionary value in the scan of R (forty conditions on every row:
    a third of that scan at 1,000,000 cases) and it finds the other values in the same pass."""
    keys = list(BREAKDOWN_COLUMNS)
    query = (
        select(*BREAKDOWN_COLUMNS.values(), func.count())
        .where(population)
        .group_by(*BREAKDOWN_COLUMNS.values())
    )
    found: dict[str, dict[str, int]] = {key: {} for key in keys}
    for *values, n in session.execute(query):
        for key, value in zip(keys, values, strict=True):
            name = value if value else BLANK
            found[key][name] = found[key].get(name, 0) + n
    out: dict[str, dict[str, int]] = {}
    for key in keys:
        if key == "by_form":
            known = every = list(FORMS)
        else:
            known, every = _dictionary(session, DICTIONARY_KINDS[key])
        cells = {v: found[key].pop(v, 0) for v in known}
        rank = {v: i for i, v in enumerate(every)}
        order = sorted(found[key], key=lambda v: (v == BLANK, rank.get(v, len(rank)), v))
        cells.update({v: found[key][v] for v in order})
        out[key] = cells
    return out


def _registers(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, int]:
    lr = session.execute(
        select(
            func.count(distinct(LeaderReception.on)),
            func.sum(LeaderReception.batches),
            func.sum(LeaderReception.persons),
        ).where(LeaderReception.on.between(date_from, date_to))
    ).one()
    sc = session.execute(
        select(func.count(), func.sum(Screening.found), func.sum(Screening.resolved)).where(
            Screening.on.between(date_from, date_to)
        )
    ).one()
    names = [
        "leader_receptions.days",
        "leader_receptions.batches",
        "leader_receptions.persons",
        "screenings.times",
        "screenings.found",
        "screenings.resolved",
    ]
    return {n: int(v or 0) for n, v in zip(names, [*lr, *sc], strict=True)}


Figures = dict[str, tuple[str, ColumnElement[bool]]]


def drill_condition(
    s: Scope, key: str, figs: Figures | None = None
) -> tuple[str, ColumnElement[bool]]:
    """(population, condition) behind a drill-down key; KeyError for an unknown key.
    `figs`: `figures(s)` already built, when asking for many keys."""
    figs = figs or figures(s)
    if "assigned_closed_on_time" not in figs:
        figs = {**figs, **art41.figures(figs)}
    if key in figs:
        return figs[key]
    if key in SUMS:
        return figs[SUMS[key][1]]
    rate, _, part = key.partition(".")
    rates = {**RATES, **art41.RATES}
    if rate in rates and part in ("", "numerator", "denominator", "missed"):
        num, den = (figs[k] for k in rates[rate])
        if part == "numerator":
            return num
        if part == "missed":  # counted in the denominator but not the numerator (NULL-safe)
            return den[0], and_(den[1], case((num[1], 0), else_=1) == 1)
        return den  # a rate's cases are the ones it is a rate of
    head, _, value = key.partition(".")
    if head in BREAKDOWN_COLUMNS or head == "by_month":
        return "R", breakdown_condition(head, value, s)
    raise KeyError(key)


def ids(session: Session, s: Scope, key: str, figs: Figures | None = None) -> list[int]:
    events = art41.drill(session, s, key)  # outgoing keys count events: their cases
    if events is not None:
        query = select(Case.id).where(events).order_by(Case.received_on, Case.id)
        return list(session.scalars(query))
    pop, cond = drill_condition(s, key, figs)
    query = select(Case.id).where(populations(s)[pop], cond).order_by(Case.received_on, Case.id)
    return list(session.scalars(query))
