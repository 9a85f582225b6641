"""Messy 台账 files the way clerks really keep them, built in the tests (no binary fixtures)."""

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import xlwt
from stdnum.cn import ric


def id_number(birth: str, seq: str = "123") -> str:
    """A valid 18-digit 身份证号 from Beijing 朝阳区 (a code valid in every year)."""
    body = f"110105{birth}{seq}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18


ID_A = id_number("19850304", "121")
ID_B = id_number("19900712", "342")
ID_C = id_number("19881111", "016")

# A header with the synonyms real ledgers use (docs/rules.md, 台账), not our export names.
SYNONYM_HEADER = [
    "序号",
    "信访编号",
    "信访日期",
    "信访方式",
    "信访来源",
    "姓名",
    "身份证号码",
    "手机",
    "家庭住址",
    "信访人数",
    "内容摘要",
    "问题分类",
    "责任单位",
    "责任领导",
    "告知日期",
    "回复日期",
    "结案日期",
    "办理情况",
    "群众满意度",
    "是否重复信访",
    "上访层级",
    "备注",
]


def write_xlsx(
    path: Path,
    rows: list[list[Any]],
    title: str = "某县水务局2025年信访工作台账",
    sheet: str = "2025年",
) -> Path:
    """A merged title row, a note row, a blank row, then the header and the rows."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    ws.append(["填报单位：办公室", None, None, "填报日期：2025年12月30日"])
    ws.append([])
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_xls(path: Path, rows: list[list[Any]]) -> Path:
    """A legacy .xls (Excel 97–2003) with real date cells and a merged title."""
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("台账")
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write_merge(0, 0, 0, len(rows[0]) - 1, "2024年信访台账")
    for r, row in enumerate(rows, start=2):  # row 2 (index 1) left blank
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                ws.write(r, c, dt.datetime.combine(value, dt.time()), date_style)
            elif value is not None:
                ws.write(r, c, value)
    book.save(str(path))
    return path


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "gbk") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["信访台账"])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
    return path
