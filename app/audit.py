"""The append-only audit log (PIPL Art.51): who changed what, when, from what to what."""

import datetime as dt
import functools
import hashlib
import os
import platform
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app import clock
from app.models import AuditEntry


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


@functools.cache
def computer() -> str | None:
    """This computer's name, as Windows (COMPUTERNAME) or the network (hostname) knows it:
    with several clerks on one server, the log says from which desk a change was made."""
    name = (os.environ.get("COMPUTERNAME") or platform.node() or "").strip()
    return name[:64] or None


def record(
    session: Session,
    user: str,
    action: str,
    entity: str,
    entity_id: str | None,
    field: str | None = None,
    old: Any = None,
    new: Any = None,
) -> None:
    serialise(session)
    session.add(
        AuditEntry(
            at=clock.now(),
            user=user or "",
            action=action,
            entity=entity,
            entity_id=entity_id,
            field=field,
            old=_text(old),
            new=_text(new),
            computer=computer(),
        )
    )


def history(session: Session, entity: str, entity_id: str) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.id)
        )
    )


# --- the hash chain (issue 16 item 10) ------------------------------------------------------
# Each row's `chain` is SHA-256 over the previous row's chain and the row itself, so an edited,
# deleted or inserted row breaks every hash after it and `xinfang check` says where. Rows are
# sealed at the end of the transaction that wrote them (`seal`, called by Database.session),
# which covers bulk inserts (ledger import, dictionary renames) without changing them.
GENESIS = "0" * 64
# The columns hashed, in this order. `computer` (issue 20) follows them only when it is not
# NULL: rows sealed before it existed hash exactly as they did, so old chains still verify,
# while a computer added to, changed on or removed from a newer row breaks the chain.
_HASHED = ("id", "at", "user", "action", "entity", "entity_id", "field", "old", "new")
# On PostgreSQL several clerks write at once. The chain is in commit order only if no two
# transactions add audit rows at the same time, so the first audit row of a transaction takes
# this advisory lock, held until its commit (SQLite serialises writers by itself).
_CHAIN_LOCK_KEY = 0x58494E41  # "XINA"


def _stored(value: Any) -> str:
    # As SQLite stores a DateTime (SQLAlchemy's format), so one row hashes alike on both
    # dialects: PostgreSQL's driver returns a datetime where SQLite returns this text.
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return str(value)


def chain_hash(previous: str, row: Sequence[Any]) -> str:
    """The chain value of one audit row given as (id, at, user, …, new[, computer]), raw as
    stored (`hashed`)."""
    joined = "\x1f".join([previous, *("\x00" if v is None else _stored(v) for v in row)])
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def hashed(names: Sequence[str], row: Sequence[Any]) -> tuple[Any, ...]:
    """What `chain_hash` takes from a row read with `SELECT *` (the columns `names`): read by
    name, so a database from before the `computer` column (an upgrade under way, an old
    backup being checked) is read the same way."""
    values = dict(zip(names, row, strict=True))
    out = tuple(values[n] for n in _HASHED)
    if values.get("computer") is not None:
        out += (values["computer"],)
    return out


def _names(result: Any) -> list[str]:
    """Column names of a SQLAlchemy result or a sqlite3 cursor."""
    if hasattr(result, "keys"):
        return list(result.keys())
    return [d[0] for d in result.description]


def _lock_chain(conn: Any) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def serialise(session: Session) -> None:
    """Before this transaction's first audit row (see _CHAIN_LOCK_KEY); a no-op on SQLite."""
    if session.get_bind().dialect.name != "postgresql":
        return
    tx = session.get_transaction()
    if session.info.get("audit_chain_tx") is not tx:
        _lock_chain(session.connection())
        session.info["audit_chain_tx"] = tx


def _set_anchor(conn: Any, last_id: int, chain: str) -> None:
    """The one anchor row, written the same way on both dialects (no INSERT OR REPLACE)."""
    params = {"last_id": last_id, "chain": chain}
    done = conn.execute(
        text("UPDATE audit_anchor SET last_id = :last_id, chain = :chain WHERE id = 1"), params
    )
    if not done.rowcount:
        conn.execute(
            text("INSERT INTO audit_anchor (id, last_id, chain) VALUES (1, :last_id, :chain)"),
            params,
        )


