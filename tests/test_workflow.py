import datetime as dt

import pytest
from factories import case_input
from sqlalchemy import func, select

from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, Event

D = dt.date


MARCH_5 = D(2025, 3, 5)


def register(cases: CaseService, received: dt.date = MARCH_5, **kw: object) -> str:
    data = case_input(received_on=received, form=str(kw.pop("form", "来信")), name="张三", **kw)  # type: ignore[arg-type]
    return cases.create(data).number


def event_count(db: Database) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(Event.id))) or 0


def test_full_happy_path_derives_status_and_dates(cases: CaseService) -> None:
    n = register(cases)
    d = cases.detail(n)
    assert d.status == "待受理" and d.decision_due == D(2025, 3, 20)
    d = cases.act(n, "受理", D(2025, 3, 6))
    assert d.status == "办理中" and d.accepted_on == D(2025, 3, 6)
    # 3-06 + 60 = 5-05, inside the 5-01…5-05 holiday → 5-06.
    assert d.handling_due == D(2025, 5, 6)
    d = cases.act(n, "答复", D(2025, 4, 1), {"result": "支持", "text": "已解决"})
    assert d.status == "已答复" and d.reply_result == "支持"
    d = cases.act(n, "回访", D(2025, 4, 3), {"rating": "满意"})
    assert d.status == "已答复" and d.rating == "满意"
    d = cases.act(n, "办结", D(2025, 4, 5))
    assert d.status == "已办结" and d.closed_on == D(2025, 4, 5)
    assert [e.kind for e in d.events] == ["登记", "受理", "答复", "回访", "办结"]
    assert "复查申请" in d.allowed_actions and "受理" not in d.allowed_actions


def test_review_and_recheck_end_in_final(cases: CaseService) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    cases.act(n, "答复", D(2025, 3, 20), {"result": "不予支持"})
    cases.act(n, "办结", D(2025, 3, 21))
    assert cases.act(n, "复查申请", D(2025, 4, 10)).status == "复查中"
    assert cases.act(n, "复查意见", D(2025, 5, 5), {"opinion": "维持"}).status == "已办结"
    with pytest.raises(DomainError, match="已复查过"):
        cases.act(n, "复查申请", D(2025, 5, 6))
    assert cases.act(n, "复核申请", D(2025, 5, 20)).status == "复核中"
    d = cases.act(n, "复核意见", D(2025, 6, 10), {"opinion": "维持"})
    assert d.status == "终结" and d.allowed_actions == ["作废"]


def test_review_request_after_thirty_days_is_refused(cases: CaseService) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    cases.act(n, "答复", D(2025, 3, 20), {"result": "不予支持"})
    cases.act(n, "办结", D(2025, 3, 21))
    with pytest.raises(DomainError, match="30 日内"):
        cases.act(n, "复查申请", D(2025, 4, 20))


def test_extension_once_and_at_most_thirty_days(cases: CaseService, db: Database) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    with pytest.raises(DomainError, match="1 至 30"):
        cases.act(n, "延期", D(2025, 4, 1), {"reason": "复杂", "approver": "局长", "days": 31})
    d = cases.act(n, "延期", D(2025, 4, 1), {"reason": "复杂", "approver": "局长", "days": 30})
    # Original due 2025-05-06 + 30 = 06-05.
    assert d.handling_due == D(2025, 6, 5) and d.extension_days == 30
    before = event_count(db)
    with pytest.raises(DomainError, match="已延期过一次"):
        cases.act(n, "延期", D(2025, 4, 2), {"reason": "又复杂", "approver": "局长", "days": 5})
    assert event_count(db) == before


def test_action_before_registration_date_is_refused_and_nothing_written(
    cases: CaseService, db: Database
) -> None:
    n = register(cases)
    before = event_count(db)
    with pytest.raises(DomainError, match="早于登记日期") as err:
        cases.act(n, "受理", D(2025, 3, 4))
    assert err.value.field == "on"
    assert event_count(db) == before
    assert cases.detail(n).status == "待受理"


def test_action_in_the_future_is_refused(cases: CaseService) -> None:
    n = register(cases)
    with pytest.raises(DomainError, match="晚于今天"):
        cases.act(n, "受理", D(2026, 1, 1))


def test_action_not_allowed_from_status(cases: CaseService) -> None:
    n = register(cases)
    with pytest.raises(DomainError, match="当前状态为“待受理”，不能进行“办结”"):
        cases.act(n, "办结", D(2025, 3, 6))
    cases.act(n, "不予受理", D(2025, 3, 6), {"reason": "属诉讼事项", "route": "向法院起诉"})
    with pytest.raises(DomainError, match="不能进行“受理”"):
        cases.act(n, "受理", D(2025, 3, 7))


def test_missing_reason_is_named(cases: CaseService) -> None:
    n = register(cases)
    with pytest.raises(DomainError, match="请填写理由") as err:
        cases.act(n, "不予受理", D(2025, 3, 6), {"route": "法院"})
    assert err.value.field == "reason"


def test_assignment_deadline_is_the_units_not_the_handling_due(cases: CaseService) -> None:
    # §3 settled readings: the 交办 期限 is the unit's internal due; the statutory due stays.
    n = register(cases)
    d = cases.act(n, "交办", D(2025, 3, 6), {"to": "镇政府", "deadline": "2025-04-15"})
    assert d.status == "办理中" and d.handling_due == D(2025, 5, 6)
    assert d.units[0].deadline == D(2025, 4, 15)


def test_npc_suggestion_due_in_three_months(cases: CaseService) -> None:
    n = register(cases, channel="人大建议")
    d = cases.act(n, "受理", D(2025, 3, 6))
    assert d.handling_due == D(2025, 6, 5)


def test_void_leaves_every_action_but_keeps_the_number(cases: CaseService) -> None:
    n = register(cases)
    d = cases.act(n, "作废", D(2025, 3, 6), {"reason": "重复登记"})
    assert d.status == "已作废" and d.allowed_actions == []
    assert register(cases) != n  # numbers are never reused


def test_undo_last_step_returns_to_previous_status_and_is_audited(
    cases: CaseService, db: Database
) -> None:
    n = register(cases)
    cases.act(n, "受理", D(2025, 3, 6))
    d = cases.undo_last(n)
    assert d.status == "待受理" and d.accepted_on is None and d.handling_due is None
    with db.read() as s:
        query = select(AuditEntry.action).where(AuditEntry.entity_id == n)
        actions = list(s.scalars(query.order_by(AuditEntry.id)))  # PostgreSQL: no order else
    assert actions == ["登记", "受理", "撤销", "撤销"]
    with pytest.raises(DomainError, match="没有可以撤销"):
        cases.undo_last(n)
