"""The few SQL expressions SQLite and PostgreSQL spell differently, compiled per dialect.

Everything else is plain SQLAlchemy and reads the same on both (issue 20, "one code path").
"""

import itertools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, cast, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal


class plain_column(ColumnElement[Any]):  # noqa: N801 (used like a SQL function)
    """`+column` on SQLite: an expression rather than the column, so it has no type affinity
    and cannot choose an index (app/stats/figures.py `plain` says why). PostgreSQL has no
    unary plus for dates or text and needs neither trick: there it is the column itself."""

    inherit_cache = True
    # The wrapped column is part of the statement's cache key (else two plain columns would
    # share one compiled SQL); like the literal column it replaced, it adds no FROM.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column
        self.type = column.type

    @property
    def _from_objects(self) -> list[Any]:
        return []


@compiles(plain_column)
def _plain_default(element: plain_column, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(plain_column, "sqlite")
def _plain_sqlite(element: plain_column, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


class days_between(FunctionElement[int]):  # noqa: N801
    """Whole days from the first date to the second (later − earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    # PostgreSQL: date − date is an integer number of days.
    return f"({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)})"


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    a, b = compiler.process(later, **kw), compiler.process(earlier, **kw)
    return f"(julianday({a}) - julianday({b}))"


class as_date(FunctionElement[Any]):  # noqa: N801
    """A date column or ISO text (a JSON 期限) as a date. SQLite: `date(x)`, ISO text again, and
    an expression, so it chooses no index (supervision.open_at says why that matters there);
    PostgreSQL: `CAST(x AS DATE)`, which for a date column is the column itself."""

    type = Date()
    inherit_cache = True


@compiles(as_date)
def _as_date_default(element: as_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS DATE)"


@compiles(as_date, "sqlite")
def _as_date_sqlite(element: as_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


class _days_after(FunctionElement[Any]):  # noqa: N801
    """(day, n): n an integer expression."""

    type = Date()
    inherit_cache = True


class _days_after_const(FunctionElement[Any]):  # noqa: N801
    """(day, n, SQLite's modifier for n): a count known when the query is built."""

    type = Date()
    inherit_cache = True


def add_days(day: Any, n: int | ColumnElement[Any]) -> ColumnElement[Any]:
    """The date `n` days after `day` (before it when n < 0): a date column, ISO text or a date
    expression; `n` an int or an integer expression. SQLite keeps its `date(x, '+N days')`
    (an int gives that modifier as one parameter, as the queries always wrote it);
    PostgreSQL adds the days to the date (date + integer is a date)."""
    if isinstance(n, int):
        return _days_after_const(day, literal(n, Integer()), literal(f"{n:+d} days", String()))
    return _days_after(day, n)


@compiles(_days_after)
@compiles(_days_after_const)
def _days_after_default(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    day, n = list(element.clauses)[:2]
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + {compiler.process(n, **kw)})"


@compiles(_days_after_const, "sqlite")
def _days_after_const_sqlite(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    day, _n, modifier = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, {compiler.process(modifier, **kw)})"


@compiles(_days_after, "sqlite")
def _days_after_sqlite(element: Any, compiler: SQLCompiler, **kw: Any) -> str:
    day, n = list(element.clauses)
    # CAST(-3 AS VARCHAR) is "-3": "-3 days" and "3 days" are both modifiers SQLite reads
    # ("+-3 days" is not).
    x, count = compiler.process(day, **kw), compiler.process(n, **kw)
    return f"date({x}, CAST({count} AS VARCHAR) || ' days')"


class iso_date(FunctionElement[str]):  # noqa: N801
    """A date as 'YYYY-MM-DD' text (to concatenate or compare as text). SQLite stores it so;
    PostgreSQL formats it (whatever the server's DateStyle)."""

    type = String()
    inherit_cache = True


@compiles(iso_date)
def _iso_default(element: iso_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM-DD')"


@compiles(iso_date, "sqlite")
def _iso_sqlite(element: iso_date, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


class year_month(FunctionElement[str]):  # noqa: N801
    """'YYYY-MM' of a date."""

    type = String()
    inherit_cache = True


@compiles(year_month)
def _month_default(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


@compiles(year_month, "sqlite")
def _month_sqlite(element: year_month, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite stores a date as ISO text: its first seven characters (reads only the index).
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


class flag(ColumnElement[int]):  # noqa: N801
    """A boolean column as the integer 0/1 (summed, or compared with 0 and 1). SQLite stores
    booleans as integers, and `+column` keeps the plain-expression trick of `plain_column`;
    PostgreSQL has a real boolean type, so it is cast."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]
    type = Integer()

    def __init__(self, column: ColumnElement[Any]) -> None:
        self.column = column

    @property
    def _from_objects(self) -> list[Any]:
        return []


@compiles(flag)
def _flag_default(element: flag, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.column, **kw)} AS INTEGER)"


@compiles(flag, "sqlite")
def _flag_sqlite(element: flag, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


class open_span_holds(ColumnElement[bool]):  # noqa: N801
    """PostgreSQL: the span [received, final) of a case's open days holds `day` — the very
    expression of ix_pg_cases_open_span (migration 0010), so that the planner finds the few
    cases open on a day through it. Only ever added beside the figures' own open test, which
    implies it; SQLite, without such an index, reads it as true."""

    inherit_cache = True
    _traverse_internals = [
        ("received", InternalTraversal.dp_clauseelement),
        ("final", InternalTraversal.dp_clauseelement),
        ("day", InternalTraversal.dp_clauseelement),
    ]
    type = Boolean()

    def __init__(self, received: ColumnElement[Any], final: ColumnElement[Any], day: Any) -> None:
        self.received, self.final = received, final
        self.day = cast(literal(day, Date()), Date)  # typed even when written as a literal

    @property
    def _from_objects(self) -> list[Any]:
        return [*self.received._from_objects, *self.final._from_objects]


@compiles(open_span_holds)
def _open_span_default(element: open_span_holds, compiler: SQLCompiler, **kw: Any) -> str:
    received = compiler.process(element.received, **kw)
    final = compiler.process(element.final, **kw)
    # A final date before the received one (imported history) makes an empty span, not an error.
    upper = f"CASE WHEN {final} IS NULL THEN NULL ELSE greatest({final}, {received}) END"
    return f"daterange({received}, {upper}, '[)') @> {compiler.process(element.day, **kw)}"


@compiles(open_span_holds, "sqlite")
def _open_span_sqlite(element: open_span_holds, compiler: SQLCompiler, **kw: Any) -> str:
    return "1"  # (in a WHERE SQLAlchemy writes a boolean as "… = 1" there)


def id_source(conn: Any, table: str, block: int = 1000) -> Callable[[], int]:
    """New ids for rows a bulk insert writes with ids of its own (the ledger import links a
    case to its petitioner and events before anything is written).

    SQLite: one past the largest, counted up (one writer at a time). PostgreSQL: from the
    table's own id sequence, `block` at a time, so a clerk registering a case meanwhile (whose
    insert takes the sequence's next value) never gets the same id; one past the largest would
    be exactly the id his insert takes. Ids left over in a block are a gap, as after a rollback.
    """
    from sqlalchemy import text

    if conn.dialect.name != "postgresql":
        last = conn.execute(text(f'SELECT max(id) FROM "{table}"')).scalar() or 0
        counter = itertools.count(int(last) + 1)
        return lambda: next(counter)
    taken: list[int] = []
    query = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")

    def next_id() -> int:
        if not taken:
            got = conn.execute(query, {"t": table, "n": block}).scalars()
            taken.extend(sorted((int(v) for v in got), reverse=True))
        return taken.pop()

    return next_id


def advance_id_sequences(conn: Any, *tables: str) -> None:
    """After rows were inserted with ids the program chose (bulk import, demo data): on
    PostgreSQL the tables' id sequences move past them, or the next ordinary insert would take
    id 1 again. SQLite's INTEGER PRIMARY KEY needs nothing."""
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    for table in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) "
                f'FROM "{table}" HAVING max(id) IS NOT NULL'
            )
        )
