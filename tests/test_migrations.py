import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from app import migrate
from app.bootstrap import open_database
from app.errors import DatabaseTooNew


def test_empty_database_upgrades_to_head_and_matches_models(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    open_database(path).close()
    assert migrate.current_revision(path) == migrate.head_revision()
    assert migrate.schema_differences(path) == []


def test_schema_head_constant_is_alembics_head() -> None:
    assert migrate.head_revision() == migrate.SCHEMA_HEAD, "update SCHEMA_HEAD in app/migrate.py"


def test_upgrade_copies_the_old_file_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    command.upgrade(migrate.alembic_config(path), "0001")  # a database from the first release
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO settings (key, value) VALUES ('office_name', '\"某某县水务局\"')")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    backup = migrate.upgrade(path)
    assert backup is not None and backup.parent == tmp_path / "backups"
    assert "0001" in backup.name
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
    assert copy.execute("SELECT value FROM settings").fetchone() == ('"某某县水务局"',)
    copy.close()
    assert migrate.current_revision(path) == migrate.head_revision() != "0001"
    assert path.read_bytes() != before
    assert migrate.upgrade(path) is None  # at head: nothing to do, no copy


def test_newer_database_is_refused_untouched(template_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    shutil.copy(template_db, path)
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseTooNew) as err:
        open_database(path)
    assert "更新版本" in err.value.message
    assert path.read_bytes() == before
