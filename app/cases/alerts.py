"""预警 (docs/rules.md, 预警; domain §3 and §9): what the dashboard's alert panel shows as of a
date, each alert with the cases behind it. Every alert is a setting that can be switched off.

- the same person (ID, else name + phone) registered twice with received dates < 7 days apart,
  the later registration in the alert window (the last `alert_window_days` days up to A);
- a 集体访 registered in the window; a 进京/赴省 visit registered in the window;
- a 一级分类 or 被反映对象 with ≥ 5 cases in the last complete month before A and ≥ 50 % more
  than in the month before it;
- open cases past their limit at A (the case list's 超期: the 15-day 告知 limit while undecided,
  the handling limit once accepted).
Each is one or a few SQL queries over indexed columns; nothing walks every case in Python.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.orm import Session, aliased

from app import clock
from app.cases.supervision import join_same_person, open_at
from app.dialect import add_days, as_date, year_month
from app.models import Case, Petitioner
from app.office import settings
from app.office.dictionaries import units

REPEAT_DAYS = 7  # §9: "less than 7 days apart"
RISE = 0.5  # ≥ 50 % month on month
RISE_MIN = 5  # … with at least 5 cases


@dataclass(frozen=True)
class Alert:
    key: str  # the setting that switches it off
    title: str
    text: str
    case_ids: tuple[int, ...]
    label: str = ""  # the dashboard's short link text when the title alone is ambiguous


def window(as_of: dt.date, days: int) -> tuple[dt.date, dt.date]:
    return as_of - dt.timedelta(days=days - 1), as_of


def complete_months(as_of: dt.date) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]]:
    """(the last complete month before A, the month before it) as first/last days."""
    last_end = as_of.replace(day=1) - dt.timedelta(days=1)
    last_start = last_end.replace(day=1)
    prev_end = last_start - dt.timedelta(days=1)
    return (last_start, last_end), (prev_end.replace(day=1), prev_end)


def _registered(first: dt.date, last: dt.date) -> Any:
    return and_(Case.voided.is_(False), Case.received_on.between(first, last))


def repeat_visits(session: Session, as_of: dt.date, days: int) -> list[Alert]:
    first, last = window(as_of, days)
    parts = []
    for by_name in (False, True):
        earlier = aliased(Case)
        query = select(
            Case.id.label("later"), earlier.id.label("earlier"), Case.petitioner_id.label("pid")
        )
        query = join_same_person(query, earlier, by_name)
        parts.append(
            query.where(
                _registered(first, last),
                Case.petitioner_id.is_not(None),
                earlier.id != Case.id,
                earlier.voided.is_not(True),
                # Less than 7 days apart, the earlier one first (same day: by registration order).
                earlier.received_on > add_days(Case.received_on, -REPEAT_DAYS),
                or_(
                    earlier.received_on < Case.received_on,
                    and_(earlier.received_on == Case.received_on, earlier.id < Case.id),
                ),
            )
        )
    pairs = session.execute(union_all(*parts)).all()
    if not pairs:
        return []
    # One alert per person: the later registrations' petitioner groups the pairs.
    groups: dict[int | None, set[int]] = defaultdict(set)
    for later_id, earlier_id, pid in pairs:
        groups[pid].update((later_id, earlier_id))
    # A person's registrations by name+phone may sit under two petitioner rows: merge groups
    # that share a case.
    merged: list[set[int]] = []
    for ids in groups.values():
        for group in merged:
            if group & ids:
                group |= ids
                break
        else:
            merged.append(set(ids))
    rows = {
        r.id: r
        for r in session.execute(
            select(Case.id, Case.number, Case.received_on, Petitioner.name)
            .join(Petitioner, Petitioner.id == Case.petitioner_id)
            .where(Case.id.in_(set().union(*merged)))
        )
    }
    out = []
    for ids in merged:
        ordered = sorted(ids, key=lambda i: (rows[i].received_on, rows[i].number))
        name = rows[ordered[0]].name
        numbers = "、".join(rows[i].number for i in ordered)
        out.append(
            Alert(
                "alert_repeat_visits",
                "短期内重复信访",
                f"{name} {REPEAT_DAYS}日内信访{len(ordered)}次（{numbers}）",
                tuple(ordered),
                f"{name}短期内重复信访",
            )
        )
    out.sort(key=lambda a: a.text)
    return out


def _flagged(
    session: Session, key: str, title: str, what: str, cond: Any, first: dt.date, last: dt.date
) -> list[Alert]:
    ids = tuple(
        session.scalars(
            select(Case.id)
            .where(_registered(first, last), cond)
            .order_by(Case.received_on, Case.id)
        )
    )
    if not ids:
        return []
    return [Alert(key, title, f"{first:%m月%d日}以来登记{what}{len(ids)}件", ids)]


def rising(session: Session, as_of: dt.date) -> list[Alert]:
    (m_first, m_last), (p_first, p_last) = complete_months(as_of)
    month: Any = year_month(Case.received_on)
    canonical = units(session).canonical
    out = []
    for column, title in ((Case.category, "问题类别"), (Case.target, "被反映对象")):
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        raw: dict[str, set[str]] = defaultdict(set)
        query = (
            select(column, month, func.count())
            .where(_registered(p_first, m_last), column.is_not(None), column != "")
            .group_by(column, month)
        )
        for value, ym, n in session.execute(query):
            name = canonical(value) if column is Case.target else value
            raw[name].add(value)
            counts[name][0 if ym == f"{m_first:%Y-%m}" else 1] += n
        for name, (now, before) in sorted(counts.items()):
            if now < RISE_MIN or now < before * (1 + RISE):
                continue
            ids = tuple(
                session.scalars(
                    select(Case.id)
                    .where(_registered(m_first, m_last), column.in_(raw[name]))
                    .order_by(Case.received_on, Case.id)
                )
            )
            change = f"上升{(now - before) / before:.0%}" if before else "上月无"
            out.append(
                Alert(
                    "alert_rising",
                    f"{title}环比上升",
                    f"{title}“{name}”{m_first.month}月{now}件，{p_first.month}月{before}件（{change}）",
                    ids,
                    f"{name}环比上升",
                )
            )
    return out


def overdue(session: Session, as_of: dt.date) -> list[Alert]:
    # date() keeps SQLite off the due-date indexes (every case ever due is before A): it starts
    # from the few cases not final by A (supervision.open_at).
    undecided = and_(
        or_(Case.decision_on.is_(None), Case.decision_on > as_of),
        as_date(Case.decision_due) < as_of,
    )
    accepted = and_(as_date(Case.accepted_on) <= as_of, as_date(Case.handling_due) < as_of)
    # Sorted here: ORDER BY received_on would make SQLite walk that index over every case.
    rows = session.execute(
        select(Case.id, Case.received_on).where(open_at(as_of), or_(undecided, accepted))
    ).all()
    ids = tuple(r.id for r in sorted(rows, key=lambda r: (r.received_on, r.id)))
    if not ids:
        return []
    return [Alert("alert_overdue", "超期", f"截至{as_of:%m月%d日}超期未办结{len(ids)}件", ids)]


def compute(session: Session, as_of: dt.date | None = None) -> list[Alert]:
    """Every alert switched on, as of A (default today), in the panel's order."""
    as_of = as_of or clock.today()
    cfg = settings.get_all(session)
    first, last = window(as_of, int(cfg["alert_window_days"]))
    out: list[Alert] = []
    if cfg["alert_repeat_visits"]:
        out += repeat_visits(session, as_of, int(cfg["alert_window_days"]))
    if cfg["alert_collective"]:
        out += _flagged(
            session, "alert_collective", "集体访", "集体访", Case.collective.is_(True), first, last
        )
    if cfg["alert_high_level"]:
        for level in ("进京", "赴省"):
            out += _flagged(
                session,
                "alert_high_level",
                f"{level}访",
                f"{level}访",
                Case.visit_level == level,
                first,
                last,
            )
    if cfg["alert_rising"]:
        out += rising(session, as_of)
    if cfg["alert_overdue"]:
        out += overdue(session, as_of)
    return out
