"""Importing a 台账 (docs/rules.md, 台账): read → dry run (`ledger_plan`) → one transaction.

New cases are written in bulk: each is built as `intake` would build it and its status and
deadlines come from the same `projection.project()`; rows whose 编号 exists and that the clerk
chose to update go through `intake.update_case` and `workflow.act` one by one.
"""

import datetime as dt
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table as SqlTable
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import intake, rules, versions, writing
from app.cases.intake import CaseInput, pinyin_keys
from app.cases.workflow import DECISIONS, NOT_OFFERED, TRANSITIONS, act
from app.db import Database
from app.dialect import advance_id_sequences, id_source
from app.errors import DomainError
from app.ledger.plan import (
    ERROR,
    REMARK_FLAGS,
    ImportPlan,
    Problem,
    RowPlan,
    memo_calendar,
    plan_import,
    projected,
    timeline,
)
from app.ledger.read import Table, read_table
from app.ledger.values import EXTRA_KEYS
from app.models import AuditEntry, Case, Event, Petitioner
from app.office import dictionaries, settings
from app.periods import guard
from app.safety import auth

Progress = Callable[[int, int], None]
_COLUMNS = [c.key for c in Case.__table__.columns]
_BATCH = 2000
# Ledger columns → the CaseInput fields they set, for updating an existing case.
_UPDATES = {
    "received_on": ("received_on",),
    "form": ("form",),
    "channel": ("channel", "assigning_org"),
    "name": ("name", "anonymous"),
    "id_number": ("id_number",),
    "phone": ("phone",),
    "address": ("address",),
    "persons": ("persons",),
    "collective": ("collective_override",),
    "summary": ("summary",),
    "category": ("category", "subcategory"),
    "department": ("department",),
    "leader": ("leader",),
    "repeat": ("repeat",),
    "visit_level": ("visit_level",),
    "remark": ("remark",),
    "companions": ("persons",),
    "first_visit": ("repeat",),
    "skip_level": ("skip_level",),
    "abnormal": ("abnormal",),
    "nature": ("nature",),
    "locality": ("locality",),
    "target": ("target",),
    "assigning_org": ("assigning_org",),
    "assigning_ref": ("assigning_ref",),
    "handler": ("handler",),
    **{key: ("extra",) for key in (*EXTRA_KEYS, "receiving_leader")},
}


@dataclass
class ImportResult:
    created: int
    updated: int
    skipped_existing: int
    skipped_rows: int
    skipped_bad: int = 0  # rows with errors the clerk chose to leave out
    new_departments: list[str] = field(default_factory=list)
    new_leaders: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    new_channels: list[str] = field(default_factory=list)
    seconds: float = 0.0
    new_subcategories: list[tuple[str, str]] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)  # the dry run's assumptions, repeated

    def lines(self) -> list[str]:
        bad = f"，有错误跳过 {self.skipped_bad} 行" if self.skipped_bad else ""
        out = [
            f"新增 {self.created} 件，更新 {self.updated} 件，编号已存在跳过 "
            f"{self.skipped_existing} 件，空行/合计行跳过 {self.skipped_rows} 行{bad}。"
        ]
        for label, values in (
            ("承办单位", self.new_departments),
            ("包案领导", self.new_leaders),
            ("问题类别", self.new_categories),
            ("来源渠道", self.new_channels),
        ):
            if values:
                out.append(f"新加入字典的{label}：{'、'.join(values)}")
        if self.new_subcategories:
            subs = "、".join(f"{parent}／{sub}" for parent, sub in self.new_subcategories)
            out.append(f"新加入字典的二级分类：{subs}")
        return out  # the callers print `summary` (the dry run's assumptions) after these


def dry_run(
    db: Database,
    path: Path,
    sheet: str | None = None,
    mapping: dict[str, int] | None = None,
    update: bool = False,
    add_unknown: bool = False,
    fixed: dict[str, str] | None = None,
) -> tuple[Table, ImportPlan]:
    """Read the file and check every row; writes nothing. `mapping` replaces the header's
    column mapping; `fixed` gives whole-sheet values (field key → text)."""
    table = read_table(Path(path), sheet)
    if mapping is not None:
        table.mapping = dict(mapping)
    if fixed:
        table.fixed = dict(fixed)
    return table, check(db, table, update, add_unknown)


