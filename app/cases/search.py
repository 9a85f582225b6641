"""Finding cases: the search box, the filters, sorting and paging — all in SQL.

One `CaseFilter` serves the case list, the CLI, the ledger export and the dashboard drill-down,
so a count on a card and the rows behind it always agree.
"""

import dataclasses
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ARRAY,
    CompoundSelect,
    Row,
    Select,
    Text,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
    union,
    union_all,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement, SQLColumnExpression

from app import clock
from app.cases import deadlines
from app.cases.workflow import CLOSED, HANDLING, PENDING, REPLIED, VOID
from app.dialect import flag as int_flag
from app.models import Case, Petitioner
from app.office import settings

# Flags a filter chip can ask for: name → the case column that holds it.
FLAGS = {
    "collective": Case.collective,
    "repeat": Case.repeat,
    "skip_level": Case.skip_level,
    "abnormal": Case.abnormal,
    "legal": Case.legal,
    "urgent": Case.urgent,
    "anonymous": Case.anonymous,
    "joint": Case.joint,
}
FLAG_NAMES = {
    "collective": "集体访",
    "repeat": "重复信访",
    "skip_level": "越级访",
    "abnormal": "非正常访",
    "legal": "涉法涉诉",
    "urgent": "重大紧急",
    "anonymous": "匿名",
    "joint": "联名",
    "leader": "领导包案",
}
WARNINGS = ("临期", "超期")


@dataclass
class CaseFilter:
    text: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    forms: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)  # keys of FLAGS, or "leader"
    warning: str = ""  # 临期 / 超期
    visit_levels: list[str] = field(default_factory=list)
    awaiting_visit: bool = False  # 待回访: answered or closed, no 回访 rating yet
    ids: list[int] | None = None  # the drill-down: exactly these cases
    include_voided: bool = False
    # The 科室 data scope (app/cases/scope.py): this 科室's cases and those with no 科室. Set by
    # the services from the signed-in account (scope.restrict), never by a view.
    department_scope: str | None = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    number: str
    received_on: dt.date
    form: str
    channel: str
    name: str
    id_number: str
    phone: str
    address: str
    persons: int
    collective: bool
    summary: str
    category: str
    department: str
    leader: str
    status: str
    accepted_on: dt.date | None
    decision_due: dt.date | None
    handling_due: dt.date | None
    replied_on: dt.date | None
    closed_on: dt.date | None
    rating: str
    repeat: bool
    visit_level: str
    remark: str
    warning: str  # 临期 / 超期 / ''
    # Imported as closed without a date: closed_on is only the stand-in date (docs/rules.md, 统计).
    closed_date_unknown: bool = False
    # Its due dates fall in a year no holiday data knows (docs/rules.md, 时限): counted over
    # weekends only, so the list marks them （估算）.
    due_estimated: bool = False


SORT_COLUMNS = {
    "number": Case.number,
    "received_on": Case.received_on,
    "form": Case.form,
    "channel": Case.channel,
    "name": Petitioner.name_pinyin,
    "persons": Case.persons,
    "category": Case.category,
    "department": Case.department,
    "status": Case.status,
    "handling_due": Case.handling_due,
    "replied_on": Case.replied_on,
    "closed_on": Case.closed_on,
}

_NUMBER = re.compile(r"^[A-Za-z]{0,6}\d{4}-\d*$")


def _prefix(column: SQLColumnExpression[str], text: str, server: bool) -> ColumnElement[bool]:
    """`column` starts with `text`, written as a range so the index serves it. SQLite compares
    text by code point; on PostgreSQL (`server`) the range is in the "C" collation for the same
    meaning whatever the server's locale, served by 0008's ix_pg_*_c indexes."""
    if server:
        column = column.collate("C")
    return and_(column >= text, column < text + "\uffff")


# Up to this many matches, a text search becomes a list of ids (fast rowid lookups);
# beyond it the matching subquery is used directly.
_ID_LIST_LIMIT = 2000


# PostgreSQL (revision 0009_scope): the expression of the ix_pg_cases_grams GIN index, written
# exactly as the index has it (literals, not parameters) so the planner matches the two.
GRAM_TEXT = "xinfang_grams(coalesce(cases.summary, '') || chr(10) || coalesce(cases.target, ''))"


def _summary_matches(q: str, server: bool) -> ColumnElement[bool]:
    """反映问题 or 被反映对象 contains `q`.

    ASCII letters match either case on both dialects: SQLite's LIKE ignores their case, so
    PostgreSQL uses ILIKE (which its trigram indexes serve too). pg_trgm finds no trigram
    inside a 1- or 2-character query (it read the table, or walked its whole index); there the
    gram index answers alone: its grams are the 1- and 2-character pieces of
    lower(summary || newline || target), so containing lower(q) is exactly "one of the two
    contains q" (a gram across the join holds the newline, which a stripped query never does).
    """
    if not server:
        return or_(
            Case.summary.contains(q, autoescape=True), Case.target.contains(q, autoescape=True)
        )
    if len(q) <= 2 and "\n" not in q:
        grams = bindparam("gram", [q.lower()], type_=ARRAY(Text))
        return literal_column(GRAM_TEXT).op("@>")(grams)
    return or_(
        Case.summary.icontains(q, autoescape=True), Case.target.icontains(q, autoescape=True)
    )


