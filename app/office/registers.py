"""The 领导接访 and 矛盾纠纷排查调处 registers (docs/rules.md, 统计: leader_receptions, screenings).

Small hand-kept tables the clerk fills after each reception day and each screening; the
statistics service sums them over a period. Rows may be edited and deleted (they are the
clerk's notes, not cases), but every change is audited with the values before and after.
"""

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.db import Database
from app.errors import DomainError
from app.models import LeaderReception, Screening
from app.office import dictionaries
from app.safety import auth

EARLIEST = dt.date(2000, 1, 1)
MAX_COUNT = 100_000  # a typo guard: no reception day or screening reaches this
NOTE_LENGTH = 500


@dataclass
class Reception:
    on: dt.date
    leader: str
    batches: int = 0  # 批次 received that day
    persons: int = 0  # 人次
    note: str = ""
    id: int | None = None


@dataclass
class ScreeningRow:
    on: dt.date
    found: int = 0  # 排查出的矛盾纠纷（起）
    resolved: int = 0  # 其中化解（起）
    note: str = ""
    id: int | None = None


@dataclass(frozen=True)
class ReceptionTotals:
    days: int  # distinct reception days
    batches: int
    persons: int


@dataclass(frozen=True)
class ScreeningTotals:
    times: int
    found: int
    resolved: int


def _check_date(on: Any) -> None:
    if not isinstance(on, dt.date):
        raise DomainError("请填写日期。", field="on")
    if on > clock.today():
        raise DomainError(f"日期 {on:%Y-%m-%d} 晚于今天，登记的应是已经发生的事。", field="on")
    if on < EARLIEST:
        raise DomainError(f"日期 {on:%Y-%m-%d} 太早，请检查年份。", field="on")


def _check_count(value: Any, name: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{name}应为整数。", field=field)
    if value < 0:
        raise DomainError(f"{name}不能为负数。", field=field)
    if value >= MAX_COUNT:
        raise DomainError(f"{name} {value} 过大，请检查。", field=field)
    return value


def _check_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise DomainError(f"备注最多 {NOTE_LENGTH} 个字。", field="note")
    return note


def _validate_reception(session: Session, r: Reception, old_leader: str | None) -> Reception:
    _check_date(r.on)
    leader = (r.leader or "").strip()
    if not leader:
        raise DomainError("请选择接访领导。", field="leader")
    # A leader since taken off the list may stay on the rows that already name them.
    if leader != old_leader and leader not in dictionaries.values(session, "leader"):
        raise DomainError(f"“{leader}”不在领导名单中，请先在“设置 → 字典”中添加。", field="leader")
    batches = _check_count(r.batches, "接待批次", "batches")
    persons = _check_count(r.persons, "接待人次", "persons")
    if persons < batches:
        raise DomainError(
            f"接待人次（{persons}）不能少于批次（{batches}）：每批至少一人。", field="persons"
        )
    if batches == 0 and persons:
        raise DomainError("没有接待批次时人次应为 0。", field="batches")
    same = select(LeaderReception.id).where(
        LeaderReception.on == r.on, LeaderReception.leader == leader
    )
    if r.id is not None:
        same = same.where(LeaderReception.id != r.id)
    if session.scalar(same) is not None:
        raise DomainError(f"{r.on:%Y-%m-%d} 已有{leader}的接访记录，请修改那一行。", field="on")
    return Reception(r.on, leader, batches, persons, _check_note(r.note), r.id)


def _validate_screening(s: ScreeningRow) -> ScreeningRow:
    _check_date(s.on)
    found = _check_count(s.found, "排查出的矛盾纠纷", "found")
    resolved = _check_count(s.resolved, "化解的矛盾纠纷", "resolved")
    if resolved > found:
        raise DomainError(f"化解数（{resolved}）不能多于排查出的数（{found}）。", field="resolved")
    return ScreeningRow(s.on, found, resolved, _check_note(s.note), s.id)


def check_reception(session: Session, r: Reception, old_leader: str | None = None) -> Reception:
    """The register's own rules for a 领导接访 row (the sheet import writes through them too)."""
    return _validate_reception(session, r, old_leader)


def check_screening(s: ScreeningRow) -> ScreeningRow:
    return _validate_screening(s)


_MODELS: dict[type, tuple[type, str, str]] = {
    Reception: (LeaderReception, "leader_reception", "领导接访"),
    ScreeningRow: (Screening, "screening", "排查调处"),
}


def _values(row: Any) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in fields(row) if f.name != "id"}


