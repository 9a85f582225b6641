"""Importing a 领导接访 or 排查调处 sheet into its register (docs/rules.md, 台账, 登记簿).

A 领导接访 sheet lists one visit per row (日期, 接访领导, 来访群众姓名, 来访人数,
群众诉求, 办理情况, 领导批示); the register keeps one row per day and leader:
批次 = the visits that day, 人次 = their 来访人数 (1 where blank), the note = their 诉求.
Its columns are the case import's own (read.py finds the header), so the same sheet can
also become 来访 cases (`also_cases`), written in the same transaction. A 排查 sheet has
columns of its own (SCREENING_WORDS below); the rows of one day become one register row.

As with cases: a dry run first (problems by row), nothing written while it has errors, and a
register row already present for the same day (and leader) is reported and skipped, or
replaced by the sheet's figures when the clerk asks (`update`).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import writing
from app.db import Database
from app.errors import DomainError
from app.ledger import importing, read
from app.ledger.importing import ImportPlan, ImportResult
from app.ledger.plan import ERROR, NOTE, Problem
from app.ledger.read import HEADER_SEARCH_ROWS, Table, column_letter
from app.ledger.values import normalise_header, parse_date, text
from app.models import LeaderReception, Screening
from app.office import dictionaries, registers
from app.office.registers import EARLIEST, MAX_COUNT, NOTE_LENGTH, Reception, ScreeningRow
from app.safety import auth

RECEPTION, SCREENING = "领导接访", "排查调处"
REGISTERS = (RECEPTION, SCREENING)
# Whole-sheet values of the cases a 领导接访 sheet also gives (`also_cases`).
RECEPTION_CASE_VALUES = {"form": "来访", "channel": "领导接访"}
# The 排查 sheet's own header words (the case vocabulary has none of them). Offices word these
# headers freely (排查发现矛盾纠纷数（起）, 调处成功数, 化解数), so a header is taken by the words
# it contains, tried in this order: a 化解 count often also says 排查 or 矛盾纠纷.
SCREENING_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("on", ("日期", "时间")),
    ("resolved", ("化解", "调处成功", "调处数", "成功调处")),
    ("found", ("发现", "排查出", "排查数", "矛盾纠纷数", "纠纷数")),
    ("note", ("备注", "说明")),
]
SCREENING_TITLES = {"on": "排查日期", "found": "排查发现", "resolved": "化解", "note": "备注"}


@dataclass
class RegisterPlan:
    """The dry run of a register sheet: the register rows it gives and every problem."""

    register: str
    sheet: str
    header_row: int  # 1-based
    receptions: list[Reception] = field(default_factory=list)  # id set: replaces that row
    screenings: list[ScreeningRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    rows_read: int = 0  # sheet rows that went into the register rows
    skipped_rows: int = 0  # blank and totals rows
    skipped_existing: list[str] = field(default_factory=list)  # “2025-03-05 王副县长”
    new_leaders: list[str] = field(default_factory=list)
    cases: ImportPlan | None = None  # the 来访 cases, when asked for

    @property
    def errors(self) -> list[Problem]:
        own = [p for p in self.problems if p.level == ERROR]
        return own + (self.cases.errors if self.cases is not None else [])

    @property
    def register_rows(self) -> list[Reception | ScreeningRow]:
        return [*self.receptions, *self.screenings]

    @property
    def added(self) -> int:
        return sum(1 for r in self.register_rows if r.id is None)

    @property
    def replaced(self) -> int:
        return sum(1 for r in self.register_rows if r.id is not None)

    def lines(self) -> list[str]:
        """The dry run's figures, for the CLI and the wizard."""
        rows = self.receptions if self.register == RECEPTION else self.screenings
        unit = (
            "接访记录（每日每位领导一条）" if self.register == RECEPTION else "排查记录（每日一条）"
        )
        out = [
            f"{self.register}：{self.rows_read} 行 → {len(rows)} 条{unit}，"
            f"其中新增 {self.added} 条、更新 {self.replaced} 条；"
            f"已登记过而跳过 {len(self.skipped_existing)} 条；"
            f"空行/合计行 {self.skipped_rows} 行。"
        ]
        if self.register == RECEPTION:
            batches = sum(r.batches for r in self.receptions)
            persons = sum(r.persons for r in self.receptions)
            days = len({r.on for r in self.receptions})
            out.append(f"共 {days} 天、{batches} 批、{persons} 人次。")
        else:
            found = sum(r.found for r in self.screenings)
            resolved = sum(r.resolved for r in self.screenings)
            out.append(f"共排查发现矛盾纠纷 {found} 起，化解 {resolved} 起。")
        if self.new_leaders:
            out.append(f"将加入领导名单：{'、'.join(self.new_leaders)}")
        return out


