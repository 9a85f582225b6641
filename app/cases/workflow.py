"""The case workflow (domain.md §3): the transition table as data, one function per action.

Every action validates first and raises DomainError with a Chinese message; nothing is written
on error. The status and key dates on the case row are recomputed from the events by `project()`
in the same transaction, so they can never drift from the timeline.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.cases.deadlines import WorkCalendar
from app.errors import DomainError
from app.models import Case, Event, OfficeHoliday
from app.office import settings
from app.office.dictionaries import RATINGS, REPLY_RESULTS

# Statuses
PENDING = "待受理"
HANDLING = "办理中"
REFUSED = "不予受理"
FORWARDED = "已转送"
REPLIED = "已答复"
CLOSED = "已办结"
REVIEWING = "复查中"
RECHECKING = "复核中"
FINISHED = "终结"
VOID = "已作废"

STATUSES = [
    PENDING,
    HANDLING,
    REFUSED,
    FORWARDED,
    REPLIED,
    CLOSED,
    REVIEWING,
    RECHECKING,
    FINISHED,
    VOID,
]
# A final disposition (domain.md §5 处理率, 上期结转): the case is no longer open.
FINAL_STATUSES = {REFUSED, FORWARDED, CLOSED, REVIEWING, RECHECKING, FINISHED}
DECISIONS = ("受理", "不予受理", "转送", "交办")


@dataclass(frozen=True)
class Transition:
    action: str
    allowed_from: frozenset[str]
    to: str | None  # None = status unchanged
    required: tuple[str, ...] = ()  # data fields the clerk must fill


def _t(action: str, frm: Iterable[str], to: str | None, *required: str) -> Transition:
    return Transition(action, frozenset(frm), to, required)


# The §3 table.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("登记", [], PENDING),  # created by intake, never offered as an action
        _t("受理", [PENDING], HANDLING),
        _t("不予受理", [PENDING], REFUSED, "reason", "route"),
        _t("转送", [PENDING], FORWARDED, "to"),
        _t("交办", [PENDING], HANDLING, "to"),
        _t("延期", [HANDLING], HANDLING, "reason", "approver", "days"),
        _t("督办", [HANDLING], HANDLING, "by"),
        _t("答复", [HANDLING], REPLIED, "result"),
        _t("回访", [REPLIED, CLOSED], None, "rating"),
        _t("办结", [REPLIED], CLOSED),
        _t("复查申请", [CLOSED], REVIEWING),
        _t("复查意见", [REVIEWING], CLOSED, "opinion"),
        _t("复核申请", [CLOSED], RECHECKING),
        _t("复核意见", [RECHECKING], FINISHED, "opinion"),
        _t("作废", set(STATUSES) - {VOID}, VOID, "reason"),
    ]
}
ACTIONS = list(TRANSITIONS)

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
}


def allowed_actions(status: str) -> list[str]:
    """The actions the case page offers for a status (作废 last)."""
    return [a for a, t in TRANSITIONS.items() if status in t.allowed_from]


def work_calendar(session: Session) -> WorkCalendar:
    office = {h.day: h.rest for h in session.scalars(select(OfficeHoliday))}
    return WorkCalendar(bool(settings.get(session, "working_days")), office)


def project(case: Case, events: list[Event], cfg: dict[str, Any], cal: WorkCalendar) -> None:
    """Recompute the case's status, dates and deadlines from its events (domain.md §3)."""
    status = PENDING
    decision_kind = decision_on = accepted_on = replied_on = reply_result = None
    closed_on = final_on = rating = rated_on = None
    extension = 0
    assigned_due: dt.date | None = None
    voided = False
    for ev in sorted(events, key=lambda e: e.seq):
        t = TRANSITIONS[ev.kind]
        if ev.kind in DECISIONS and decision_kind is None:
            decision_kind, decision_on = ev.kind, ev.on
        if ev.kind in ("受理", "交办") and accepted_on is None:
            accepted_on = ev.on
            if ev.kind == "交办" and ev.data.get("deadline"):
                assigned_due = dt.date.fromisoformat(ev.data["deadline"])
        if ev.kind == "延期":
            extension += int(ev.data.get("days", 0))
        if ev.kind == "答复" and replied_on is None:
            replied_on, reply_result = ev.on, ev.data.get("result")
        if ev.kind in ("办结", "复核意见") and closed_on is None:
            closed_on = ev.on
        if ev.kind == "回访":
            rating, rated_on = ev.data.get("rating"), ev.on
        if ev.kind == "作废":
            voided = True
        if t.to is not None:
            status = t.to
        if status in FINAL_STATUSES and final_on is None:
            final_on = ev.on

    case.status = status
    case.decision_kind, case.decision_on = decision_kind, decision_on
    case.accepted_on, case.extension_days = accepted_on, extension
    case.replied_on, case.reply_result = replied_on, reply_result
    case.closed_on, case.final_on = closed_on, final_on
    case.rating, case.rated_on, case.voided = rating, rated_on, voided

    decision = cal.add_days(case.received_on, int(cfg["decision_days"]))
    case.decision_due = decision.day
    estimated = decision.estimated
    case.handling_due = None
    if accepted_on is not None:
        if assigned_due is not None:
            base = assigned_due
        elif case.channel == "人大建议":
            due = cal.add_months(case.received_on, int(cfg["npc_months"]))
            base, estimated = due.day, estimated or due.estimated
        elif case.channel == "政协提案":
            due = cal.add_months(case.received_on, int(cfg["cppcc_months"]))
            base, estimated = due.day, estimated or due.estimated
        else:
            due = cal.add_days(accepted_on, int(cfg["handling_days"]))
            base, estimated = due.day, estimated or due.estimated
        if extension:
            # The extension runs from the original due day (Art.34: 延长…不得超过30日).
            due = cal.add_days(base, extension)
            base, estimated = due.day, estimated or due.estimated
        case.handling_due = base
    case.due_estimated = estimated


def reproject(session: Session, case: Case) -> None:
    project(case, list(case.events), settings.get_all(session), work_calendar(session))


def reproject_all(session: Session) -> int:
    """After a change to a limit setting or the holiday list: recompute every case's deadlines.

    Returns the number of cases whose projection changed. The bulk path (app/cases/reprojection.py)
    feeds this module's `project()`; the ORM loop it replaced took ~95 s at 100,000 cases.
    """
    from app.cases.reprojection import reproject_all as bulk

    return bulk(session)


def _validate(session: Session, case: Case, action: str, on: dt.date, data: dict[str, Any]) -> None:
    if action not in TRANSITIONS:
        raise DomainError(f"未知的办理操作：{action}")
    t = TRANSITIONS[action]
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
    last = case.events[-1] if case.events else None
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
    old_status = case.status
    case.events.remove(last)
    session.flush()
    reproject(session, case)
    audit.record(
        session, user, "撤销", "case", case.number, last.kind, f"{last.on} {last.data}", None
    )
    audit.record(session, user, "撤销", "case", case.number, "status", old_status, case.status)
    return last
