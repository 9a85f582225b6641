"""Issue 16 item 11: a locked database, a full or read-only disk and a clock set back give the
clerk the right next step — never "restore from backup" for a lock, never the SQL parameters
(names, ID numbers, phones) on screen or in the log, never a year-long account lock."""

import datetime as dt
import errno
import logging
import sqlite3
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input

from app import errors, logging_setup
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.safety.auth import MAX_DELAY_S, AuthService

ID = "110101199003074514"


def test_a_locked_database_says_wait_and_shows_no_personal_data(
    db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(db.path.parent)
    db.close()
    holder = sqlite3.connect(db.path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")  # a long import in another process holds the write lock
    try:
        code = main(
            ["--data-dir", data, "case", "add", "--form", "来信", "--received", "2025-12-01"]
            + ["--name", "王秘密", "--id-number", ID, "--phone", "13800138000"]
            + ["--summary", "反映工资拖欠", "--category", "劳动和社会保障"]
        )
    finally:
        holder.rollback()
        holder.close()
    err = capsys.readouterr().err
    assert code == 1
    assert "不需要从备份恢复" in err and "恢复命令" not in err
    assert ID not in err and "王秘密" not in err and "13800138000" not in err
    assert "INSERT" not in err and "SELECT" not in err


def test_database_errors_in_the_log_carry_no_parameters(db: Database, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    log_file = logging_setup.setup_logging(folder=log_dir)
    from sqlalchemy import text

    try:
        with db.session() as s:
            s.execute(
                text("INSERT INTO no_such_table VALUES (:idn, :name)"),
                {"idn": ID, "name": "王秘密"},
            )
    except Exception as exc:  # noqa: BLE001 (the error the program would log)
        logging_setup.log_exception(type(exc), exc, exc.__traceback__, "测试")
    for handler in logging.getLogger(logging_setup.LOGGER).handlers:
        handler.flush()
    written = log_file.read_text(encoding="utf-8")
    assert "no_such_table" in written
    assert ID not in written and "王秘密" not in written


@pytest.mark.parametrize(
    "exc, expected",
    [
        (OSError(errno.ENOSPC, "No space left on device"), errors.DISK_FULL),
        (OSError(errno.EROFS, "Read-only file system"), errors.READ_ONLY),
        (sqlite3.OperationalError("database or disk is full"), errors.DISK_FULL),
        (sqlite3.OperationalError("attempt to write a readonly database"), errors.READ_ONLY),
        (sqlite3.OperationalError("database is locked"), errors.LOCKED),
        (sqlite3.DatabaseError("database disk image is malformed"), errors.DAMAGED),
    ],
)
def test_disk_and_database_failures_are_explained(exc: BaseException, expected: str) -> None:
    from sqlalchemy.exc import OperationalError

    assert errors.explain(exc) == expected
    wrapped = OperationalError("INSERT INTO petitioners VALUES (?)", (ID,), exc)  # type: ignore[arg-type]
    if isinstance(exc, sqlite3.Error):
        assert errors.explain(wrapped) == expected
    assert errors.explain(ValueError("x")) is None


def test_a_read_only_database_in_the_cli_says_so(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    CaseService(db, TESTER).create(
        case_input(received_on=dt.date(2025, 12, 1), form="来信", name="张三")
    )
    data = db.path.parent
    db.close()
    for p in (db.path, data):
        p.chmod(0o555 if p.is_dir() else 0o444)
    try:
        import os

        if os.access(db.path, os.W_OK):
            pytest.skip("running as a user who can write read-only files (root)")
        code = main(
            ["--data-dir", str(data), "case", "add", "--form", "来信"]
            + ["--received", "2025-12-01", "--name", "张三"]
            + ["--summary", "反映工资拖欠", "--category", "劳动和社会保障"]
        )
    finally:
        data.chmod(0o755)
        db.path.chmod(0o644)
    err = capsys.readouterr().err
    assert code == 1 and "只读" in err


def test_a_clock_set_back_does_not_lock_an_account_for_a_year(db: Database) -> None:
    service = AuthService(db, None)
    service.create_first_admin("admin", "correct-horse")
    now = dt.datetime(2026, 6, 1, 9, 0)
    for i in range(8):
        with pytest.raises(errors.DomainError):
            service.login("admin", "wrong", now=now + dt.timedelta(minutes=10 * i))
    back = now - dt.timedelta(days=365)  # the PC's clock is reset to last year
    assert 0 < service.wait_seconds("admin", now=back) <= MAX_DELAY_S
