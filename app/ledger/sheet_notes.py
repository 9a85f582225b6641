"""What the dry run says about the sheet as a whole (docs/rules.md, 台账: never silent).

- every column the import does not use, with its first values; a warning when it looks like a
  status, a date or a count (a column the clerk probably wants, under a header we do not know);
- the summary of every assumption the import made, counted: rows given a whole-sheet value,
  forms inferred from the channel, 情况不详 rows and what that means for the figures, closed
  dates unknown, statuses taken from dates, columns that disagreed, 性质 suggested …
"""

import re
from collections import Counter
from typing import Any

from app.errors import DomainError
from app.ledger.read import Table, column_letter, is_number_row
from app.ledger.status_text import read_status
from app.ledger.values import COLUMN_BY_KEY, integer, parse_date, text

FIRST_VALUES = 3
_STATUS_HINTS = ("状态", "情况", "结果", "进度", "是否")
_DATE_HINTS = ("日期", "时间", "时限", "期限")
_COUNT_HINTS = ("人数", "数量", "次数", "件数", "批次")


def first_values(table: Table, col: int, n: int = FIRST_VALUES) -> list[str]:
    """The first `n` non-blank values of a column under the header (number row skipped)."""
    out: list[str] = []
    for row in table.rows[table.header_row + 1 :]:
        if is_number_row(row):
            continue
        value = text(row[col]) if col < len(row) else ""
        if value:
            out.append(value if len(value) <= 20 else value[:19] + "…")
            if len(out) == n:
                break
    return out


def _reads_as(values: list[str], parse: Any) -> bool:
    if not values:
        return False
    ok = 0
    for v in values:
        try:
            parse(v)
            ok += 1
        except DomainError:
            pass
    return ok * 2 > len(values)


def _looks_like(header: str, values: list[str]) -> str:
    """ "办理状态", "日期" or "人数" when an unused column looks like one, else ""."""
    if any(h in header for h in _DATE_HINTS) or _reads_as(values, parse_date):
        return "日期"
    if any(h in header for h in _COUNT_HINTS) or (
        any(h in header for h in ("数", "人")) and _reads_as(values, lambda v: integer(v, 0))
    ):
        return "人数"
    if any(h in header for h in _STATUS_HINTS) or _reads_as(values, read_status):
        return "办理状态"
    return ""


def unused_columns(table: Table) -> list[tuple[int, str, list[str], str]]:
    """(column index, header, first values, what it looks like) for each column not imported."""
    used = set(table.mapping.values())
    out = []
    for col, header in enumerate(table.headers):
        if not header or col in used:
            continue
        values = first_values(table, col)
        if not values:
            continue  # an empty column says nothing
        out.append((col, header, values, _looks_like(re.sub(r"\s+", "", header), values)))
    return out


def unused_lines(table: Table) -> list[tuple[str, str, str]]:
    """(column label, level, message) per unused column, for the problem list."""
    lines = []
    for col, header, values, looks in unused_columns(table):
        label = f"{header}({column_letter(col)})"
        shown = "、".join(f"“{v}”" for v in values)
        if looks:
            lines.append(
                (
                    label,
                    "警告",
                    f"这一列看起来是{looks}，但没有导入（前几个值：{shown}）。如需导入，"
                    f"请在导入向导中为它选择字段，或用 --map {header}=字段名。",
                )
            )
        else:
            lines.append((label, "提示", f"未使用的列，没有导入（前几个值：{shown}）。"))
    return lines


def summary(tally: Counter[str], fixed: dict[str, str], imported_rows: int) -> list[str]:
    """The assumptions, as sentences for the clerk; nothing assumed gives no line."""
    out: list[str] = []
    for key, value in fixed.items():
        n = tally.get(f"set:{key}", 0)
        out.append(f"整表统一填写：{COLUMN_BY_KEY[key].title}＝“{value}”，共 {n} 行按此填写。")
    lines = [
        (
            "form_from_channel",
            "{n} 行没有信访形式，按来源渠道推定（12345热线→来电，市长信箱、书记信箱→网上，"
            "领导接访→来访）。",
        ),
        (
            "status_unknown",
            "{n} 行没有任何办理情况（没有办理状态，也没有受理、答复、办结日期），导入为“情况不详”："
            "计入信访总量和各项分类，不计入办结率、及时受理率等比率，也不计入超期、期末未结和上期结转，"
            "不进入待办；导入后可在案件列表中按“情况不详”筛选，逐件补录实际办理过程。",
        ),
        (
            "closed_date_unknown",
            "{n} 行标明已办结但没有办结日期和答复日期，导入为“办结日期不详”：计入办结率，"
            "不计入按期办结率和平均办结用时。",
        ),
        (
            "decision_inferred",
            "{n} 行没有受理日期，按登记日期推定受理（标为“导入推定”，不计入及时受理率）。",
        ),
        ("status_from_dates", "{n} 行没有办理状态，办理状态按所填日期得出。"),
        (
            "columns_disagree",
            "{n} 行各列所载办理情况不一致，按最进一步的情况导入（逐行列在上方提示中）。",
        ),
        ("status_unreadable", "{n} 行的办理状态无法识别，按所填日期导入（见上方警告）。"),
        ("repeat_from_first_visit", "{n} 行的重复信访按“是否初次来访”取反得出（否＝重复信访）。"),
        ("persons_from_companions", "{n} 行的人数按“1＋随行人数”计算。"),
        (
            "assigning_org_blank",
            "{n} 行来源为上级交办/转送但没有交办机关，按“未填写”导入（可在案件中补填）。",
        ),
    ]
    for key, sentence in lines:
        if tally.get(key):
            out.append(sentence.format(n=tally[key]))
    by_column = tally.get("nature_from_column", 0)
    accusation = tally.get("nature_suggested:检举控告类", 0)
    request = tally.get("nature_suggested:申诉求决类", 0)
    if accusation or request:
        parts = [f"按性质/信访目的列 {by_column} 行"] if by_column else []
        parts.append(
            f"没有性质的 {accusation + request} 行按内容建议：检举控告类 {accusation} 行"
            f"（内容含检举、举报、控告、揭发，导出文书时不含信访人身份）、申诉求决类 {request} 行"
        )
        out.append(f"性质：{'；'.join(parts)}，导入后可逐件修改。")
    if out:
        out.insert(0, f"本次导入的 {imported_rows} 行中，以下情况是按规则推定的：")
    return out
