"""Issue 16 item 5 and §7 on import: one spreadsheet must not kill the process, and control
characters in cells are stripped on import.

The far-cell sheets run in a child process with a memory limit: on the old code python-calamine
asked for ~512 GB and the child died with SIGABRT instead of printing the message."""

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.ledger import read

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2_000_000_000, 2_000_000_000))
from pathlib import Path
from app.errors import DomainError
from app.ledger.read import read_table
try:
    read_table(Path(sys.argv[1]))
    print("read")
except DomainError as exc:
    print("DomainError", exc.message)
"""


def _rewrite_sheet(path: Path, sheet_xml: str) -> None:
    """Replace sheet1's XML inside an .xlsx openpyxl wrote."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode("utf-8")
            dst.writestr(item, data)
    tmp.replace(path)


def _sheet(dimension: str, cells: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{dimension}<sheetData>{cells}</sheetData></worksheet>"
    )


HEADER = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>登记日期</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>姓名</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>信访形式</t></is></c></row>'
)


def _workbook(tmp_path: Path, name: str, sheet_xml: str) -> Path:
    path = tmp_path / name
    wb = openpyxl.Workbook()
    wb.active.title = "台账"
    wb.active["A1"] = "x"
    wb.save(path)
    _rewrite_sheet(path, sheet_xml)
    return path


@pytest.mark.skipif(sys.platform.startswith("win"), reason="uses RLIMIT_AS")
@pytest.mark.parametrize(
    "dimension",
    ["", '<dimension ref="A1:C2"/>', '<dimension ref="A1"/>'],
    ids=["no dimension", "false dimension", "one-cell dimension"],
)
def test_a_far_cell_gets_a_message_not_an_abort(tmp_path: Path, dimension: str) -> None:
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = _workbook(tmp_path, "bomb.xlsx", _sheet(dimension, HEADER + far))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith("DomainError") and "XFD1048576" in done.stdout


def test_far_right_cells_in_a_short_sheet_are_measured_exactly(tmp_path: Path) -> None:
    cells = HEADER + '<row r="2"><c r="XFD2" t="inlineStr"><is><t>x</t></is></c></row>'
    path = _workbook(tmp_path, "wide.xlsx", _sheet("", cells))
    claimed = read._claimed_cells(path, "台账")
    assert claimed == ("A1:XFD2", 2 * 16384)


def test_control_characters_in_cells_are_stripped_on_import(tmp_path: Path) -> None:
    row = (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>2025-12-01</t></is></c>'
        '<c r="B2" t="inlineStr"><is><t>张&#x1;三&#x1b;</t></is></c>'
        '<c r="C2" t="inlineStr"><is><t>来信</t></is></c></row>'
    )
    path = _workbook(tmp_path, "ctrl.xlsx", _sheet("", HEADER + row))
    table = read.read_table(path)
    assert any("张三" in str(v) for r in table.rows for v in r)
    assert not any("\x01" in str(v) or "\x1b" in str(v) for r in table.rows for v in r)
