"""The one check that keeps closed periods' figures still (docs/rules.md, 封账).

Every write session (`Database.session`) runs `before_flush`: it looks at the Case, Event and
register rows the flush would insert, change or delete and decides whether any closed period
(from, to, as-of) is touched. Because the check sits at the flush, every service write — today's
and the ones added later — passes through it without its own code. Bulk writers that bypass the
ORM (the ledger import's executemany) call `check_rows` with what they insert.

What touches a closed period P = [from, to] as of A (bound = max(to, A), the last received date a
figure of P reads):
- a case inserted or deleted, received ≤ bound;
- a case whose received_on changes, either date ≤ bound; whose 作废 flag or 情况不详-ness
  changes, received ≤ bound; a change of a field a figure counts (形式, 来源, 类别, 科室, 人数,
  集体, 重复, 层级, 越级, 非正常, 包案领导, 被反映对象, 交办机关, imported-gap flags) while
  received in [from, to];
- a projected date the figures read (decision_on, accepted_on, closed_on, final_on) moving
  where either value is ≤ A (a step after A can still move one: a 退回 undoes a 转送);
- an event inserted, deleted or changed with its date (old or new) ≤ A;
- a 领导接访 or 排查 register row dated in [from, to].
Everything else cannot move a figure and passes without a reason: text fields (反映问题, 备注,
姓名…), 二级类别, 性质, 承办人, attachments, links, the rating and handling due the figures
re-read from the events at A, and any event dated after A.

Without a reason the write is refused (`CorrectionRequired`, naming the period); with one
(`correcting(reason)`, or the CLI's --correction-reason) it goes through, and the commit adds a
PeriodCorrection per touched period and an audit row. The snapshot itself is never changed.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app import audit, clock
from app.errors import DomainError
from app.models import (
    AuditEntry,
    Case,
    Event,
    LeaderReception,
    PeriodCorrection,
    Screening,
)

UNKNOWN = "情况不详"  # app.cases.projection.UNKNOWN (not imported: cases imports db imports us)

# Fields a figure counts over R (queries/figures/art41 read them from the case row).
COUNTED = (
    "form",
    "channel",
    "category",
    "department",
    "persons",
    "collective",
    "repeat",
    "visit_level",
    "skip_level",
    "abnormal",
    "leader",
    "target",
    "assigning_org",
    "decision_inferred",
    "closed_date_unknown",
)
# Projected dates the figures compare with A directly.
DATED = ("decision_on", "accepted_on", "closed_on", "final_on")
EVENT_FIELDS = ("on", "kind", "data", "case_id")
REGISTERS = (LeaderReception, Screening)

_reason: ContextVar[str | None] = ContextVar("correction_reason", default=None)


@contextmanager
def correcting(reason: str | None) -> Iterator[None]:
    """Writes inside this block may change closed periods' figures, with this 更正说明."""
    token = _reason.set((reason or "").strip() or None)
    try:
        yield
    finally:
        _reason.reset(token)


def current_reason() -> str | None:
    return _reason.get()


@dataclass(frozen=True)
class Closed:
    id: int
    date_from: dt.date
    date_to: dt.date
    as_of: dt.date

    @property
    def bound(self) -> dt.date:
        return max(self.date_to, self.as_of)

    @property
    def name(self) -> str:
        return period_text(self.date_from, self.date_to)


def period_text(date_from: dt.date, date_to: dt.date) -> str:
    def c(d: dt.date) -> str:
        return f"{d.year}年{d.month}月{d.day}日"

    return f"{c(date_from)}至{c(date_to)}"


class CorrectionRequired(DomainError):
    """A write would change a closed period's figures and no 更正说明 was given."""

    def __init__(self, periods: list[Closed], what: list[str]) -> None:
        names = "、".join(p.name for p in periods)
        super().__init__(
            f"{names}已封账，这项修改会改变该期已上报的统计数字（{'；'.join(what[:3])}）。"
            '如确需更正，请填写更正说明（命令行加 --correction-reason "原因"）。',
            field="correction_reason",
        )
        self.periods = periods
        self.what = what


@dataclass
class _Touch:
    cases: list[str] = field(default_factory=list)
    what: list[str] = field(default_factory=list)

    def add(self, number: str | None, text: str) -> None:
        if number and number not in self.cases:
            self.cases.append(number)
        if text not in self.what:
            self.what.append(text)


