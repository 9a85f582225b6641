"""A ledger row's progress (docs/rules.md, 台账; 统计, imported history with gaps).

Several columns may speak about how far a case got: a status text, a yes/no
是否办结, the 受理/答复/办结 dates and a 满意度. The most advanced state any of
them supports wins; dates give the dates; a text refines the kind (不予受理,
转送, 交办, 退回, 复查中). What the import has to assume is marked on the event,
so the statistics can leave it out:
- `inferred`: a step the row implies but does not date (a closed row without
  受理日期): dated with the nearest date the row has, out of 及时受理率;
- `date_unknown`: 已办结 with no date at all: dated the 登记日期, out of
  按期办结率 and 平均办结用时;
- `status_unknown`: a row with no progress information at all: 情况不详.
"""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from app.ledger import status_text as st
from app.ledger.status_text import LEVEL, StatusText

Step = tuple[str, dt.date, dict[str, Any]]
NOT_GIVEN = "台账未载明"


@dataclass
class Said:
    """What one row's columns say about its progress."""

    received: dt.date
    status: StatusText | None = None  # the status text column
    status_raw: str = ""
    flag: StatusText | None = None  # 是否办结
    flag_raw: str = ""
    accepted: dt.date | None = None
    replied: dt.date | None = None
    closed: dt.date | None = None
    rating: str = ""
    department: str = ""  # the unit a 交办/转送 went to when the text names none
    remark: str = ""


@dataclass
class Progress:
    steps: list[Step] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (field key, message)
    unknown: bool = False  # 情况不详
    closed_unknown: bool = False  # 已办结, date unknown
    inferred_decision: bool = False
    from_dates: bool = False  # no status column spoke: the dates decided
    disagree: bool = False  # the columns said different things


def _level(said: Said) -> tuple[int, list[tuple[str, int]]]:
    """The most advanced level any column supports, and what each column said."""
    voices: list[tuple[str, int]] = []
    if said.status:
        voices.append((f"办理状态“{said.status_raw}”", LEVEL[said.status.kind]))
    if said.flag:
        voices.append((f"是否办结“{said.flag_raw}”", LEVEL[said.flag.kind]))
    if said.closed:
        voices.append(("办结日期", LEVEL[st.CLOSED]))
    if said.replied:
        voices.append(("答复日期", LEVEL[st.REPLIED]))
    if said.accepted:
        voices.append(("受理日期", LEVEL[st.HANDLING]))
    if said.rating:
        voices.append(("满意度", LEVEL[st.REPLIED]))
    return max((v for _, v in voices), default=-2), voices


