"""How figures read in a document: 95.2%, 上升12.5%, 2025年12月1日 (docs/rules.md, 统计, 文书).

Registered as Jinja filters (`{{ stats.closure_rate | pct }}`) and listed by `report vars`.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DASH = "—"


def _round1(value: float) -> Decimal:
    # repr() gives the shortest decimal that round-trips, so 0.0125 rounds half-up to 1.3,
    # not down as binary floating point would.
    return (Decimal(repr(float(value))) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _trim(d: Decimal) -> str:
    # One decimal always ("87.0%"), except the round figures clerks write as "100%" and "0%".
    if d in (0, 100):
        return str(int(d))
    return f"{d:f}"


def pct(rate: float | None) -> str:
    """A rate (fraction) as a percentage with one decimal: 95.2%, 100%, — when undefined."""
    if rate is None:
        return DASH
    return _trim(_round1(rate)) + "%"


def num(value: Any) -> str:
    """A count as digits, a mean with one decimal; None as —."""
    if value is None:
        return DASH
    if isinstance(value, float):
        return f"{Decimal(repr(value)).quantize(Decimal('0.1'), ROUND_HALF_UP):f}"
    return str(value)


def change_text(this: float | None, last: float | None, change: float | None, rate: bool) -> str:
    """同比 wording: 上升x% / 下降x% / 持平 / 上年同期为0; rates in 百分点.

    For a rate the difference is taken between the two percentages as printed, so the document
    never shows "95.2%，上升2.3个百分点" beside a printed 93.0% for last year.
    """
    if rate:
        if this is None or last is None:
            return "上年同期无可比数据"
        points = _round1(this) - _round1(last)
        if points == 0:
            return "持平"
        word = "上升" if points > 0 else "下降"
        return f"{word}{_trim(abs(points))}个百分点"
    if not last:
        return "上年同期为0"
    if change is None:
        change = (float(this or 0) - last) / last
    d = _round1(change)
    if d == 0:
        return "持平"
    return f"{'上升' if d > 0 else '下降'}{_trim(abs(d))}%"


def cdate(day: dt.date | str | None) -> str:
    """2025年12月1日 (Arabic numerals, no leading zeros)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def cmonth(value: dt.date | str | None) -> str:
    """2025年12月, from a date or a "2025-12" month key."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        year, month = value[:7].split("-")
        return f"{int(year)}年{int(month)}月"
    return f"{value.year}年{value.month}月"


_DIGITS = "零一二三四五六七八九"


def cnum(n: int) -> str:
    """Small integers in Chinese numerals, for headings built in loops: 1 → 一, 12 → 十二."""
    n = int(n)
    if n < 0 or n >= 100:
        return str(n)
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


# The GB/T 9704 line: 28 characters; 成文日期 ends four characters in from the right margin.
LINE_CHARS, DATE_RIGHT = 28, 4
_EN_SPACE, _EM_SPACE = "\u2002", "\u3000"


def _width(text: str) -> float:
    """Width in characters of 三号: a CJK or full-width character is 1, a digit or letter ½."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.5 for ch in text)


def _indents(office: str, date: str) -> tuple[float, float]:
    """Left indents (in characters) of the 署名 and the 成文日期: the date right-aligned four
    characters in, the office name centred over it; a name too wide for that ends two in."""
    w_o, w_d = _width(office), _width(date)
    centre = LINE_CHARS - DATE_RIGHT - w_d / 2
    left_o = centre - w_o / 2
    if left_o + w_o > LINE_CHARS - 2:
        left_o = max(0.0, LINE_CHARS - 2 - w_o)
        return left_o, max(0.0, left_o + (w_o - w_d) / 2)
    return max(0.0, left_o), LINE_CHARS - DATE_RIGHT - w_d


def _pad(indent: float) -> str:
    whole, half = divmod(round(indent * 2), 2)
    return _EM_SPACE * int(whole) + (_EN_SPACE if half else "")


def sign_top(office: Any, date: Any) -> str:
    """The 署名 line, centred over the 成文日期 (`{{ office | sign_top(today | cdate) }}`)."""
    office, date = str(office or ""), str(date or "")
    return _pad(_indents(office, date)[0]) + office


def sign_bottom(date: Any, office: Any) -> str:
    """The 成文日期 line, four characters in from the right margin
    (`{{ today | cdate | sign_bottom(office) }}`)."""
    office, date = str(office or ""), str(date or "")
    return _pad(_indents(office, date)[1]) + date


def yoy(entry: Any) -> str:
    """The wording of a 同比 entry from the context's `yoy` mapping."""
    if entry is None:
        return ""
    return str(entry)


FILTERS = {
    "pct": pct,
    "num": num,
    "cdate": cdate,
    "cmonth": cmonth,
    "cnum": cnum,
    "yoy": yoy,
    "sign_top": sign_top,
    "sign_bottom": sign_bottom,
}

# name → (description, example) for `report vars` and the template manager.
FILTER_HELP = {
    "pct": ("比率显示为百分数，保留一位小数；分母为0时显示“—”", "{{ stats.closure_rate | pct }}"),
    "num": ("数字；平均值保留一位小数；无数据显示“—”", "{{ stats.avg_days_to_close | num }}"),
    "cdate": ("日期写成“2025年12月1日”", "{{ as_of | cdate }}"),
    "cmonth": ("月份写成“2025年12月”", "{{ row.month | cmonth }}"),
    "cnum": ("小整数写成汉字（用于序号：一、二……）", "{{ loop.index | cnum }}"),
    "yoy": (
        "同比措辞：上升x% / 下降x% / 持平 / 上年同期为0；比率用百分点",
        "{{ yoy.total | yoy }}",
    ),
    "sign_top": ("发文机关署名，以成文日期为准居中", "{{ office | sign_top(today | cdate) }}"),
    "sign_bottom": ("成文日期，右空四字", "{{ today | cdate | sign_bottom(office) }}"),
}