def _tip_and_unsealed(conn: Any) -> tuple[str, list[Sequence[Any]]]:
    """The last sealed chain value and the unsealed rows after it, oldest first. Unsealed
    rows are only ever at the end, so this reads back from the newest row only."""
    pending: list[Sequence[Any]] = []
    last = conn.execute(text("SELECT chain FROM audit_log ORDER BY id DESC LIMIT 1")).fetchone()
    if last is None:
        return GENESIS, []
    if last[0] is not None:  # the usual case: one indexed read per commit
        return str(last[0]), []
    upper: int | None = None
    while True:
        sql = "SELECT * FROM audit_log"
        sql += " WHERE id < :upper" if upper is not None else ""
        sql += " ORDER BY id DESC LIMIT 2000"
        result = conn.execute(text(sql), {"upper": upper} if upper is not None else {})
        names = _names(result)
        chain = names.index("chain")
        rows = list(result)
        for row in rows:
            if row[chain] is not None:
                return str(row[chain]), pending[::-1]
            pending.append(hashed(names, row))
        if len(rows) < 2000:
            return GENESIS, pending[::-1]
        upper = int(rows[-1][0])


def seal(conn: Any) -> int:
    """Give every unsealed audit row its chain value; returns how many were sealed.
    `conn` is a SQLAlchemy Connection inside the writing transaction."""
    tip, rows = _tip_and_unsealed(conn)
    if not rows:
        return 0
    updates = []
    for row in rows:
        tip = chain_hash(tip, row)
        updates.append({"chain": tip, "id": row[0]})
    conn.execute(text("UPDATE audit_log SET chain = :chain WHERE id = :id"), updates)
    # The anchor holds the newest row's chain value: deleting the newest rows (or all of
    # them) leaves a chain that is whole but ends before the anchor.
    _set_anchor(conn, int(updates[-1]["id"]), tip)
    return len(updates)


def seal_session(session: Session) -> None:
    """`before_commit` hook of every write session: seals whatever audit rows the
    transaction wrote, through the ORM or in bulk (one indexed read when there are none)."""
    session.flush()
    seal(session.connection())


def verify_chain(conn: Any) -> str | None:
    """None when the chain is whole; otherwise where it breaks (for `check` and restore).
    `conn` is a sqlite3 connection (a file being checked) or a SQLAlchemy Connection (a
    server). Rows written before the chain existed were sealed by the upgrade, so an unsealed
    row can only be a tail a kill left before its commit — never."""
    tip = GENESIS
    expected_id: int | None = None
    last_id = 0

    def run(sql: str) -> Any:
        return conn.execute(text(sql) if hasattr(conn, "dialect") else sql)

    anchor = run("SELECT last_id, chain FROM audit_anchor WHERE id = 1").fetchone()
    cursor = run("SELECT * FROM audit_log ORDER BY id")
    names = _names(cursor)
    chain, ident = names.index("chain"), names.index("id")
    count = 0
    while batch := cursor.fetchmany(5000):
        for row in batch:
            count += 1
            row_id = int(row[ident])
            if row[chain] is None:
                return f"第 {row_id} 条审计记录没有校验值"
            value = chain_hash(tip, hashed(names, row))
            if value != row[chain]:
                if expected_id is not None and row_id != expected_id:
                    return f"第 {expected_id} 至 {row_id - 1} 条审计记录被删除"
                return f"第 {row_id} 条审计记录被改动或删除了前面的记录"
            tip, expected_id, last_id = value, row_id + 1, row_id
    if anchor is not None and (int(anchor[0]) != last_id or anchor[1] != tip):
        if int(anchor[0]) > last_id:
            return f"最后的审计记录（第 {last_id + 1} 至 {anchor[0]} 条）被删除"
        return "审计记录的末尾与校验锚点不符"
    if anchor is None and count:
        return "审计记录的校验锚点丢失"
    return None


def chain_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """For bulk inserts (ledger import): give each audit row dict its `id` and `chain` before
    `session.execute(AuditEntry.__table__.insert(), rows)`, so the commit has nothing left to
    seal (sealing afterwards costs an UPDATE per row). Call it right before that insert, in the
    same transaction, after this transaction's first write (which holds the write lock)."""
    if not rows:
        return
    serialise(session)
    conn = session.connection()
    tip, pending = _tip_and_unsealed(conn)
    if pending:  # rows inserted earlier in the transaction without this: seal them first
        seal(conn)
        tip, _ = _tip_and_unsealed(conn)
    last = conn.execute(text("SELECT max(id) FROM audit_log")).scalar() or 0
    # The dialect's own processor (the generic DateTime has none): the text exactly as stored.
    stored = AuditEntry.__table__.c.at.type._cached_bind_processor(conn.dialect)
    here = computer()
    for n, row in enumerate(rows, start=int(last) + 1):
        row["id"] = n
        row.setdefault("computer", here)
        at = row.get("at")
        raw = (n, stored(at) if stored and at is not None else at)
        values = (row.get(k) for k in ("user", "action", "entity", "entity_id", "field"))
        rest = (_text(row.get("old")), _text(row.get("new")))
        where = (row["computer"],) if row["computer"] is not None else ()
        tip = chain_hash(tip, (*raw, *values, *rest, *where))
        row["chain"] = tip
    _set_anchor(conn, int(rows[-1]["id"]), tip)
