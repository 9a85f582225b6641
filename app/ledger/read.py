"""Reading a 台账 file: .xlsx/.xls/.ods through python-calamine, .csv with an encoding guess,
then finding the header row under titles and blank rows (docs/rules.md, 台账)."""

import csv
import html
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from app.cases.sanitize import CONTROL
from app.errors import DomainError
from app.ledger.values import COLUMN_BY_KEY, header_key, normalise_header, text

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
# How far down a header may sit under titles, notes and blank rows.
HEADER_SEARCH_ROWS = 30
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
# 100,000 rows × 100 columns: far beyond any ledger, far below what exhausts memory.
MAX_CELLS = 10_000_000


@dataclass
class Table:
    """One sheet's cells, as read; row i here is spreadsheet row i + 1."""

    sheet: str
    rows: list[list[Any]]
    header_row: int = -1  # index into rows, -1 = not found
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, int] = field(default_factory=dict)  # field key → column index
    # Whole-sheet values the clerk set (`--set 信访形式=来访`): field key → text, used where the
    # sheet has no such column or the row's cell is blank.
    fixed: dict[str, str] = field(default_factory=dict)

    def cell(self, row: list[Any], key: str) -> Any:
        col = self.mapping.get(key)
        value = None if col is None or col >= len(row) else row[col]
        if key in self.fixed and (value is None or (isinstance(value, str) and not value.strip())):
            return self.fixed[key]
        return value

    def from_fixed(self, row: list[Any], key: str) -> bool:
        """Whether this row's value for `key` is the whole-sheet value rather than its own cell."""
        if key not in self.fixed:
            return False
        col = self.mapping.get(key)
        value = None if col is None or col >= len(row) else row[col]
        return value is None or (isinstance(value, str) and not value.strip())

    def column_title(self, key: str) -> str:
        col = self.mapping.get(key)
        if col is not None and col < len(self.headers) and self.headers[col]:
            return self.headers[col]
        return COLUMN_BY_KEY[key].title


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    for encoding in CSV_ENCODINGS:
        try:
            decoded = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DomainError(f"无法识别文件“{path.name}”的文字编码（应为 UTF-8 或 GBK）。")
    sample = decoded[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    try:
        # newline="" lets the csv module see old Mac (\r) line ends as line ends.
        return [list(r) for r in csv.reader(io.StringIO(decoded, newline=""), dialect)]
    except csv.Error as exc:
        raise DomainError(
            f"“{path.name}”不是有效的 CSV 文件（{exc}）。请在 Excel 或 WPS 中打开后另存为 .xlsx "
            "再导入。"
        ) from None


def sheet_names(path: Path) -> list[str]:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return [path.stem]
    return _open(path).sheet_names


def _open(path: Path) -> CalamineWorkbook:
    if not path.exists():
        raise DomainError(f"找不到文件：{path}")
    if path.suffix.lower() not in SPREADSHEETS:
        raise DomainError(
            f"不支持的文件类型“{path.suffix}”，请选择 .xlsx、.xls、.ods 或 .csv 文件。"
        )
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise DomainError(
            f"无法读取“{path.name}”：文件已损坏、加密或不是表格文件（{exc}）。"
        ) from None


def _claimed_cells(path: Path, sheet: str) -> tuple[str, int] | None:
    """The range an .xlsx sheet would make python-calamine allocate, and its size in cells
    (None when unknown): the larger of the declared `<dimension>` and the box around the
    cells actually in the sheet. A missing or false dimension with one cell at XFD1048576
    used to pass and abort the process with a 512 GB allocation (issue 16 item 5)."""
    try:
        with zipfile.ZipFile(path) as z:
            name = _sheet_part(z, sheet)
            with z.open(name) as f:
                declared = _declared(f.read(4096).decode("utf-8", "replace"))
            actual = _scan_cells(z, name)
    except (KeyError, OSError, zipfile.BadZipFile, ValueError, EOFError):
        return None
    except _SheetTooLarge as exc:
        return exc.what, MAX_CELLS + 1
    rows, cols = actual
    found = (f"A1:{column_letter(cols - 1)}{rows}", rows * cols) if rows and cols else None
    if declared and found:
        return declared if declared[1] >= found[1] else found
    return declared or found


def _sheet_part(z: zipfile.ZipFile, sheet: str) -> str:
    book = z.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rid = next(
        (
            _attr(tag, "r:id")
            for tag in re.findall(r"<sheet\b[^>]*>", book)
            if html.unescape(_attr(tag, "name")) == sheet
        ),
        "",
    )
    rel = next(
        (tag for tag in re.findall(r"<Relationship\b[^>]*>", rels) if _attr(tag, "Id") == rid),
        "",
    )
    target = _attr(rel, "Target").lstrip("/")
    return target if target.startswith("xl/") else f"xl/{target}"


def _declared(head: str) -> tuple[str, int] | None:
    m = re.search(r'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"', head)
    if not m or not m.group(3):
        return None
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = _column_number(m.group(3)) - _column_number(m.group(1)) + 1
    return f"{m.group(1)}{m.group(2)}:{m.group(3)}{m.group(4)}", rows * cols


class _SheetTooLarge(Exception):
    def __init__(self, what: str) -> None:
        self.what = what


# Cell references (`r="AB12"`) as the sheet holds them; only the column letters, and only rows
# of five digits or more, are collected, so a normal sheet costs one C-level pass.
_CELL_COLUMN = re.compile(rb'\br="([A-Z]{1,3})[0-9]')
_CELL_BIG_ROW = re.compile(rb'\br="[A-Z]{0,3}([0-9]{5,9})"')
_CELL_SMALL_ROW = re.compile(rb'\br="[A-Z]{0,3}([0-9]{1,4})"')
_CHUNK = 1 << 22
# Far beyond a 100,000-row ledger's XML (~300 MB); a bigger sheet is a zip bomb.
MAX_SHEET_BYTES = 1_500_000_000


def _scan(z: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes]) -> set[bytes]:
    """Every distinct first group of `pattern` in the sheet XML, read as a stream."""
    found: set[bytes] = set()
    seen = 0
    carry = b""
    with z.open(name) as f:
        while block := f.read(_CHUNK):
            seen += len(block)
            if seen > MAX_SHEET_BYTES:
                raise _SheetTooLarge("超过 1.5 GB 的表格数据")
            data = carry + block
            found.update(pattern.findall(data))
            carry = data[-24:]  # a reference cut by the chunk boundary is matched next time
    return found


