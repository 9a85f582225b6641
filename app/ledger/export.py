"""Exporting the 台账 (docs/rules.md, 台账): what the case list shows, as an .xlsx a superior
accepts.

Rows stream from SQLite into openpyxl's write-only mode, so 100,000 cases need little memory.
Dates are real dates, ID numbers and phones text; the sheet prints on A4 landscape one page wide
with the header on every page. A 统计 sheet carries the §5 tables from the statistics service.
The file is written under a temporary name and renamed, so a cancelled or failed export never
leaves a half-written ledger where the clerk expects one.
"""

import datetime as dt
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select

from app import clock
from app.cases import search
from app.cases.sanitize import mask_free_text
from app.cases.search import CaseFilter
from app.cases.validation import mask_id, mask_phone
from app.db import Database
from app.errors import DomainError
from app.ledger.stats_sheet import write_stats_sheet
from app.ledger.values import COLUMNS
from app.models import Case, Petitioner
from app.office import settings
from app.safety import files

Progress = Callable[[int, int], None]
WIDTHS = {
    "序号": 6,
    "编号": 14,
    "登记日期": 11,
    "信访形式": 8,
    "来源渠道": 11,
    "信访人": 9,
    "身份证号": 20,
    "联系电话": 14,
    "住址": 24,
    "人数": 5,
    "集体访": 6,
    "反映问题": 36,
    "问题类别": 14,
    "承办单位": 12,
    "包案领导": 9,
    "受理日期": 11,
    "办理期限": 11,
    "答复日期": 11,
    "办结日期": 11,
    "办理状态": 9,
    "满意度": 8,
    "重复信访": 8,
    "走访层级": 8,
    "备注": 20,
}
OVERDUE_FILL = PatternFill("solid", fgColor="FFC7CE")  # Excel's own “bad” red: 超期
SOON_FILL = PatternFill("solid", fgColor="FFEB9C")  # Excel's own “neutral” yellow: 临期
_FILLS = {"超期": OVERDUE_FILL, "临期": SOON_FILL}
_THIN = Side(style="thin", color="808080")
_HEADER_STYLE = {
    "font": Font(bold=True),
    "fill": PatternFill("solid", fgColor="D9E1F2"),
    "alignment": Alignment(horizontal="center", vertical="center", wrap_text=True),
    "border": Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN),
}
_FLAG_NAMES = (
    ("skip_level", "越级访"),
    ("abnormal", "非正常访"),
    ("legal", "涉法涉诉"),
    ("urgent", "重大紧急"),
)
_QUERY_COLUMNS = (
    Case.number,
    Case.received_on,
    Case.form,
    Case.channel,
    Petitioner.name,
    Petitioner.id_number,
    Petitioner.phone,
    Petitioner.address,
    Case.persons,
    Case.collective,
    Case.summary,
    Case.category,
    Case.subcategory,
    Case.department,
    Case.leader,
    Case.decision_on,
    Case.handling_due,
    Case.replied_on,
    Case.closed_on,
    Case.status,
    Case.rating,
    Case.repeat,
    Case.visit_level,
    Case.remark,
    Case.skip_level,
    Case.abnormal,
    Case.legal,
    Case.urgent,
    Case.decision_due,
    # Imported history with gaps: a date the import assumed is not written as if it were known.
    Case.decision_inferred,
    Case.closed_date_unknown,
)
UNKNOWN_DATE = "不详"


@dataclass(frozen=True)
class ExportResult:
    path: Path
    rows: int
    overdue: int
    date_from: dt.date | None
    date_to: dt.date | None
    seconds: float


def ledger_title(office: str, date_from: dt.date | None, date_to: dt.date | None) -> str:
    if date_from and date_to:
        span = f"（{date_from:%Y-%m-%d}至{date_to:%Y-%m-%d}）"
    elif date_from or date_to:
        span = f"（{date_from or ''}至{date_to or ''}）"
    else:
        span = ""
    return f"{office}信访工作台账{span}"


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def ledger_values(r: Any, mask: bool) -> list[Any]:
    """One case as the §6 columns (without 序号)."""
    (
        number,
        received,
        form,
        channel,
        name,
        idn,
        phone,
        address,
        persons,
        collective,
        summary,
        category,
        subcategory,
        department,
        leader,
        decided,
        due,
        replied,
        closed,
        status,
        rating,
        repeat,
        level,
        remark,
        *flags,
    ) = r[:28]
    marks = [label for (_, label), on in zip(_FLAG_NAMES, flags, strict=True) if on]
    inferred, closed_unknown = bool(r[29]), bool(r[30])
    if inferred:
        decided = None  # re-imported, a blank 受理日期 is inferred again
    if closed_unknown:
        closed = UNKNOWN_DATE
    note = (f"标记：{'、'.join(marks)}；" if marks else "") + (remark or "")
    return [
        number,
        received,
        form,
        channel,
        name or "匿名",
        (mask_id(idn) if mask else idn) or None,
        (mask_phone(phone) if mask else phone) or None,
        address,
        persons,
        _yes(collective),
        mask_free_text(summary) if mask else summary,
        f"{category}/{subcategory}" if category and subcategory else category,
        department,
        leader,
        decided,
        due,
        replied,
        closed,
        status,
        rating,
        _yes(repeat),
        level,
        (mask_free_text(note) if mask else note) or None,
    ]


