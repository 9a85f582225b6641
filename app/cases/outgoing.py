"""Outgoing handling (docs/rules.md, 交办与转送): what each unit a case was sent to did with it.

A 交办 or 转送 (a "send") goes to one unit, named by its `to`. The steps that follow it — 签收,
反馈, 退回, 催办, and a 督办 of that unit — name it by `unit` (`to` for a 督办); a blank `unit` is
the latest send before the step (what an imported 已退单 writes). The clerk's path always stores
the send's own `to` text, so SQL (app/office/units.py, app/stats/art41.py) can match steps to
sends by plain equality.

Functions over a case's events (no session, no Qt), and `follow_up_of`, the same matching as
an SQL condition. `projection.project()` asks which send a
退回 returns (a returned 转送 sends the case back to 待受理); the case page and the CLI show
`unit_states`.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, exists, func, or_
from sqlalchemy.orm import aliased

from app.cases.deadlines import WorkCalendar, warning
from app.models import Event

SENDS = ("交办", "转送")
# The steps about one send, in the order a unit normally goes through them.
FOLLOW_UPS = ("签收", "反馈", "退回", "催办")

# Unit states, as the case page and the CLI print them.
SENT = {"交办": "已交办", "转送": "已转送"}
SIGNED = "已签收"
ANSWERED = "已反馈"
RETURNED = "已退回"
# The case page's mark for an accepted case whose 交办 came back (§3): a new 交办 is expected.
AWAITING = "待重新交办"


class EventLike(Protocol):
    seq: int
    kind: str
    on: dt.date
    data: dict[str, Any]


@dataclass
class UnitState:
    """One 交办/转送 and what followed it."""

    seq: int  # the send's event
    kind: str  # 交办 / 转送
    unit: str  # the send's `to`, as written
    sent_on: dt.date
    deadline: dt.date | None = None  # the 交办 期限 as written
    due: dt.date | None = None  # the 期限 rolled forward past rest days: what is warned about
    signed_on: dt.date | None = None
    answered_on: dt.date | None = None  # the first 反馈
    answers: list[str] = field(default_factory=list)
    returned_on: dt.date | None = None
    return_reason: str = ""
    urged: int = 0  # 催办
    supervised: int = 0  # 督办 of this unit

    @property
    def state(self) -> str:
        if self.returned_on is not None:
            return RETURNED
        if self.answered_on is not None:
            return ANSWERED
        if self.signed_on is not None:
            return SIGNED
        return SENT[self.kind]

    @property
    def open(self) -> bool:
        """Still waiting for the unit (neither answered nor sent back)."""
        return self.answered_on is None and self.returned_on is None

    def days_taken(self, today: dt.date) -> int:
        """Days from the send to the unit's answer or return (or to today while it waits)."""
        end = self.answered_on or self.returned_on or today
        return (end - self.sent_on).days

    def warning(self, today: dt.date, window: int) -> str:
        """临期/超期 of the 交办 期限 while the unit has not answered (§3)."""
        if not self.open:
            return ""
        return warning(self.due, today, window) or ""


def roll_forward(day: dt.date, cal: WorkCalendar) -> dt.date:
    """The first working day on or after `day` (a 期限 on a rest day ends on the next working
    day, like any period, docs/rules.md 时限): a one-day period that starts the day before."""
    return cal.add_days(day - dt.timedelta(days=1), 1).day


def last_working_day_before(day: dt.date, cal: WorkCalendar) -> dt.date:
    """The latest working day before `day`. A 期限 d, rolled forward, is before `day` exactly
    when d ≤ this day: SQL compares the written 期限 with it instead of rolling every row."""
    d = day - dt.timedelta(days=1)
    for _ in range(60):  # no run of rest days is this long; stop rather than loop on bad data
        rest, _est = cal.is_rest(d)
        if not rest:
            return d
        d -= dt.timedelta(days=1)
    return d


