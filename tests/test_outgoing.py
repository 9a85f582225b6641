"""Outgoing handling (issue 17 part A, domain.md §3 settled readings and §9 退回): the 交办 期限
against the statutory due, 延期 on the due day, 签收/反馈/退回/催办 per unit, both kinds of 退回
with 及时受理率 still counting the first decision, and open/final replayed across a 退回."""

import datetime as dt

import pytest
from accounts import TESTER
from factories import case_input

from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.office.service import OfficeService
from app.stats.service import StatisticsService

D = dt.date
MARCH_5 = D(2025, 3, 5)  # + 交办/受理 on 3-06: statutory handling due 2025-05-06 (after 劳动节)


def register(cases: CaseService, received: dt.date = MARCH_5, **kw: object) -> str:
    return cases.create(case_input(received_on=received, name="张三", **kw)).number  # type: ignore[arg-type]


def stats(db: Database, date_from: dt.date, date_to: dt.date, as_of: dt.date) -> dict:  # type: ignore[type-arg]
    return StatisticsService(db, TESTER).compute(date_from, date_to, as_of).to_json()


# ---- the two rules -------------------------------------------------------------------------


def test_deadline_on_the_statutory_due_is_accepted(cases: CaseService) -> None:
    n = register(cases)
    d = cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-05-06"})
    assert d.handling_due == D(2025, 5, 6)
    assert d.units[0].deadline == D(2025, 5, 6) and d.units[0].state == "已交办"


def test_deadline_one_day_later_is_refused_naming_the_statutory_date(cases: CaseService) -> None:
    n = register(cases)
    with pytest.raises(DomainError, match="晚于法定办理期限 2025-05-06") as err:
        cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-05-07"})
    assert err.value.field == "deadline"
    assert cases.detail(n).status == "待受理"  # nothing written


def test_deadline_never_shortens_the_handling_due(cases: CaseService, db: Database) -> None:
    n = register(cases)
    d = cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-03-20"})
    assert d.handling_due == D(2025, 5, 6)
    # Closed after the unit's 期限 but before the statutory due: on time in the statistics.
    cases.act(n, "答复", D(2025, 4, 1), {"result": "支持"})
    cases.act(n, "办结", D(2025, 4, 2))
    assert stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))["on_time_closure_rate"] == 1


def test_deadline_on_a_rest_day_rolls_forward(cases: CaseService) -> None:
    n = register(cases)
    d = cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-04-05"})
    # 2025-04-05 is in the 清明 holiday: the unit's 期限 ends on Monday 04-07.
    assert d.units[0].due == D(2025, 4, 7)
    assert d.units[0].warning(D(2025, 4, 7), 7) == "临期"
    assert d.units[0].warning(D(2025, 4, 8), 7) == "超期"


def test_extension_on_the_due_day_accepted_the_day_after_refused(cases: CaseService) -> None:
    a, b = register(cases), register(cases)
    for n in (a, b):
        cases.act(n, "受理", D(2025, 3, 6))
    reason = {"reason": "情况复杂", "approver": "王局长", "days": 30}
    d = cases.act(a, "延期", D(2025, 5, 6), dict(reason))
    assert d.handling_due == D(2025, 6, 5)
    with pytest.raises(DomainError, match="办理期限 2025-05-06 已过"):
        cases.act(b, "延期", D(2025, 5, 7), dict(reason))


# ---- 签收 / 反馈 / 退回 / 催办 -----------------------------------------------------------------


def test_outgoing_steps_only_after_a_send(cases: CaseService) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    d = cases.detail(n)
    assert not {"签收", "反馈", "退回"} & set(d.allowed_actions)
    with pytest.raises(DomainError, match="没有交办或转送"):
        cases.act(n, "签收", D(2025, 3, 7))


def test_unit_states_and_unit_choice(cases: CaseService, db: Database) -> None:
    OfficeService(db, TESTER).add_value("unit", "县住房和城乡建设局")
    n = register(cases)
    d = cases.act(n, "交办", D(2025, 3, 6), {"to": "县住建局", "deadline": "2025-04-01"})
    assert {"签收", "反馈", "退回", "催办", "督办"} <= set(d.allowed_actions)
    assert "交办" not in d.allowed_actions  # not while the unit has it
    with pytest.raises(DomainError, match="没有交办或转送给“县水利局”.*县住建局") as err:
        cases.act(n, "签收", D(2025, 3, 7), {"unit": "县水利局"})
    assert err.value.field == "unit"
    # The full name of the unit the case went to under its short form: the same 交办.
    d = cases.act(n, "签收", D(2025, 3, 7), {"unit": "县住房和城乡建设局"})
    assert d.events[-1].data["unit"] == "县住建局" and d.units[0].state == "已签收"
    with pytest.raises(DomainError, match="已于 2025-03-07 签收"):
        cases.act(n, "签收", D(2025, 3, 8))
    cases.act(n, "催办", D(2025, 3, 20), {"note": "请抓紧"})
    d = cases.act(n, "督办", D(2025, 3, 25), {"due": "2025-04-10", "note": "限期答复"})
    assert d.events[-1].data["to"] == "县住建局"  # 督办 of the unit the case is with
    d = cases.act(n, "反馈", D(2025, 3, 28), {"text": "已协调解决"})
    u = d.units[0]
    assert u.state == "已反馈" and u.days_taken(D(2025, 12, 31)) == 22
    assert u.urged == 1 and u.supervised == 1
    with pytest.raises(DomainError, match="已于 2025-03-28 反馈"):
        cases.act(n, "退回", D(2025, 3, 29), {"reason": "不属本单位"})
    with pytest.raises(DomainError, match="请填写内容"):
        cases.act(n, "反馈", D(2025, 3, 29), {})


