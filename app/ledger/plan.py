"""The import dry run (docs/rules.md, 台账): every ledger row checked and turned into a plan.

Nothing is written here. Each row becomes a `CaseInput` plus the events its dates imply, or
problems listed by sheet, row, column, cell value and what is wrong. The checks are the ones
`intake.validate` and `workflow.act` make, run against dictionaries loaded once, because
calling those per row costs ~40 ms (10,000 rows would take minutes); `ledger_import` writes
the plan in bulk and the tests check it gives the same cases as `create_case` + `act`.
"""

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.cases import rules
from app.cases.deadlines import MemoCalendar, WorkCalendar
from app.cases.intake import ASSIGNED_CHANNELS, CaseInput, Choices, check_case
from app.cases.projection import TRANSITIONS, project, work_calendar
from app.cases.validation import check_id_number, check_phone
from app.errors import DomainError
from app.ledger.read import Table, column_letter
from app.ledger.values import (
    CHANNEL_WORDS,
    COLUMN_BY_KEY,
    DATE_KEYS,
    FORM_WORDS,
    LEVEL_WORDS,
    RATING_WORDS,
    STATUS_WORDS,
    TOTAL_WORDS,
    id_text,
    integer,
    parse_date,
    text,
    word,
    yes_no,
)
from app.models import Case, DictEntry
from app.office import dictionaries, settings
from app.office.dictionaries import FORMS

ERROR, NOTE = "错误", "提示"
NOT_GIVEN = "台账未载明"
CLOSED_WORDS = ("已办结", "终结", "复查中", "复核中")
# Flags the ledger has no column for travel in 备注 as “标记：越级访、非正常访；…”.
REMARK_FLAGS = {
    "越级访": "skip_level",
    "非正常访": "abnormal",
    "涉法涉诉": "legal",
    "重大紧急": "urgent",
}
_REMARK_TAG = re.compile(r"^标记：([^；]*)；?")
REQUIRED_COLUMNS = ("received_on", "form")


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int  # as Excel shows it (1-based); 0 = the whole sheet
    column: str  # header text and letter, e.g. “身份证号(G)”
    value: str
    message: str
    level: str = ERROR

    def line(self) -> str:
        where = f"{self.sheet} 第{self.row}行" if self.row else self.sheet
        if self.column:
            where += f" {self.column}列"
        value = f"“{self.value}”" if self.value else ""
        return f"[{self.level}] {where} {value}：{self.message}".replace(" ：", "：")


@dataclass
class RowPlan:
    row: int
    data: CaseInput
    events: list[tuple[str, dt.date, dict[str, Any]]]
    update: bool = False  # the 编号 exists and the clerk chose to update it


@dataclass
class ImportPlan:
    sheet: str
    header_row: int  # 1-based
    mapping: dict[str, int]
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped_existing: list[str] = field(default_factory=list)
    skipped_rows: int = 0  # blank, totals and note rows
    new_departments: list[str] = field(default_factory=list)
    new_leaders: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)
    new_channels: list[str] = field(default_factory=list)
    bad_rows: set[int] = field(default_factory=set)
    # 身份证号 → birth date, kept from the check so the import need not look the number up again.
    birth_dates: dict[str, dt.date] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]


class _RowError(Exception):
    """One cell made its row unusable; the message is already recorded."""


@dataclass
class _Context:
    table: Table
    plan: ImportPlan
    today: dt.date
    cfg: dict[str, Any]
    cal: WorkCalendar
    channels: set[str]
    categories: set[str]
    sub_parent: dict[str, str]
    choices: Choices
    departments: set[str]
    leaders: set[str]
    existing: set[str]
    update: bool
    add_unknown: bool
    seen: dict[str, int] = field(default_factory=dict)


def _problem(
    ctx: _Context, row: int, key: str, value: Any, message: str, level: str = ERROR
) -> None:
    col = ctx.table.mapping.get(key)
    column = f"{ctx.table.column_title(key)}({column_letter(col)})" if col is not None else ""
    ctx.plan.problems.append(Problem(ctx.table.sheet, row, column, text(value), message, level))
    if level == ERROR:
        ctx.plan.bad_rows.add(row)


