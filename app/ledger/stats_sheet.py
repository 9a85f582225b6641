"""The 统计 sheet beside the 台账: the §5 tables for the same period, from the statistics service.

Figures are never recomputed here; they are laid out from `StatisticsService.compute(...)`.
"""

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from app.db import Database
from app.stats.figures import RATES
from app.stats.labels import BREAKDOWN_NAMES, LABELS
from app.stats.service import compute_in


def _label(key: str) -> str:
    name, unit = LABELS.get(key, (key, ""))
    return name if unit in ("%", "") else f"{name}（{unit}）"


_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_CENTER = Alignment(horizontal="center")
_RIGHT = Alignment(horizontal="right")


def _flat(data: dict[str, Any]) -> list[tuple[str, Any]]:
    """The scalar figures in contract order, nested ones as "visits.batches"."""
    out: list[tuple[str, Any]] = []
    for key, value in data.items():
        if key in BREAKDOWN_NAMES or key == "yoy":
            continue
        if isinstance(value, dict):
            out += [(f"{key}.{part}", v) for part, v in value.items()]
        else:
            out.append((key, value))
    return out


def _yoy(data: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: Any = data.get("yoy", {})
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, dict) and "this" in node else None


def _is_rate(key: str) -> bool:
    return key in RATES


def write_stats_sheet(
    wb: Workbook, db: Database, date_from: dt.date, date_to: dt.date, title: str
) -> dict[str, Any]:
    """Add the 统计 sheet to a write-only workbook; returns the figures it shows."""
    # The caller (export) checked the account already; the figures are the service's own.
    with db.read() as s:
        stats = compute_in(s, date_from, date_to)
    data = stats.to_json()
    ws = wb.create_sheet("统计")
    for letter, width in zip("ABCD", (24, 14, 14, 16), strict=True):
        ws.column_dimensions[letter].width = width
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    def styled(
        value: Any, font: Font | None = None, fill: PatternFill | None = None, fmt: str = ""
    ) -> Cell:
        cell = WriteOnlyCell(ws, value)
        if font:
            cell.font = font
        if fill:
            cell.fill = fill
            cell.alignment = _CENTER
        if fmt:
            cell.number_format = fmt
        return cell

    def words(value: str) -> Cell:
        cell = WriteOnlyCell(ws, value)
        cell.alignment = _RIGHT  # beside right-aligned numbers
        return cell

    def number(value: Any, rate: bool) -> Any:
        if value is None:
            return words("—")  # a rate whose denominator is 0 (docs/rules.md, 统计)
        return styled(value, fmt="0.0%") if rate else value

    def change(node: dict[str, Any] | None, rate: bool) -> Any:
        if node is None or node.get("change") is None:
            return words("上年同期为0" if node and node.get("last") == 0 and not rate else "—")
        # A rate's change is in 百分点; a count's is a relative change.
        return (
            styled(node["change"] * 100, fmt='0.0"个百分点"')
            if rate
            else styled(node["change"], fmt="0.0%")
        )

    ws.append([styled(title.replace("台账", "统计"), _TITLE)])
    ws.append(
        [
            f"统计期间：{stats.date_from:%Y-%m-%d} 至 {stats.date_to:%Y-%m-%d}，截至 "
            f"{stats.as_of:%Y-%m-%d}"
        ]
    )
    ws.append([])
    ws.append([styled(h, _BOLD, _HEAD_FILL) for h in ("指标", "本期", "上年同期", "同比")])
    for key, value in _flat(data):
        rate = _is_rate(key)
        node = _yoy(data, key)
        last = node.get("last") if node else None
        ws.append([_label(key), number(value, rate), number(last, rate), change(node, rate)])
    for key, label in BREAKDOWN_NAMES.items():
        cells = data.get(key) or {}
        ws.append([])
        ws.append([styled(label, _BOLD)])
        heads = ("项目", "件数", "上年同期", "同比") if key != "by_month" else ("月份", "件数")
        ws.append([styled(h, _BOLD, _HEAD_FILL) for h in heads])
        for name, count in cells.items():
            if key == "by_month":
                ws.append([name, count])
                continue
            node = _yoy(data, f"{key}.{name}")
            ws.append([name, count, node.get("last") if node else words("—"), change(node, False)])
    return data
