"""The §5 keys added 2026-12 (app/stats/art41.py): by_target, outgoing, by_assigning_org,
assigned_on_time_rate, incoming_supervisions, each with its own 同比."""

import datetime as dt

from accounts import TESTER
from factories import case_input
from sqlalchemy import update

from app.cases.service import CaseService
from app.db import Database
from app.models import Case
from app.office.service import OfficeService
from app.stats.service import StatisticsService

D = dt.date


def _new(cases: CaseService, on: dt.date, **kw: object) -> str:
    data = case_input(
        received_on=on, form="来信", name="甲", summary="反映问题", nature="申诉求决类", **kw
    )  # type: ignore[arg-type]
    return cases.create(data).number


def test_art41_keys(db: Database, cases: CaseService) -> None:
    office = OfficeService(db, TESTER)
    office.add_value("unit", "县住房和城乡建设局")
    office.add_value("unit_alias", "城建局", parent="县住房和城乡建设局")
    a = _new(cases, D(2025, 3, 1), target="县住建局")
    b = _new(cases, D(2025, 3, 2), target="城建局")
    _new(cases, D(2025, 3, 3), target="县住房和城乡建设局")
    _new(cases, D(2025, 3, 4), target="县水利局")
    _new(cases, D(2025, 3, 5), target="县交通局")
    _new(cases, D(2025, 3, 6))
    p1 = _new(cases, D(2025, 4, 1), channel="上级交办", assigning_org="市信访局")
    p2 = _new(cases, D(2025, 4, 2), channel="上级交办", assigning_org="市信访局")
    _new(cases, D(2025, 4, 3), channel="上级转送", assigning_org="省信访局")
    old = _new(cases, D(2024, 12, 20))  # received last year: its 2025 steps still count
    cases.act(a, "转送", D(2025, 3, 5), {"to": "县纪委监委"})
    cases.act(b, "交办", D(2025, 3, 5), {"to": "县住建局", "deadline": "2025-04-01"})
    cases.act(b, "督办", D(2025, 3, 20), {"by": "分管领导"})
    cases.act(b, "督办", D(2025, 3, 25), {"by": "分管领导"})
    cases.act(old, "交办", D(2025, 1, 5), {"to": "业务科", "deadline": "2025-02-01"})
    cases.act(old, "督办", D(2025, 1, 20), {"by": "分管领导"})
    for number in (p1, p2):
        cases.act(number, "受理", D(2025, 4, 3))
    cases.act(p1, "答复", D(2025, 5, 1), {"result": "支持"})
    cases.act(p1, "办结", D(2025, 5, 2))
    j = StatisticsService(db, TESTER).compute(D(2025, 1, 1), D(2025, 12, 31)).to_json()
    assert j["by_target"] == {"县住房和城乡建设局": 3, "未填写": 4, "县交通局": 1, "县水利局": 1}
    # Largest first, ties by name; aliases and the short form 县住建局 are one unit.
    assert list(j["by_target"]) == ["未填写", "县住房和城乡建设局", "县交通局", "县水利局"]
    assert j["outgoing"] == {
        "transfers": 1,
        "assignments": 2,
        "supervisions": 3,
        "supervised_cases": 2,
        "feedback_overdue": 2,
    }
    assert j["by_assigning_org"] == {"市信访局": 2, "省信访局": 1}
    # p1 closed on time; p2 still open and not yet due at 2025-12-31? accepted 4-3 + 60 days: due.
    assert j["assigned_on_time_rate"] == 0.5
    assert j["on_time_closure_rate"] == 1 / 3  # the all-cases rate is another figure
    assert j["incoming_supervisions"] == 0
    assert j["yoy"]["outgoing"]["supervisions"] == {"this": 3, "last": 0, "change": None}
    assert j["yoy"]["by_target"]["县水利局"]["this"] == 1
    assert j["yoy"]["assigned_on_time_rate"]["this"] == 0.5
    # A month without those events.
    m = StatisticsService(db, TESTER).compute(D(2025, 6, 1), D(2025, 6, 30)).to_json()
    assert m["outgoing"]["transfers"] == 0 and m["by_target"] == {}


def test_a_voided_case_steps_and_units_left_out(db: Database, cases: CaseService) -> None:
    """Voided cases' 交办/督办 count nowhere (counts and drill-downs agree); 交办机关 only
    for the channels sent down from above, an assigned case without one as 未填写."""
    gone = _new(cases, D(2025, 3, 1), channel="上级交办", assigning_org="市信访局")
    kept = _new(cases, D(2025, 3, 2), channel="上级交办", assigning_org="市信访局")
    with db.session() as s:  # imported without a 交办机关 (the form requires one)
        s.execute(update(Case).where(Case.number == kept).values(assigning_org=None))
    _new(cases, D(2025, 3, 3), assigning_org="市信访局")  # 来信: not assigned, not counted
    for number in (gone, kept):
        cases.act(number, "交办", D(2025, 3, 5), {"to": "县住建局", "deadline": "2025-04-01"})
        cases.act(number, "督办", D(2025, 3, 20), {"by": "分管领导"})
    cases.act(gone, "作废", D(2025, 3, 25), {"reason": "重复登记"})
    stats = StatisticsService(db, TESTER)
    j = stats.compute(D(2025, 1, 1), D(2025, 12, 31)).to_json()
    assert j["outgoing"] == {
        "transfers": 0,
        "assignments": 1,
        "supervisions": 1,
        "supervised_cases": 1,
        "feedback_overdue": 1,
    }
    assert j["by_assigning_org"] == {"未填写": 1}
    kept_id = cases.detail(kept).id
    for key in ("outgoing.assignments", "outgoing.supervised_cases", "outgoing.feedback_overdue"):
        assert stats.case_ids(key, D(2025, 1, 1), D(2025, 12, 31)) == [kept_id], key
