"""The §5 figures added 2026-12 for 条例 Art.41 and the seed reports (docs/rules.md, 统计):

- by_target: R by 被反映对象, canonical unit names (aliases folded, `dictionaries.units`), only
  names present in R, largest first, ties by name; blank → 未填写 ("被投诉较多的单位").
- by_assigning_org: R with channel 上级交办/上级转送 by 交办机关, the same way.
- outgoing: what the office sent out and tracked — 转送, 交办 and 督办 events dated in P and by A
  whatever the case's received date, the cases with such a 督办, and the 交办 past their 期限
  (rolled forward) without a 反馈 of that 交办 at A (a 退回 of it ends the wait). 上级督办 is
  not a 督办 (§9): it is incoming_supervisions. Each has a drill-down to its cases (`drill`).
- assigned_on_time_rate: on_time_closure_rate over R with channel 上级交办 (按时报结率), from the
  very conditions of on_time_closure_rate, so its rules (imported gaps…) apply here unchanged.
- incoming_supervisions: 上级督办 events received in P by A (supervision of the office).

`queries.compute` adds these to the counts and breakdowns of one period.
"""

from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, exists, func, literal, null, select
from sqlalchemy.orm import Session, aliased

from app.cases import outgoing
from app.cases.projection import work_calendar
from app.models import Case, Event
from app.office.dictionaries import units
from app.stats.figures import BLANK, Scope

ASSIGNED = "上级交办"
ASSIGNED_CHANNELS = ("上级交办", "上级转送")
# Breakdowns ranked by count and holding only values present in R: compute_in must not pad them
# with last year's values as it does the dictionary breakdowns.
RANKED = ("by_target", "by_assigning_org")
OUTGOING = ["transfers", "assignments", "supervisions", "supervised_cases", "feedback_overdue"]
RATES = {"assigned_on_time_rate": ("assigned_closed_on_time", "assigned_on_time_counted")}


def figures(figs: dict[str, tuple[str, ColumnElement[bool]]]) -> dict[str, Any]:
    """The two counts behind assigned_on_time_rate, from on_time_closure_rate's own figures."""
    assigned = Case.channel == ASSIGNED
    return {
        "assigned_closed_on_time": ("R", and_(figs["closed_on_time"][1], assigned)),
        "assigned_on_time_counted": ("R", and_(figs["on_time_counted"][1], assigned)),
    }


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    order = sorted(counts, key=lambda name: (-counts[name], name == BLANK, name))
    return {name: counts[name] for name in order}


def ranked(session: Session, population: ColumnElement[bool]) -> dict[str, dict[str, int]]:
    """by_target and by_assigning_org. Spellings of one unit are one row (aliases from the
    dictionary, standard short forms folded): its dictionary name, else its most used spelling."""
    from app.office.dictionaries import normal_unit

    known = units(session)
    # One grouping of R for both: by 被反映对象 and, for the cases sent down from above, by
    # 交办机关 (NULL for the others: `assigned` tells an assigned case without one from them).
    assigned = Case.channel.in_(ASSIGNED_CHANNELS)
    org = case((assigned, Case.assigning_org), else_=null())
    is_assigned = case((assigned, 1), else_=0)
    query = (
        select(Case.target, is_assigned, org, func.count())
        .where(population)
        .group_by(Case.target, is_assigned, org)
    )
    raw: dict[str, dict[str | None, int]] = {"by_target": {}, "by_assigning_org": {}}
    for target, from_above, assigning_org, n in session.execute(query):
        raw["by_target"][target] = raw["by_target"].get(target, 0) + n
        if from_above:
            orgs = raw["by_assigning_org"]
            orgs[assigning_org] = orgs.get(assigning_org, 0) + n
    out: dict[str, dict[str, int]] = {}
    for key, counted in raw.items():
        groups: dict[str, dict[str, int]] = {}
        for value, n in counted.items():
            name = known.canonical(value) if value and value.strip() else BLANK
            spellings = groups.setdefault(normal_unit(name) or BLANK, {})
            spellings[name] = spellings.get(name, 0) + n
        cells: dict[str, int] = {}
        for spellings in groups.values():
            shown = sorted(
                spellings, key=lambda v: (v not in known.names.values(), -spellings[v], v)
            )
            cells[shown[0]] = sum(spellings.values())
        out[key] = _ranked(cells)
    return out