@dataclass
class RegisterResult:
    added: int
    replaced: int
    skipped_existing: int
    cases: ImportResult | None = None

    def lines(self) -> list[str]:
        out = [
            f"登记簿新增 {self.added} 条，更新 {self.replaced} 条，已登记过跳过 "
            f"{self.skipped_existing} 条。"
        ]
        if self.cases is not None:
            out += self.cases.lines()
        return out


class _Rows:
    """Problems for one register sheet, named like the case import's."""

    def __init__(self, plan: RegisterPlan, titles: dict[str, tuple[str, int]]) -> None:
        self.plan = plan
        self.titles = titles  # key → (header text, column index)

    def problem(self, row: int, key: str, value: Any, message: str, level: str = ERROR) -> None:
        title = self.titles.get(key)
        column = f"{title[0]}({column_letter(title[1])})" if title else ""
        self.plan.problems.append(
            Problem(self.plan.sheet, row, column, text(value), message, level)
        )
        if level == ERROR:
            self.plan.bad_rows.add(row)


def _count(value: Any, what: str, default: int) -> int:
    s = re.sub(r"\s+", "", text(value))
    if not s:
        return default
    m = re.fullmatch(r"(\d+)(?:人次|人|批|起|件|个)?", s)
    if not m:
        raise DomainError(f"{what}“{s}”应为整数。")
    n = int(m.group(1))
    if n >= MAX_COUNT:
        raise DomainError(f"{what} {n} 过大，请核对。")
    return n


def _date(value: Any) -> dt.date:
    on = parse_date(value)
    if on is None:
        raise DomainError("缺少日期。")
    if on > clock.today():
        raise DomainError(f"日期 {on:%Y-%m-%d} 晚于今天。")
    if on < EARLIEST:
        raise DomainError(f"日期 {on:%Y-%m-%d} 太早，请检查年份。")
    return on


def _is_total(row: list[Any]) -> bool:
    cells = [text(v).replace(" ", "") for v in row]
    return not any(cells) or any(c.startswith(("合计", "总计", "小计")) for c in cells[:6])


def _looks_like_date(table: Table, row: list[Any]) -> bool:
    try:
        return parse_date(table.cell(row, "received_on")) is not None
    except DomainError:
        return False


def _note(summaries: list[str], batches: int) -> str:
    joined = "；".join(s for s in summaries if s)
    if joined and len(joined) <= NOTE_LENGTH:
        return joined
    return f"接待{batches}批" + ("（诉求详见原表）" if joined else "")