def closed_periods(session: Session) -> list[Closed]:
    """The snapshots in force, read once per transaction (a few rows; the raw connection, so a
    flush in progress is not flushed again)."""
    cached = session.info.get("closed_periods")
    if cached is None:
        try:
            rows = (
                session.connection()
                .exec_driver_sql(
                    "SELECT id, date_from, date_to, as_of FROM period_snapshots "
                    "WHERE reopened_at IS NULL ORDER BY date_from, date_to, as_of"
                )
                .all()
            )
        except OperationalError:  # a database not yet upgraded (a migration's own writes)
            rows = []
        cached = [
            # ISO text on SQLite (the raw connection), dates on PostgreSQL.
            Closed(int(i), a_date(f), a_date(t), a_date(a))
            for i, f, t, a in rows
        ]
        session.info["closed_periods"] = cached
    return list(cached)


def a_date(text: Any) -> dt.date:
    return text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text)[:10])


def forget(session: Session) -> None:
    """Closing or reopening a period in this session: read the periods again."""
    session.info.pop("closed_periods", None)


def _history(obj: Any, name: str) -> tuple[bool, list[Any]]:
    """(changed, old and new values) of one attribute of a dirty object."""
    hist = inspect(obj).attrs[name].history
    if not hist.has_changes():
        return False, []
    return True, [*hist.deleted, *hist.added, *([] if hist.deleted else hist.unchanged)]


def _le(day: Any, bound: dt.date) -> bool:
    return day is not None and a_date(day) <= bound


def _case_number(session: Session, case_id: int | None, event: Event | None = None) -> str:
    if event is not None and "case" in event.__dict__ and event.__dict__["case"] is not None:
        return str(event.__dict__["case"].number)
    if case_id is None:
        return ""
    known = session.identity_map.get(inspect(Case).identity_key_from_primary_key((case_id,)))
    if known is not None:
        return str(known.number)
    # The connection, not the session (no flush inside a flush); a bound parameter of either
    # dialect's style.
    row = (
        session.connection()
        .execute(text("SELECT number FROM cases WHERE id = :id"), {"id": case_id})
        .fetchone()
    )
    return str(row[0]) if row else ""


Touch = Callable[[Closed], str | None]


def _min_date(values: Iterable[Any]) -> dt.date | None:
    dates = [a_date(v) for v in values if v is not None]
    return min(dates) if dates else None


def _case_footprint(case: Case, state: str) -> Touch | None:
    """What of this case's write could touch a closed period, read from its history once; the
    returned test says, per period, what it touches (None: nothing)."""
    received = _min_date([case.received_on])
    if state in ("new", "deleted"):
        text = "新增信访件" if state == "new" else "删除信访件"
        return lambda p: text if received is not None and received <= p.bound else None
    moved, values = _history(case, "received_on")
    earliest = _min_date(values) if moved else None
    flags = [text for name, text in (("voided", "作废或恢复信访件"),) if _history(case, name)[0]]
    changed, values = _history(case, "status")
    if changed and UNKNOWN in values:
        flags.append("补录情况不详的信访件")
    dated = _min_date(v for name in DATED for v in _history(case, name)[1])
    counted = any(_history(case, name)[0] for name in COUNTED)
    if earliest is None and not flags and dated is None and not counted:
        return None

    def touch(p: Closed) -> str | None:
        if earliest is not None and earliest <= p.bound:
            return "修改登记日期"
        if received is None or received > p.bound:
            return None
        if flags:
            return flags[0]
        if dated is not None and dated <= p.as_of:
            return "办理日期变化"
        if counted and p.date_from <= received <= p.date_to:
            return "修改统计项"
        return None

    return touch


def _event_footprint(event: Event, state: str) -> Touch | None:
    if state in ("new", "deleted"):
        on = _min_date([event.on])
        text = f"{'补录' if state == 'new' else '撤销'}{event.on:%Y-%m-%d}的{event.kind}"
    else:
        dates: list[Any] = [event.on]
        moved = False
        for name in EVENT_FIELDS:
            changed, values = _history(event, name)
            moved = moved or changed
            if changed and name == "on":
                dates += values
        if not moved:
            return None
        on = _min_date(dates)
        text = f"修改{event.on:%Y-%m-%d}的{event.kind}"
    if on is None:
        return None
    day = on
    return lambda p: text if day <= p.as_of else None


def _register_footprint(row: Any, state: str) -> Touch | None:
    dates = [row.on]
    if state == "dirty":
        changed, values = _history(row, "on")
        dates += values if changed else []
    days = [a_date(d) for d in dates if d is not None]

    def touch(p: Closed) -> str | None:
        if any(p.date_from <= d <= p.date_to for d in days):
            return "修改领导接访或排查登记"
        return None

    return touch


