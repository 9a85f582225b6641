"""Counters that must never hand out a number twice or skip one (编号, 文号; §9 "Several clerks
on PostgreSQL": serialised with row locks).

`lock` makes sure the counter row exists and holds it until the transaction ends, then reads
it; the caller picks the next number and `store`s it. Two clerks' transactions therefore take
turns: the second waits at `lock` and reads what the first committed.

- PostgreSQL: `INSERT … ON CONFLICT DO NOTHING` creates a missing row without a race (a second
  insert of the same key waits for the first and then does nothing), `SELECT … FOR UPDATE`
  takes the row lock.
- SQLite: the INSERT is the transaction's first write, so it takes the database's one write
  lock (the driver begins the transaction right before it); every read after it sees the
  latest commit and no other writer can come in between.
"""

from typing import Any

from sqlalchemy import Table, and_, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session


def _where(table: Table, key: dict[str, Any]) -> Any:
    return and_(*(table.c[name] == value for name, value in key.items()))


def lock(session: Session, table: Table, key: dict[str, Any]) -> int:
    """The counter's last value, its row created (at 0) if missing and locked until the
    transaction ends."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql  # not at import: 18 ms of a SQLite start

        session.execute(postgresql.insert(table).values(**key, last=0).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(table).values(**key, last=0).on_conflict_do_nothing())
    last = session.scalar(select(table.c.last).where(_where(table, key)).with_for_update())
    return int(last or 0)


def store(session: Session, table: Table, key: dict[str, Any], last: int) -> None:
    """Write the counter's new last value (its row is locked by `lock` in this transaction)."""
    session.execute(update(table).where(_where(table, key)).values(last=last))
