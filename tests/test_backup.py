"""Backups: verified copies, rotation, listing, and restore giving back identical data."""

import dataclasses
import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input

from app import paths
from app.cases import demo
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.office import settings
from app.safety import backup

# A server database is backed up by the office with pg_dump (docs/rules.md, 多人使用).
pytestmark = pytest.mark.sqlite_only("backups and restore of the database file")

T = dt.datetime(2025, 12, 31, 17, 30, 0)


@pytest.fixture(autouse=True)
def _reset_data_dir() -> Iterator[None]:
    yield
    paths.set_data_dir(None)


@pytest.fixture
def filled(db: Database) -> Database:
    demo.generate(db, 120, seed=3)
    return db


def dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in rowid order: 'identical data' means this is equal."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def test_backup_then_restore_gives_identical_data(filled: Database, tmp_path: Path) -> None:
    info = backup.make_backup(filled, folder=tmp_path / "bk", now=T)
    assert info.path.name == "备份-20251231-173000.sqlite3" and info.kind == "备份"
    assert info.cases == CaseService(filled, TESTER).count(search_filter())
    saved = dump(filled.path)
    assert sum(len(rows) for rows in saved.values()) > 500

    # Work goes on after the backup …
    service = CaseService(filled, TESTER)
    created = service.create(
        case_input(received_on=dt.date(2025, 12, 30), form="来信", name="王五")
    )
    first = service.page(search_filter(), 0, 1)[0]
    detail = service.detail(first.number)
    service.update(first.number, dataclasses.replace(detail.input, summary="改过的摘要"))
    changed = dump(filled.path)
    assert changed != saved

    # … then the clerk restores it: everything is as it was, and today's state is kept aside.
    filled.close()
    result = backup.restore(filled.path, info.path, now=T + dt.timedelta(hours=1))
    assert dump(filled.path) == saved
    assert result.cases == info.cases
    assert result.kept_aside is not None and result.kept_aside.name.startswith("恢复前-")
    assert dump(result.kept_aside) == changed
    reopened = Database(filled.path)
    with pytest.raises(DomainError, match="找不到"):
        CaseService(reopened, TESTER).detail(created.number)
    reopened.close()


def search_filter():  # type: ignore[no-untyped-def]
    from app.cases.search import CaseFilter

    return CaseFilter()


def test_a_backup_is_one_self_contained_file(filled: Database, tmp_path: Path) -> None:
    info = backup.make_backup(filled, folder=tmp_path / "bk", now=T)
    assert sorted(p.name for p in (tmp_path / "bk").iterdir()) == [info.path.name]
    with open(info.path, "rb") as f:
        header = f.read(20)
    assert header[18:20] == b"\x01\x01"  # rollback journal, not WAL: no -wal needed beside it


