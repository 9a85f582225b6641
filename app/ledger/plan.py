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
from collections import Counter
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
from app.ledger import sheet_notes
from app.ledger.progress import NOT_GIVEN, Said, Step, progress
from app.ledger.read import Table, column_letter, is_number_row
from app.ledger.status_text import read_status
from app.ledger.values import (
    CATEGORY_WORDS,
    CHANNEL_FORMS,
    CHANNEL_WORDS,
    COLUMN_BY_KEY,
    DATE_KEYS,
    EXTRA_KEYS,
    FORM_CHANNELS,
    FORM_WORDS,
    LEVEL_WORDS,
    RATING_WORDS,
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

ERROR, WARN, NOTE = "错误", "警告", "提示"
# Flags the ledger has no column for travel in 备注 as “标记：越级访、非正常访；…”.
REMARK_FLAGS = {
    "越级访": "skip_level",
    "非正常访": "abnormal",
    "涉法涉诉": "legal",
    "重大紧急": "urgent",
}
_REMARK_TAG = re.compile(r"^标记：([^；]*)；?")
REQUIRED_COLUMNS = ("received_on",)
# docs/rules.md, 个人信息: no date before the People's Republic.
EARLIEST = dt.date(1949, 10, 1)


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
    new_subcategories: list[tuple[str, str]] = field(default_factory=list)  # (一级, 二级)
    bad_rows: set[int] = field(default_factory=set)
    # What the import had to assume, counted per kind (docs/rules.md, 台账: never silent), and
    # the same as sentences for the clerk (`summary`).
    tally: Counter[str] = field(default_factory=Counter)
    summary: list[str] = field(default_factory=list)
    fixed: dict[str, str] = field(default_factory=dict)  # the whole-sheet values used
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
    subcategories: dict[str, set[str]]  # 一级 → 二级, including those added this run
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


def _parent(ctx: _Context, name: str) -> str | None:
    """A 一级分类 by its own name or a synonym real sheets use (劳动社保 → 劳动和社会保障)."""
    if name in ctx.categories:
        return name
    canonical = CATEGORY_WORDS.get(name)
    return canonical if canonical in ctx.categories else None


def _category(ctx: _Context, row_no: int, raw: Any) -> tuple[str, str]:
    """一级 and 二级 from a category cell: "水利", "城乡建设-物业管理", "劳动社保-社会保险",
    or a 二级 alone. `--add-unknown` adds an unknown 二级 under its 一级, never a new 一级
    spelled "一级-二级"."""
    s = re.sub(r"\s+", "", text(raw))
    if not s:
        return "", ""
    # 一级-二级, and a 三级 some systems add (城乡建设-住房保障-保障房), which we do not keep.
    parts = re.split(r"[/／\-—－–>＞、·]+", s)
    head = parts[0]
    sub = parts[1] if len(parts) == 2 else ""
    parent = _parent(ctx, head)
    if parent is None and not sub and s in ctx.sub_parent:  # a 二级分类 written alone
        return ctx.sub_parent[s], s
    if parent is not None:
        if not sub:
            return parent, ""
        if ctx.sub_parent.get(sub) == parent:
            return parent, sub
        if ctx.add_unknown:
            ctx.sub_parent[sub] = parent
            ctx.subcategories.setdefault(parent, set()).add(sub)
            ctx.plan.new_subcategories.append((parent, sub))
            return parent, sub
        _problem(
            ctx,
            row_no,
            "category",
            raw,
            f"二级分类“{sub}”不在“{parent}”下，按一级分类“{parent}”导入"
            "（选择“添加到字典”可把它加为二级分类）。",
            NOTE,
        )
        return parent, ""
    if ctx.add_unknown and head:
        ctx.categories.add(head)
        ctx.plan.new_categories.append(head)
        if sub:
            ctx.sub_parent[sub] = head
            ctx.subcategories.setdefault(head, set()).add(sub)
            ctx.plan.new_subcategories.append((head, sub))
        return head, sub
    _problem(
        ctx,
        row_no,
        "category",
        raw,
        f"问题类别“{head}”不在字典中，{_suggest(head, ctx.categories)}。可修改原表，"
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


def _check_dates(ctx: _Context, r: int, data: CaseInput, events: list[Step]) -> None:
    key_of = {
        "受理": "accepted_on",
        "交办": "accepted_on",
        "不予受理": "accepted_on",
        "转送": "accepted_on",
        "答复": "replied_on",
        "办结": "closed_on",
        "回访": "rating",
    }
    if data.received_on < EARLIEST:
        _problem(ctx, r, "received_on", data.received_on, "登记日期早于1949年10月1日，请核对。")
        raise _RowError
    previous = ("登记", data.received_on)
    for kind, on, _ in events:
        key = key_of.get(kind, "status")
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
                accepted = next(e for e in steps if e.kind in ("受理", "交办"))
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


def _form(ctx: _Context, r: int, row: list[Any], channel: str) -> tuple[str, str]:
    """(信访形式, the channel the form cell names or ""). A sheet without a form takes the one its
    channel implies (12345热线 → 来电); a row with neither is an error."""
    raw = ctx.table.cell(row, "form")
    s = re.sub(r"\s+", "", text(raw))
    if s:
        form = _get(ctx, r, row, "form", lambda v: word(v, FORM_WORDS, "信访形式"), "来信")
        if ctx.table.from_fixed(row, "form"):
            ctx.plan.tally["set:form"] += 1
        return form, FORM_CHANNELS.get(s, "")
    if channel in CHANNEL_FORMS:
        ctx.plan.tally["form_from_channel"] += 1
        return CHANNEL_FORMS[channel], ""
    _problem(ctx, r, "form", raw, f"缺少信访形式（{'、'.join(FORMS)}）。")
    return "来信", ""


def _flag(ctx: _Context, r: int, row: list[Any], key: str) -> bool | None:
    """A yes/no cell (是否越级, 是否初次来访 …): None when blank."""
    value = ctx.table.cell(row, key)
    if not text(value):
        return None
    result: bool | None = _get(ctx, r, row, key, yes_no, None)
    return result


def _persons(ctx: _Context, r: int, row: list[Any]) -> int:
    # -1: the cell is blank (0 is a value, which the intake rule refuses).
    persons: int = _get(ctx, r, row, "persons", lambda v: integer(v, -1), 1)
    companions: int = _get(ctx, r, row, "companions", lambda v: integer(v, -1), -1)
    if companions >= 0:
        ctx.plan.tally["persons_from_companions"] += 1
        if persons >= 0 and persons != companions + 1:
            _problem(
                ctx,
                r,
                "persons",
                persons,
                f"与随行人数 {companions} 不符（人数应为 1 + 随行人数），按人数列导入。",
                NOTE,
            )
        return persons if persons >= 0 else companions + 1
    return persons if persons >= 0 else 1


def _nature(ctx: _Context, r: int, row: list[Any], summary: str) -> str:
    """性质 from a 性质/信访目的 column, else the suggestion from the summary (rules.md, 字段)."""
    raw = ctx.table.cell(row, "nature")
    if text(raw):
        found = rules.nature_word(text(raw))
        if found:
            ctx.plan.tally["nature_from_column"] += 1
            return found
        _problem(
            ctx,
            r,
            "nature",
            raw,
            "无法识别为建议意见类、检举控告类或申诉求决类，按内容建议填写。",
            NOTE,
        )
    suggested = rules.suggest_nature(summary, text(raw))
    ctx.plan.tally[f"nature_suggested:{suggested}"] += 1
    return suggested


def _extra(ctx: _Context, row: list[Any]) -> dict[str, str] | None:
    kept = {
        COLUMN_BY_KEY[key].title: text(ctx.table.cell(row, key))
        for key in (*EXTRA_KEYS, "receiving_leader")
    }
    kept = {k: v for k, v in kept.items() if v}
    return kept or None


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
    channel_raw = ctx.table.cell(row, "channel")
    channel = _channel(ctx, r, channel_raw)
    form, form_channel = _form(ctx, r, row, channel)
    if form_channel and not text(channel_raw):
        channel = form_channel  # 12345转办 as a form: the hotline is the channel
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
    persons = _persons(ctx, r, row)
    category, subcategory = _category(ctx, r, ctx.table.cell(row, "category"))
    level = _get(
        ctx, r, row, "visit_level", lambda v: word(v, LEVEL_WORDS, "走访层级") if text(v) else ""
    )
    if level and form != "来访":
        if level != "本级":  # ledgers often fill 本级 in every row; only a visit has a level
            _problem(ctx, r, "visit_level", level, "只有来访件才有走访层级，未导入。", NOTE)
        level = ""
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
    repeat = _flag(ctx, r, row, "repeat")
    first_visit = _flag(ctx, r, row, "first_visit")
    if repeat is None and first_visit is not None:
        repeat = not first_visit  # 是否初次来访 = 否: a repeat petition
        ctx.plan.tally["repeat_from_first_visit"] += 1
    for key in ("skip_level", "abnormal"):
        stated = _flag(ctx, r, row, key)
        if stated is not None:
            flags[key] = stated or flags.get(key, False)
    summary = text(ctx.table.cell(row, "summary"))
    assigning_org = text(ctx.table.cell(row, "assigning_org"))
    if channel in ASSIGNED_CHANNELS and not assigning_org:
        ctx.plan.tally["assigning_org_blank"] += 1
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
        assigning_org=assigning_org,
        assigning_ref=text(ctx.table.cell(row, "assigning_ref")),
        persons=persons,
        summary=summary,
        category=category,
        subcategory=subcategory,
        nature=_nature(ctx, r, row, summary),
        locality=text(ctx.table.cell(row, "locality")),
        target=text(ctx.table.cell(row, "target")),
        repeat=bool(repeat),
        visit_level=level,
        department=department,
        handler=text(ctx.table.cell(row, "handler")),
        leader=leader,
        remark=remark,
        extra=_extra(ctx, row),
        number=number,
        **flags,
    )
    collective = _flag(ctx, r, row, "collective")
    if collective is not None:
        if form == rules.VISIT:
            derived = rules.derived_collective(form, persons, int(ctx.cfg["collective_threshold"]))
            if collective != derived:
                data.collective_override = collective
        elif collective:
            data.joint = True  # 联名信或集体访 = 是 on a letter: a 联名信
    said = Said(
        received,
        accepted=dates["accepted_on"],
        replied=dates["replied_on"],
        closed=dates["closed_on"],
        department=department,
        remark=remark,
    )
    for key, reader, attr in (
        ("status", read_status, "status"),
        ("closed_flag", read_status, "flag"),  # 是否办结: 是/否, or a status text
    ):
        raw = ctx.table.cell(row, key)
        if not text(raw):
            continue
        try:
            setattr(said, attr, reader(raw))
            setattr(said, f"{attr}_raw", text(raw))
        except DomainError as exc:
            ctx.plan.tally["status_unreadable"] += 1
            _problem(ctx, r, key, raw, exc.message + "本行按所填日期导入。", WARN)
    said.rating = _get(
        ctx, r, row, "rating", lambda v: word(v, RATING_WORDS, "满意度") if text(v) else ""
    )
    if r in ctx.plan.bad_rows:
        raise _RowError  # the timeline depends on the cells already reported
    # The cells parsed, the case must pass the very rules intake applies (one home per rule).
    try:
        check_case(data, ctx.choices, imported=True)
    except DomainError as exc:
        key = exc.field or "summary"
        _problem(ctx, r, key, getattr(data, key, ""), exc.message)
        raise _RowError from None
    found = progress(said)
    for key, message in found.notes:
        # Only where the sheet has the column: a sheet without, say, 受理日期 would repeat one
        # note on every row; the summary counts those.
        if key in ctx.table.mapping:
            _problem(ctx, r, key, ctx.table.cell(row, key), message, NOTE)
    for counted, flag in (
        ("status_unknown", found.unknown),
        ("closed_date_unknown", found.closed_unknown),
        ("decision_inferred", found.inferred_decision),
        ("status_from_dates", found.from_dates and not found.unknown),
        ("columns_disagree", found.disagree),
    ):
        if flag:
            ctx.plan.tally[counted] += 1
    events = found.steps
    _check_dates(ctx, r, data, events)
    built = timeline(received, events)
    case = projected({"received_on": received, "channel": channel}, built, ctx.cfg, ctx.cal)
    extension = _extension(ctx, r, case, built, dates["handling_due"])
    if extension is not None:
        at = next(i for i, (k, _, _) in enumerate(events) if k in ("受理", "交办")) + 1
        events.insert(at, ("延期", *extension))
    _check_transitions(events)
    for key in ctx.table.fixed:
        if key != "form" and ctx.table.from_fixed(row, key):
            ctx.plan.tally[f"set:{key}"] += 1
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
        subcategories=by_parent,
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
    plan.fixed = dict(table.fixed)
    ctx = _load_context(session, table, plan, update, add_unknown)
    missing = [k for k in REQUIRED_COLUMNS if k not in table.mapping and k not in table.fixed]
    if "form" not in table.mapping and "form" not in table.fixed and "channel" not in table.mapping:
        missing.append("form")
    if missing:
        names = "、".join(COLUMN_BY_KEY[k].title for k in missing)
        plan.problems.append(
            Problem(
                table.sheet,
                table.header_row + 1,
                "",
                "",
                f"表头中没有必需的列：{names}。请在导入向导中指定对应的列；单一类型的登记簿"
                "（如来访登记簿）可整表统一填写，如 --set 信访形式=来访。",
            )
        )
        return plan
    for label, level, message in sheet_notes.unused_lines(table):
        plan.problems.append(Problem(table.sheet, table.header_row + 1, label, "", message, level))
    for i in range(table.header_row + 1, len(table.rows)):
        row = table.rows[i]
        # A row of column numbers (1, 2, 3 …) often sits right under the header.
        if _is_skippable(ctx, row) or (i <= table.header_row + 2 and is_number_row(row)):
            plan.skipped_rows += 1
            continue
        try:
            planned = _plan_row(ctx, i + 1, row)
        except _RowError:
            continue
        if planned is not None:
            plan.rows.append(planned)
    plan.summary = sheet_notes.summary(plan.tally, table.fixed, len(plan.rows))
    return plan