def _events(kind: str | list[str], s: Scope) -> ColumnElement[bool]:
    """Events of `kind` (or of any of those kinds) dated in P by A, of cases not voided.
    A case's voided flag by a membership test, not a join: PostgreSQL then counts a period's
    events from ix_pg_events_kind_on_case alone, against the few voided ids."""
    voided = select(Case.id).where(Case.voided.is_(True))
    return and_(
        Event.kind.in_(kind) if isinstance(kind, list) else Event.kind == kind,
        Event.on.between(s.date_from, min(s.date_to, s.as_of)),
        Event.case_id.not_in(voided),
    )


# outgoing key → the event kind it counts (supervised_cases counts cases with a 督办).
EVENT_KEYS = {
    "outgoing.transfers": "转送",
    "outgoing.assignments": "交办",
    "outgoing.supervisions": "督办",
    "outgoing.supervised_cases": "督办",
    "incoming_supervisions": "上级督办",
}


def counts(session: Session, s: Scope) -> dict[str, int]:
    # One pass over the events of all these kinds (one query per kind read the index five times)
    columns = [
        (func.count(distinct(Event.case_id)) if key.endswith("_cases") else func.count()).filter(
            Event.kind == kind
        )
        for key, kind in EVENT_KEYS.items()
    ]
    kinds = sorted(set(EVENT_KEYS.values()))
    row = session.execute(select(*columns).where(_events(kinds, s))).one()
    out = {key: int(n or 0) for key, n in zip(EVENT_KEYS, row, strict=True)}
    overdue = select(func.count()).select_from(Event).where(_feedback_overdue(session, s))
    out["outgoing.feedback_overdue"] = int(session.scalar(overdue) or 0)
    return out


def drill(session: Session, s: Scope, key: str) -> ColumnElement[bool] | None:
    """The cases behind an outgoing key (events counted, their cases listed), or None when
    `key` is not one of them. A condition on `cases`, for `queries.ids`."""
    if key == "outgoing.feedback_overdue":
        cond = _feedback_overdue(session, s)
    elif key in EVENT_KEYS:
        cond = _events(EVENT_KEYS[key], s)
    else:
        return None
    return Case.id.in_(select(Event.case_id).where(cond).distinct())


def _feedback_overdue(session: Session, s: Scope) -> ColumnElement[bool]:
    """交办 events dated in P by A whose 期限, rolled forward past rest days, is before A, with no
    反馈 or 退回 of that 交办 by A (§9: a returned 交办 no longer counts)."""
    later = aliased(Event)
    deadline = Event.data["deadline"].as_string()
    # rolled(期限) < A  ⇔  期限 ≤ the last working day before A (app/cases/outgoing.py)
    cutoff = outgoing.last_working_day_before(s.as_of, work_calendar(session))
    follow_up = outgoing.follow_up_of(later, Event, ("反馈", "退回"), s.as_of)
    if session.get_bind().dialect.name == "postgresql":
        # OFFSET 0 keeps the test a probe of this case's few events by (case_id, seq): turned
        # into an anti join PostgreSQL sorted every 反馈 and 退回 ever recorded (184,000 at
        # 1,000,000 cases; 0.5 s of a year's statistics).
        answered = select(literal(1)).where(follow_up).offset(0).exists()
    else:
        answered = exists().where(follow_up)
    return and_(
        _events("交办", s), deadline.is_not(None), deadline <= cutoff.isoformat(), ~answered
    )
