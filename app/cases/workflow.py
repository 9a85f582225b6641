"""The case workflow (docs/rules.md, 时限): the transition table as data, one function per action.

Every action validates first and raises DomainError with a Chinese message; nothing is written
on error. The status and key dates on the case row are recomputed from the events by
`projection.project()` in the same transaction, so they can never drift from the timeline.
"""

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import sanitize
from app.cases.projection import (  # noqa: F401 (re-exported: callers use workflow.PENDING …)
    ACTIONS,
    CLOSED,
    DECISIONS,
    FINAL_STATUSES,
    FINISHED,
    FORWARDED,
    HANDLING,
    NOT_OFFERED,
    PENDING,
    RECHECKING,
    REFUSED,
    REPLIED,
    REVIEWING,
    STATUSES,
    TRANSITIONS,
    UNKNOWN,
    VOID,
    reproject,
)
from app.errors import DomainError
from app.models import Case, Event
from app.office import settings
from app.office.dictionaries import RATINGS, REPLY_RESULTS

FIELD_NAMES = {
    "reason": "理由",
    "route": "正确途径",
    "to": "转送/交办单位",
    "approver": "批准人",
    "days": "延期天数",
    "by": "督办单位或领导",
    "result": "答复结果",
    "rating": "满意度",
    "opinion": "意见",
    "text": "内容",
    "unit": "承办单位",
    "due": "答复期限",
    "ref": "文号",
}


def allowed_actions(status: str) -> list[str]:
    """The actions the case page offers for a status (作废 last)."""
    return [a for a, t in TRANSITIONS.items() if status in t.allowed_from and a not in NOT_OFFERED]


def _validate(session: Session, case: Case, action: str, on: dt.date, data: dict[str, Any]) -> None:
    if action not in TRANSITIONS:
        raise DomainError(f"未知的办理操作：{action}")
    sanitize.check_event(on, data)  # control characters, date range, 期限 ≤ a year ahead (§9)
    t = TRANSITIONS[action]
    if action in NOT_OFFERED:
        raise DomainError(f"“{action}”只能由导入台账生成，不能手工办理。")
    if case.status not in t.allowed_from:
        raise DomainError(f"信访件 {case.number} 当前状态为“{case.status}”，不能进行“{action}”。")
    for name in t.required:
        value = data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DomainError(f"请填写{FIELD_NAMES[name]}。", field=name)
    if on < case.received_on:
        raise DomainError(
            f"{action}日期 {on:%Y-%m-%d} 早于登记日期 {case.received_on:%Y-%m-%d}。", field="on"
        )
    if on > clock.today():
        raise DomainError(f"{action}日期 {on:%Y-%m-%d} 晚于今天，不能预先登记。", field="on")
    # 补录 (docs/rules.md, 时限): the 情况不详 step is a stand-in the import wrote, dated whenever
    # the ledger was imported; the steps recorded after it carry their real, earlier dates.
    last = next((e for e in reversed(case.events) if e.kind != UNKNOWN), None)
    if last is not None and on < last.on and action != "作废":
        raise DomainError(
            f"{action}日期 {on:%Y-%m-%d} 早于上一步“{last.kind}”的日期 {last.on:%Y-%m-%d}。",
            field="on",
        )
    cfg = settings.get_all(session)
    if action == "延期":
        try:
            days = int(data["days"])
        except (TypeError, ValueError):
            raise DomainError("延期天数应为整数。", field="days") from None
        limit = int(cfg["max_extension_days"])
        if not 1 <= days <= limit:
            raise DomainError(f"延期天数应在 1 至 {limit} 日之间。", field="days")
        if any(e.kind == "延期" for e in case.events):
            raise DomainError("该信访件已延期过一次，不能再次延期（条例第三十四条）。")
        if case.handling_due is not None and on > case.handling_due:
            raise DomainError(
                f"办理期限 {case.handling_due:%Y-%m-%d} 已过，不能再延期（docs/rules.md, 时限）。",
                field="on",
            )
        data["days"] = days
    if action == "交办" and data.get("deadline"):
        try:
            deadline = dt.date.fromisoformat(str(data["deadline"]))
        except ValueError:
            raise DomainError("交办期限应为日期（如 2025-03-05）。", field="deadline") from None
        if deadline <= on:
            raise DomainError("交办期限应晚于交办日期。", field="deadline")
        data["deadline"] = deadline.isoformat()
    if action == "答复" and data["result"] not in REPLY_RESULTS:
        raise DomainError("答复结果应为：支持、解释说明或不予支持。", field="result")
    if action == "回访" and data["rating"] not in RATINGS:
        raise DomainError("满意度应为：满意、基本满意或不满意。", field="rating")
    if action in ("复查申请", "复核申请"):
        prior = "答复" if action == "复查申请" else "复查意见"
        base = next((e.on for e in reversed(case.events) if e.kind == prior), None)
        if base is None:
            raise DomainError(f"没有{prior}，不能{action}。")
        if action == "复查申请" and any(e.kind == "复查意见" for e in case.events):
            raise DomainError("该事项已复查过，不服复查意见的应申请复核。")
        limit = int(cfg["review_request_days"])
        if (on - base).days > limit:
            raise DomainError(
                f"{action}应在收到{prior}之日起 {limit} 日内提出（{prior}日期 {base:%Y-%m-%d}）。",
                field="on",
            )


def act(
    session: Session,
    case: Case,
    action: str,
    on: dt.date | None = None,
    data: dict[str, Any] | None = None,
    user: str = "",
) -> Event:
    """Record one action on a case after validating it; reprojects the case."""
    on = on or clock.today()
    data = {k: v for k, v in (data or {}).items() if v is not None and v != ""}
    _validate(session, case, action, on, data)
    old_status = case.status
    event = Event(
        kind=action,
        on=on,
        data=data,
        seq=(case.events[-1].seq + 1) if case.events else 1,
        recorded_by=user,
        recorded_at=clock.now(),
    )
    case.events.append(event)
    reproject(session, case)
    case.updated_at = clock.now()
    audit.record(session, user, action, "case", case.number, "status", old_status, case.status)
    session.flush()
    return event


def undo_last(session: Session, case: Case, user: str = "") -> Event:
    """Take back the most recent step (a clerk's slip); the audit log keeps what it was."""
    if not case.events or case.events[-1].kind == "登记":
        raise DomainError("没有可以撤销的办理步骤。")
    last = case.events[-1]
    if last.kind == UNKNOWN:
        # Taking it back would make an old imported row 待受理 and 超期 (docs/rules.md, 统计).
        raise DomainError("“情况不详”由导入台账生成，不能撤销；请补录实际办理过程。")
    old_status = case.status
    case.events.remove(last)
    session.flush()
    reproject(session, case)
    audit.record(
        session, user, "撤销", "case", case.number, last.kind, f"{last.on} {last.data}", None
    )
    audit.record(session, user, "撤销", "case", case.number, "status", old_status, case.status)
    return last
