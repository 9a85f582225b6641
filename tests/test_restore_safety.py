"""Issue 16 items 1, 3, 6, 12: a restore never discards another process's committed work,
a kill at any step of it leaves a database (old or restored, never none, never empty),
`check` creates nothing, foreign or stripped files are refused, leftovers are cleaned."""

import datetime as dt
import os
import select
import shutil
import signal
import sqlite3
import time
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from faults import arm_file_calls, run_child

from app import paths
from app.bootstrap import open_database
from app.cases import demo
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.safety import backup, recovery

# sqlite_only: a server database is restored by the office from pg_dump (rules.md, 多人使用).
pytestmark = [
    pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL"),
    pytest.mark.sqlite_only("restoring the database file"),
]

T = dt.datetime(2025, 12, 31, 17, 30, 0)


def _count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture
def live_and_backup(db: Database, tmp_path: Path) -> tuple[Path, Path, int, int]:
    """A live database with 40 cases and a backup of it taken at 25 (5 of them registered
    through the service, so the audit log has rows)."""
    demo.generate(db, 20, seed=5)
    _register(db, 5)
    info = backup.make_backup(db, folder=tmp_path / "bk", now=T)
    demo.generate(db, 10, seed=6)
    _register(db, 5)
    db.close()
    return db.path, info.path, 40, 25


def _register(db: Database, n: int) -> None:

    service = CaseService(db, TESTER)
    for i in range(n):
        service.create(case_input(received_on=dt.date(2025, 12, 2), form="来访", name=f"登记{i}"))


def _writer(path: Path, ack_fd: int) -> None:
    """Another process (a CLI import): registers cases, acknowledging each after its commit."""

    service = CaseService(Database(path), TESTER)
    n = 0
    while True:
        n += 1
        created = service.create(
            case_input(received_on=dt.date(2025, 12, 1), form="来信", name=f"并发{n}")
        )
        os.write(ack_fd, (created.number + "\n").encode())


def test_restore_refuses_while_another_process_writes_and_loses_nothing(
    live_and_backup: tuple[Path, Path, int, int],
) -> None:
    path, copy, _, _ = live_and_backup
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read_fd)
            _writer(path, write_fd)
        finally:
            os._exit(0)
    os.close(write_fd)
    acks = b""
    while acks.count(b"\n") < 5:
        ready, _, _ = select.select([read_fd], [], [], 5)
        assert ready, "the writer never acknowledged a case"
        acks += os.read(read_fd, 65536)
    try:
        with pytest.raises(DomainError, match="另一个程序"):
            backup.restore(path, copy, now=T, wait=1.0)
        time.sleep(0.2)  # the writer goes on committing after the refused restore
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    while chunk := os.read(read_fd, 65536):
        acks += chunk
    os.close(read_fd)
    acknowledged = [n for n in acks.decode().split("\n")[:-1]]
    conn = sqlite3.connect(path)
    stored = {r[0] for r in conn.execute("SELECT number FROM cases")}
    conn.close()
    assert len(acknowledged) > 5
    assert not [n for n in acknowledged if n not in stored]
    # Once the other process is gone the restore goes through.
    assert backup.restore(path, copy, now=T, wait=1.0).cases == 25
    assert _count(path) == 25


def test_restore_waits_for_a_short_writer_in_the_same_process(
    live_and_backup: tuple[Path, Path, int, int],
) -> None:
    path, copy, _, _ = live_and_backup
    other = Database(path)  # e.g. a second window's connection that closes in a moment
    with pytest.raises(DomainError, match="另一个程序"):
        backup.restore(path, copy, now=T, wait=0.2)
    other.close()
    assert backup.restore(path, copy, now=T, wait=0.2).cases == 25


@pytest.mark.parametrize("after", range(1, 16))
def test_a_kill_at_any_step_of_a_restore_leaves_a_whole_database(
    live_and_backup: tuple[Path, Path, int, int], after: int
) -> None:
    path, copy, before, restored = live_and_backup
    outcome = run_child(
        lambda: backup.restore(path, copy, now=T), arm=lambda: arm_file_calls(after)
    )
    assert outcome in ("killed", "done")
    db = open_database(path)  # the next start finishes or undoes the half-done restore
    try:
        count = CaseService(db, TESTER).count(CaseFilter(include_voided=True))
    finally:
        db.close()
    assert count in (before, restored), f"kill after file call {after}: {count} cases"
    assert not recovery.marker_path(path, recovery.RESTORE_MARKER).exists()
    assert not path.with_name(path.name + ".restore.tmp").exists()


