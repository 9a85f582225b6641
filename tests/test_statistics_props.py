"""Property tests: random case histories against the statistics service.

Besides the general properties (breakdowns sum to the total, rates are None or in [0, 1], a
figure's drill-down ids count to the figure), every figure is checked against a slow oracle
that replays each case's events up to the as-of date with the workflow's own `project()` and
applies the §5 definitions literally, case by case, in Python.
"""

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from accounts import TESTER
from factories import case_input, register
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases.projection import project, reproject, work_calendar
from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.models import Case, Event
from app.office import settings as office
from app.stats import queries
from app.stats.figures import RATES, figures
from app.stats.service import Statistics, StatisticsService

D = dt.date
START, TODAY = D(2024, 10, 1), D(2025, 12, 31)
NOW = dt.datetime(2025, 12, 31, 9, 0)
DECISIONS = ("受理", "不予受理", "转送", "交办")
PATHS = [
    [],
    ["受理"],
    ["受理", "答复"],
    ["受理", "答复", "办结"],
    ["受理", "答复", "回访", "办结", "回访"],
    ["受理", "延期", "答复", "办结", "回访"],
    ["交办", "答复", "办结", "复查申请"],
    ["不予受理"],
    ["转送"],
]
DATA = {
    "答复": {"result": "支持"},
    "不予受理": {"reason": "诉讼事项", "route": "法院"},
    "转送": {"to": "县人社局"},
    "交办": {"to": "镇政府"},
    "延期": {"reason": "复杂", "approver": "王建国", "days": 30},
    "作废": {"reason": "重复登记"},
}

case_strategy = st.fixed_dictionaries(
    {
        "received": st.integers(0, (TODAY - START).days),
        "form": st.sampled_from(["来信", "来访", "来电", "网上"]),
        "persons": st.integers(1, 8),
        "category": st.sampled_from(["", "水利", "民政"]),
        "department": st.sampled_from(["", "办公室"]),
        "channel": st.sampled_from(["直接受理", "12345热线"]),
        "level": st.sampled_from(["", "进京", "到县"]),
        "repeat": st.booleans(),
        "leader": st.sampled_from(["", "王建国"]),
        "path": st.sampled_from(PATHS),
        "delays": st.lists(st.integers(0, 45), min_size=6, max_size=6),
        "ratings": st.lists(
            st.sampled_from(["满意", "基本满意", "不满意"]), min_size=2, max_size=2
        ),
        "void_after": st.one_of(st.none(), st.integers(0, 5)),
        # Imported history with gaps (§9), written the way the ledger import writes it:
        # "unknown": 情况不详, then the path recorded by the clerk (补录; [] leaves it unknown);
        # "inferred": the path's first decision carries the import's `inferred` mark;
        # "date_unknown": 受理 (inferred), 答复, 办结 with `date_unknown`, then the path's 回访s.
        "gap": st.sampled_from([None, None, "unknown", "inferred", "date_unknown"]),
        "import_day": st.integers(0, 60),
    }
)


def _import(db: Database, number: str, kind: str, on: dt.date, data: dict[str, Any]) -> None:
    """One step as the ledger import writes it: no workflow check, the marks kept."""
    with db.session() as s:
        case = s.scalar(select(Case).where(Case.number == number))
        assert case is not None
        seq = case.events[-1].seq + 1
        case.events.append(
            Event(kind=kind, on=on, data=data, seq=seq, recorded_by="导入", recorded_at=NOW)
        )
        reproject(s, case)