def check(
    db: Database, table: Table, update: bool = False, add_unknown: bool = False
) -> ImportPlan:
    """The dry run of a table already read (the wizard re-checks after the clerk remaps columns)."""
    with db.read() as s:
        plan = plan_import(s, table, update, add_unknown)
        check_people(s, table, plan)
    return plan


def check_people(session: Session, table: Table, plan: ImportPlan) -> None:
    """One 身份证号 is one person: a different name (in the ledger or the database) is an error."""
    names: dict[str, tuple[str, int]] = {}
    for p in plan.rows:
        if p.data.id_number:
            names.setdefault(p.data.id_number, (p.data.name, p.row))
    known: dict[str | None, str] = {}  # keys: the 身份证号 asked for, never None
    ids = list(names)
    for i in range(0, len(ids), 500):
        known.update(
            session.execute(
                select(Petitioner.id_number, Petitioner.name).where(
                    Petitioner.id_number.in_(ids[i : i + 500])
                )
            ).all()
        )
    bad: set[int] = set()
    col = table.mapping.get("name")
    column = f"{table.column_title('name')}" if col is not None else ""
    for p in plan.rows:
        idn = p.data.id_number
        if not idn:
            continue
        first_name, first_row = names[idn]
        if idn in known and p.data.name and known[idn] != p.data.name:
            msg = f"身份证号 {idn} 在数据库中登记为“{known[idn]}”，与本行姓名不符。"
        elif p.data.name != first_name:
            msg = f"身份证号 {idn} 在第{first_row}行的姓名为“{first_name}”，与本行不符。"
        else:
            continue
        plan.problems.append(Problem(table.sheet, p.row, column, p.data.name, msg, ERROR))
        plan.bad_rows.add(p.row)
        bad.add(p.row)
    if bad:
        plan.rows = [p for p in plan.rows if p.row not in bad]


def import_ledger(
    db: Database,
    plan: ImportPlan,
    user: str = "",
    source: str = "",
    progress: Progress | None = None,
    skip_bad_rows: bool = False,
    role: str = auth.ADMIN,
) -> ImportResult:
    """Write a checked plan: all rows in one transaction, or none (also when `progress` raises).
    A case another clerk changes while it is being updated: the import is done again on the
    current state, and refused (StaleCase, nothing imported) if that keeps happening."""
    auth.require(role, "import")
    return writing.retried(db, lambda s: write_plan(s, plan, user, source, progress, skip_bad_rows))


def write_plan(
    s: Session,
    plan: ImportPlan,
    user: str = "",
    source: str = "",
    progress: Progress | None = None,
    skip_bad_rows: bool = False,
) -> ImportResult:
    """Write a checked plan inside the caller's transaction (`import_ledger`, or the register
    import writing its cases in the same transaction as the register rows)."""
    if plan.errors and not skip_bad_rows:
        raise DomainError(
            f"台账中有 {len(plan.errors)} 处错误，未导入任何一行。请修改原表后重新导入，"
            "或选择跳过有错误的行。"
        )
    started = time.perf_counter()
    total = len(plan.rows)
    report = progress or (lambda _d, _t: None)
    creates = [p for p in plan.rows if not p.update]
    updates = [p for p in plan.rows if p.update]
    for kind, values in (
        ("department", plan.new_departments),
        ("leader", plan.new_leaders),
        ("category", plan.new_categories),
        ("channel", plan.new_channels),
    ):
        for value in values:
            dictionaries.add(s, kind, value)
    for parent, sub in plan.new_subcategories:
        dictionaries.add(s, "subcategory", sub, parent=parent)
    _create(s, creates, plan.birth_dates, user, source, report, total)
    _hold(s, [p.data.number for p in updates])
    for i, p in enumerate(updates, start=len(creates) + 1):
        _update(s, p, plan, user)
        if i % 100 == 0:
            report(i, total)
    report(total, total)
    return ImportResult(
        len(creates),
        len(updates),
        len(plan.skipped_existing),
        plan.skipped_rows,
        len(plan.bad_rows),
        plan.new_departments,
        plan.new_leaders,
        plan.new_categories,
        plan.new_channels,
        time.perf_counter() - started,
        plan.new_subcategories,
        plan.summary,
    )


def _note_numbers(session: Session, numbers: list[str]) -> None:
    """Keep the 编号 counter past the ledger's numbers; only each series' largest matters."""
    largest: dict[str, tuple[int, str]] = {}
    for number in numbers:
        m = re.fullmatch(r"(.*?)(\d+)", number)
        if m and int(m.group(2)) >= largest.get(m.group(1), (-1, ""))[0]:
            largest[m.group(1)] = (int(m.group(2)), number)
    for _, number in largest.values():
        intake.note_imported_number(session, number)