def find_send(sends: list[UnitState], unit: str | None) -> UnitState | None:
    """The send a step names: the latest one to `unit` (exact text), or the latest of all when
    `unit` is blank. None when no send matches."""
    unit = (unit or "").strip()
    for s in reversed(sends):
        if not unit or s.unit == unit:
            return s
    return None


def unit_states(events: Iterable[EventLike], cal: WorkCalendar | None = None) -> list[UnitState]:
    """Every 交办/转送 of the case in order, with the steps that followed it."""
    sends: list[UnitState] = []
    for ev in sorted(events, key=lambda e: e.seq):
        data = ev.data or {}
        if ev.kind in SENDS:
            deadline = _date(data.get("deadline")) if ev.kind == "交办" else None
            due = roll_forward(deadline, cal) if deadline and cal else deadline
            sends.append(
                UnitState(ev.seq, ev.kind, str(data.get("to", "")).strip(), ev.on, deadline, due)
            )
            continue
        if ev.kind not in (*FOLLOW_UPS, "督办"):
            continue
        name = data.get("to") if ev.kind == "督办" else data.get("unit")
        send = find_send(sends, name)
        if send is None:
            continue
        if ev.kind == "签收" and send.signed_on is None:
            send.signed_on = ev.on
        elif ev.kind == "反馈":
            send.answered_on = send.answered_on or ev.on
            send.answers.append(str(data.get("text", "")))
        elif ev.kind == "退回" and send.returned_on is None:
            send.returned_on, send.return_reason = ev.on, str(data.get("reason", ""))
        elif ev.kind == "催办":
            send.urged += 1
        elif ev.kind == "督办":
            send.supervised += 1
    return sends


def awaiting_reassignment(events: Iterable[EventLike]) -> bool:
    """待重新交办 (§3): the latest 交办 was sent back and neither a new 交办 nor the office's own
    answer (答复) has come since. A returned 转送 is not this: that case is 待受理 again."""
    waiting = False
    sends: list[UnitState] = []
    for ev in sorted(events, key=lambda e: e.seq):
        if ev.kind in SENDS:
            sends.append(UnitState(ev.seq, ev.kind, str(ev.data.get("to", "")), ev.on))
            waiting = False
        elif ev.kind == "退回":
            send = find_send(sends, ev.data.get("unit"))
            if send is not None and send.kind == "交办" and send is sends[-1]:
                waiting = True
        elif ev.kind in ("答复", "作废"):
            waiting = False
    return waiting


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def follow_up_of(
    later: Any, send: Any, kinds: tuple[str, ...], as_of: dt.date
) -> ColumnElement[bool]:
    """`later` is a step of `kinds` dated by A about `send` (a 交办/转送 of its case): it names the
    send's unit, or names none and no other send came between (docs/rules.md, 交办与转送).

    The kind and date terms are wrapped (coalesce) so they cannot choose ix_events_kind_on: the
    subquery must walk this case's few events by (case_id, seq). Left alone, SQLite read every
    签收 ever recorded once per send (minutes at 100,000 cases)."""
    between = aliased(Event)
    unit = later.data["unit"].as_string()
    return and_(
        later.case_id == send.case_id,
        later.seq > send.seq,
        func.coalesce(later.kind, "").in_(kinds),
        func.coalesce(later.on, as_of) <= as_of,
        or_(
            unit == send.data["to"].as_string(),
            and_(
                func.coalesce(unit, "") == "",
                ~exists()
                .where(
                    between.case_id == send.case_id,
                    between.seq > send.seq,
                    between.seq < later.seq,
                    func.coalesce(between.kind, "").in_(SENDS),
                )
                # Every table but `between` is the enclosing queries' row. SQLAlchemy
                # correlates only with the query just outside: with `later` itself in a
                # subquery (art41's feedback_overdue) it added `send`'s table to this FROM, a
                # cross join over every event that answered for the wrong case.
                .correlate_except(between),
            ),
        ),
    )