def _register(db: Database, cases: CaseService, c: dict[str, Any], earlier: str) -> str:
    received = START + dt.timedelta(days=c["received"])
    form = c["form"]
    number = register(
        cases,
        case_input(
            received_on=received,
            form=form,
            name="李四",
            persons=c["persons"],
            category=c["category"],
            department=c["department"],
            channel=c["channel"],
            visit_level=c["level"] if form == "来访" else "",
            leader=c["leader"],
            repeat_of=earlier if c["repeat"] and earlier else "",
        ),
    )
    day, ratings = received, iter(c["ratings"])
    steps = list(c["path"])
    gap = c["gap"]
    if gap == "unknown":
        # Dated the day of the import, which may be after the real steps recorded below.
        on = min(received + dt.timedelta(days=c["import_day"]), TODAY)
        _import(db, number, "情况不详", on, {"status_unknown": True})
    elif gap == "date_unknown":
        replied = min(received + dt.timedelta(days=c["import_day"]), TODAY)
        _import(db, number, "受理", received, {"inferred": True})
        _import(db, number, "答复", replied, {"result": "支持"})
        _import(db, number, "办结", replied, {"date_unknown": True})
        day = replied
        steps = [a for a in steps if a in ("回访", "复查申请")]
    if c["void_after"] is not None:
        steps.insert(min(c["void_after"], len(steps)), "作废")
    first_decision = True
    for action, delay in zip(steps, c["delays"], strict=False):
        day += dt.timedelta(days=delay)
        data = {"rating": next(ratings)} if action == "回访" else dict(DATA.get(action, {}))
        if gap == "inferred" and action in DECISIONS and first_decision:
            if day > TODAY:
                break
            _import(db, number, action, day, {**data, "inferred": True})
            first_decision = False
            continue
        try:
            cases.act(number, action, day, data)
        except DomainError:  # e.g. a date after today: the history simply stops there
            break
        if action == "作废":
            break
    return number