def scope_condition(department: str) -> ColumnElement[bool]:
    """The 科室 data scope in SQL (app/cases/scope.py): this 科室's cases and those with none."""
    return or_(Case.department == department, Case.department.is_(None), Case.department == "")


def _text_matches(text: str, server: bool = False) -> Select[int] | CompoundSelect[int]:
    """The ids of cases matching the search box, as a UNION of index-friendly queries.

    Kept separate from the other filters so SQLite never scans the wide case rows for text:
    people are found through their indexed name/pinyin/phone columns, summaries through a
    covering index. On PostgreSQL (`server`) the substring tests are served by 0008's trigram
    indexes.
    """
    q = text.strip()

    def of_people(*where: ColumnElement[bool]) -> Select[int]:
        # Never correlated: _each_text_branch puts this beside the list's own petitioners.
        people = select(Petitioner.id).where(or_(*where)).correlate(None)
        return select(Case.id).where(Case.petitioner_id.in_(people))

    if _NUMBER.match(q):
        return select(Case.id).where(_prefix(Case.number, q.upper(), server))
    if re.fullmatch(r"[0-9]{3,17}[0-9Xx]?", q):
        q = q.upper()
        if len(q) == 18:
            return of_people(Petitioner.id_number == q)
        if re.fullmatch(r"1[3-9]\d{9}", q):  # a whole mobile number: the index finds it
            return of_people(Petitioner.phone == q)
        # Digits: a phone, part of an ID number, or the serial of a 编号.
        return union_all(
            of_people(
                Petitioner.phone.contains(q, autoescape=True),
                Petitioner.id_number.contains(q, autoescape=True),
            ),
            select(Case.id).where(Case.number.contains(q, autoescape=True)),
        )
    if re.fullmatch(r"[A-Za-z]+", q):
        low = q.lower()
        return union_all(
            of_people(
                _prefix(Petitioner.name_initials, low, server),
                _prefix(Petitioner.name_pinyin, low, server),
            ),
            select(Case.id).where(_prefix(Case.number, q.upper(), server)),
        )
    return union_all(
        of_people(_prefix(Petitioner.name, q, server)),
        select(Case.id).where(_summary_matches(q, server)),
    )