def _get(
    ctx: _Context, row_no: int, row: list[Any], key: str, parse: Any, default: Any = ""
) -> Any:
    """A parsed cell; a bad one is recorded and `default` returned, so the row's other cells
    are still checked and the clerk sees every problem at once."""
    value = ctx.table.cell(row, key)
    try:
        return parse(value)
    except DomainError as exc:
        _problem(ctx, row_no, key, value, exc.message)
        return default


def _suggest(value: str, choices: set[str]) -> str:
    near = difflib.get_close_matches(value, sorted(choices), n=1, cutoff=0.3)
    return f"最接近的是“{near[0]}”" if near else "字典中没有相近的值"


def _channel(ctx: _Context, row_no: int, raw: Any) -> str:
    s = re.sub(r"\s+", "", text(raw))
    if not s:
        return "直接受理"
    s = CHANNEL_WORDS.get(s, s)
    if s in ctx.channels:
        return s
    if ctx.add_unknown:
        ctx.channels.add(s)
        ctx.plan.new_channels.append(s)
        return s
    _problem(
        ctx,
        row_no,
        "channel",
        raw,
        f"来源渠道不在字典中，{_suggest(s, ctx.channels)}。可修改原表，或选择“添加到字典”后导入。",
    )
    return "直接受理"


def _category(ctx: _Context, row_no: int, raw: Any) -> tuple[str, str]:
    s = re.sub(r"\s+", "", text(raw))
    if not s:
        return "", ""
    parts = re.split(r"[/／\-—>＞、]", s, maxsplit=1)
    if len(parts) == 2 and parts[0] in ctx.categories:
        if ctx.sub_parent.get(parts[1]) == parts[0]:
            return parts[0], parts[1]
        return parts[0], ""
    if s in ctx.categories:
        return s, ""
    if s in ctx.sub_parent:  # a 二级分类 written alone: its 一级 is known
        return ctx.sub_parent[s], s
    if ctx.add_unknown:
        ctx.categories.add(s)
        ctx.plan.new_categories.append(s)
        return s, ""
    _problem(
        ctx,
        row_no,
        "category",
        raw,
        f"问题类别不在字典中，{_suggest(s, ctx.categories)}。可修改原表，"
        "或选择“添加到字典”后导入。",
    )
    return "", ""


def _remark(raw: Any) -> tuple[str, dict[str, Any]]:
    s = text(raw)
    flags: dict[str, bool] = {}
    m = _REMARK_TAG.match(s)
    if m:
        names = [n for n in re.split(r"[、,，\s]+", m.group(1)) if n]
        if names and all(n in REMARK_FLAGS for n in names):
            flags = {REMARK_FLAGS[n]: True for n in names}
            s = s[m.end() :]
    return s, flags


def _is_skippable(ctx: _Context, row: list[Any]) -> bool:
    """Blank rows, 合计/总计/小计 rows and lone notes (填表人：…) are not cases."""
    cells = [text(v) for v in row]
    if not any(cells):
        return True
    if any(c.replace(" ", "").startswith(TOTAL_WORDS) for c in cells[:6]):
        return True
    mapped = [k for k in ctx.table.mapping if k != "seq" and text(ctx.table.cell(row, k))]
    return len(mapped) <= 1 and "received_on" not in mapped


