import shutil
import sqlite3
from pathlib import Path

import pytest

from app import migrate
from app.bootstrap import open_database
from app.errors import DatabaseTooNew


def test_empty_database_upgrades_to_head_and_matches_models(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    open_database(path).close()
    assert migrate.current_revision(path) == migrate.head_revision()
    assert migrate.schema_differences(path) == []


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