class RegisterService:
    """CRUD for both registers; one short transaction per call, plain dataclasses out."""

    def __init__(self, db: Database, user: auth.CurrentUser) -> None:
        self.db = db
        # The signed-in account, never a default: reads need `view_case`, writes `registers`,
        # so a 查阅 account cannot change a register.
        self.user = user

    def leaders(self) -> list[str]:
        """The 接访领导 the 领导接访 register offers, in the office's order."""
        from app.office import dictionaries

        auth.require(self.user, "view_case")
        with self.db.read() as s:
            return dictionaries.values(s, "leader")

    def receptions(
        self, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> list[Reception]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            query = _period(select(LeaderReception), LeaderReception.on, date_from, date_to)
            rows = s.scalars(query.order_by(LeaderReception.on, LeaderReception.id))
            return [Reception(r.on, r.leader, r.batches, r.persons, r.note, r.id) for r in rows]

    def screenings(
        self, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> list[ScreeningRow]:
        auth.require(self.user, "view_case")
        with self.db.read() as s:
            query = _period(select(Screening), Screening.on, date_from, date_to)
            rows = s.scalars(query.order_by(Screening.on, Screening.id))
            return [ScreeningRow(r.on, r.found, r.resolved, r.note, r.id) for r in rows]

    def reception_totals(
        self, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> ReceptionTotals:
        auth.require(self.user, "view_case")
        t = LeaderReception
        query = select(
            func.count(func.distinct(t.on)),
            func.coalesce(func.sum(t.batches), 0),
            func.coalesce(func.sum(t.persons), 0),
        )
        with self.db.read() as s:
            days, batches, persons = s.execute(_period(query, t.on, date_from, date_to)).one()
        return ReceptionTotals(int(days), int(batches), int(persons))

    def screening_totals(
        self, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> ScreeningTotals:
        auth.require(self.user, "view_case")
        t = Screening
        query = select(
            func.count(t.id),
            func.coalesce(func.sum(t.found), 0),
            func.coalesce(func.sum(t.resolved), 0),
        )
        with self.db.read() as s:
            times, found, resolved = s.execute(_period(query, t.on, date_from, date_to)).one()
        return ScreeningTotals(int(times), int(found), int(resolved))

    def save(self, row: Reception | ScreeningRow) -> int:
        """Add (id None) or update a row after validating it. Returns the row's id."""
        auth.require(self.user, "registers")
        model, entity, label = _MODELS[type(row)]
        with self.db.session() as s:
            stored = None
            if row.id is not None:
                stored = s.get(model, row.id)
                if stored is None:
                    raise DomainError(f"这条{label}记录已被删除，请刷新后再试。")
            if isinstance(row, Reception):
                clean: Any = _validate_reception(s, row, stored.leader if stored else None)
            else:
                clean = _validate_screening(row)
            new = _values(clean)
            if stored is None:
                stored = model(**new)
                s.add(stored)
                s.flush()
                audit.record(
                    s, self.user.label, "新增", entity, str(stored.id), None, None, _describe(new)
                )
                return int(stored.id)
            for name, value in new.items():
                old = getattr(stored, name)
                if old != value:
                    audit.record(
                        s, self.user.label, "修改", entity, str(stored.id), name, old, value
                    )
                    setattr(stored, name, value)
            return int(stored.id)

    def delete(self, kind: type[Reception] | type[ScreeningRow], row_id: int) -> None:
        auth.require(self.user, "registers")
        model, entity, label = _MODELS[kind]
        with self.db.session() as s:
            stored = s.get(model, row_id)
            if stored is None:
                raise DomainError(f"这条{label}记录已被删除。")
            old = {c.key: getattr(stored, c.key) for c in model.__table__.columns if c.key != "id"}
            s.delete(stored)
            audit.record(
                s, self.user.label, "删除", entity, str(row_id), None, _describe(old), None
            )


def _period(query: Any, column: Any, date_from: dt.date | None, date_to: dt.date | None) -> Any:
    if date_from is not None:
        query = query.where(column >= date_from)
    if date_to is not None:
        query = query.where(column <= date_to)
    return query


def _describe(values: dict[str, Any]) -> str:
    return "；".join(
        f"{k}={v.isoformat() if isinstance(v, dt.date) else v}" for k, v in values.items()
    )