def test_supervision_kinds_count_apart(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府"})
    cases.act(n, "督办", D(2025, 3, 10), {"to": "镇政府", "due": "2025-03-20"})
    cases.act(n, "上级督办", D(2025, 3, 11), {"by": "市信访局", "ref": "市信督〔2025〕3号"})
    with pytest.raises(DomainError, match="答复期限不能早于督办日期"):
        cases.act(n, "督办", D(2025, 3, 12), {"due": "2025-03-01"})
    j = stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    assert j["outgoing"]["supervisions"] == 1 and j["incoming_supervisions"] == 1
    ids = StatisticsService(db, TESTER).case_ids(
        "incoming_supervisions", D(2025, 1, 1), D(2025, 12, 31)
    )
    assert ids == [cases.detail(n).id]


# ---- the two kinds of 退回 -------------------------------------------------------------------


def test_return_of_an_assignment_waits_for_a_new_one(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-03-20"})
    d = cases.act(n, "退回", D(2025, 3, 10), {"reason": "不属本单位职责"})
    assert d.status == "办理中" and d.awaiting_reassignment
    assert d.handling_due == D(2025, 5, 6)  # unchanged
    assert "交办" in d.allowed_actions and "签收" not in d.allowed_actions
    # The returned 交办 no longer waits for a 反馈 (§9): not feedback_overdue once past its 期限.
    j = stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    assert j["outgoing"]["feedback_overdue"] == 0
    assert j["timely_acceptance_rate"] == 1
    d = cases.act(n, "交办", D(2025, 3, 11), {"to": "县水利局", "deadline": "2025-04-10"})
    assert d.status == "办理中" and not d.awaiting_reassignment
    assert d.handling_due == D(2025, 5, 6) and d.decision_on == D(2025, 3, 6)
    assert [u.state for u in d.units] == ["已退回", "已交办"]
    with pytest.raises(DomainError, match="已于 2025-03-10 退回"):
        cases.act(n, "反馈", D(2025, 3, 12), {"unit": "镇政府", "text": "…"})
    # The new 交办 past its 期限 without 反馈 is counted, with its case behind the figure.
    j = stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    assert j["outgoing"]["feedback_overdue"] == 1 and j["outgoing"]["assignments"] == 2
    ids = StatisticsService(db, TESTER).case_ids(
        "outgoing.feedback_overdue", D(2025, 1, 1), D(2025, 12, 31)
    )
    assert ids == [d.id]


def test_new_assignment_refused_while_the_unit_has_the_case(cases: CaseService) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    with pytest.raises(DomainError, match="退回交办后才能重新交办"):
        cases.act(n, "交办", D(2025, 3, 7), {"to": "镇政府"})


def test_return_of_a_transfer_is_pending_again(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "转送", D(2025, 3, 6), {"to": "县人社局"})
    d = cases.act(n, "退回", D(2025, 3, 10), {"reason": "不属本单位职责"})
    assert d.status == "待受理" and not d.awaiting_reassignment
    # The 告知 was given on 3-06: no new 告知 warning although 3-20 has long passed.
    assert d.warning == "" and d.decision_due == D(2025, 3, 20)
    assert cases.count(_overdue_filter()) == 0
    assert {"受理", "交办", "转送"} <= set(d.allowed_actions)
    d = cases.act(n, "受理", D(2025, 3, 25))
    assert d.decision_kind == "转送" and d.decision_on == D(2025, 3, 6)
    assert d.accepted_on == D(2025, 3, 25)
    j = stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 12, 31))
    # 及时受理率 keeps the first decision (转送 on 3-06, within the limit), not the 受理 on 3-25.
    assert j["timely_acceptance_rate"] == 1


def _overdue_filter():  # type: ignore[no-untyped-def]
    from app.cases.search import CaseFilter

    return CaseFilter(warning="超期")


