"""Backups of a PostgreSQL server database by pg_dump / pg_restore (issue 20 item 4): the file
is made, a restore brings back a deleted case, a restore is refused while another clerk is
connected (naming the computer), and the CLI does the same."""

import datetime as dt
import os
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input, register
from sqlalchemy import text

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.safety import pg_backup

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not pg_backup.tools_available(), reason="needs pg_dump and pg_restore"),
]


def _numbers(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(conn.scalars(text("SELECT number FROM cases")))


def _delete(db: Database, number: str) -> None:
    with db.engine.begin() as conn:
        cid = conn.scalar(text("SELECT id FROM cases WHERE number = :n"), {"n": number})
        conn.execute(text("DELETE FROM events WHERE case_id = :c"), {"c": cid})
        conn.execute(text("DELETE FROM cases WHERE id = :c"), {"c": cid})


def test_backup_file_is_made_and_restore_brings_back_a_deleted_case(
    server_url: str, tmp_path: Path
) -> None:
    db = Database(server_url)
    try:
        cases = CaseService(db, TESTER)
        kept = register(cases, case_input(dt.date(2025, 3, 5), name="张三"))
        lost = register(cases, case_input(dt.date(2025, 3, 6), name="李四"))
        service = pg_backup.ServerBackupService(db, TESTER)
        seen: list[int] = []
        info = service.make(tmp_path / "备份", progress=lambda n, _t: seen.append(n))
        assert info.path.is_file() and info.path.suffix == ".dump"
        assert info.path.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
        assert info.cases == 2 and info.size > 0
        assert not list((tmp_path / "备份").glob("*.part"))
        assert [b.path for b in service.backups(tmp_path / "备份")] == [info.path]

        _delete(db, lost)
        later = register(cases, case_input(dt.date(2025, 3, 7), name="王五"))
        assert _numbers(db) == {kept, later}

        result = service.restore(info.path)
        assert result.cases == 2
        assert _numbers(db) == {kept, lost}  # the deleted one is back, the later one gone
        # The same process goes on with the restored database.
        assert cases.count(CaseFilter()) == 2
        with db.engine.connect() as conn:
            from app import audit

            assert audit.verify_chain(conn) is None
    finally:
        db.close()


def test_restore_refused_while_another_clerk_is_connected(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(server_url)
    # Another clerk's program, on a computer with a Chinese name (application_name is ASCII
    # only on PostgreSQL: app/db.py tags it so the message can still name the computer).
    monkeypatch.setenv("COMPUTERNAME", "接待室电脑")
    other = Database(server_url)
    monkeypatch.delenv("COMPUTERNAME")
    try:
        cases = CaseService(db, TESTER)
        register(cases, case_input(dt.date(2025, 3, 5), name="张三"))
        service = pg_backup.ServerBackupService(db, TESTER)
        info = service.make(tmp_path)
        later = register(cases, case_input(dt.date(2025, 3, 7), name="王五"))
        assert CaseService(other, TESTER).count(CaseFilter()) == 2  # connected, idle in the pool
        with pytest.raises(DomainError, match="接待室电脑"):
            service.restore(info.path)
        assert later in _numbers(db)  # nothing was restored; this process still works
        assert cases.count(CaseFilter()) == 2
        other.close()
        service.restore(info.path)  # the other clerk has gone: now it restores
        assert later not in _numbers(db)
    finally:
        other.close()
        db.close()


def test_a_file_that_is_not_a_dump_is_refused(server_url: str, tmp_path: Path) -> None:
    db = Database(server_url)
    try:
        bogus = tmp_path / "x.dump"
        bogus.write_bytes(b"not a dump")
        with pytest.raises(DomainError, match="不是完整的服务器备份文件"):
            pg_backup.ServerBackupService(db, TESTER).restore(bogus)
    finally:
        db.close()


def test_cancelled_backup_leaves_no_file(server_url: str, tmp_path: Path) -> None:
    db = Database(server_url)
    try:
        with pytest.raises(pg_backup.BackupCancelled):
            pg_backup.make_backup(db, tmp_path, cancelled=lambda: True)
        assert list(tmp_path.iterdir()) == []
    finally:
        db.close()


def test_cli_backup_now_and_restore_on_a_server(
    server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.cli import main

    monkeypatch.setenv("XINFANG_DATABASE_URL", server_url)
    monkeypatch.setenv("XINFANG_PASSWORD", "geheim123")
    db = Database(server_url)
    try:
        from app.safety.auth import AuthService

        AuthService(db, None).create_first_admin("admin", "geheim123", "")
        cases = CaseService(db, TESTER)
        kept = register(cases, case_input(dt.date(2025, 3, 5), name="张三"))
    finally:
        db.close()
    out = tmp_path / "out"
    assert main(["--user", "admin", "backup", "--out", str(out)]) == 0
    dumps = list(out.glob("*.dump"))
    assert len(dumps) == 1
    db = Database(server_url)
    try:
        _delete(db, kept)
    finally:
        db.close()
    assert main(["--user", "admin", "restore", str(dumps[0]), "--yes"]) == 0
    db = Database(server_url)
    try:
        assert kept in _numbers(db)
    finally:
        db.close()
    assert os.environ.get("PGPASSWORD") is None  # the password never went into our environment