# ---- 领导接访 ----
def plan_receptions(
    session: Session, table: Table, update: bool
) -> tuple[RegisterPlan, set[int], set[int], set[int]]:
    """The register rows of a 领导接访 sheet whose header read.py found, and the sheet rows
    (1-based) of the days and leaders not yet in the register, of those already in it, and the
    rows that are no visit (blank, totals, notes)."""
    plan = RegisterPlan(RECEPTION, table.sheet, table.header_row + 1)
    titles = {k: (table.column_title(k), c) for k, c in table.mapping.items()}
    out = _Rows(plan, titles)
    for key, title in (("received_on", "日期"), ("receiving_leader", "接访领导")):
        if key not in table.mapping and key not in table.fixed:
            plan.problems.append(
                Problem(
                    table.sheet,
                    plan.header_row,
                    "",
                    "",
                    f"表头中没有“{title}”列，无法按日期和领导汇总接访记录。"
                    f"可用 --map 表头={title} 指定对应的列。",
                )
            )
    if plan.errors:
        return plan, set(), set(), set()
    groups: dict[tuple[dt.date, str], list[tuple[int, int, str]]] = {}
    not_visits: set[int] = set()
    for i in range(table.header_row + 1, len(table.rows)):
        row, r = table.rows[i], i + 1
        filled = [k for k in table.mapping if text(table.cell(row, k))]
        # Blank, totals and lone note rows (填表人：…) are not visits.
        if _is_total(row) or (len(filled) <= 1 and not _looks_like_date(table, row)):
            plan.skipped_rows += 1
            not_visits.add(r)
            continue
        try:
            on = _date(table.cell(row, "received_on"))
        except DomainError as exc:
            out.problem(r, "received_on", table.cell(row, "received_on"), exc.message)
            on = None
        leader = re.sub(r"\s+", "", text(table.cell(row, "receiving_leader")))
        if not leader:
            out.problem(r, "receiving_leader", "", "缺少接访领导。")
        persons = 1
        try:
            companions = _count(table.cell(row, "companions"), "随行人数", 0)
            persons = _count(table.cell(row, "persons"), "来访人数", 1 + companions)
            if persons < 1:
                raise DomainError("来访人数至少为1。")
        except DomainError as exc:
            key = "persons" if "persons" in table.mapping else "companions"
            out.problem(r, key, table.cell(row, key), exc.message)
        if r in plan.bad_rows or on is None:
            continue
        summary = text(table.cell(row, "summary"))
        groups.setdefault((on, leader), []).append((r, persons, summary))
    known = set(dictionaries.values(session, "leader"))
    existing = _existing_receptions(session, [on for on, _ in groups])
    for (on, leader), visits in sorted(groups.items()):
        batches, persons = len(visits), sum(p for _, p, _ in visits)
        reception = Reception(on, leader, batches, persons, _note([s for *_, s in visits], batches))
        plan.rows_read += batches
        stored = existing.get((on, leader))
        first = visits[0][0]
        if stored is not None:
            was = f"已有 {on:%Y-%m-%d} {leader}的接访记录（{stored.batches}批{stored.persons}人次）"
            if not update:
                plan.skipped_existing.append(f"{on:%Y-%m-%d} {leader}")
                out.problem(first, "received_on", on, f"{was}，跳过。", NOTE)
                continue
            reception.id = stored.id
            out.problem(
                first, "received_on", on, f"{was}，按本表更新为{batches}批{persons}人次。", NOTE
            )
        if leader not in known:
            known.add(leader)
            plan.new_leaders.append(leader)
        plan.receptions.append(reception)
    new = {r for x in plan.receptions if x.id is None for r, *_ in groups[(x.on, x.leader)]}
    known_rows = {r for key in existing if key in groups for r, *_ in groups[key]}
    return plan, new, known_rows, not_visits


def _existing_receptions(session: Session, days: list[dt.date]) -> dict[tuple[dt.date, str], Any]:
    if not days:
        return {}
    found = session.scalars(
        select(LeaderReception).where(LeaderReception.on.between(min(days), max(days)))
    )
    return {(r.on, r.leader): r for r in found}


# ---- 排查调处 ----
def _screening_key(value: Any) -> str | None:
    s = normalise_header(value)
    for key, words in SCREENING_WORDS:
        if any(w in s for w in words):
            return key
    return None


def find_screening_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    best, best_map = -1, dict[str, int]()
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        mapping: dict[str, int] = {}
        for col, value in enumerate(row):
            key = _screening_key(value) if isinstance(value, str) else None
            if key and key not in mapping:
                mapping[key] = col
        if {"on", "found"} <= set(mapping) and len(mapping) > len(best_map):
            best, best_map = i, mapping
    if len(best_map) < 2:
        return -1, {}
    return best, best_map


