"""Issue 16 items 2 and 4: a schema upgrade killed at any statement leaves a database that the
next start upgrades (one 升级前 copy in all, no "already exists"); a damaged schema gives
the message and the way to restore, never a traceback."""

import datetime as dt
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from faults import arm_sql_statements, run_child

from app import migrate, paths
from app.bootstrap import open_database
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cli import main
from app.errors import DomainError
from app.safety import integrity, recovery
from app.safety.integrity import DatabaseDamaged

OLD = "0003"


@pytest.fixture(scope="module")
def old_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database at revision 0003 holding 12 registered cases."""
    from alembic import command

    path = tmp_path_factory.mktemp("old") / paths.DB_FILENAME
    db = open_database(path)
    service = CaseService(db, TESTER)
    for i in range(12):
        service.create(case_input(received_on=dt.date(2025, 11, 1), form="来信", name=f"旧{i}"))
    db.close()
    command.downgrade(migrate.alembic_config(path), OLD)
    assert migrate.current_revision(path) == OLD
    return path


def _statements_of_an_upgrade(path: Path) -> int:
    from sqlalchemy import Engine, event

    count = [0]

    def executed(*_args: object) -> None:
        count[0] += 1

    event.listen(Engine, "after_cursor_execute", executed)
    try:
        migrate.upgrade(path)
    finally:
        event.remove(Engine, "after_cursor_execute", executed)
    return count[0]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL")
def test_an_upgrade_killed_at_any_statement_is_finished_by_the_next_start(
    old_database: Path, tmp_path: Path
) -> None:
    probe = tmp_path / "probe" / paths.DB_FILENAME
    probe.parent.mkdir()
    shutil.copy(old_database, probe)
    total = _statements_of_an_upgrade(probe)
    assert total > 20
    for after in sorted({1, 2, 3, *range(5, total, max(1, total // 12)), total - 1}):
        folder = tmp_path / f"k{after}"
        folder.mkdir()
        path = folder / paths.DB_FILENAME
        shutil.copy(old_database, path)
        outcome = run_child(
            lambda p=path: migrate.upgrade(p),  # type: ignore[misc]
            arm=lambda n=after: arm_sql_statements(n),  # type: ignore[misc]
        )
        assert outcome == "killed", f"statement {after} of {total}"
        # The next starts: each one works; the first upgrades; no second 升级前 copy.
        for _ in range(2):
            db = open_database(path)
            try:
                assert CaseService(db, TESTER).count(CaseFilter()) == 12, f"statement {after}"
            finally:
                db.close()
        assert migrate.current_revision(path) == migrate.SCHEMA_HEAD
        copies = list(paths.backups_dir(folder).glob("升级前-*.sqlite3"))
        assert len(copies) <= 1, f"statement {after}: {copies}"
        assert not recovery.marker_path(path, recovery.UPGRADE_MARKER).exists()


def test_upgrade_copies_are_rotated(old_database: Path, tmp_path: Path) -> None:
    path = tmp_path / paths.DB_FILENAME
    for _ in range(migrate.UPGRADE_COPIES_KEPT + 2):
        shutil.copy(old_database, path)
        for side in recovery.sidecars(path):
            side.unlink(missing_ok=True)
        migrate.upgrade(path)
    copies = list(paths.backups_dir(tmp_path).glob("升级前-*.sqlite3"))
    assert len(copies) == migrate.UPGRADE_COPIES_KEPT


def _garble_schema(path: Path) -> None:
    """Bytes of a table name in sqlite_master that are not UTF-8 (a damaged first page)."""
    data = bytearray(path.read_bytes())
    name = data.find(b"tablecasescases")  # the record's type, name and tbl_name
    assert name > 0
    data[name + 5 : name + 10] = b"\xff\xfe\xfd\xfc\xfb"
    path.write_bytes(bytes(data))


def test_a_damaged_schema_gives_the_message_not_a_traceback(
    template_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / paths.DB_FILENAME
    shutil.copy(template_db, path)
    _garble_schema(path)
    with pytest.raises(DatabaseDamaged, match="从备份恢复"):
        integrity.ensure_usable(path, quick=True)
    with pytest.raises(DatabaseDamaged):
        open_database(path)
    assert main(["--data-dir", str(tmp_path), "check"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "[错误]" in captured.out
    assert main(["--data-dir", str(tmp_path), "case", "list"]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "已损坏" in captured.err


def test_check_finds_a_database_whose_schema_differs(template_db: Path, tmp_path: Path) -> None:
    path = tmp_path / paths.DB_FILENAME
    shutil.copy(template_db, path)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX ix_cases_text")  # what a half-done old upgrade looked like
    conn.commit()
    conn.close()
    report = integrity.health(path)
    assert not report.ok
    assert any("结构" in i.label and i.state == integrity.BAD for i in report.items)


def test_a_failing_upgrade_changes_nothing_and_says_so(old_database: Path, tmp_path: Path) -> None:
    """What used to be "index ix_cases_text already exists" on every start: the upgrade fails
    inside its transaction, the file stays at its revision, the clerk gets a sentence."""
    path = tmp_path / paths.DB_FILENAME
    shutil.copy(old_database, path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE audit_anchor (x)")  # in the way of revision 0005
    conn.commit()
    conn.close()
    with pytest.raises(DomainError, match="升级没有完成") as failed:
        open_database(path)
    assert "Traceback" not in failed.value.message
    assert migrate.current_revision(path) == OLD
    conn = sqlite3.connect(path)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(cases)")}
    conn.close()
    assert "extra" not in columns  # 0004's columns were rolled back with the rest