def test_rotation_keeps_the_newest_and_nothing_else_is_touched(
    filled: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "bk"
    folder.mkdir()
    (folder / "恢复前-20240101-000000.sqlite3").write_bytes(b"kept")
    (folder / "说明.txt").write_text("kept")
    for day in range(1, 6):
        backup.make_backup(filled, folder=folder, keep=3, now=dt.datetime(2025, 12, day, 18, 0))
    listed = backup.list_backups(folder)
    names = [b.path.name for b in listed]
    assert names == [
        "备份-20251205-180000.sqlite3",
        "备份-20251204-180000.sqlite3",
        "备份-20251203-180000.sqlite3",
        "恢复前-20240101-000000.sqlite3",
    ]
    assert listed[0].made_at == dt.datetime(2025, 12, 5, 18, 0)
    assert listed[0].cases == listed[1].cases > 0
    assert listed[-1].cases is None  # not a database: listed, never counted as good
    assert (folder / "说明.txt").exists()


def test_keep_and_folder_come_from_the_settings(filled: Database, tmp_path: Path) -> None:
    with filled.session() as s:
        settings.put(s, "backup_dir", str(tmp_path / "usb"))
        settings.put(s, "backup_keep", 2)
    for hour in range(4):
        backup.make_backup(filled, now=dt.datetime(2025, 12, 31, 8 + hour))
    assert len(list((tmp_path / "usb").glob("备份-*.sqlite3"))) == 2


def test_a_damaged_database_is_not_backed_up_over_good_copies(
    filled: Database, tmp_path: Path
) -> None:
    folder = tmp_path / "bk"
    good = backup.make_backup(filled, folder=folder, keep=1, now=T)
    filled.close()
    corrupt_middle(filled.path)
    with pytest.raises(DomainError, match="备份"):
        backup.make_backup(filled, folder=folder, keep=1, now=T + dt.timedelta(days=1))
    assert [p.name for p in folder.iterdir()] == [good.path.name]  # no .tmp, old copy kept


def corrupt_middle(path: Path) -> None:
    """Overwrite pages in the middle of the file with garbage (a bad sector, a bad copy)."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(size // 2 // 4096 * 4096)
        f.write(bytes(range(256)) * 64)


def test_restore_refuses_a_bad_file_and_changes_nothing(filled: Database, tmp_path: Path) -> None:
    filled.close()
    before = dump(filled.path)
    junk = tmp_path / "备份-20251231-000000.sqlite3"
    junk.write_bytes(b"PK\x03\x04 this is a zip, not a database" * 100)
    with pytest.raises(DomainError, match="不是信访工作台的备份文件"):
        backup.restore(filled.path, junk)
    damaged = tmp_path / "damaged.sqlite3"
    backup.make_backup(Database(filled.path), out=damaged)
    corrupt_middle(damaged)
    with pytest.raises(DomainError, match="不能用来恢复"):
        backup.restore(filled.path, damaged)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(DomainError, match="不是信访工作台的备份文件"):
        backup.restore(filled.path, other)
    assert dump(filled.path) == before
    assert not list(paths.backups_dir(filled.path.parent).glob("恢复前-*"))


def test_restore_over_a_damaged_database_keeps_its_bytes(filled: Database, tmp_path: Path) -> None:
    info = backup.make_backup(filled, folder=tmp_path / "bk", now=T)
    filled.close()
    saved = dump(filled.path)
    filled.path.write_bytes(b"\x00garbage" * 1000)
    result = backup.restore(filled.path, info.path, now=T)
    assert dump(filled.path) == saved
    assert result.kept_aside is not None
    assert result.kept_aside.read_bytes() == b"\x00garbage" * 1000


def test_daily_backup_once_a_day_and_fallback_when_the_usb_drive_is_missing(
    filled: Database, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the USB drive's folder should be")
    with filled.session() as s:
        settings.put(s, "backup_dir", str(blocker / "backups"))
    assert backup.daily_due(filled, now=T)
    info = backup.auto_backup(filled, now=T)
    assert info.path.parent == paths.backups_dir(filled.path.parent)
    assert "无法使用" in info.note
    assert not backup.daily_due(filled, now=T + dt.timedelta(hours=3))
    assert backup.daily_due(filled, now=T + dt.timedelta(days=1))


def test_cli_backup_restore_check(
    filled: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = filled.path.parent
    filled.close()
    saved = dump(filled.path)
    out_file = tmp_path / "copy" / "手动备份.sqlite3"
    assert main(["--data-dir", str(data), "backup", "--out", str(out_file)]) == 0
    assert "已备份并校验" in capsys.readouterr().out
    assert main(["--data-dir", str(data), "backup"]) == 0
    assert len(list(paths.backups_dir(data).glob("备份-*.sqlite3"))) == 1
    assert main(["--data-dir", str(data), "check"]) == 0
    out = capsys.readouterr().out
    assert "[正常] 完整性检查：正常" in out and "结论：数据库完好。" in out

    conn = sqlite3.connect(filled.path)
    conn.execute("UPDATE cases SET summary = 'changed'")
    conn.commit()
    conn.close()
    assert main(["--data-dir", str(data), "restore", str(out_file), "--yes"]) == 0
    out = capsys.readouterr().out
    assert "已从备份恢复" in out and "原数据库已另存为" in out
    assert dump(filled.path) == saved

    assert main(["--data-dir", str(data), "restore", str(tmp_path / "missing.sqlite3")]) == 1
    assert "找不到备份文件" in capsys.readouterr().err