def test_a_missing_database_with_backups_is_not_silently_replaced_by_an_empty_one(
    live_and_backup: tuple[Path, Path, int, int], capsys: pytest.CaptureFixture[str]
) -> None:
    path, copy, _, _ = live_and_backup
    shutil.copy(copy, paths.backups_dir(path.parent) / copy.name)
    path.unlink()
    with pytest.raises(DomainError, match="数据库文件不见了"):
        open_database(path)
    assert not path.exists()
    # `check` reports it and creates nothing.
    assert main(["--data-dir", str(path.parent), "check"]) == 1
    out = capsys.readouterr().out
    assert "不存在" in out and "数据库完好" not in out
    assert not path.exists()


def test_check_never_creates_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    main(["--data-dir", str(tmp_path), "check"])
    capsys.readouterr()
    assert not (tmp_path / paths.DB_FILENAME).exists()


def test_a_killed_restore_of_the_old_two_rename_kind_is_put_back(
    live_and_backup: tuple[Path, Path, int, int],
) -> None:
    path, _, before, _ = live_and_backup
    os.replace(path, path.with_name(path.name + ".replaced"))  # what the old restore left
    db = open_database(path)
    try:
        assert CaseService(db, TESTER).count(CaseFilter(include_voided=True)) == before
    finally:
        db.close()


def _strip(source: Path, dest: Path, *sql: str) -> Path:
    shutil.copy(source, dest)
    conn = sqlite3.connect(dest)
    for statement in sql:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return dest


def test_restore_refuses_foreign_and_stripped_databases(
    live_and_backup: tuple[Path, Path, int, int], tmp_path: Path
) -> None:
    path, copy, before, _ = live_and_backup
    foreign = tmp_path / "foreign.sqlite3"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE cases (id INTEGER PRIMARY KEY, voided INTEGER)")
    conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
    conn.execute("INSERT INTO alembic_version VALUES ('0004')")
    conn.commit()
    conn.close()
    stripped = _strip(
        copy, tmp_path / "stripped.sqlite3", "DROP TABLE users", "DROP TABLE audit_log"
    )
    no_column = _strip(copy, tmp_path / "col.sqlite3", "ALTER TABLE cases DROP COLUMN extra")
    edited = _strip(
        copy, tmp_path / "edited.sqlite3", "UPDATE audit_log SET user = '别人' WHERE id = 3"
    )
    cut = _strip(copy, tmp_path / "cut.sqlite3", "DELETE FROM audit_log WHERE id = 2")
    emptied = _strip(copy, tmp_path / "emptied.sqlite3", "DELETE FROM audit_log")
    for bad in (foreign, stripped, no_column, edited, cut, emptied):
        with pytest.raises(DomainError, match="不能用来恢复|不是信访工作台") as refused:
            backup.restore(path, bad, now=T)
        assert bad.name in refused.value.message
        assert _count(path) == before, bad.name
    assert not list(paths.backups_dir(path.parent).glob("恢复前-*"))


def test_leftover_temporary_copies_are_removed_and_aside_copies_rotated(
    live_and_backup: tuple[Path, Path, int, int], tmp_path: Path
) -> None:
    path, copy, _, _ = live_and_backup
    folder = paths.backups_dir(path.parent)
    stale = folder / "备份-20251230-100000.sqlite3.tmp"
    shutil.copy(copy, stale)  # what a killed backup left
    busy = folder / "备份-20251231-100000.sqlite3.tmp"  # a backup under way in another process
    holder = recovery.hold(busy)
    try:
        open_database(path).close()
        assert not stale.exists() and busy.exists()
    finally:
        holder.close()
    for hour in range(8):
        backup.restore(path, copy, now=T + dt.timedelta(hours=hour))
    assert len(list(folder.glob("恢复前-*.sqlite3"))) == backup.ASIDE_COPIES_KEPT


@pytest.mark.parametrize("after", [1, 2])
def test_a_killed_backup_leaves_no_copy_of_the_data_behind(
    live_and_backup: tuple[Path, Path, int, int], tmp_path: Path, after: int
) -> None:
    path, _, before, _ = live_and_backup
    folder = tmp_path / "usb"
    db = Database(path)
    try:
        outcome = run_child(
            lambda: backup.make_backup(db, folder=folder, now=T),
            arm=lambda: arm_file_calls(after),
        )
        assert outcome == "killed"
        info = backup.make_backup(db, folder=folder, now=T + dt.timedelta(minutes=1))
    finally:
        db.close()
    assert info.cases == before
    assert not list(folder.glob("*.tmp")), list(folder.iterdir())
