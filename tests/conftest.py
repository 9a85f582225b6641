"""Shared fixtures: a migrated template database built once, copied per test; a pinned today."""

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Whatever a test forgets to point elsewhere lands here, never in the clerk's real data folder.
os.environ["XINFANG_DATA_DIR"] = tempfile.mkdtemp(prefix="xinfang-tests-")

import pytest

from app import clock, paths
from app.bootstrap import open_database
from app.cases.service import CaseService
from app.db import Database

TODAY = dt.date(2025, 12, 31)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "xinfang.sqlite3"
    db = open_database(path)
    db.close()
    return path


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[dt.date]:
    clock.set_today(TODAY)
    yield TODAY
    clock.set_today(None)


@pytest.fixture(autouse=True)
def no_leaked_data_dir() -> Iterator[None]:
    """A command-line test sets `--data-dir` process-wide; the next test must not inherit it."""
    yield
    paths.set_data_dir(None)


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "xinfang.sqlite3"
    shutil.copy(template_db, path)
    database = Database(path)
    yield database
    database.close()


@pytest.fixture
def cases(db: Database) -> CaseService:
    from accounts import TESTER

    return CaseService(db, TESTER)
