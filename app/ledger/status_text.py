"""What a ledger's status cell says (docs/rules.md, 台账).

Real sheets write progress as free text ("已办结（2025年3月5日）", "不予受理（属诉讼程序）",
"已转区住建局办理", "已答复，信访人申请复查"), not as one of our status words. `read_status`
turns such a text into a kind of progress, with the date, reason or unit written inside it.
Pure: no database, so the dry run stays fast.
"""

import datetime as dt
import re
from dataclasses import dataclass

from app.errors import DomainError
from app.ledger.values import NO, YES, text

# Kinds of progress a status text can state, from least to most advanced along the main path.
PENDING = "待受理"
HANDLING = "办理中"
REPLIED = "已答复"
CLOSED = "已办结"
REVIEWING = "复查中"
RECHECKING = "复核中"
FINISHED = "终结"
# Kinds that are a decision other than 受理 (they end the main path early) or a step beside it.
REFUSED = "不予受理"
FORWARDED = "已转送"
ASSIGNED = "交办"
RETURNED = "退回"
VOID = "已作废"

# How far along the main path each kind is (a 交办 or a 退回 of one is an accepted case).
LEVEL = {
    PENDING: 0,
    REFUSED: 1,
    FORWARDED: 1,
    HANDLING: 1,
    ASSIGNED: 1,
    RETURNED: 1,
    REPLIED: 2,
    CLOSED: 3,
    REVIEWING: 4,
    RECHECKING: 5,
    FINISHED: 6,
    VOID: -1,
}


@dataclass(frozen=True)
class StatusText:
    kind: str
    on: dt.date | None = None  # a date written inside the text
    reason: str = ""  # the words in brackets: 不予受理（属诉讼程序）
    unit: str = ""  # the unit a 交办/转送 went to: 已转区住建局办理


_DATE_INSIDE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_BRACKETS = re.compile(r"[（(【\[]([^）)】\]]*)[）)】\]]")
# "已转区住建局办理", "转交县水利局处理", "交办至镇政府": the unit named in a 交办 text.
_UNIT = re.compile(
    r"(?:已?转交?|已?交办?至?|转办至?|交由)([^，,。；;（(]{2,30}?)(?:办理|处理|承办|$)"
)

# Ordered: the first rule whose words the text contains decides. Negations come before the words
# they contain (未办结 before 办结, 不予受理 before 受理, 待答复 before 答复).
_RULES: list[tuple[tuple[str, ...], str]] = [
    (("作废", "撤销登记"), VOID),
    (("不予受理", "不受理", "不予登记"), REFUSED),
    (("申请复核", "复核中", "复核受理"), RECHECKING),
    (("申请复查", "复查中", "复查受理"), REVIEWING),
    (("终结",), FINISHED),
    (("退单", "退回"), RETURNED),
    (("转送",), FORWARDED),
    (("未办结", "未结案", "待办结", "待答复", "未答复"), HANDLING),
    (("办结", "结案", "归档", "已回访", "已评价", "完结", "完毕"), CLOSED),
    (("答复", "处理意见", "回复"), REPLIED),
    (("待派单", "待派发", "未派单"), PENDING),
    (("交办", "转办", "转交", "已转", "派单", "派发"), ASSIGNED),
    (("审查中", "已登记", "待受理", "未受理", "待处理", "待签收", "未处理"), PENDING),
    (("受理", "办理", "处理中", "在办", "签收", "承办"), HANDLING),
]
# Cells that only answer yes/no (是否办结 = 是/否, or a 办理状态 column written that way).
_NO_WORDS = NO | {"未"}


def read_status(value: object) -> StatusText | None:
    """The progress a status cell states; None for a blank cell. Raises DomainError when the text
    says nothing we can read (the message quotes the cell)."""
    raw = text(value)
    s = re.sub(r"\s+", "", raw)
    if not s:
        return None
    on = _date_inside(s, raw)
    reason = next((m.group(1).strip() for m in _BRACKETS.finditer(s) if m.group(1).strip()), "")
    if on is not None and _DATE_INSIDE.fullmatch(reason or ""):
        reason = ""
    if s.lower() in YES:
        return StatusText(CLOSED)
    if s.lower() in _NO_WORDS:
        return StatusText(HANDLING)
    bare = _BRACKETS.sub("", s) or s
    for words, kind in _RULES:
        if any(w in bare for w in words):
            unit = ""
            if kind in (ASSIGNED, FORWARDED):
                m = _UNIT.search(bare)
                unit = m.group(1) if m else ""
            return StatusText(kind, on, reason if kind == REFUSED else "", unit)
    raise DomainError(
        f"办理状态“{raw}”无法识别，应写明如已办结、已答复、办理中、待受理、不予受理、已转送、已交办、"
        "已退单、复查中、终结等。"
    )


def _date_inside(s: str, raw: str) -> dt.date | None:
    m = _DATE_INSIDE.search(s)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise DomainError(f"办理状态“{raw}”中的日期不存在。") from None