def _people(
    session: Session, rows: list[RowPlan]
) -> tuple[dict[str | None, int], dict[tuple[str, str | None], int]]:
    """Existing petitioners the ledger's rows name: by 身份证号, and by 姓名+电话 without one."""
    by_id: dict[str | None, int] = {}  # as Petitioner.id_number is typed; None never a key
    by_phone: dict[tuple[str, str | None], int] = {}
    ids = sorted({p.data.id_number for p in rows if p.data.id_number})
    phones = sorted({p.data.phone for p in rows if p.data.phone and not p.data.id_number})
    for i in range(0, len(ids), 500):
        by_id.update(
            session.execute(
                select(Petitioner.id_number, Petitioner.id).where(
                    Petitioner.id_number.in_(ids[i : i + 500])
                )
            ).all()
        )
    for i in range(0, len(phones), 500):
        q = select(Petitioner.name, Petitioner.phone, Petitioner.id).where(
            Petitioner.phone.in_(phones[i : i + 500]), Petitioner.id_number.is_(None)
        )
        for name, phone, pid in session.execute(q):
            by_phone.setdefault((name, phone), pid)
    return by_id, by_phone


def _create(
    session: Session,
    rows: list[RowPlan],
    births: dict[str, dt.date],
    user: str,
    source: str,
    report: Progress,
    total: int,
) -> None:
    if not rows:
        return
    cfg, cal = settings.get_all(session), memo_calendar(session)
    threshold = int(cfg["collective_threshold"])
    _note_numbers(session, [p.data.number for p in rows if p.data.number])
    allocate = intake.number_allocator(session)
    by_id, by_phone = _people(session, rows)
    conn = session.connection()
    new_pid, new_cid = (
        id_source(conn, "petitioners", len(rows)),
        id_source(conn, "cases", len(rows)),
    )
    now = clock.now()
    people: list[dict[str, Any]] = []
    cases: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []

    def flush() -> None:
        # Rows into a closed period need a 更正说明 (the ORM's flush check does not see this
        # executemany): the same rule, asked before the insert.
        guard.check_rows(
            session,
            [(c["number"], c["received_on"]) for c in cases],
            [e["on"] for e in events],
            user,
        )
        for model, batch in (
            (Petitioner, people),
            (Case, cases),
            (Event, events),
            (AuditEntry, audits),
        ):
            if model is AuditEntry:
                # Each audit row carries its link of the hash chain, computed here in bulk
                # (sealing them at commit would cost one UPDATE per row).
                audit.chain_rows(session, batch)
            insert_many(session, model.__table__, batch)
            if model is AuditEntry:
                # chain_rows numbers them (under the chain's lock): the sequence moves past.
                advance_id_sequences(conn, "audit_log")
            batch.clear()

    for i, p in enumerate(rows):
        d = p.data
        pid: int | None = None
        if not (d.anonymous and not d.name):
            key = (d.name, d.phone)
            pid = by_id.get(d.id_number) if d.id_number else by_phone.get(key) if d.phone else None
            if pid is None:
                pid = new_pid()
                people.append(_person_row(d, pid, now, births))
                if d.id_number:
                    by_id[d.id_number] = pid
                elif d.phone:
                    by_phone[key] = pid
        number = d.number or allocate(d.received_on.year)
        cid = new_cid()
        # The row intake._apply would build, then the projection projection.project gives it.
        fields: dict[str, Any] = {
            name: (None if (v := getattr(d, name)) == "" else v) for name in intake.CASE_FIELDS
        }
        override = d.collective_override
        fields.update(
            id=cid,
            number=number,
            petitioner_id=pid,
            summary=d.summary,
            repeat_of_id=None,
            collective=rules.collective(d.form, d.persons, threshold, override),
            created_at=now,
            created_by=user,
            updated_at=now,
            updated_by=user or None,
            version=1,
        )
        steps = timeline(d.received_on, p.events)
        case = projected(fields, steps, cfg, cal)
        cases.append({key: getattr(case, key) for key in _COLUMNS})
        events += [
            dict(
                case_id=cid,
                seq=e.seq,
                kind=e.kind,
                on=e.on,
                data=e.data,
                recorded_by=user,
                recorded_at=now,
            )
            for e in steps
        ]
        audits.append(
            dict(
                at=now,
                user=user,
                action="导入",
                entity="case",
                entity_id=number,
                field=None,
                old=None,
                new=source or None,
            )
        )
        if len(cases) >= _BATCH:
            flush()
            report(i + 1, total)
    if cases:
        flush()