def _scan_cells(z: zipfile.ZipFile, name: str) -> tuple[int, int]:
    """(last row, last column) of the cells in the sheet."""
    columns = _scan(z, name, _CELL_COLUMN)
    last_col = max((_column_number(c.decode("ascii")) for c in columns), default=0)
    big = _scan(z, name, _CELL_BIG_ROW)
    if big:
        return max(int(r) for r in big), last_col
    if last_col * 9_999 <= MAX_CELLS:
        return 9_999 if last_col else 0, last_col  # under 10,000 rows: no need to be exact
    # Far-right cells in a short sheet: the exact last row decides.
    small = _scan(z, name, _CELL_SMALL_ROW)
    return max((int(r) for r in small), default=0), last_col


def _attr(tag: str, name: str) -> str:
    m = re.search(rf'\b{re.escape(name)}="([^"]*)"', tag)
    return m.group(1) if m else ""


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _read_sheet(path: Path, sheet: str) -> list[list[Any]]:
    book = _open(path)
    if sheet not in book.sheet_names:
        raise DomainError(f"文件中没有名为“{sheet}”的工作表。可选：{'、'.join(book.sheet_names)}")
    # python-calamine allocates the whole used range at once: a stray cell at XFD1048576 asks for
    # hundreds of GB and aborts the process, so refuse such a sheet first.
    claimed = _claimed_cells(path, sheet) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    if claimed and claimed[1] > MAX_CELLS:
        raise DomainError(
            f"工作表“{sheet}”的使用范围是 {claimed[0]}，远超台账所需，"
            "多半是很远处有个多余的单元格。请在 Excel 或 WPS "
            "中删除数据下方和右侧多余的行列（或把台账复制到新表）后再导入。"
        )
    try:
        # skip_empty_area=False keeps leading blank rows, so row numbers match what Excel shows.
        rows = [list(r) for r in book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    except (CalamineError, ValueError, OSError) as exc:
        raise DomainError(
            f"无法读取“{path.name}”的工作表“{sheet}”：文件已损坏（{exc}）。"
        ) from None
    # Control characters are stripped on import (§7): one of them used to break every export.
    for row in rows:
        for i, value in enumerate(row):
            if isinstance(value, str) and CONTROL.search(value):
                row[i] = CONTROL.sub("", value)
    return rows


def _cell_text(value: Any) -> str:
    return normalise_header(value) if isinstance(value, str) else ""


def _names(rows: list[list[Any]], i: int, two_rows: bool) -> list[str]:
    """The column names of a header on row i; with `two_rows`, row i−1 is a group header above
    it: a name alone in the upper row (merged down over both) names its column, and a group
    name (merged across, so only in its first cell) is carried right over the names under it."""
    lower = [_cell_text(v) for v in rows[i]]
    if not two_rows:
        return lower
    upper = [_cell_text(v) for v in rows[i - 1]]
    width = max(len(lower), len(upper))
    lower += [""] * (width - len(lower))
    upper += [""] * (width - len(upper))
    names, group = [], ""
    for top, name in zip(upper, lower, strict=True):
        if top:
            group = top
        if name:
            # Both rows together first (受理 over 日期 is 受理日期), then the lower name alone:
            # a group header alone never names a field.
            names.append(f"{group}/{name}" if group and group != name else name)
        else:
            names.append(top)
            group = ""  # a name merged down ends the group to its left
    return names


def name_key(name: str) -> str | None:
    """The field a (possibly two-row, "组/列") column name gives."""
    if "/" in name:
        group, _, lower = name.partition("/")
        return header_key(group + lower) or header_key(lower)
    return header_key(name)


def _mapping(names: list[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for col, name in enumerate(names):
        key = name_key(name) if name else None
        if key and key not in mapping:
            mapping[key] = col
    return mapping


def find_header(rows: list[list[Any]]) -> tuple[int, dict[str, int]]:
    """The row (under titles and blank rows) naming the most §6 columns, and its mapping."""
    index, _names_found, mapping = find_header_names(rows)
    return index, mapping


def find_header_names(rows: list[list[Any]]) -> tuple[int, list[str], dict[str, int]]:
    """(header row index, column names, mapping): one header row, or two (a group header over
    the real names) when reading both rows names more columns."""
    best: tuple[int, list[str], dict[str, int]] = (-1, [], {})
    for i in range(min(len(rows), HEADER_SEARCH_ROWS)):
        for two_rows in (False, True) if i > 0 else (False,):
            names = _names(rows, i, two_rows)
            mapping = _mapping(names)
            if len(mapping) > len(best[2]):
                best = (i, names, mapping)
    # A title like “2025年信访台账” may name one column by accident; a header names several.
    if len(best[2]) < 3:
        return -1, [], {}
    return best


def is_number_row(row: list[Any]) -> bool:
    """A row of column numbers under the header (1, 2, 3 … or （1）（2）…): not a case."""
    cells = [text(v) for v in row if text(v)]
    if len(cells) < 3:
        return False
    numbers = []
    for c in cells:
        m = re.fullmatch(r"[（(]?(\d{1,2})[）)]?", c)
        if not m:
            return False
        numbers.append(int(m.group(1)))
    return numbers == sorted(numbers) and len(set(numbers)) == len(numbers)


def sheet_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[str, list[list[Any]]]]:
    """(sheet name, its cells) for one sheet, or each sheet in turn (read when asked for): a
    CSV is one sheet named after the file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        if not path.exists():
            raise DomainError(f"找不到文件：{path}")
        yield path.stem, _read_csv(path)
        return
    for name in [sheet] if sheet is not None else sheet_names(path):
        yield name, _read_sheet(path, name)


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read one sheet (default: the first one with a recognisable header) and find its header."""
    path = Path(path)
    for name, rows in sheet_rows(path, sheet):
        header_row, names, mapping = find_header_names(rows)
        if header_row >= 0:
            return Table(name, rows, header_row, names, mapping)
    where = f"工作表“{sheet}”" if sheet else f"“{path.name}”"
    raise DomainError(
        f"{where}中找不到表头行：前{HEADER_SEARCH_ROWS}行里没有一行包含“编号、登记日期、信访人、"
        "反映问题”等列名。请检查表头，或在导入向导中手动指定各列。"
    )


def with_mapping(
    table: Table, mapping: dict[str, int], fixed: dict[str, str] | None = None
) -> Table:
    """The same table with a column mapping (and whole-sheet values) the clerk chose by hand."""
    return Table(
        table.sheet,
        table.rows,
        table.header_row,
        table.headers,
        dict(mapping),
        dict(table.fixed if fixed is None else fixed),
    )