# Text starting with these is a formula to Excel and WPS ("=HYPERLINK(…)", "@SUM(…)", "-2+3"):
# such text is written as a string cell, never as a formula (§7, issue 16 item 8).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
# Excel cannot show dates before 1900-03-01 (serial 61); such a date is written as text.
FIRST_EXCEL_DATE = dt.date(1900, 3, 1)


def clean_text(text: str) -> str:
    """Without the control characters an .xlsx cannot hold (IllegalCharacterError, item 7)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _bind(cell: Any, value: Any) -> None:
    if isinstance(value, str):
        value = clean_text(value)
        cell.value = value
        if value.startswith(FORMULA_START):
            cell.data_type = "s"
            cell.quotePrefix = True  # stays text when the clerk edits the cell, too
    elif isinstance(value, dt.date) and value < FIRST_EXCEL_DATE:
        cell.value = value.isoformat()
    else:
        cell.value = value


def safe_value(ws: Worksheet, value: Any) -> Any:
    """A value for `ws.append`: as is, or a text cell when it would be a formula or broken."""
    if isinstance(value, str):
        if value.startswith(FORMULA_START) or ILLEGAL_CHARACTERS_RE.search(value):
            cell = WriteOnlyCell(ws, None)
            _bind(cell, value)
            return cell
        return value
    if isinstance(value, dt.date) and value < FIRST_EXCEL_DATE:
        return value.isoformat()
    return value


def _atomic_target(out: Path) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tmp.xlsx", dir=out.parent)
    os.close(fd)
    return Path(tmp)


def _setup_sheet(ws: Worksheet, title: str) -> None:
    for i, c in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c.title, 10)
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    assert ws.sheet_properties.pageSetUpPr is not None  # openpyxl creates it with the sheet
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    # openpyxl creates a sheet's header/footer items and their parts; its typing says "or None".
    assert ws.oddHeader is not None and ws.oddHeader.center is not None
    assert ws.oddFooter is not None and ws.oddFooter.center is not None
    ws.oddHeader.center.text = title
    ws.oddHeader.center.size = 14
    ws.oddHeader.center.font = "宋体,Bold"
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    today = clock.today()
    assert ws.oddFooter.right is not None
    ws.oddFooter.right.text = f"导出日期：{today.year}年{today.month}月{today.day}日"


def export_ledger(
    db: Database,
    case_filter: CaseFilter,
    out: Path,
    mask: bool = False,
    progress: Progress | None = None,
    with_stats: bool = True,
) -> ExportResult:
    """Write the cases `case_filter` selects (the case list's filter) to `out` (.xlsx)."""
    started = time.perf_counter()
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise DomainError("台账应导出为 .xlsx 文件。")
    report = progress or (lambda _d, _t: None)
    try:
        tmp = _atomic_target(out)
    except OSError as exc:
        raise DomainError(f"无法在“{out.parent}”中保存文件：{exc.strerror or exc}。") from None
    try:
        with db.read() as s:
            total = search.count(s, case_filter)
            office = str(settings.get(s, "office_name") or "")
            window, today = int(settings.get(s, "warning_days")), clock.today()
            date_from, date_to = case_filter.date_from, case_filter.date_to
            if total and (date_from is None or date_to is None):
                span = (
                    select(func.min(Case.received_on))
                    .select_from(Case)
                    .outerjoin(Petitioner, Case.petitioner_id == Petitioner.id)
                    .where(*search.conditions(s, case_filter))
                )
                lo = s.execute(span).one()[0]
                date_from, date_to = date_from or lo, date_to or today
            title = ledger_title(office, case_filter.date_from, case_filter.date_to)
            report(0, total)
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("台账")
            _setup_sheet(ws, title)
            header = []
            for c in COLUMNS:
                cell = WriteOnlyCell(ws, c.title)
                for k, v in _HEADER_STYLE.items():
                    setattr(cell, k, v)
                header.append(cell)
            ws.append(header)
            query = (
                select(*_QUERY_COLUMNS)
                .select_from(Case)
                .outerjoin(Petitioner, Case.petitioner_id == Petitioner.id)
                .where(*search.conditions(s, case_filter))
                .order_by(Case.received_on, Case.id)
                .execution_options(yield_per=2000)
            )
            n = overdue = 0
            for r in s.execute(query):
                n += 1
                values = [n, *ledger_values(r, mask)]
                status, ddue, hdue = r[19], r[28], r[16]
                # r[15] decision_on: a returned 转送 is 待受理 with no new 告知 limit (§9)
                warned = search.row_warning(status, ddue, hdue, today, window, r[15] is not None)
                if warned:
                    overdue += warned == "超期"
                    row = []
                    for v in values:
                        cell = WriteOnlyCell(ws, None)
                        _bind(cell, v)
                        cell.fill = _FILLS[warned]
                        row.append(cell)
                    ws.append(row)
                else:
                    ws.append([safe_value(ws, v) for v in values])
                if n % 2000 == 0:
                    report(n, total)
            last = get_column_letter(len(COLUMNS))
            ws.auto_filter.ref = f"A1:{last}{n + 1}"
        if with_stats and date_from and date_to:
            write_stats_sheet(wb, db, date_from, date_to, title)
        report(n, total)
        wb.save(tmp)
        try:
            files.replace(tmp, out)
        except PermissionError:
            raise DomainError(
                f"无法写入“{out.name}”：{files.BUSY_HINT}。请关闭后重试，或换一个文件名。"
            ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(out, n, overdue, date_from, date_to, time.perf_counter() - started)
