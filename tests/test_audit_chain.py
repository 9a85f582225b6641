"""Issue 16 item 10: the audit log is a hash chain that `xinfang check` verifies, so editing or
deleting audit rows — or changing an account's role behind the program's back — is found."""

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input

from app import audit
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.safety import integrity
from app.safety.auth import AuthService


@pytest.fixture
def audited(db: Database) -> Database:
    admin = AuthService(db, None).create_first_admin("admin", "correct-horse")
    auth = AuthService(db, admin)
    auth.add_user("clerk", "secret-123", "登记员")
    service = CaseService(db, TESTER)
    for i in range(6):
        n = service.create(
            case_input(received_on=dt.date(2025, 12, 1), form="来信", name=f"张{i}")
        ).number
        service.act(n, "受理", dt.date(2025, 12, 2))
    return db


def _sql(path: Path, statement: str) -> None:
    conn = sqlite3.connect(path)
    conn.execute(statement)
    conn.commit()
    conn.close()


def _check(path: Path) -> integrity.Health:
    return integrity.health(path)


def test_every_write_keeps_the_chain_whole(audited: Database) -> None:
    conn = sqlite3.connect(audited.path)
    try:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE chain IS NULL").fetchone()[0] == 0
        assert audit.verify_chain(conn) is None
    finally:
        conn.close()
    assert _check(audited.path).ok


@pytest.mark.parametrize(
    "tampering, finding",
    [
        ("UPDATE users SET role = '管理员' WHERE username = 'clerk'", "账号"),
        ("DELETE FROM audit_log", "审计记录"),
        ("DELETE FROM audit_log WHERE id = 3", "审计记录"),
        ("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)", "审计记录"),
        ("UPDATE audit_log SET new = '不予受理' WHERE id = 5", "审计记录"),
        ("UPDATE audit_log SET user = 'admin' WHERE id = 8", "审计记录"),
    ],
)
def test_check_finds_tampering(
    audited: Database, tampering: str, finding: str, capsys: pytest.CaptureFixture[str]
) -> None:
    audited.close()
    _sql(audited.path, tampering)
    report = _check(audited.path)
    assert not report.ok
    assert any(i.label == finding and i.state == integrity.BAD for i in report.items), [
        (i.label, i.value) for i in report.items
    ]
    assert main(["--data-dir", str(audited.path.parent), "check"]) == 1
    assert "数据库有问题" in capsys.readouterr().out


def test_bulk_inserted_audit_rows_are_sealed_at_commit(audited: Database) -> None:
    from app.models import AuditEntry

    with audited.session() as s:
        s.execute(
            AuditEntry.__table__.insert(),
            [
                {"at": dt.datetime(2025, 12, 3), "user": "导入", "action": "登记", "entity": "case"}
                for _ in range(500)
            ],
        )
    conn = sqlite3.connect(audited.path)
    try:
        assert conn.execute("SELECT count(*) FROM audit_log WHERE chain IS NULL").fetchone()[0] == 0
        assert audit.verify_chain(conn) is None
    finally:
        conn.close()


def test_chain_rows_gives_bulk_rows_their_chain_before_the_insert(audited: Database) -> None:
    """The helper for the ledger import: ids and chain values computed up front, so the
    commit seals nothing (no UPDATE per row)."""
    from app.models import AuditEntry

    rows = [
        {
            "at": dt.datetime(2025, 12, 3, 9, 30, 15, 123456),
            "user": "导入",
            "action": "登记",
            "entity": "case",
            "entity_id": f"XF2025-{i:04d}",
            "new": None if i % 2 else 3,
        }
        for i in range(300)
    ]
    with audited.session() as s:
        audit.chain_rows(s, rows)
        s.execute(AuditEntry.__table__.insert(), rows)
        assert audit.seal(s.connection()) == 0
    conn = sqlite3.connect(audited.path)
    try:
        assert audit.verify_chain(conn) is None
    finally:
        conn.close()