def _is_server(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _text_condition(session: Session, text: str) -> ColumnElement[bool]:
    matches, found = _text_probe(session, text)
    if found is not None:
        return Case.id.in_(found) if found else false()
    return Case.id.in_(matches)


def _text_probe(
    session: Session, text: str
) -> tuple[Select[int] | CompoundSelect[int], set[int] | None]:
    """The search box's matching query, and its ids when they are few (else None)."""
    matches = _text_matches(text, _is_server(session))
    rows = list(session.scalars(matches.limit(_ID_LIST_LIMIT + 1)))
    # Counted before de-duplicating: a case the UNION ALL gives twice (a phone and a 编号 both
    # matching) must not make a cut-off list look complete (it lost rows, a different few on
    # each dialect).
    return matches, (set(rows) if len(rows) <= _ID_LIST_LIMIT else None)


def warning_condition(kind: str, today: dt.date, window: int) -> ColumnElement[bool]:
    """Undecided past/near the 15-day limit, or accepted and not closed past/near handling_due."""
    # A 转送 sent back (退回) is 待受理 again with no new 告知 limit (§9): decision_on is set.
    undecided = and_(Case.status == PENDING, Case.decision_on.is_(None))
    handling = Case.status.in_((HANDLING, REPLIED))
    return or_(
        and_(undecided, deadlines.warning_sql(Case.decision_due, kind, today, window)),
        and_(handling, deadlines.warning_sql(Case.handling_due, kind, today, window)),
    )


def row_warning(
    status: str,
    decision_due: dt.date | None,
    handling_due: dt.date | None,
    today: dt.date,
    window: int,
    decided: bool = False,
) -> str:
    """The same rule as warning_condition, for one row already loaded."""
    if status == PENDING and decided:
        return ""  # a returned 转送: its 告知 was given (§9, 退回)
    if status == PENDING:
        due = decision_due
    elif status in (HANDLING, REPLIED):
        due = handling_due
    else:
        return ""
    return deadlines.warning(due, today, window) or ""


def conditions(session: Session, f: CaseFilter) -> list[ColumnElement[bool]]:
    cond: list[ColumnElement[bool]] = []
    if f.ids is not None:
        cond.append(Case.id.in_(f.ids) if f.ids else false())
    if not f.include_voided and VOID not in f.statuses and f.ids is None:
        if f.statuses or f.warning or f.awaiting_visit:
            # The status and due-date indexes find these few rows. SQLite has no ANALYZE
            # statistics and would rather walk (voided, received_on) through every case (the 待办
            # lists at start-up: ~50 ms each at 100,000 cases), so `voided` is kept unindexable.
            cond.append(int_flag(Case.voided.expression) == 0)
        else:
            cond.append(Case.voided.is_(False))
    if f.department_scope:
        cond.append(scope_condition(f.department_scope))
    if f.text.strip():
        cond.append(_text_condition(session, f.text))
    if f.date_from:
        cond.append(Case.received_on >= f.date_from)
    if f.date_to:
        cond.append(Case.received_on <= f.date_to)
    for values, column in (
        (f.forms, Case.form),
        (f.channels, Case.channel),
        (f.categories, Case.category),
        (f.departments, Case.department),
        (f.statuses, Case.status),
        (f.visit_levels, Case.visit_level),
    ):
        if values:
            cond.append(column.in_(values))
    for flag in f.flags:
        if flag == "leader":
            cond.append(and_(Case.leader.is_not(None), Case.leader != ""))
        else:
            cond.append(FLAGS[flag].is_(True))
    if f.awaiting_visit:
        # Only recent ones (setting visit_window_days): a 回访 years after the answer is not a
        # to-do, and a 100k-case office would otherwise list every unrated case ever closed.
        since = clock.today() - dt.timedelta(days=int(settings.get(session, "visit_window_days")))
        cond += [
            Case.status.in_((REPLIED, CLOSED)),
            Case.rating.is_(None),
            func.coalesce(Case.closed_on, Case.replied_on) >= since,
        ]
    if f.warning:
        window = int(settings.get(session, "warning_days"))
        cond.append(warning_condition(f.warning, clock.today(), window))
    return cond


def _base(session: Session, f: CaseFilter, *columns: Any) -> Select[*tuple[Any, ...]]:
    query = (
        select(*columns)
        .select_from(Case)
        .outerjoin(Petitioner, Case.petitioner_id == Petitioner.id)
    )
    return query.where(*conditions(session, f))


def count(session: Session, f: CaseFilter) -> int:
    return session.scalar(_base(session, f, func.count(Case.id))) or 0


def ids(
    session: Session, f: CaseFilter, sort: str = "received_on", descending: bool = True
) -> list[int]:
    """Every matching id in list order: the case list holds these and fetches rows on demand."""
    server = _is_server(session)
    if server and f.text.strip():
        matches, found = _text_probe(session, f.text)
        if found is None:
            return _fetch_ints(session, _each_text_branch(session, f, matches, sort, descending))
        rest = dataclasses.replace(f, text="")
        query = _base(session, rest, Case.id).where(Case.id.in_(found) if found else false())
    else:
        query = _base(session, f, Case.id)
    return _fetch_ints(session, query.order_by(*_order(sort, descending, server)))


def _each_text_branch(
    session: Session,
    f: CaseFilter,
    matches: Select[int] | CompoundSelect[int],
    sort: str,
    descending: bool,
) -> Select[tuple[int]]:
    """PostgreSQL, a search with many matches: the list's filters and sort key within each
    branch of the search's UNION, then merged. `id IN (the branches)` read each of the
    100,000 cases a two-character summary finds twice, the second time by its id to filter
    and sort it (at 1,000,000 cases 579 ms, against 217 ms so)."""
    rest = dataclasses.replace(f, text="")
    column = SORT_COLUMNS.get(sort, Case.received_on)
    branches = []
    for branch in matches.selects if isinstance(matches, CompoundSelect) else [matches]:
        assert isinstance(branch, Select) and branch.whereclause is not None  # _text_matches
        query = _base(session, rest, Case.id.label("id"), column.label("key"))
        branches.append(query.where(branch.whereclause))
    merged = union(*branches).subquery()
    order = _order(sort, descending, True, merged.c.key, merged.c.id)
    return select(merged.c.id).order_by(*order)


def _sqlite_value(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()  # how SQLAlchemy's Date stores it in SQLite
    if isinstance(value, bool):
        return int(value)
    return value


def _fetch_ints(session: Session, query: Select[*tuple[Any, ...]]) -> list[int]:
    """Run a one-column query straight on the sqlite3 cursor.

    SQLAlchemy's result processing costs ~1.5 µs a row; for the 100,000 ids of an unfiltered
    list that is 150 ms, against 40 ms here. The SQL and its parameters still come from the
    same compiled query. Other dialects go through SQLAlchemy (psycopg's rows are cheap).
    """
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        # psycopg's own cursor likewise (its binary rows, no SQLAlchemy result processing):
        # the compiled SQL with its %(name)s parameters, passed as they are.
        compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        raw_conn = conn.connection.driver_connection
        assert raw_conn is not None
        with raw_conn.cursor() as cursor:
            cursor.execute(str(compiled), compiled.params)
            return [row[0] for row in cursor.fetchall()]
    compiled = query.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args = [_sqlite_value(params[name]) for name in compiled.positiontup or []]
    raw = conn.connection.driver_connection
    assert raw is not None
    return [row[0] for row in raw.execute(str(compiled), args).fetchall()]


def _order(
    sort: str,
    descending: bool,
    server: bool = False,
    key: SQLColumnExpression[Any] | None = None,
    ident: SQLColumnExpression[Any] | None = None,
) -> list[ColumnElement[Any]]:
    """ORDER BY the sort column, then id. `key` and `ident` stand for the two when they are
    read from a subquery (_each_text_branch)."""
    column = SORT_COLUMNS.get(sort, Case.received_on)
    first_of: SQLColumnExpression[Any] = column if key is None else key
    then: SQLColumnExpression[Any] = Case.id if ident is None else ident
    # Blanks (an anonymous name, no 办结 date) where SQLite puts them: PostgreSQL would put
    # NULL first when descending and last when ascending. Only for a column that can be
    # blank (a case column that allows NULL, or the petitioner's, outer-joined): the clause
    # on 登记日期 would stop PostgreSQL reading its index backwards for the first page, and
    # sort a million rows instead.
    own = column.property.columns[0]
    blanks = server and (own.nullable or own.table is not Case.__table__)
    if descending:
        first = first_of.desc()
        return [first.nulls_last() if blanks else first, then.desc()]
    first = first_of.asc()
    return [first.nulls_first() if blanks else first, then.asc()]


_ROW_COLUMNS = (
    Case.id,
    Case.number,
    Case.received_on,
    Case.form,
    Case.channel,
    Petitioner.name,
    Petitioner.id_number,
    Petitioner.phone,
    Petitioner.address,
    Case.persons,
    Case.collective,
    Case.summary,
    Case.category,
    Case.department,
    Case.leader,
    Case.status,
    Case.accepted_on,
    Case.decision_due,
    Case.handling_due,
    Case.replied_on,
    Case.closed_on,
    Case.rating,
    Case.repeat,
    Case.visit_level,
    Case.remark,
    Case.closed_date_unknown,
    Case.due_estimated,
    Case.decision_on,
)


def page(
    session: Session,
    f: CaseFilter,
    offset: int = 0,
    limit: int = 100,
    sort: str = "received_on",
    descending: bool = True,
) -> list[CaseRow]:
    """One page of the list, already sorted and filtered by SQLite."""
    order = _order(sort, descending, _is_server(session))
    query = _base(session, f, *_ROW_COLUMNS).order_by(*order)
    if limit >= 0:
        query = query.offset(offset).limit(limit)
    return rows_from(session, session.execute(query).all())


def rows_by_id(
    session: Session, case_ids: list[int], department_scope: str | None = None
) -> list[CaseRow]:
    """Rows for given ids, in that order (the list model fetches a window of ids at a time);
    with `department_scope`, only those inside that 科室 scope."""
    if not case_ids:
        return []
    f = CaseFilter(ids=case_ids, department_scope=department_scope)
    query = _base(session, f, *_ROW_COLUMNS)
    by_id = {r.id: r for r in rows_from(session, session.execute(query).all())}
    return [by_id[i] for i in case_ids if i in by_id]


def rows_from(session: Session, raw: Sequence[Row[*tuple[Any, ...]]]) -> list[CaseRow]:
    today, window = clock.today(), int(settings.get(session, "warning_days"))
    out = []
    for r in raw:
        (
            cid,
            number,
            received,
            form,
            channel,
            name,
            idn,
            phone,
            address,
            persons,
            collective,
            summary,
            category,
            department,
            leader,
            status,
            accepted,
            ddue,
            hdue,
            replied,
            closed,
            rating,
            repeat,
            level,
            remark,
            closed_date_unknown,
            due_estimated,
            decision_on,
        ) = r
        out.append(
            CaseRow(
                cid,
                number,
                received,
                form,
                channel,
                name or "（匿名）",
                idn or "",
                phone or "",
                address or "",
                persons,
                collective,
                summary or "",
                category or "",
                department or "",
                leader or "",
                status,
                accepted,
                ddue,
                hdue,
                replied,
                closed,
                rating or "",
                repeat,
                level or "",
                remark or "",
                row_warning(status, ddue, hdue, today, window, decision_on is not None),
                bool(closed_date_unknown),
                bool(due_estimated),
            )
        )
    return out