def _events(
    ctx: _Context,
    r: int,
    data: CaseInput,
    status: str | None,
    dates: dict[str, dt.date | None],
    rating: str,
) -> list[tuple[str, dt.date, dict[str, Any]]]:
    """The events a row's dates and status imply (docs/rules.md, 台账)."""
    decided, replied, closed = dates["accepted_on"], dates["replied_on"], dates["closed_on"]
    events: list[tuple[str, dt.date, dict[str, Any]]] = []
    if status in ("不予受理", "已转送"):
        if decided is None:
            _problem(
                ctx, r, "accepted_on", None, f"办理状态为“{status}”，应填写作出该决定的受理日期。"
            )
            raise _RowError
        if status == "不予受理":
            events.append(
                ("不予受理", decided, {"reason": data.remark or NOT_GIVEN, "route": NOT_GIVEN})
            )
        else:
            events.append(("转送", decided, {"to": data.department or NOT_GIVEN}))
        if replied or closed:
            _problem(
                ctx,
                r,
                "status",
                status,
                "已不予受理或转送的信访件不再答复、办结，答复/办结日期未导入。",
                NOTE,
            )
        return events
    closing = closed
    if status in CLOSED_WORDS and closing is None:
        if replied is None:
            _problem(
                ctx, r, "status", status, f"办理状态为“{status}”，但答复日期和办结日期都没有填写。"
            )
            raise _RowError
        closing = replied
    if closing and replied is None:
        _problem(ctx, r, "replied_on", None, "没有答复日期，按办结日期记为答复。", NOTE)
        replied = closing
    if (replied or status in ("办理中", "已答复")) and decided is None:
        _problem(ctx, r, "accepted_on", None, "没有受理日期，按登记日期记为受理。", NOTE)
        decided = data.received_on
    if decided:
        events.append(("受理", decided, {}))
    if replied:
        events.append(("答复", replied, {"result": "解释说明"}))
    if closing:
        events.append(("办结", closing, {}))
    if rating:
        if replied is None:
            _problem(ctx, r, "rating", rating, "没有答复日期，满意度未导入。", NOTE)
        else:
            events.append(("回访", closing or replied, {"rating": rating}))
    if status in ("复查中", "复核中", "终结"):
        _problem(ctx, r, "status", status, "复查、复核过程台账中没有，按“已办结”导入。", NOTE)
    return events


def _check_dates(
    ctx: _Context, r: int, data: CaseInput, events: list[tuple[str, dt.date, dict[str, Any]]]
) -> None:
    key_of = {
        "受理": "accepted_on",
        "不予受理": "accepted_on",
        "转送": "accepted_on",
        "答复": "replied_on",
        "办结": "closed_on",
        "回访": "rating",
    }
    previous = ("登记", data.received_on)
    for kind, on, _ in events:
        key = key_of[kind]
        if on > ctx.today:
            _problem(ctx, r, key, on, f"{kind}日期晚于今天。")
            raise _RowError
        if on < previous[1]:
            _problem(ctx, r, key, on, f"{kind}日期早于{previous[0]}日期 {previous[1]:%Y-%m-%d}。")
            raise _RowError
        previous = (kind, on)


def _extension(
    ctx: _Context, r: int, case: Any, steps: list[Any], ledger_due: dt.date | None
) -> tuple[dt.date, dict[str, Any]] | None:
    """A 办理期限 later than the statutory one means the case was extended (Art.34)."""
    if ledger_due is None or case.handling_due is None or ledger_due == case.handling_due:
        return None
    if ledger_due > case.handling_due:
        for days in range(1, int(ctx.cfg["max_extension_days"]) + 1):
            if ctx.cal.add_days(case.handling_due, days).day == ledger_due:
                accepted = next(e for e in steps if e.kind == "受理")
                return accepted.on, {
                    "reason": f"台账载明办理期限为{ledger_due:%Y-%m-%d}",
                    "approver": NOT_GIVEN,
                    "days": days,
                }
    _problem(
        ctx,
        r,
        "handling_due",
        ledger_due,
        f"与按规定计算的办理期限 {case.handling_due:%Y-%m-%d} 不符，按规定期限导入。",
        NOTE,
    )
    return None


def timeline(received: dt.date, events: list[tuple[str, dt.date, dict[str, Any]]]) -> list[Any]:
    """A row's events as plain objects for `projection.project()`, which only reads and sets
    attributes: ORM instances cost ~5 µs per attribute, a third of a 10,000-row import."""
    steps = [("登记", received, {}), *events]
    return [
        SimpleNamespace(seq=n, kind=k, on=on, data=d) for n, (k, on, d) in enumerate(steps, start=1)
    ]


def projected(
    fields: dict[str, Any], steps: list[Any], cfg: dict[str, Any], cal: WorkCalendar
) -> Any:
    """A case (a plain object with `fields`) with the status and deadlines its events give."""
    case = SimpleNamespace(**fields)
    project(case, steps, cfg, cal)  # type: ignore[arg-type]
    return case