def before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """`before_flush` of every write session: refuse or note writes into closed periods."""
    objects: list[tuple[Any, str]] = [
        *((o, "new") for o in session.new),
        *((o, "dirty") for o in session.dirty),
        *((o, "deleted") for o in session.deleted),
    ]
    for o, _state in objects:  # who is writing, for the correction's audit row at commit
        if isinstance(o, AuditEntry) and o.user:
            session.info["period_auditor"] = o.user
    watched = [(o, st) for o, st in objects if isinstance(o, (Case, Event, *REGISTERS))]
    # A step taken off `case.events` (undo) is an orphan the flush deletes later: it is not in
    # session.deleted yet, only in the collection's history.
    for o, st in list(watched):
        if isinstance(o, Case) and st == "dirty":
            removed = inspect(o).attrs["events"].history.deleted
            watched += [(e, "deleted") for e in removed if e not in session.deleted]
    if not watched:
        return
    periods = closed_periods(session)
    if not periods:
        return
    touched: dict[Closed, _Touch] = {}
    for obj, state in watched:
        if state == "dirty" and not session.is_modified(obj, include_collections=False):
            continue  # (a removed step is watched on its own, above)
        if isinstance(obj, Case):
            touch = _case_footprint(obj, state)
        elif isinstance(obj, Event):
            touch = _event_footprint(obj, state)
        else:
            touch = _register_footprint(obj, state)
        hits = [(p, text) for p in periods if touch is not None and (text := touch(p))]
        if hits:
            if isinstance(obj, Case):
                number = obj.number
            elif isinstance(obj, Event):
                number = _case_number(session, obj.case_id, obj)
            else:
                number = ""
            for p, text in hits:
                touched.setdefault(p, _Touch()).add(number, text)
        if "period_writer" not in session.info:  # no audit row yet: the step's own recorder
            writer = getattr(obj, "recorded_by", None) or getattr(obj, "created_by", None)
            if writer:
                session.info["period_writer"] = writer
    _decide(session, touched)


def check_rows(
    session: Session,
    cases: Iterable[tuple[str, dt.date]],
    events: Iterable[dt.date],
    user: str = "",
) -> None:
    """For bulk inserts that bypass the ORM: (编号, 登记日期) of the new cases and the dates of
    their events. Call before the insert; refuses or notes exactly as a flush would."""
    periods = closed_periods(session)
    if not periods:
        return
    dates = list(events)
    touched: dict[Closed, _Touch] = {}
    for number, received in cases:
        for p in periods:
            if _le(received, p.bound):
                touched.setdefault(p, _Touch()).add(number, "导入信访件")
    for day in dates:
        for p in periods:
            if _le(day, p.as_of):
                touched.setdefault(p, _Touch()).add(None, "导入办理步骤")
    if user:
        session.info["period_writer"] = user
    _decide(session, touched)


def _decide(session: Session, touched: dict["Closed", _Touch]) -> None:
    if not touched:
        return
    reason = current_reason()
    if reason is None:
        what = list(dict.fromkeys(w for t in touched.values() for w in t.what))
        raise CorrectionRequired(sorted(touched, key=lambda p: p.date_from), what)
    pending: dict[int, tuple[Closed, _Touch]] = session.info.setdefault("period_touched", {})
    for p, t in touched.items():
        _, kept = pending.setdefault(p.id, (p, _Touch()))
        for n in t.cases:
            kept.add(n, t.what[0])
        for w in t.what:
            kept.add(None, w)


def before_commit(session: Session) -> None:
    """Record the corrections of this transaction (one row per closed period touched) and audit
    them; registered before the audit chain seals the transaction's rows."""
    pending: dict[int, tuple[Closed, _Touch]] = session.info.pop("period_touched", {})
    session.info.pop("closed_periods", None)
    if not pending:
        return
    reason = current_reason() or ""
    audited = [o.user for o in session.new if isinstance(o, AuditEntry) and o.user]
    user = audited[-1] if audited else session.info.get("period_auditor")
    user = str(user or session.info.get("period_writer") or "")
    for snapshot_id, (p, t) in pending.items():
        session.add(
            PeriodCorrection(
                snapshot_id=snapshot_id,
                at=clock.now(),
                user=user,
                reason=reason,
                cases=t.cases,
                what="；".join(t.what),
            )
        )
        audit.record(
            session,
            user,
            "更正",
            "period",
            f"{p.date_from}~{p.date_to}@{p.as_of}",
            "更正说明",
            "、".join(t.cases) or None,
            reason,
        )


def after_rollback(session: Session) -> None:
    for key in ("period_touched", "closed_periods", "period_writer", "period_auditor"):
        session.info.pop(key, None)
