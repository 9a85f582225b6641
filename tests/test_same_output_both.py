"""Issue 20, "must show": the same demo data (same seed) in a SQLite file and on PostgreSQL gives
the same ledger export, cell by cell, and the same reports, paragraph by paragraph and table cell
by table cell (`xinfang stats --json` is compared in test_postgres.py)."""

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from accounts import TESTER
from python_calamine import CalamineWorkbook

from app import paths
from app.cases import demo
from app.cases.search import CaseFilter
from app.db import Database
from app.documents.service import DocumentService
from app.ledger.service import LedgerService
from app.office import settings

pytestmark = pytest.mark.postgres_only

CASES = 300
PERIODS = [
    (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    (dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
]


@pytest.fixture
def both(template_db: Path, tmp_path: Path, server_url: str) -> Iterator[tuple[Database, Database]]:
    path = tmp_path / "xinfang.sqlite3"
    shutil.copy(template_db, path)
    lite, pg = Database(path), Database(server_url)
    paths.set_data_dir(tmp_path / "data")
    for db in (lite, pg):
        demo.generate(db, CASES, seed=20, years=(2024, 2025))
        with db.session() as s:
            settings.put(s, "office_name", "某某县信访局")
    yield lite, pg
    lite.close()
    pg.close()


def _cells(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _document(path: Path) -> tuple[list[str], list[list[list[str]]]]:
    d = docx.Document(str(path))
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in d.tables]
    return [p.text for p in d.paragraphs], tables


def test_ledger_export_has_the_same_cells_on_both(
    both: tuple[Database, Database], tmp_path: Path
) -> None:
    lite, pg = both
    for date_from, date_to in PERIODS:
        f = CaseFilter(date_from=date_from, date_to=date_to)
        out = []
        for name, db in (("sqlite", lite), ("pg", pg)):
            path = tmp_path / f"台账-{name}-{date_from}.xlsx"
            result = LedgerService(db, TESTER).export(f, path)
            out.append((result.rows, result.overdue, _cells(path)))
        (rows, overdue, cells), other = out[0], out[1]
        assert rows > 20 and len(cells) >= 1
        assert (rows, overdue) == other[:2], date_from
        assert cells.keys() == other[2].keys()
        for sheet, grid in cells.items():
            assert len(grid) == len(other[2][sheet]), sheet
            for i, (a, b) in enumerate(zip(grid, other[2][sheet], strict=True)):
                assert a == b, f"{sheet} row {i + 1}"


@pytest.mark.parametrize("report", ["年度信访工作报告", "信访工作自查报告", "月度统计表"])
def test_reports_have_the_same_text_on_both(
    both: tuple[Database, Database], tmp_path: Path, report: str
) -> None:
    lite, pg = both
    for date_from, date_to in PERIODS:
        texts = []
        for name, db in (("sqlite", lite), ("pg", pg)):
            out = tmp_path / f"{report}-{name}-{date_from}.docx"
            DocumentService(db, TESTER).report(report, date_from, date_to, None, out)
            texts.append(_document(out))
        (paragraphs, tables), (other_paragraphs, other_tables) = texts
        assert sum(len(p) for p in paragraphs) > 100 or tables
        assert paragraphs == other_paragraphs, (report, date_from)
        assert tables == other_tables, (report, date_from)
