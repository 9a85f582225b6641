"""The 督办 list (docs/rules.md, 督办清单; domain §3 and §9): the four triggers evaluated for every
open case in SQL as of a date, each hit listed once with its reason until the clerk acts (督办 or
催办 on or after the day the rule began to hold) or dismisses it with a note.

A hit is identified by (case, rule, since): `since` is the first day the rule holds. A dismissal
keeps the hit away while `since` stays the same; a later event that makes the rule hold again
(a new registration, a new 交办 期限, a 延期 that moves the half-way day) gives a later `since`,
and the hit is listed again (§9: "does not come back unless a later event meets the rule again").
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from app import clock
from app.cases.projection import UNKNOWN, work_calendar
from app.dialect import add_days, as_date, days_between, iso_date
from app.errors import DomainError
from app.models import Case, Event, Petitioner, SupervisionDismissal
from app.office import settings

HALF = "half_period"
ASSIGNED = "assigned_due"
DUE_SOON = "due_soon"
REPEAT = "repeat"

# rule → (its setting, the reason the list shows).
RULES: dict[str, tuple[str, str]] = {
    HALF: ("trigger_half_period", "办理期限已过半，尚无反馈和答复"),
    ASSIGNED: ("trigger_assigned_due", "交办期限已过，承办单位尚未反馈"),
    DUE_SOON: ("trigger_due_soon", "临近办理期限，尚未答复"),
    REPEAT: ("trigger_repeat", "信访人在办理期间再次信访"),
}
# Acting on a hit: either of these on or after `since` (and by the as-of day) clears it.
ACTS = ("督办", "催办")


@dataclass(frozen=True)
class Hit:
    case_id: int
    number: str
    rule: str
    reason: str
    since: dt.date
    name: str
    status: str
    handling_due: dt.date | None
    detail: str = ""  # the 交办 unit, the later case's 编号 …


def _day(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def open_at(as_of: dt.date) -> ColumnElement[bool]:
    """Registered by A, not yet at a final disposition on A, not voided (a 作废 after A still
    removes the case, §3), and not 情况不详 (nobody knows its progress)."""
    # `IS NOT 1`, not `IS 0`: SQLite (no ANALYZE statistics) would pick the (voided, received_on)
    # index and walk every case; this way it starts from the few cases not final by A.
    # received_on goes through date() for the same reason (final_on's index is the narrow one).
    return and_(
        Case.voided.is_not(True),
        as_date(Case.received_on) <= as_of,
        or_(Case.final_on.is_(None), Case.final_on > as_of),
        Case.status != UNKNOWN,
    )


def _kind_in(ev: Any, kinds: tuple[str, ...]) -> ColumnElement[bool]:
    """`kind IN (…)` that SQLite cannot answer from the (kind, on) index: without statistics it
    would walk every 交办/督办 of ten years for each case, where the case's own few events (found
    by case_id) are what matter."""
    return func.coalesce(ev.kind, "").in_(kinds)


def _no_event(kinds: tuple[str, ...], as_of: dt.date) -> ColumnElement[bool]:
    e = aliased(Event)
    return ~exists().where(e.case_id == Case.id, _kind_in(e, kinds), e.on <= as_of)


def _not_replied(as_of: dt.date) -> ColumnElement[bool]:
    return or_(Case.replied_on.is_(None), Case.replied_on > as_of)


def _half_since() -> Any:
    period = days_between(Case.handling_due, Case.accepted_on)
    # (period + 1) / 2 truncated is ceil(period / 2). SQLite's day count is a real, cut by
    # CAST AS INTEGER; PostgreSQL's an integer, and `//` keeps its division integral (`/`
    # would divide as NUMERIC, and the CAST round 32.5 up).
    days = cast((period + 1) // 2, Integer)
    return add_days(Case.accepted_on, days)


def _hits_half(as_of: dt.date) -> Any:
    since = _half_since()
    return select(
        Case.id.label("case_id"),
        literal(HALF).label("rule"),
        since.label("since"),
        literal("").label("detail"),
    ).where(
        open_at(as_of),
        Case.accepted_on <= as_of,
        Case.handling_due.is_not(None),
        _not_replied(as_of),
        _no_event(("反馈",), as_of),
        since <= as_of,
    )


def _answered_or_returned(ev: Any, as_of: dt.date) -> ColumnElement[bool]:
    """A 反馈 or 退回 after this 交办, about its unit (blank `unit` = the latest 交办, §3)."""
    f = aliased(Event)
    unit = f.data["unit"].as_string()
    return exists().where(
        f.case_id == ev.case_id,
        f.seq > ev.seq,
        _kind_in(f, ("反馈", "退回")),
        f.on <= as_of,
        or_(unit.is_(None), unit == "", unit == ev.data["to"].as_string()),
    )


def _hits_assigned(as_of: dt.date) -> Any:
    ev = aliased(Event)
    deadline = ev.data["deadline"].as_string()
    # The open, unanswered cases first (a few hundred, by final_on's index), then their own
    # events by case_id: a join let SQLite start from all the 交办 of ten years.
    open_ids = select(Case.id).where(open_at(as_of), _not_replied(as_of))
    return select(
        ev.case_id.label("case_id"),
        literal(ASSIGNED).label("rule"),
        # One row per passed 交办; `hits` keeps the latest (a new 交办 that passes unanswered is
        # a new hit, §9).
        add_days(deadline, 1).label("since"),
        ev.data["to"].as_string().label("detail"),
    ).where(
        ev.case_id.in_(open_ids),
        _kind_in(ev, ("交办",)),
        ev.on <= as_of,
        deadline.is_not(None),
        deadline != "",  # a 交办 saved without 期限 (no date to cast on PostgreSQL)
        # The raw 期限 has passed; the rolled-forward one is checked on the few rows left.
        deadline < as_of.isoformat(),
        ~_answered_or_returned(ev, as_of),
    )


def _hits_due_soon(as_of: dt.date, window: int) -> Any:
    since = add_days(Case.handling_due, -int(window))
    return select(
        Case.id.label("case_id"),
        literal(DUE_SOON).label("rule"),
        since.label("since"),
        literal("").label("detail"),
    ).where(
        open_at(as_of),
        Case.accepted_on <= as_of,
        Case.handling_due.is_not(None),
        # 临期 from due − N days; a case that passes its due unanswered stays on the list (超期).
        # date(): the handling_due index would walk every case ever due; the open ones are few.
        as_date(Case.handling_due) <= as_of + dt.timedelta(days=window),
        _not_replied(as_of),
    )


def same_person(mine: Any, theirs: Any) -> ColumnElement[bool]:
    """One petitioner: the same ID number, else (one of them without an ID) name and phone."""
    return or_(
        mine.id == theirs.id,
        and_(
            or_(mine.id_number.is_(None), theirs.id_number.is_(None)),
            mine.name == theirs.name,
            mine.phone.is_not(None),
            mine.phone != "",
            mine.phone == theirs.phone,
        ),
    )


def join_same_person(query: Any, other: Any, by_name: bool) -> Any:
    """Join `other` (an aliased Case) to the cases of Case's petitioner: by the same petitioner
    row, or (`by_name`) by another petitioner row with the same name and phone where one of
    the two has no ID (`same_person`). Two joins, not one with an OR: SQLite cannot use an index
    for `p.id = q.id OR (name, phone)` and scanned every pair."""
    if not by_name:
        return query.join(other, other.petitioner_id == Case.petitioner_id)
    p, q = aliased(Petitioner), aliased(Petitioner)
    return (
        query.join(p, p.id == Case.petitioner_id)
        .join(
            q,
            and_(
                q.name == p.name,
                q.phone == p.phone,
                q.id != p.id,
                or_(p.id_number.is_(None), q.id_number.is_(None)),
            ),
        )
        .join(other, other.petitioner_id == q.id)
        .where(p.phone.is_not(None), p.phone != "")
    )


def _later_registrations(as_of: dt.date) -> Any:
    """(open case, a later registration of its petitioner) pairs (`join_same_person`)."""
    parts = []
    for by_name in (False, True):
        later = aliased(Case)
        query = select(
            Case.id.label("case_id"), later.received_on.label("on"), later.number.label("number")
        )
        query = join_same_person(query, later, by_name)
        parts.append(
            query.where(
                open_at(as_of),
                later.id != Case.id,
                later.voided.is_not(True),  # not indexable: the join goes by petitioner_id
                as_date(later.received_on) <= as_of,  # not indexable either
                # Registered again after this case, while it was still open (open at A too).
                or_(
                    later.received_on > Case.received_on,
                    and_(later.received_on == Case.received_on, later.id > Case.id),
                ),
            )
        )
    return union_all(*parts).subquery("later")


def _hits_repeat(as_of: dt.date) -> Any:
    later = _later_registrations(as_of)
    # The newest registration: each one after a dismissal or a 督办 is a new hit (§9). Its 编号
    # rides on the max(): 'YYYY-MM-DD' || 编号, cut after the date (two on the same day: the
    # later 编号). A bare column beside max() is SQLite's alone; a window function made SQLite
    # scan every case.
    newest = func.max(iso_date(later.c.on) + later.c.number)
    return select(
        later.c.case_id.label("case_id"),
        literal(REPEAT).label("rule"),
        func.max(later.c.on).label("since"),
        func.substr(newest, 11).label("detail"),
    ).group_by(later.c.case_id)


def hits(session: Session, as_of: dt.date | None = None) -> list[Hit]:
    """Every listed hit as of A (default today), oldest first."""
    as_of = as_of or clock.today()
    cfg = settings.get_all(session)
    parts = []
    if cfg["trigger_half_period"]:
        parts.append(_hits_half(as_of))
    if cfg["trigger_assigned_due"]:
        parts.append(_hits_assigned(as_of))
    if cfg["trigger_due_soon"]:
        parts.append(_hits_due_soon(as_of, int(cfg["warning_days"])))
    if cfg["trigger_repeat"]:
        parts.append(_hits_repeat(as_of))
    if not parts:
        return []
    h = union_all(*parts).subquery("h")
    acted = aliased(Event)
    dismissed = aliased(SupervisionDismissal)
    # Dates are ISO text in SQLite: compared as stored (CAST AS DATE would make them numbers).
    since = h.c.since
    query = (
        select(
            h.c.case_id,
            h.c.rule,
            h.c.since,
            h.c.detail,
            Case.number,
            Case.status,
            Case.handling_due,
            Petitioner.name,
        )
        .join(Case, Case.id == h.c.case_id)
        .outerjoin(Petitioner, Petitioner.id == Case.petitioner_id)
        .where(
            ~exists().where(
                acted.case_id == h.c.case_id,
                _kind_in(acted, ACTS),
                acted.on >= since,
                acted.on <= as_of,
            ),
            ~exists().where(
                dismissed.case_id == h.c.case_id,
                dismissed.rule == h.c.rule,
                dismissed.since >= since,
                dismissed.on <= as_of,
            ),
        )
        .order_by(h.c.since, Case.number)
    )
    rows = session.execute(query).all()
    cal = work_calendar(session) if any(r.rule == ASSIGNED for r in rows) else None
    # One hit per case and rule: rows come oldest first, so the newest (a later 交办 passed)
    # replaces an older one. Whatever cleared the newest (a 督办 after it, a dismissal of it)
    # cleared the older ones too: their `since` is earlier.
    found: dict[tuple[int, str], Hit] = {}
    for r in rows:
        day = _day(r.since)
        reason = RULES[r.rule][1]
        detail = str(r.detail or "")
        if r.rule == ASSIGNED and cal is not None:
            # A 期限 ending on a rest day runs to the next working day (§3, rolled forward).
            due = cal.add_months(day - dt.timedelta(days=1), 0).day
            if due >= as_of:
                continue
            day = due + dt.timedelta(days=1)  # the hit dates from the day after the rolled 期限
            reason = f"交办期限 {due:%Y-%m-%d} 已过，{detail or '承办单位'}尚未反馈"
        elif r.rule == DUE_SOON and r.handling_due is not None:
            due = _day(r.handling_due)
            word = "已超过" if due < as_of else "临近"
            reason = f"{word}办理期限 {due:%Y-%m-%d}，尚未答复"
        elif r.rule == REPEAT:
            reason = f"信访人在办理期间再次信访（{detail}）"
        found[(r.case_id, r.rule)] = Hit(
            r.case_id,
            r.number,
            r.rule,
            reason,
            day,
            r.name or "",
            r.status,
            _day(r.handling_due) if r.handling_due else None,
            detail,
        )
    return sorted(found.values(), key=lambda h: (h.since, h.number))


def count(session: Session, as_of: dt.date | None = None) -> int:
    return len(hits(session, as_of))


def dismiss(
    session: Session, case_id: int, rule: str, note: str, user: str, on: dt.date | None = None
) -> Hit:
    """Dismiss the case's listed hit for `rule` (any rule when blank) with the clerk's note."""
    note = note.strip()
    if not note:
        raise DomainError("请填写不督办的理由。", field="note")
    on = on or clock.today()
    mine = [h for h in hits(session, on) if h.case_id == case_id and (not rule or h.rule == rule)]
    if not mine:
        raise DomainError("该信访件当前不在督办清单中。")
    from app import audit

    for hit in mine:
        session.add(
            SupervisionDismissal(
                case_id=case_id,
                rule=hit.rule,
                since=hit.since,
                on=on,
                note=note,
                by=user,
                at=clock.now(),
            )
        )
        audit.record(session, user, "督办清单忽略", "case", hit.number, hit.rule, None, note)
    session.flush()
    return mine[0]