def _oracle(db: Database, f: dt.date, t: dt.date, a: dt.date) -> dict[str, int]:
    """§5 by the letter, one case at a time, from the events as they stood at each date.

    The gaps (§9) are read from the events themselves, not from the projected columns: a case is
    情况不详 while its 情况不详 step has no decision or 作废 after it; its first decision may carry
    `inferred`; its first 办结 may carry `date_unknown`."""
    with db.read() as s:
        cfg, cal = office.get_all(s), work_calendar(s)
        cases = list(s.scalars(select(Case)))
        events: dict[int, list[Event]] = {}
        for e in s.scalars(select(Event).order_by(Event.case_id, Event.seq)):
            events.setdefault(e.case_id, []).append(e)

    def at(c: Case, day: dt.date) -> SimpleNamespace:
        then = SimpleNamespace(received_on=c.received_on, channel=c.channel)
        project(then, [e for e in events[c.id] if e.on <= day], cfg, cal)  # type: ignore[arg-type]
        return then

    def still_unknown(evs: list[Event]) -> bool:
        kinds = [e.kind for e in evs]
        if "情况不详" not in kinds:
            return False
        later = kinds[kinds.index("情况不详") + 1 :]
        return not any(k in (*DECISIONS, "作废") for k in later)

    def first_data(evs: list[Event], kinds: tuple[str, ...]) -> dict[str, Any]:
        return next((dict(e.data or {}) for e in evs if e.kind in kinds), {})

    good = {"满意", "基本满意"}
    n: dict[str, int] = {}

    def bump(key: str, by: int = 1) -> None:
        n[key] = n.get(key, 0) + by

    for c in cases:
        if c.voided:
            continue
        evs = events[c.id]
        unknown = still_unknown(evs)
        inferred = bool(first_data(evs, DECISIONS).get("inferred"))
        date_unknown = bool(first_data(evs, ("办结", "复核意见")).get("date_unknown"))
        x = at(c, a)
        # 情况不详: nobody knows whether it is open, so it is neither carried nor open.
        if not unknown:
            if c.received_on < f and at(c, f - dt.timedelta(days=1)).final_on is None:
                bump("carried_over")
            if c.received_on <= a and x.final_on is None:
                bump("open_at_end")
                undecided = x.decision_on is None
                handling = x.accepted_on is not None and x.closed_on is None
                if (undecided and c.decision_due < a) or (handling and x.handling_due < a):
                    bump("workload.overdue")
        if not f <= c.received_on <= t:
            continue
        bump("total")
        bump("persons_total", c.persons)
        if c.form == "来访":
            bump("visits.batches")
            bump("visits.persons", c.persons)
            if c.collective:
                bump("collective.batches")
        bump("repeat", c.repeat)
        if c.leader:
            bump("leader_cases")
        bump("data_gaps.status_unknown", unknown)
        bump("data_gaps.decision_inferred", inferred)
        bump("data_gaps.closed_date_unknown", date_unknown)
        if unknown:
            continue  # in the total, the breakdowns and repeat_rate only
        bump("status_known")
        if not inferred and (x.decision_on is not None or c.decision_due < a):
            bump("decision_counted")
            bump("decided_in_time", x.decision_on is not None and x.decision_on <= c.decision_due)
        if x.final_on is not None:
            bump("finalized")
        if x.accepted_on is None:
            continue
        closed = x.closed_on is not None
        bump("accepted")
        bump("leader_accepted", bool(c.leader))
        if not date_unknown and (closed or x.handling_due < a):
            bump("on_time_counted")
        if not closed:
            bump("overdue_open", not date_unknown and x.handling_due < a)
            continue
        bump("closed")
        bump("leader_closed", bool(c.leader))
        if x.rating is not None:
            bump("rated")
            bump("satisfied", x.rating in good)
        if date_unknown:
            continue  # closed on a stand-in date: neither on time nor late, no duration
        bump("closed_dated")
        bump("closed_days", (x.closed_on - c.received_on).days)
        bump("closed_on_time", x.closed_on <= x.handling_due)
    return n


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    histories=st.lists(case_strategy, min_size=0, max_size=14),
    start=st.integers(0, 400),
    length=st.integers(0, 200),
    as_of_after=st.one_of(st.none(), st.integers(0, 320)),
)
def test_figures_agree_with_the_oracle_and_with_their_drill_down(
    template_db: Path,
    histories: list[dict[str, Any]],
    start: int,
    length: int,
    as_of_after: int | None,
) -> None:
    folder = Path(tempfile.mkdtemp())
    try:
        shutil.copy(template_db, folder / "db.sqlite3")
        db = Database(folder / "db.sqlite3")
        cases = CaseService(db, TESTER)
        first = ""  # later cases may be marked as repeats of the first one
        for c in histories:
            number = _register(db, cases, c, first)
            first = first or number
        f = D(2025, 1, 1) + dt.timedelta(days=start)
        t = min(f + dt.timedelta(days=length), TODAY)
        f = min(f, t)
        a = None if as_of_after is None else f + dt.timedelta(days=as_of_after)  # may be < to
        service = StatisticsService(db, TESTER)
        s = service.compute(f, t, a, workload=True)
        _check(db, s, _oracle(db, f, t, s.as_of))
        db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check(db: Database, s: Statistics, oracle: dict[str, int]) -> None:
    j = s.to_json()
    with db.read() as session:
        scope = queries.scope(session, s.date_from, s.date_to, s.as_of)
        figs = figures(scope)

        def count(key: str) -> int:
            return len(queries.ids(session, scope, key, figs))

        for key in ("by_form", "by_channel", "by_category", "by_department", "by_month"):
            assert sum(j[key].values()) == j["total"], key
            for cell, value in j[key].items():
                assert count(f"{key}.{cell}") == value, (key, cell)
        for key in RATES:
            assert j[key] is None or 0 <= j[key] <= 1, key
            num, den = s.ratio(key)
            assert (j[key] is None) == (den == 0)
            assert (count(f"{key}.numerator"), count(f"{key}.denominator")) == (num, den)
            assert count(f"{key}.missed") == den - num
        for key, value in s.counts.items():
            # Registers and event counts (art41: outgoing, incoming_supervisions) are not cases.
            if key.startswith(("leader_receptions", "screenings", "outgoing", "incoming_")):
                continue
            if key == "carried_over_correction":  # a difference (封账), not a set of cases
                assert value is None  # no closed period here
                continue
            if key not in ("persons_total", "visits.persons", "collective.persons", "closed_days"):
                assert count(key) == value, key
            if key in _ORACLE_KEYS:
                assert value == oracle.get(key, 0), key


_ORACLE_KEYS = {
    "total",
    "persons_total",
    "visits.batches",
    "visits.persons",
    "collective.batches",
    "repeat",
    "decision_counted",
    "decided_in_time",
    "finalized",
    "leader_cases",
    "accepted",
    "leader_accepted",
    "on_time_counted",
    "overdue_open",
    "closed",
    "leader_closed",
    "closed_days",
    "closed_on_time",
    "rated",
    "satisfied",
    "carried_over",
    "open_at_end",
    "workload.overdue",
    "status_known",
    "closed_dated",
    "data_gaps.status_unknown",
    "data_gaps.decision_inferred",
    "data_gaps.closed_date_unknown",
}
