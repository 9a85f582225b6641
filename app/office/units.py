"""The 承办单位 register (docs/rules.md, 交办与转送): the units the office sends cases to — its own
科室 and the outside 单位 with their aliases, both from app/office/dictionaries.py — and per unit
what it has: cases open there, 交办 期限 passed without 反馈, the average days to a 反馈.

Counted in SQL over the 交办/转送 events (one grouped query; each send's first 签收/反馈/退回
found through the (case_id, seq) index), then the few raw spellings folded into their canonical
unit in Python. A step names its send as app/cases/outgoing.py says (`follow_up_of`).
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, and_, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from app import clock
from app.cases import outgoing
from app.cases.projection import FORWARDED, HANDLING, work_calendar
from app.db import Database
from app.dialect import days_between
from app.errors import DomainError
from app.models import Case, Event
from app.office import dictionaries
from app.safety import auth

DEPARTMENT, UNIT, OTHER = "科室", "单位", "其他"


@dataclass(frozen=True)
class UnitRow:
    name: str
    kind: str  # 科室 (the office's own), 单位 (dictionary), 其他 (sent to, not in a dictionary)
    aliases: list[str] = field(default_factory=list)
    sent: int = 0  # 交办 and 转送 to it
    open: int = 0  # still with the unit: neither 反馈 nor 退回, the case 办理中/已转送
    overdue: int = 0  # 交办 期限 passed (rolled forward) without 反馈 or 退回
    answered: int = 0  # sends with a 反馈
    returned: int = 0  # sends it sent back
    avg_days_to_answer: float | None = None  # from the send to its first 反馈, 1 decimal


@dataclass(frozen=True)
class UnitCase:
    case_id: int
    number: str
    received_on: dt.date
    summary: str
    status: str
    kind: str  # 交办 / 转送
    unit: str  # as written on the send
    sent_on: dt.date
    deadline: dt.date | None
    signed_on: dt.date | None
    answered_on: dt.date | None
    returned_on: dt.date | None
    overdue: bool  # the 期限 has passed without 反馈 or 退回

    @property
    def state(self) -> str:
        if self.returned_on:
            return outgoing.RETURNED
        if self.answered_on:
            return outgoing.ANSWERED
        if self.signed_on:
            return outgoing.SIGNED
        return outgoing.SENT[self.kind]


def _sends(session: Session, as_of: dt.date, spellings: list[str] | None = None) -> Any:
    """One row per 交办/转送 of a case not voided, with its first 签收/反馈/退回 dated by A.

    One outer join of each send with its own case's later steps, grouped per send: a single walk
    of the case's events by (case_id, seq) instead of one subquery per step kind."""
    send, later = aliased(Event), aliased(Event)

    def first(kind: str) -> Any:
        return func.min(case((later.kind == kind, later.on)))

    cutoff = outgoing.last_working_day_before(as_of, work_calendar(session))
    deadline = send.data["deadline"].as_string()
    unit = func.trim(send.data["to"].as_string())
    only = [unit.in_(spellings)] if spellings is not None else []
    return (
        select(
            send.case_id.label("case_id"),
            send.kind.label("kind"),
            unit.label("unit"),
            send.on.label("sent_on"),
            deadline.label("deadline"),
            first("签收").label("signed_on"),
            first("反馈").label("answered_on"),
            first("退回").label("returned_on"),
            Case.status.label("status"),
            # rolled(期限) < A ⇔ 期限 ≤ the last working day before A (outgoing.py)
            case((and_(send.kind == "交办", deadline <= cutoff.isoformat()), 1), else_=0).label(
                "past_deadline"
            ),
        )
        .join(Case, Case.id == send.case_id)
        .outerjoin(later, outgoing.follow_up_of(later, send, ("签收", "反馈", "退回"), as_of))
        .where(send.kind.in_(outgoing.SENDS), send.on <= as_of, Case.voided.is_(False), *only)
        .group_by(send.id, Case.id)  # PostgreSQL: Case.status is Case.id's (one per send)
        .subquery()
    )