def memo_calendar(session: Session) -> MemoCalendar:
    return MemoCalendar(work_calendar(session))


def _plan_row(ctx: _Context, r: int, row: list[Any]) -> RowPlan | None:
    number = _get(ctx, r, row, "number", text)
    if number:
        if number in ctx.seen:
            _problem(ctx, r, "number", number, f"编号与第{ctx.seen[number]}行重复。")
            raise _RowError
        ctx.seen[number] = r
    existing = bool(number) and number in ctx.existing
    if existing and not ctx.update:
        ctx.plan.skipped_existing.append(number)
        return None
    dates = {key: _get(ctx, r, row, key, parse_date, None) for key in DATE_KEYS}
    received = dates["received_on"]
    if received is None:
        if r not in ctx.plan.bad_rows:
            _problem(ctx, r, "received_on", None, "缺少登记日期。")
        received = ctx.today
    form_raw = ctx.table.cell(row, "form")
    if not text(form_raw):
        _problem(ctx, r, "form", form_raw, f"缺少信访形式（{'、'.join(FORMS)}）。")
    form = (
        _get(ctx, r, row, "form", lambda v: word(v, FORM_WORDS, "信访形式"), "来信")
        if text(form_raw)
        else "来信"
    )
    name = _get(ctx, r, row, "name", text)
    anonymous = name in ("", "匿名", "（匿名）", "(匿名)")
    if anonymous:
        name = ""
    id_number = _get(ctx, r, row, "id_number", id_text)
    info = None
    if id_number:
        info = _get(ctx, r, row, "id_number", lambda _v: check_id_number(id_number), None)
        id_number = info.number if info else ""
        if info:
            ctx.plan.birth_dates[id_number] = info.birth_date
        if info and info.warning:
            _problem(ctx, r, "id_number", id_number, info.warning, NOTE)
    phone = text(ctx.table.cell(row, "phone"))
    if phone:
        phone = _get(ctx, r, row, "phone", lambda _v: check_phone(phone))
    persons = _get(ctx, r, row, "persons", lambda v: integer(v, 1), 1)
    channel = _channel(ctx, r, ctx.table.cell(row, "channel"))
    category, subcategory = _category(ctx, r, ctx.table.cell(row, "category"))
    level = _get(
        ctx, r, row, "visit_level", lambda v: word(v, LEVEL_WORDS, "走访层级") if text(v) else ""
    )
    if level == "本级" and form != "来访":
        level = ""  # ledgers often fill 本级 in every row; only a visit has a level
    remark, flags = _remark(ctx.table.cell(row, "remark"))
    department = text(ctx.table.cell(row, "department"))
    leader = text(ctx.table.cell(row, "leader"))
    for value, known, added in (
        (department, ctx.departments, ctx.plan.new_departments),
        (leader, ctx.leaders, ctx.plan.new_leaders),
    ):
        if value and value not in known:
            known.add(value)
            added.append(value)
    data = CaseInput(
        received_on=received,
        form=form,
        name=name,
        id_number=id_number,
        phone=phone,
        gender=info.gender if id_number and info else "",
        address=text(ctx.table.cell(row, "address")),
        anonymous=anonymous,
        channel=channel,
        assigning_org=NOT_GIVEN if channel in ASSIGNED_CHANNELS else "",
        persons=persons,
        summary=text(ctx.table.cell(row, "summary")),
        category=category,
        subcategory=subcategory,
        repeat=_get(ctx, r, row, "repeat", yes_no, False),
        visit_level=level,
        department=department,
        leader=leader,
        remark=remark,
        number=number,
        **flags,
    )
    collective_raw = ctx.table.cell(row, "collective")
    if text(collective_raw):
        stated = _get(ctx, r, row, "collective", yes_no, False)
        derived = rules.derived_collective(form, persons, int(ctx.cfg["collective_threshold"]))
        if stated != derived:
            data.collective_override = stated
    status_raw = ctx.table.cell(row, "status")
    status = (
        _get(ctx, r, row, "status", lambda v: word(v, STATUS_WORDS, "办理状态"), None)
        if text(status_raw)
        else None
    )
    rating = _get(
        ctx, r, row, "rating", lambda v: word(v, RATING_WORDS, "满意度") if text(v) else ""
    )
    if r in ctx.plan.bad_rows:
        raise _RowError  # the timeline depends on the cells already reported
    # The cells parsed, the case must pass the very rules intake applies (one home per rule).
    try:
        check_case(data, ctx.choices)
    except DomainError as exc:
        key = exc.field or "summary"
        _problem(ctx, r, key, getattr(data, key, ""), exc.message)
        raise _RowError from None
    events = _events(ctx, r, data, status, dates, rating)
    _check_dates(ctx, r, data, events)
    built = timeline(received, events)
    case = projected({"received_on": received, "channel": channel}, built, ctx.cfg, ctx.cal)
    extension = _extension(ctx, r, case, built, dates["handling_due"])
    if extension is not None:
        at = next(i for i, (k, _, _) in enumerate(events) if k == "受理") + 1
        events.insert(at, ("延期", *extension))
    if status == "已作废":
        events.append(("作废", events[-1][1] if events else received, {"reason": "台账标注已作废"}))
    _check_transitions(events)
    if status and status not in ("已作废", "复查中", "复核中", "终结") and status != case.status:
        _problem(ctx, r, "status", status, f"与所填日期不符，按日期导入为“{case.status}”。", NOTE)
    return RowPlan(r, data, events, update=existing)