def progress(said: Said) -> Progress:
    """The events a row implies, with what had to be assumed."""
    out = Progress()
    texts = [t for t in (said.status, said.flag) if t is not None]
    if said.status is None and said.flag is None:
        out.from_dates = True
    if any(t.kind == st.VOID for t in texts):
        return _void(said, out)
    level, voices = _level(said)
    if level == -2:  # nothing at all: 情况不详 (docs/rules.md, 统计)
        out.unknown = True
        out.steps.append(("情况不详", said.received, {"status_unknown": True}))
        return out
    _disagreement(said, level, voices, out)
    kinds = {t.kind for t in texts}

    def text_date(*of: str) -> dt.date | None:
        """A date written inside a status text that states one of these kinds."""
        return next((t.on for t in texts if t.on and t.kind in of), None)

    if level == LEVEL[st.PENDING]:
        return out  # 待受理, as the sheet says
    # ---- the decision ----
    decision, data = "受理", dict[str, Any]()
    unit = next((t.unit for t in texts if t.unit), "") or said.department
    if level == 1 and st.REFUSED in kinds:
        reason = next((t.reason for t in texts if t.reason), "") or said.remark or NOT_GIVEN
        decision, data = "不予受理", {"reason": reason, "route": NOT_GIVEN}
    elif level == 1 and st.FORWARDED in kinds:
        decision, data = "转送", {"to": unit or NOT_GIVEN}
    elif kinds & {st.ASSIGNED, st.RETURNED}:
        decision, data = "交办", {"to": unit or NOT_GIVEN}
    decided = said.accepted
    if decided is None and level == 1:
        decided = text_date(st.HANDLING, st.ASSIGNED, st.REFUSED, st.FORWARDED)
    if decided is None:
        # The row implies a decision it does not date: the earliest date it has, marked.
        decided = said.received
        data["inferred"] = True
        out.inferred_decision = True
        out.notes.append(("accepted_on", "没有受理日期，按登记日期推定受理（不计入及时受理率）。"))
    out.steps.append((decision, decided, data))
    if decision in ("不予受理", "转送"):
        if said.replied or said.closed:
            out.notes.append(
                ("status", "已不予受理或转送的信访件不再答复、办结，答复/办结日期未导入。")
            )
        return out
    if st.RETURNED in kinds and level == 1:
        back = max(text_date(st.RETURNED) or decided, decided)
        out.steps.append(("退回", back, {"reason": NOT_GIVEN, "inferred": True}))
    if level == 1:
        return out
    # ---- 答复 and 办结 ----
    closing = said.closed
    if closing is None and level >= LEVEL[st.CLOSED]:
        closing = text_date(st.CLOSED)
    replied = said.replied
    if level >= LEVEL[st.CLOSED] and closing is None:
        if replied is not None:
            closing = replied  # §6: a row marked 已办结 without 办结日期 closes on its 答复日期
            out.notes.append(("closed_on", "没有办结日期，按答复日期记为办结。"))
        else:
            out.closed_unknown = True
    if replied is None:
        replied = text_date(st.REPLIED)
    reply_data: dict[str, Any] = {"result": "解释说明"}
    if replied is None:
        replied = closing or decided
        reply_data["inferred"] = True
        if closing is not None:
            out.notes.append(("replied_on", "没有答复日期，按办结日期记为答复。"))
    out.steps.append(("答复", replied, reply_data))
    if level >= LEVEL[st.CLOSED]:
        if closing is None:
            closing = replied
            out.steps.append(("办结", closing, {"date_unknown": True}))
            out.notes.append(("closed_on", "已办结但没有办结日期，导入为“办结日期不详”。"))
        else:
            out.steps.append(("办结", closing, {}))
    if said.rating:
        out.steps.append(("回访", closing or replied, {"rating": said.rating}))
    if level >= LEVEL[st.REVIEWING]:
        on = text_date(st.REVIEWING, st.RECHECKING, st.FINISHED)
        out.steps += _reviews(level, closing or replied, on)
    return out


def _disagreement(said: Said, level: int, voices: list[tuple[str, int]], out: Progress) -> None:
    """List a row whose status columns say less than another column shows (§6)."""
    lower = []
    for name, kind in (("办理状态", said.status), ("是否办结", said.flag)):
        if kind is None:
            continue
        # 办理中 / 是否办结 = 否 only say "not closed yet": a reply date does not contradict them.
        below = level >= LEVEL[st.CLOSED] if kind.kind == st.HANDLING else LEVEL[kind.kind] < level
        if below:
            lower.append(next(v for v, _ in voices if v.startswith(name)))
    if lower:
        stated = [v for v, lv in voices if lv == level]
        out.disagree = True
        out.notes.append(
            (
                "status",
                f"各列所载办理情况不一致：{'、'.join(stated)}比{'、'.join(lower)}更进一步，"
                "按更进一步的情况导入。",
            )
        )


def _reviews(level: int, closed: dt.date, text_date: dt.date | None) -> list[Step]:
    """复查中, 复核中, 终结: the review steps the text implies after the 办结."""
    on = text_date if text_date and text_date >= closed else closed
    mark = {"inferred": True}
    steps: list[Step] = [("复查申请", on, dict(mark))]
    if level >= LEVEL[st.RECHECKING]:
        steps.append(("复查意见", on, {"opinion": NOT_GIVEN, **mark}))
        steps.append(("复核申请", on, dict(mark)))
    if level >= LEVEL[st.FINISHED]:
        steps.append(("复核意见", on, {"opinion": NOT_GIVEN, **mark}))
    return steps


def _void(said: Said, out: Progress) -> Progress:
    """已作废: whatever the dates say, then the 作废 on the last of them."""
    kept = Said(
        said.received,
        accepted=said.accepted,
        replied=said.replied,
        closed=said.closed,
        rating=said.rating,
        department=said.department,
        remark=said.remark,
    )
    inner = progress(kept)
    steps = [] if inner.unknown else inner.steps
    last = steps[-1][1] if steps else said.received
    out.steps = [*steps, ("作废", last, {"reason": "台账标注已作废"})]
    out.notes = inner.notes
    return out