def register(session: Session, as_of: dt.date) -> list[UnitRow]:
    """Every unit: the 科室, then the dictionary's 单位, then names only the sends use."""
    s = _sends(session, as_of)
    waiting = and_(s.c.answered_on.is_(None), s.c.returned_on.is_(None))
    query = select(
        s.c.unit,
        func.count(),
        func.count().filter(and_(waiting, s.c.status.in_((HANDLING, FORWARDED)))),
        func.count().filter(and_(waiting, s.c.past_deadline == 1)),
        func.count(s.c.answered_on),
        func.count(s.c.returned_on),
        func.sum(cast(days_between(s.c.answered_on, s.c.sent_on), Float)).filter(
            s.c.answered_on.is_not(None)
        ),
    ).group_by(s.c.unit)
    known = dictionaries.units(session)
    departments = dictionaries.values(session, "department")
    dept_keys = {dictionaries.normal_unit(d): d for d in departments}
    totals: dict[str, list[float]] = {}
    for unit, *figures in session.execute(query):
        name = _canonical(unit or "", known, dept_keys)
        into = totals.setdefault(name, [0.0] * 6)
        for i, v in enumerate(figures):
            into[i] += float(v or 0)
    aliases = _aliases(session)
    rows: list[UnitRow] = []
    names = [(d, DEPARTMENT) for d in departments]
    names += [(u, UNIT) for u in dictionaries.values(session, dictionaries.UNIT)]
    listed = {n for n, _ in names}
    names += [(n, OTHER) for n in sorted(totals) if n not in listed and n]
    for name, kind in names:
        sent, open_, overdue, answered, returned, days = totals.get(name, [0.0] * 6)
        rows.append(
            UnitRow(
                name,
                kind,
                aliases.get(name, []),
                int(sent),
                int(open_),
                int(overdue),
                int(answered),
                int(returned),
                round(days / answered, 1) if answered else None,
            )
        )
    return rows


def unit_cases(session: Session, name: str, as_of: dt.date) -> list[UnitCase]:
    """The sends to one unit (any of its spellings), newest first."""
    known = dictionaries.units(session)
    departments = dictionaries.values(session, "department")
    dept_keys = {dictionaries.normal_unit(d): d for d in departments}
    wanted = _canonical(name, known, dept_keys)
    written = func.trim(Event.data["to"].as_string())
    spellings = [
        u
        for u in session.scalars(select(written).where(Event.kind.in_(outgoing.SENDS)).distinct())
        if u and _canonical(u, known, dept_keys) == wanted
    ]
    if not spellings and wanted not in departments and wanted not in known.names.values():
        raise DomainError(f"没有名为“{name}”的承办单位，也没有交办或转送给它的信访件。")
    s = _sends(session, as_of, spellings)
    query = (
        select(s, Case.number, Case.received_on, Case.summary)
        .join(Case, Case.id == s.c.case_id)
        .order_by(s.c.sent_on.desc(), Case.id.desc())
    )
    out = []
    for r in session.execute(query).mappings():
        waiting = r["answered_on"] is None and r["returned_on"] is None
        out.append(
            UnitCase(
                r["case_id"],
                r["number"],
                r["received_on"],
                r["summary"] or "",
                r["status"],
                r["kind"],
                r["unit"],
                _day(r["sent_on"]) or r["received_on"],
                _day(r["deadline"]),
                _day(r["signed_on"]),
                _day(r["answered_on"]),
                _day(r["returned_on"]),
                waiting and bool(r["past_deadline"]),
            )
        )
    return out


def _canonical(name: str, known: dictionaries.Units, dept_keys: dict[str, str]) -> str:
    """A 科室 by its own name, an outside unit by the dictionary's (aliases folded)."""
    return dept_keys.get(dictionaries.normal_unit(name)) or known.canonical(name)


def _aliases(session: Session) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in session.execute(
        select(dictionaries.DictEntry.parent, dictionaries.DictEntry.value)
        .where(dictionaries.DictEntry.kind == dictionaries.UNIT_ALIAS)
        .order_by(dictionaries.DictEntry.sort, dictionaries.DictEntry.id)
    ):
        if item.parent:
            out.setdefault(item.parent, []).append(item.value)
    return out


def _day(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


class UnitService:
    """The 承办单位 register for the GUI and `xinfang unit`."""

    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        self.user = user

    def register(self, as_of: dt.date | None = None) -> list[UnitRow]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return register(s, as_of or clock.today())

    def cases(self, name: str, as_of: dt.date | None = None) -> list[UnitCase]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return unit_cases(s, name, as_of or clock.today())