def test_open_and_final_replay_across_a_returned_transfer(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "转送", D(2025, 3, 6), {"to": "县人社局"})
    cases.act(n, "退回", D(2025, 3, 10), {"reason": "不属本单位职责"})
    march = (D(2025, 3, 1), D(2025, 3, 31))
    # On 3-08 the 转送 was a final disposition …
    j = stats(db, *march, D(2025, 3, 8))
    assert j["handled_rate"] == 1 and j["open_at_end"] == 0
    # … from the 退回 on 3-10 it is not.
    j = stats(db, *march, D(2025, 3, 10))
    assert j["handled_rate"] == 0 and j["open_at_end"] == 1
    # 上期结转: final on 3-08 (not carried into 3-09), open on 3-10 (carried into 3-11).
    assert stats(db, D(2025, 3, 9), D(2025, 3, 31), D(2025, 3, 31))["carried_over"] == 0
    assert stats(db, D(2025, 3, 11), D(2025, 3, 31), D(2025, 3, 31))["carried_over"] == 1
    # Handled again by the office and closed: final from the 办结, and still on 3-08.
    cases.act(n, "受理", D(2025, 3, 12))
    cases.act(n, "答复", D(2025, 4, 1), {"result": "支持"})
    cases.act(n, "办结", D(2025, 4, 2))
    assert stats(db, *march, D(2025, 3, 8))["handled_rate"] == 1
    assert stats(db, *march, D(2025, 3, 20))["open_at_end"] == 1
    assert stats(db, D(2025, 3, 1), D(2025, 4, 30), D(2025, 4, 30))["handled_rate"] == 1
    ids = StatisticsService(db, TESTER).case_ids("open_at_end", *march, D(2025, 3, 10))
    assert ids == [cases.detail(n).id]


def test_feedback_overdue_counts_the_rolled_deadline(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-04-05"})
    year = (D(2025, 1, 1), D(2025, 12, 31))
    # 期限 2025-04-05 (清明) ends on Monday 04-07: not yet overdue that day, overdue the next.
    assert stats(db, *year, D(2025, 4, 7))["outgoing"]["feedback_overdue"] == 0
    assert stats(db, *year, D(2025, 4, 8))["outgoing"]["feedback_overdue"] == 1
    cases.act(n, "反馈", D(2025, 4, 20), {"text": "已处理"})
    assert stats(db, *year, D(2025, 4, 19))["outgoing"]["feedback_overdue"] == 1
    assert stats(db, *year, D(2025, 4, 20))["outgoing"]["feedback_overdue"] == 0


def test_undoing_a_return_restores_the_transfer(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "转送", D(2025, 3, 6), {"to": "县人社局"})
    cases.act(n, "退回", D(2025, 3, 10), {"reason": "不属本单位职责"})
    d = cases.undo_last(n)
    assert d.status == "已转送" and d.units[0].state == "已转送"
    assert stats(db, D(2025, 3, 1), D(2025, 3, 31), D(2025, 3, 31))["handled_rate"] == 1


def test_a_feedback_naming_no_unit_answers_its_only_assignment_whatever_other_cases_hold(
    cases: CaseService, db: Database
) -> None:
    # 反馈 without a unit answers the case's 交办 when no other send came between (rules.md). The
    # "between" test must look at this case's events only: another case's 交办 that follows an
    # earlier step of its own once made this 反馈 count as unanswered.
    n = register(cases)
    cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-03-20"})
    cases.act(n, "签收", D(2025, 3, 7), {})
    cases.act(n, "催办", D(2025, 3, 14), {})
    cases.act(n, "反馈", D(2025, 3, 18), {"text": "已处理"})  # this case's 4th step
    other = register(cases, D(2025, 3, 8))
    cases.act(other, "交办", D(2025, 3, 9), {"to": "县住建局", "deadline": "2025-04-30"})
    cases.act(other, "退回", D(2025, 3, 10), {"reason": "不属本单位职责"})
    cases.act(other, "交办", D(2025, 3, 11), {"to": "县水利局", "deadline": "2025-04-30"})
    # A 反馈 recorded without its unit (registered before steps named one, or imported): the
    # program fills the unit in today, so take it out as such a row has it.
    from sqlalchemy import select

    from app.models import Case, Event

    with db.session() as s:
        feedback = s.scalars(
            select(Event).join(Case).where(Case.number == n, Event.kind == "反馈")
        ).one()
        feedback.data = {k: v for k, v in feedback.data.items() if k != "unit"}
    j = stats(db, D(2025, 1, 1), D(2025, 12, 31), D(2025, 4, 1))
    assert j["outgoing"]["feedback_overdue"] == 0
    assert j["outgoing"]["assignments"] == 3