def read_screening_table(path: Path, sheet: str | None = None) -> Table:
    path = Path(path)
    for name, rows in read.sheet_rows(path, sheet):
        header_row, mapping = find_screening_header(rows)
        if header_row >= 0:
            headers = [normalise_header(v) for v in rows[header_row]]
            return Table(name, rows, header_row, headers, mapping)
    where = f"工作表“{sheet}”" if sheet else f"“{path.name}”"
    raise DomainError(
        f"{where}中找不到排查登记的表头：前{HEADER_SEARCH_ROWS}行里没有一行包含"
        "“排查日期（或日期）”和“排查发现”“化解”等列名。"
    )


def plan_screenings(session: Session, table: Table, update: bool) -> RegisterPlan:
    plan = RegisterPlan(SCREENING, table.sheet, table.header_row + 1)
    titles = {k: (table.headers[c] or SCREENING_TITLES[k], c) for k, c in table.mapping.items()}
    out = _Rows(plan, titles)
    days: dict[dt.date, list[tuple[int, int, int, str]]] = {}
    for i in range(table.header_row + 1, len(table.rows)):
        row, r = table.rows[i], i + 1
        cell = {k: (row[c] if c < len(row) else None) for k, c in table.mapping.items()}
        if _is_total(row) or not text(cell.get("on")) and not any(text(v) for v in cell.values()):
            plan.skipped_rows += 1
            continue
        try:
            on: dt.date | None = _date(cell.get("on"))
        except DomainError as exc:
            out.problem(r, "on", cell.get("on"), exc.message)
            on = None
        counts = []
        for key, what in (("found", "排查发现数"), ("resolved", "化解数")):
            try:
                counts.append(_count(cell.get(key), what, 0))
            except DomainError as exc:
                out.problem(r, key, cell.get(key), exc.message)
                counts.append(0)
        found, resolved = counts
        if resolved > found and r not in plan.bad_rows:
            out.problem(r, "resolved", resolved, f"化解数（{resolved}）多于排查发现数（{found}）。")
        if r in plan.bad_rows or on is None:
            continue
        days.setdefault(on, []).append((r, found, resolved, text(cell.get("note"))))
    existing = {}
    if days:
        stored = session.scalars(
            select(Screening).where(Screening.on.between(min(days), max(days)))
        )
        existing = {s.on: s for s in stored}
    for on, rows in sorted(days.items()):
        notes = "；".join(n for *_, n in rows if n)
        row_ = ScreeningRow(
            on,
            sum(f for _, f, _, _ in rows),
            sum(x for _, _, x, _ in rows),
            notes if len(notes) <= NOTE_LENGTH else notes[: NOTE_LENGTH - 1] + "…",
        )
        plan.rows_read += len(rows)
        stored_row = existing.get(on)
        if stored_row is not None:
            was = (
                f"已有 {on:%Y-%m-%d} 的排查记录"
                f"（发现{stored_row.found}起、化解{stored_row.resolved}起）"
            )
            if not update:
                plan.skipped_existing.append(f"{on:%Y-%m-%d}")
                out.problem(rows[0][0], "on", on, f"{was}，跳过。", NOTE)
                continue
            row_.id = stored_row.id
            out.problem(rows[0][0], "on", on, f"{was}，按本表更新。", NOTE)
        plan.screenings.append(row_)
    return plan