def _check_transitions(events: list[tuple[str, dt.date, dict[str, Any]]]) -> None:
    """The built timeline must be one the §3 table allows (a bug here must not reach the DB)."""
    status = "待受理"
    for kind, _, data in events:
        t = TRANSITIONS[kind]
        if status not in t.allowed_from or any(not data.get(f) for f in t.required):
            raise AssertionError(f"导入生成了不合规的办理过程：{events}")
        status = t.to or status


def _load_context(
    session: Session, table: Table, plan: ImportPlan, update: bool, add_unknown: bool
) -> _Context:
    subs = session.execute(
        select(DictEntry.value, DictEntry.parent).where(
            DictEntry.kind == "subcategory", DictEntry.active.is_(True)
        )
    ).all()
    channels = set(dictionaries.values(session, "channel"))
    categories = set(dictionaries.values(session, "category"))
    by_parent: dict[str, set[str]] = {}
    for value, parent in subs:
        if parent:
            by_parent.setdefault(parent, set()).add(value)
    # The same sets the row parsing adds to ("添加到字典"), so the case check sees them too.
    choices = Choices(channels, categories, lambda parent: by_parent.get(parent, set()))
    return _Context(
        table=table,
        plan=plan,
        today=clock.today(),
        cfg=settings.get_all(session),
        cal=memo_calendar(session),
        channels=channels,
        categories=categories,
        sub_parent={v: p for v, p in subs if p},
        choices=choices,
        departments=set(dictionaries.values(session, "department")),
        leaders=set(dictionaries.values(session, "leader")),
        existing=set(session.scalars(select(Case.number))),
        update=update,
        add_unknown=add_unknown,
    )


def plan_import(
    session: Session, table: Table, update: bool = False, add_unknown: bool = False
) -> ImportPlan:
    """Check every row of a table whose header was found; reads the database, writes nothing."""
    plan = ImportPlan(table.sheet, table.header_row + 1, dict(table.mapping))
    ctx = _load_context(session, table, plan, update, add_unknown)
    missing = [k for k in REQUIRED_COLUMNS if k not in table.mapping and k not in table.fixed]
    if missing:
        names = "、".join(COLUMN_BY_KEY[k].title for k in missing)
        plan.problems.append(
            Problem(
                table.sheet,
                table.header_row + 1,
                "",
                "",
                f"表头中没有必需的列：{names}。请在导入向导中指定对应的列。",
            )
        )
        return plan
    for i in range(table.header_row + 1, len(table.rows)):
        row = table.rows[i]
        if _is_skippable(ctx, row):
            plan.skipped_rows += 1
            continue
        try:
            planned = _plan_row(ctx, i + 1, row)
        except _RowError:
            continue
        if planned is not None:
            plan.rows.append(planned)
    return plan
