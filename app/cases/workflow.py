"""The case workflow (docs/rules.md, 时限): the transition table as data, one function per action.

Every action validates first and raises DomainError with a Chinese message; nothing is written
on error. The status and key dates on the case row are recomputed from the events by
`projection.project()` in the same transaction, so they can never drift from the timeline.
"""

import datetime as dt
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from app import audit, clock
from app.cases import outgoing, sanitize, versions
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
    project,
    reproject,
    statutory_due,
    work_calendar,
)
from app.errors import DomainError
from app.models import Case, Event
from app.office import settings
from app.office.dictionaries import RATINGS, REPLY_RESULTS, units

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
# Every event data key a clerk may see, for showing a step (case page, CLI, 卷宗); FIELD_NAMES are
# the ones the CLI takes as --options.
DATA_LABELS = {
    **FIELD_NAMES,
    "deadline": "交办期限",
    "note": "备注",
    "basis": "法律法规依据",
}


def allowed_actions(status: str) -> list[str]:
    """The actions the table allows from a status (作废 last)."""
    return [a for a, t in TRANSITIONS.items() if status in t.allowed_from and a not in NOT_OFFERED]


def case_actions(case: Case) -> list[str]:
    """The actions the case page offers: the status's, less the outgoing steps while nothing
    was sent out (签收/反馈/退回/催办 need a 交办 or 转送), and a new 交办 from 办理中 only while
    the last one is back (待重新交办)."""
    sends = outgoing.unit_states(case.events)
    waiting = [s for s in sends if s.open]
    out = []
    for action in allowed_actions(case.status):
        if action in outgoing.FOLLOW_UPS and not waiting:
            continue
        if (
            action == "交办"
            and case.status == HANDLING
            and not outgoing.awaiting_reassignment(case.events)
        ):
            continue
        out.append(action)
    return out


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
    if (
        action == "交办"
        and case.status == HANDLING
        and not outgoing.awaiting_reassignment(case.events)
    ):
        raise DomainError("本件已在办理中；只有承办单位退回交办后才能重新交办。")
    if action == "交办" and data.get("deadline"):
        deadline = _date_field(data, "deadline", "交办期限")
        if deadline <= on:
            raise DomainError("交办期限应晚于交办日期。", field="deadline")
        # The unit's internal due never passes the statutory one (§3 settled readings).
        limit_day = _statutory_after(session, case, action, on, data)
        if deadline > limit_day:
            raise DomainError(
                f"交办期限 {deadline:%Y-%m-%d} 晚于法定办理期限 {limit_day:%Y-%m-%d}，"
                "交办期限不能超过法定办理期限。",
                field="deadline",
            )
    if action in outgoing.FOLLOW_UPS:
        _check_follow_up(session, case, action, data)
    if action == "督办":
        _check_supervision(session, case, on, data)
    if action == "上级督办" and data.get("due") and _date_field(data, "due", "答复期限") < on:
        raise DomainError("答复期限不能早于督办日期。", field="due")
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


def _date_field(data: dict[str, Any], name: str, label: str) -> dt.date:
    """A date the clerk typed into `data[name]`, stored back as ISO text."""
    try:
        day = dt.date.fromisoformat(str(data[name]))
    except ValueError:
        raise DomainError(f"{label}应为日期（如 2025-03-05）。", field=name) from None
    data[name] = day.isoformat()
    return day


def _statutory_after(
    session: Session, case: Case, action: str, on: dt.date, data: dict[str, Any]
) -> dt.date:
    """The statutory handling due the case would have with this step recorded."""
    cfg = settings.get_all(session)
    cal = work_calendar(session)
    # Plain stand-ins: the real case and its events must not change while we ask.
    seq = (case.events[-1].seq + 1) if case.events else 1
    probe = SimpleNamespace(kind=action, on=on, data=data, seq=seq)
    shadow = SimpleNamespace(received_on=case.received_on, channel=case.channel)
    project(shadow, [*case.events, probe], cfg, cal)  # type: ignore[arg-type, list-item]
    assert shadow.accepted_on is not None  # a 交办 accepts the case
    due = statutory_due(
        case.channel, case.received_on, shadow.accepted_on, shadow.extension_days, cfg, cal
    )
    return due.day


def _sent_to(case: Case) -> str:
    return "、".join(dict.fromkeys(s.unit for s in outgoing.unit_states(case.events))) or "—"


def _resolve_unit(
    session: Session, case: Case, name: str | None, key: str, action: str
) -> outgoing.UnitState:
    """The 交办/转送 a step is about: the one to the unit the clerk named (aliases folded), else
    the latest. The step then stores that send's own name, so SQL matches it by equality."""
    sends = outgoing.unit_states(case.events)
    if not sends:
        raise DomainError(f"本件没有交办或转送，不能{action}。")
    name = (name or "").strip()
    if not name:
        return sends[-1]
    known = units(session)
    for send in reversed(sends):
        if send.unit == name or known.same(send.unit, name):
            return send
    raise DomainError(f"本件没有交办或转送给“{name}”（已交办/转送：{_sent_to(case)}）。", field=key)


def _check_follow_up(session: Session, case: Case, action: str, data: dict[str, Any]) -> None:
    if action == "催办" and not outgoing.unit_states(case.events) and not data.get("unit"):
        return  # urging the office's own 承办人 (the 督办 list's 催办 of a case not sent out)
    send = _resolve_unit(session, case, data.get("unit"), "unit", action)
    data["unit"] = send.unit
    what = f"{send.kind}给{send.unit}（{send.sent_on:%Y-%m-%d}）"
    if send.returned_on is not None:
        raise DomainError(f"{what}已于 {send.returned_on:%Y-%m-%d} 退回，不能再{action}。")
    if action == "签收" and send.signed_on is not None:
        raise DomainError(f"{what}已于 {send.signed_on:%Y-%m-%d} 签收。")
    if action in ("签收", "退回", "催办") and send.answered_on is not None:
        raise DomainError(f"{what}已于 {send.answered_on:%Y-%m-%d} 反馈，不能再{action}。")
    if action == "退回" and send.kind == "转送" and case.status != FORWARDED:
        raise DomainError(f"{what}之后本件已另行办理，不能再退回这次转送。")


def _check_supervision(session: Session, case: Case, on: dt.date, data: dict[str, Any]) -> None:
    """督办 (§9): the office supervising a unit; `to` defaults to the unit last sent to."""
    sends = outgoing.unit_states(case.events)
    if data.get("to") and sends:
        known = units(session)
        match = next(
            (s for s in reversed(sends) if s.unit == data["to"] or known.same(s.unit, data["to"])),
            None,
        )
        if match is not None:
            data["to"] = match.unit
    elif not data.get("to") and sends:
        data["to"] = sends[-1].unit
    if not data.get("to") and not data.get("by"):
        raise DomainError("请填写督办的承办单位。", field="to")
    if data.get("due") and _date_field(data, "due", "答复期限") < on:
        raise DomainError("答复期限不能早于督办日期。", field="due")


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
    versions.touch(case, user)
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
    versions.touch(case, user)
    audit.record(
        session, user, "撤销", "case", case.number, last.kind, f"{last.on} {last.data}", None
    )
    audit.record(session, user, "撤销", "case", case.number, "status", old_status, case.status)
    return last
