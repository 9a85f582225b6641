"""What may enter the database at the service boundary (§7, §9 Dates; issue 16 item 7).

One bad value used to break every later export or statistic: a control character
(IllegalCharacterError in every ledger export), the year 0001 (OverflowError in statistics),
an integer beyond SQLite's 64 bits (a traceback). Every case and every handling step passes
here before anything is written, from the form, the command line or a ledger row.
Also the free-text masking of ID and phone numbers typed inside 反映问题 and 备注.
"""

import dataclasses
import datetime as dt
import re
from typing import Any

from app import clock
from app.errors import DomainError

# The founding of the PRC: no petition office record is older (§7).
MIN_DATE = dt.date(1949, 10, 1)
# 期限 and due dates may lie up to a year ahead (§9 Dates).
AHEAD = dt.timedelta(days=366)
MAX_PERSONS = 100_000  # 人数: far beyond any collective visit, far inside SQLite's integers
MAX_INVOLVED = 10_000_000
MAX_LIMIT = 1_000_000_000

# C0 controls other than tab, newline and carriage return (what an .xlsx cannot hold), DEL,
# and lone surrogates (which cannot even be stored as UTF-8).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "电话",
    "address": "住址",
    "workplace": "工作单位",
    "summary": "反映问题",
    "remark": "备注",
    "target": "被反映对象",
    "assigning_org": "交办机关",
    "assigning_ref": "交办文号",
    "locality": "问题属地",
    "department": "承办科室",
    "handler": "承办人",
    "leader": "接访领导",
    "note": "说明",
    "opinion": "办理意见",
}


def strip_controls(text: str) -> str:
    """For imported cells: the characters CONTROL names are dropped (§7: stripped on import)."""
    return CONTROL.sub("", text)


def check_text(value: Any, field: str) -> None:
    if isinstance(value, str) and CONTROL.search(value):
        label = FIELD_LABELS.get(field, field)
        raise DomainError(
            f"{label}中含有不可见的控制字符（多半是从别处复制来的），请删除后重新输入。",
            field=field,
        )


def check_date(value: Any, field: str, label: str, ahead: bool = False) -> None:
    """1949-10-01 … today (or today + 1 year for 期限 and due dates)."""
    if value is None:
        return
    if not isinstance(value, dt.date):
        raise DomainError(f"{label}应为日期（如 2025-03-05）。", field=field)
    latest = clock.today() + (AHEAD if ahead else dt.timedelta(0))
    if value < MIN_DATE:
        raise DomainError(f"{label} {value.isoformat()} 早于 1949-10-01，请检查。", field=field)
    if value > latest:
        if ahead:
            raise DomainError(f"{label} {value.isoformat()} 超过一年以后，请检查。", field=field)
        raise DomainError(f"{label} {value.isoformat()} 晚于今天，请检查。", field=field)


def check_int(value: Any, field: str, label: str, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(f"{label}应为 {low} 至 {high} 之间的整数。", field=field)


def check_case_input(data: Any) -> None:
    """Every text field free of control characters, dates in range, counts bounded."""
    for f in dataclasses.fields(data):
        check_text(getattr(data, f.name), f.name)
    for key, value in (getattr(data, "extra", None) or {}).items():
        check_text(key, "extra")
        check_text(value, "extra")
    check_date(data.received_on, "received_on", "登记日期")
    check_date(data.petition_on, "petition_on", "信访日期")
    check_int(data.persons, "persons", "人数", 1, MAX_PERSONS)
    check_int(data.involved_persons, "involved_persons", "涉及人数", 0, MAX_INVOLVED)


def check_event(on: Any, data: dict[str, Any]) -> None:
    """A handling step: its date (not in the future), its 期限 (up to a year ahead), text."""
    check_date(on, "on", "办理日期")
    for key, value in data.items():
        check_text(value, key)
        if isinstance(value, int) and not isinstance(value, bool):
            check_int(value, key, FIELD_LABELS.get(key, key), -MAX_LIMIT, MAX_LIMIT)
    deadline = data.get("deadline")
    if isinstance(deadline, str) and deadline:
        try:
            deadline = dt.date.fromisoformat(deadline)
        except ValueError:
            return  # the workflow says how a 期限 is written
    if isinstance(deadline, dt.date):
        check_date(deadline, "deadline", "期限", ahead=True)


def bounded_limit(limit: int) -> int:
    """A list's page size or offset: SQLite takes 64-bit integers, a clerk never needs more.
    Negative stays negative (= no limit)."""
    return limit if limit < 0 else min(int(limit), MAX_LIMIT)


# --- masking inside free text (§7) --------------------------------------------------------
_ID_IN_TEXT = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_LANDLINE_IN_TEXT = re.compile(r"(?<![0-9])0[0-9]{2,3}-?[0-9]{7,8}(?![0-9])")


def mask_free_text(text: str | None) -> str | None:
    """ID and phone numbers typed inside 反映问题, 备注, 办理意见 masked like the fields."""
    if not text:
        return text
    from app.cases.validation import mask_id, mask_phone

    text = _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