def insert_many(session: Session, table: SqlTable, rows: list[dict[str, Any]]) -> None:
    """One executemany of rows that all have the same keys, each value converted by its column
    type's own bind processor (dates, JSON, booleans stored exactly as the ORM stores them).

    Why not `session.execute(table.insert(), rows)`: Core re-processes every parameter of every
    row through its generic compiled-statement path, ~40 % of a 10,000-row import; and the ORM
    bulk path splits the batch by which columns are None (10× slower)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    columns = [c for c in table.columns if c.key in rows[0]]
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    keys = [c.key for c in columns]
    names = ", ".join(dialect.identifier_preparer.quote(c.name) for c in columns)
    # The driver's own placeholder: sqlite3 takes `?`, psycopg `%s` (its executemany pipelines).
    marks = ", ".join(("?" if dialect.paramstyle == "qmark" else "%s") for _ in columns)
    values = [
        tuple(
            v if proc is None else proc(v)
            for proc, v in zip(processors, (row[k] for k in keys), strict=True)
        )
        for row in rows
    ]
    connection.exec_driver_sql(
        f"INSERT INTO {dialect.identifier_preparer.quote(table.name)} ({names}) VALUES ({marks})",
        values,
    )


def _person_row(
    d: CaseInput, pid: int, now: dt.datetime, births: dict[str, dt.date]
) -> dict[str, Any]:
    initials, full = pinyin_keys(d.name)
    return dict(
        id=pid,
        name=d.name,
        name_initials=initials,
        name_pinyin=full,
        gender=d.gender or None,
        id_number=d.id_number or None,
        birth_date=births.get(d.id_number),
        phone=d.phone or None,
        address=d.address or None,
        workplace=None,
        created_at=now,
    )


def _hold(session: Session, numbers: list[str]) -> None:
    """Lock the rows of every case the ledger updates before changing any, in id order as
    `writing.lock` does: held in the sheet's order, an import updating b then a and a clerk
    linking a–b (a, then b) each waited for the other, and PostgreSQL aborted one of them.
    SQLite has one writer at a time and omits FOR UPDATE."""
    ids: list[int] = []
    for i in range(0, len(numbers), 500):
        ids += session.scalars(select(Case.id).where(Case.number.in_(numbers[i : i + 500])))
    ids.sort()
    for i in range(0, len(ids), 500):  # ascending chunks: the whole stays in id order
        chunk = ids[i : i + 500]
        session.execute(
            select(Case.id).where(Case.id.in_(chunk)).order_by(Case.id).with_for_update()
        ).all()


def _update(session: Session, p: RowPlan, plan: ImportPlan, user: str) -> None:
    """An existing 编号: the ledger's columns replace the stored fields, later steps are added.
    The case is loaded with its row locked and claimed (versions.py), as a clerk's save is: a
    change by another clerk meanwhile fails here (StaleDataError, the import done again) rather
    than at a later flush."""
    try:
        case = versions.load_for_write(session, p.data.number)
    except DomainError:  # voided and purged, or renamed since the dry run
        raise DomainError(f"第{p.row}行：找不到编号 {p.data.number}。") from None
    versions.claim(session, case)
    data = intake.case_input(case)
    for key in (*plan.mapping, *plan.fixed):
        for name in _UPDATES.get(key, ()):
            setattr(data, name, getattr(p.data, name))
    # A 备注 without our 标记 tag says nothing about the flags: only ever set them.
    for name in REMARK_FLAGS.values():
        if getattr(p.data, name):
            setattr(data, name, True)
    try:
        intake.update_case(session, case, data, user, required=False)
        have = {e.kind for e in case.events}
        for kind, on, extra in p.events:
            if kind in have or (kind in DECISIONS and case.decision_kind):
                continue
            if kind in NOT_OFFERED:
                continue  # 情况不详/退回 describe a new case's history, not a step to add
            if case.status not in TRANSITIONS[kind].allowed_from or on < case.events[-1].on:
                continue  # the database is further along than the ledger
            act(session, case, kind, on, dict(extra), user)
    except DomainError as exc:
        raise DomainError(
            f"{plan.sheet} 第{p.row}行（编号 {p.data.number}）：{exc.message}"
        ) from None
