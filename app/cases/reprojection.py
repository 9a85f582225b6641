"""Recompute every case's projection at once (after a limit setting or the holiday list changed).

`projection.project()` stays the single source of the rules; this module only feeds it fast:
events are read in bulk per slice of case ids (no ORM objects, no lazy loads), due dates are
memoised per (start day, length) because 100,000 cases share ~1,000 start days, and only the
rows whose projection actually changed are written back, with one executemany per slice.
Measured on 100,000 demo cases: the ORM loop took ~95 s; this takes a few seconds.
"""

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app.cases.deadlines import MemoCalendar
from app.cases.projection import PROJECTED, project, work_calendar
from app.models import Case
from app.office import settings

_SLICE = 20_000


Run = Callable[[str, dict[str, Any]], Iterable[Sequence[Any]]]
RunMany = Callable[[str, list[dict[str, Any]]], None]


def _date(value: str | dt.date) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _as_sqlite_stores(value: Any) -> Any:
    # SQLAlchemy writes dates as ISO text and booleans as 0/1 in SQLite: compare as stored.
    return (
        value.isoformat()
        if type(value) is dt.date
        else int(value)
        if type(value) is bool
        else value
    )


def _driver(session: Session) -> tuple[Run, RunMany, Callable[[Any], Any]]:
    """How to read and write under this session's transaction, `:name` parameters on both.
    SQLite: straight on the sqlite3 connection (SQLAlchemy's per-value type processing was most
    of the time at 100,000 cases). PostgreSQL: through SQLAlchemy Core, native values."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None
        return raw.execute, raw.executemany, _as_sqlite_stores

    def run(sql: str, params: dict[str, Any]) -> Iterable[Sequence[Any]]:
        return conn.execute(text(sql), params)

    def run_many(sql: str, params: list[dict[str, Any]]) -> None:
        conn.execute(text(sql), params)

    return run, run_many, lambda v: v


def reproject_all(session: Session, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute status, dates and deadlines of every case from its events.

    Runs inside the caller's transaction. Returns the number of cases whose row changed.
    Reads and writes go as directly to the driver as the dialect allows (`_driver`).
    """
    session.flush()  # pending ORM changes must be in the tables we read
    cfg = settings.get_all(session)
    cal = MemoCalendar(work_calendar(session))
    run, run_many, stored = _driver(session)
    ids = [r[0] for r in run("SELECT id FROM cases ORDER BY id", {})]
    names = ", ".join(f'"{n}"' for n in PROJECTED)
    write = f"UPDATE cases SET {', '.join(f'{n} = :{n}' for n in PROJECTED)} WHERE id = :id"
    parsed: dict[str, dict[str, Any]] = {"{}": {}}  # event payloads repeat a lot: parse each once
    projected = attrgetter(*PROJECTED)
    changed = 0
    for start in range(0, len(ids), _SLICE):
        lo, hi = ids[start], ids[min(start + _SLICE, len(ids)) - 1]
        events: dict[int, list[SimpleNamespace]] = {}
        rows = run(
            'SELECT case_id, seq, kind, "on", data FROM events '
            "WHERE case_id BETWEEN :lo AND :hi ORDER BY case_id, seq",
            {"lo": lo, "hi": hi},
        )
        for case_id, seq, kind, on, raw in rows:
            # SQLite gives the JSON text; PostgreSQL's driver has already parsed it.
            data: dict[str, Any] | None = raw if isinstance(raw, dict) else None
            if data is None:
                raw = raw or "{}"
                data = parsed.get(raw)
                if data is None:
                    data = parsed[raw] = json.loads(raw)
            events.setdefault(case_id, []).append(
                SimpleNamespace(seq=seq, kind=kind, on=_date(on), data=data)
            )
        updates: list[dict[str, Any]] = []
        rows = run(
            f"SELECT id, received_on, channel, {names} FROM cases WHERE id BETWEEN :lo AND :hi",
            {"lo": lo, "hi": hi},
        )
        for case_id, received_on, channel, *before in rows:
            case = SimpleNamespace(received_on=_date(received_on), channel=channel)
            project(case, events.get(case_id, []), cfg, cal)  # type: ignore[arg-type]
            after = [stored(v) for v in projected(case)]
            if after != before:
                updates.append({**dict(zip(PROJECTED, after, strict=True)), "id": case_id})
        if updates:
            run_many(write, updates)
            changed += len(updates)
        if progress is not None:
            progress(min(start + _SLICE, len(ids)), len(ids))
    # Case objects already in this session must not keep their stale projection.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Case):
            session.expire(obj)
    return changed