# ---- the dry run and the write ----
def dry_run(
    db: Database,
    path: Path,
    register: str,
    sheet: str | None = None,
    update: bool = False,
    also_cases: bool = False,
    add_unknown: bool = False,
    mapping: dict[str, int] | None = None,
    fixed: dict[str, str] | None = None,
    table: Table | None = None,
) -> RegisterPlan:
    """Read and check a register sheet; writes nothing. `table`: the sheet already read (with
    the clerk's mapping); `fixed`: whole-sheet values for the cases (`also_cases`)."""
    if register not in REGISTERS:
        raise DomainError(f"没有名为“{register}”的登记簿。可选：{'、'.join(REGISTERS)}")
    if register == SCREENING:
        if also_cases:
            raise DomainError("排查调处登记不生成信访件，不能与“同时导入为来访件”一起使用。")
        with db.read() as s:
            return plan_screenings(s, read_screening_table(Path(path), sheet), update)
    if table is None:
        table = read.read_table(Path(path), sheet)
    if mapping is not None:
        table = read.with_mapping(table, mapping, table.fixed)
    cases = None
    if also_cases:
        case_table = read.with_mapping(
            table, table.mapping, {**(fixed or {}), **RECEPTION_CASE_VALUES}
        )
        cases = importing.check(db, case_table, update=False, add_unknown=add_unknown)
    with db.read() as s:
        plan, wanted, registered, not_visits = plan_receptions(s, table, update)
    if cases is not None:
        # A day and leader already in the register was imported before (or typed in by hand):
        # its visits are not made into cases a second time (nor their cells checked as cases).
        # A row the register refused is not made into a case either, so the two stay in step.
        cases.rows = [p for p in cases.rows if p.row in wanted]
        ignored = registered | not_visits
        cases.problems = [p for p in cases.problems if p.row not in ignored]
        cases.bad_rows -= ignored
        if registered:
            plan.problems.append(
                Problem(
                    plan.sheet,
                    0,
                    "",
                    "",
                    f"{len(registered)} 行所属的日期和领导已在登记簿中，这些行不再导入为来访件。",
                    NOTE,
                )
            )
        plan.cases = cases
    return plan


def import_register(
    db: Database,
    plan: RegisterPlan,
    user: auth.CurrentUser,
    source: str = "",
    skip_bad_rows: bool = False,
) -> RegisterResult:
    """Write a checked register plan (and its cases): everything in one transaction, or nothing."""
    auth.require(user, "import")
    auth.require(user, "registers")
    if plan.errors and not skip_bad_rows:
        raise DomainError(
            f"表中有 {len(plan.errors)} 处错误，未导入任何一行。请修改原表后重新导入，"
            "或选择跳过有错误的行。"
        )

    def run(s: Session) -> ImportResult | None:
        cases = None
        if plan.cases is not None and plan.cases.rows:
            cases = importing.write_plan(s, plan.cases, user.label, source, skip_bad_rows=True)
        for leader in plan.new_leaders:
            dictionaries.add(s, "leader", leader)
        s.flush()
        for row in plan.register_rows:
            _write(s, row, user.label, source)
        return cases

    # Its cases are written as the ledger import writes them: done again when one of them
    # changed meanwhile, refused (StaleCase, nothing written) if that keeps happening.
    cases = writing.retried(db, run)
    return RegisterResult(plan.added, plan.replaced, len(plan.skipped_existing), cases)


def _write(session: Session, row: Reception | ScreeningRow, user: str, source: str) -> None:
    stored: Any
    if isinstance(row, Reception):
        stored = session.get(LeaderReception, row.id) if row.id is not None else None
        clean: Any = registers.check_reception(session, row, stored.leader if stored else None)
        model: Any = LeaderReception
        entity = "leader_reception"
    else:
        stored = session.get(Screening, row.id) if row.id is not None else None
        clean = registers.check_screening(row)
        model, entity = Screening, "screening"
    values = {k: v for k, v in vars(clean).items() if k != "id"}
    if row.id is not None and stored is None:
        raise DomainError("登记簿中要更新的那一行已被删除，请重新导入。")
    if stored is None:
        stored = model(**values)
        session.add(stored)
        session.flush()
        audit.record(session, user, "导入", entity, str(stored.id), None, None, source or None)
        return
    for name, value in values.items():
        old = getattr(stored, name)
        if old != value:
            audit.record(session, user, "修改", entity, str(stored.id), name, old, value)
            setattr(stored, name, value)
