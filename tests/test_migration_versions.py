"""0009_versions: cases get version 1 and keep every value; an audit chain sealed by the
program before the upgrade (no `computer` in its rows or its hashes) still verifies, and the
rows written after it carry the computer and are chained on."""

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest
from accounts import TESTER
from alembic import command
from factories import case_input

from app import audit, migrate
from app.cases.service import CaseService
from app.db import Database

pytestmark = pytest.mark.sqlite_only("downgrades and reads a database file")


def old_chain_hash(previous: str, row: tuple[object, ...]) -> str:
    """The chain as the program before 0009 computed it: the nine columns, written out here so
    this test does not lean on the code it checks."""
    joined = "\x1f".join([previous, *("\x00" if v is None else str(v) for v in row)])
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def test_upgrade_keeps_cases_and_the_old_audit_chain(db: Database) -> None:
    cases = CaseService(db, TESTER)
    number = cases.create(case_input(dt.date(2025, 3, 5), "来信", name="甲")).number
    cases.act(number, "受理", dt.date(2025, 3, 6))
    path: Path = db.path
    db.close()
    command.downgrade(migrate.alembic_config(path), "0008_postgres")
    conn = sqlite3.connect(path)
    assert "version" not in {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    # The old program's audit log: rows and chain as it wrote them.
    conn.execute("DELETE FROM audit_log")
    conn.execute("DELETE FROM audit_anchor")
    tip = "0" * 64
    for i, (action, new) in enumerate([("登记", None), ("受理", "办理中"), ("修改", "张三")], 1):
        row = (
            i,
            f"2025-03-0{i} 09:00:00.000000",
            "测试员",
            action,
            "case",
            number,
            None,
            None,
            new,
        )
        tip = old_chain_hash(tip, row)
        conn.execute(
            'INSERT INTO audit_log (id, at, "user", action, entity, entity_id, field, old, new, '
            "chain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*row, tip),
        )
    conn.execute("INSERT INTO audit_anchor (id, last_id, chain) VALUES (1, 3, ?)", (tip,))
    conn.commit()
    before = conn.execute("SELECT * FROM cases").fetchall()
    assert audit.verify_chain(conn) is None  # a file from before the column is read too
    conn.close()

    migrate.upgrade(path)
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = conn.execute("SELECT * FROM cases").fetchall()
    assert [r["version"] for r in rows] == [1]
    assert [tuple(r)[: len(before[0])] for r in rows] == before  # the new columns come last
    assert audit.verify_chain(conn) is None
    conn.close()

    db = Database(path)
    try:
        cases = CaseService(db, TESTER)
        detail = cases.act(number, "答复", dt.date(2025, 3, 20), {"result": "支持"}, 1)
        assert detail.version == 2
        assert [h.computer for h in detail.history] == [None] * 3 + [audit.computer()]
    finally:
        db.close()
    conn = sqlite3.connect(path)
    assert audit.verify_chain(conn) is None
    # A computer written into an old row afterwards is an edit the chain finds.
    conn.execute("UPDATE audit_log SET computer = 'PC-1' WHERE id = 2")
    assert "第 2 条" in (audit.verify_chain(conn) or "")
    conn.close()
