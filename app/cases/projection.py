"""The projection of a case (docs/rules.md, 时限): the statuses and the transition table
as data, `project()` that recomputes a case's status, dates and deadlines from its events, the
columns it writes and the working calendar it counts with.

`app.cases.workflow` (one action at a time) and `app.cases.reprojection` (every case at once) both
import this module; it imports neither.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cases import outgoing
from app.cases.deadlines import Due, WorkCalendar, entered_years
from app.models import Case, Event, OfficeHoliday
from app.office import settings

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
# An imported row that said nothing about its progress (docs/rules.md, 统计, 情况不详): counted in
# the total and the breakdowns, left out of every rate and open count until the clerk 补录s events.
UNKNOWN = "情况不详"

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
    UNKNOWN,
]
# A final disposition (docs/rules.md, 统计: handled_rate, carried_over): the case is no longer open.
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
        # Written only by the ledger import, for a row with no status information at all.
        _t("情况不详", [PENDING], UNKNOWN),
        # From 情况不详 the clerk records what really happened, with its real dates (补录).
        _t("受理", [PENDING, UNKNOWN], HANDLING),
        _t("不予受理", [PENDING, UNKNOWN], REFUSED, "reason", "route"),
        _t("转送", [PENDING, UNKNOWN], FORWARDED, "to"),
        # From 办理中 only after the unit sent the last 交办 back (待重新交办, workflow checks).
        _t("交办", [PENDING, UNKNOWN, HANDLING], HANDLING, "to"),
        # Outgoing handling (docs/rules.md, 交办): what the unit a 交办/转送 went to did with it.
        # `unit` names the 交办/转送 when there are several; blank = the latest one.
        _t("签收", [HANDLING, FORWARDED], None),
        _t("反馈", [HANDLING, FORWARDED], None, "text"),
        # The unit sent it back (已退单): after a 交办 the case stays accepted (待重新交办); after
        # a 转送 it is 待受理 again (`project` below), the 转送 no longer final from that day.
        _t("退回", [HANDLING, FORWARDED], None, "reason"),
        _t("催办", [HANDLING, FORWARDED], None),
        _t("延期", [HANDLING], HANDLING, "reason", "approver", "days"),
        # The office supervising a unit (督办单): `to` the unit, `due` the answer's due date, `by`
        # who signs it; workflow asks for `to` or `by`.
        _t("督办", [HANDLING], HANDLING),
        # Supervision the office receives from a superior organ (§9), counted apart from 督办.
        _t("上级督办", [PENDING, HANDLING, REPLIED], None, "by"),
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
# Steps only intake or the ledger import writes; never offered on the case page.
NOT_OFFERED = frozenset({"登记", "情况不详"})

# The Case columns `project()` writes (tests/test_office.py checks them against app/models.py).
PROJECTED = (
    "status",
    "decision_kind",
    "decision_on",
    "decision_due",
    "accepted_on",
    "extension_days",
    "handling_due",
    "replied_on",
    "reply_result",
    "closed_on",
    "final_on",
    "rating",
    "rated_on",
    "voided",
    "decision_inferred",
    "closed_date_unknown",
    "due_estimated",
    "undone_final_on",
    "undone_on",
)


def work_calendar(session: Session) -> WorkCalendar:
    rows = list(session.scalars(select(OfficeHoliday)))
    office = {h.day: h.rest for h in rows}
    entered = entered_years((h.day, h.rest, h.name) for h in rows)
    return WorkCalendar(bool(settings.get(session, "working_days")), office, entered)


def project(case: Case, events: list[Event], cfg: dict[str, Any], cal: WorkCalendar) -> None:
    """Recompute the case's status, dates and deadlines from its events (docs/rules.md, 时限).

    The handling due is always the statutory one (§3 settled readings): a 交办 期限 is the unit's
    internal date (app/cases/outgoing.py) and never moves it. `final_on` is the day the case's
    present final disposition began; a 转送 a 退回 later undid is kept as the interval
    [undone_final_on, undone_on), so "final by D" can replay the state on D (§9, 退回)."""
    status = PENDING
    decision_kind = decision_on = accepted_on = replied_on = reply_result = None
    closed_on = final_on = rating = rated_on = None
    undone_final_on = undone_on = None
    extension = 0
    voided = decision_inferred = closed_date_unknown = False
    sends: list[outgoing.UnitState] = []
    for ev in sorted(events, key=lambda e: e.seq):
        t = TRANSITIONS[ev.kind]
        to = t.to
        if ev.kind in DECISIONS and decision_kind is None:
            decision_kind, decision_on = ev.kind, ev.on
            # Only inferred by an import: 及时受理率 leaves it out (docs/rules.md, 统计).
            decision_inferred = bool((ev.data or {}).get("inferred"))
        if ev.kind in ("受理", "交办") and accepted_on is None:
            accepted_on = ev.on
        if ev.kind in outgoing.SENDS:
            sends.append(
                outgoing.UnitState(ev.seq, ev.kind, str(ev.data.get("to", "")).strip(), ev.on)
            )
        if ev.kind == "退回":
            send = outgoing.find_send(sends, (ev.data or {}).get("unit"))
            if send is not None and send.kind == "转送" and status == FORWARDED:
                to = PENDING  # a new decision is due; the first one still counts (§9)
        if ev.kind == "延期":
            extension += int(ev.data.get("days", 0))
        if ev.kind == "答复" and replied_on is None:
            replied_on, reply_result = ev.on, ev.data.get("result")
        if ev.kind in ("办结", "复核意见") and closed_on is None:
            closed_on = ev.on
            closed_date_unknown = bool((ev.data or {}).get("date_unknown"))
        if ev.kind == "回访":
            rating, rated_on = ev.data.get("rating"), ev.on
        if ev.kind == "作废":
            voided = True
        if to is not None:
            if status in FINAL_STATUSES and to not in FINAL_STATUSES and to != VOID:
                # The first undone final run is kept; a second 转送→退回 cycle is rare enough.
                if undone_final_on is None:
                    undone_final_on, undone_on = final_on, ev.on
                final_on = None
            status = to
        if status in FINAL_STATUSES and final_on is None:
            final_on = ev.on

    case.status = status
    case.decision_kind, case.decision_on = decision_kind, decision_on
    case.accepted_on, case.extension_days = accepted_on, extension
    case.replied_on, case.reply_result = replied_on, reply_result
    case.closed_on, case.final_on = closed_on, final_on
    case.undone_final_on, case.undone_on = undone_final_on, undone_on
    case.rating, case.rated_on, case.voided = rating, rated_on, voided
    case.decision_inferred, case.closed_date_unknown = decision_inferred, closed_date_unknown

    decision = cal.add_days(case.received_on, int(cfg["decision_days"]))
    # A 情况不详 case has no deadline to warn about: nobody knows what was decided or when.
    case.decision_due = None if status == UNKNOWN else decision.day
    estimated = decision.estimated
    case.handling_due = None
    if accepted_on is not None:
        due = statutory_due(case.channel, case.received_on, accepted_on, extension, cfg, cal)
        case.handling_due, estimated = due.day, estimated or due.estimated
    case.due_estimated = estimated


def statutory_due(
    channel: str | None,
    received_on: dt.date,
    accepted_on: dt.date,
    extension: int,
    cfg: dict[str, Any],
    cal: WorkCalendar,
) -> Due:
    """The handling due (Art.34, + 延期), or the 人大建议/政协提案 months from receipt."""
    if channel == "人大建议":
        due = cal.add_months(received_on, int(cfg["npc_months"]))
    elif channel == "政协提案":
        due = cal.add_months(received_on, int(cfg["cppcc_months"]))
    else:
        due = cal.add_days(accepted_on, int(cfg["handling_days"]))
    if extension:
        # The extension runs from the original due day (Art.34: 延长…不得超过30日).
        later = cal.add_days(due.day, extension)
        due = Due(later.day, due.estimated or later.estimated)
    return due


def reproject(session: Session, case: Case) -> None:
    project(case, list(case.events), settings.get_all(session), work_calendar(session))


def review_opinion_due(
    events: list[Event], cfg: dict[str, Any], cal: WorkCalendar
) -> dt.date | None:
    """While a 复查/复核 request is open: the opinion due = request + the `review_opinion_days`
    setting (default 30, 条例 Art.35/36), counted like every period (docs/rules.md, 时限)."""
    request = None
    for ev in sorted(events, key=lambda e: e.seq):
        if ev.kind in ("复查申请", "复核申请"):
            request = ev.on
        elif ev.kind in ("复查意见", "复核意见", "作废"):
            request = None
    if request is None:
        return None
    return cal.add_days(request, int(cfg["review_opinion_days"])).day
