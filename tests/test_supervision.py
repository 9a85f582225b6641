"""The 督办 list (docs/rules.md, 督办清单): each trigger on the day before it fires and the day it
fires, acting on a hit (督办 with its 督办单, 催办), dismissing it and its coming back."""

import datetime as dt
import math
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from sqlalchemy import select

from app.cases.service import CaseService
from app.cases.supervision import ASSIGNED, DUE_SOON, HALF, REPEAT
from app.cases.supervision_service import SupervisionService
from app.db import Database
from app.errors import DomainError
from app.models import SupervisionDismissal
from app.office.service import OfficeService

D = dt.date
DAY = dt.timedelta(days=1)


def valid_id(body: str) -> str:
    """A 身份证号 with the right check digit for 17 digits."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(c) * w for c, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


ID_A = valid_id("11010519800101001")
ID_B = valid_id("11010519800101002")


@pytest.fixture
def sup(db: Database) -> SupervisionService:
    return SupervisionService(db, TESTER)


def _accepted(cases: CaseService, received: D, accepted: D | None = None, **kw: object) -> str:
    kw.setdefault("name", "张三")
    number = cases.create(case_input(received_on=received, form="来信", **kw)).number  # type: ignore[arg-type]
    cases.act(number, "受理", accepted or received)
    return number


def _returned(cases: CaseService, number: str, on: D) -> None:
    """A 退回 of the 交办. On main the clerk cannot record it yet (the outgoing branch offers it):
    written as the ledger import writes an 已退单, through the same projection."""
    from app.cases import projection
    from app.models import Case, Event

    with cases.db.session() as s:
        case = s.scalars(select(Case).where(Case.number == number)).one()
        case.events.append(
            Event(
                kind="退回",
                on=on,
                data={"reason": "不属于本单位职责"},
                seq=case.events[-1].seq + 1,
                recorded_by="导入",
                recorded_at=dt.datetime(2025, 6, 10, 9),
            )
        )
        projection.reproject(s, case)


def _rules(sup: SupervisionService, day: D, number: str) -> set[str]:
    return {h.rule for h in sup.supervision_list(day) if h.number == number}


def test_half_of_the_handling_period_fires_on_its_day(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = _accepted(cases, D(2025, 3, 3))
    detail = cases.detail(number)
    assert detail.accepted_on is not None and detail.handling_due is not None
    period = (detail.handling_due - detail.accepted_on).days
    half = detail.accepted_on + dt.timedelta(days=math.ceil(period / 2))
    # 3 March + 60 days ends in the May Day holiday: rolled to 6 May, half-way is 4 April.
    assert (detail.handling_due, half) == (D(2025, 5, 6), D(2025, 4, 4))
    assert HALF not in _rules(sup, half - DAY, number)
    hit = next(h for h in sup.supervision_list(half) if h.number == number and h.rule == HALF)
    assert hit.since == half and "过半" in hit.reason


def test_half_period_needs_no_feedback_and_no_reply(
    cases: CaseService, sup: SupervisionService
) -> None:
    # A 反馈 answers a 交办 (docs/rules.md, 交办与转送): this case went to a unit.
    fed = cases.create(case_input(received_on=D(2025, 3, 3), form="来信", name="张三")).number
    cases.act(fed, "交办", D(2025, 3, 3), {"to": "城关镇"})
    cases.act(fed, "反馈", D(2025, 3, 20), {"text": "正在核查"})
    replied = _accepted(cases, D(2025, 3, 3), name="李四")
    cases.act(replied, "答复", D(2025, 3, 20), {"result": "支持"})
    assert HALF not in _rules(sup, D(2025, 4, 10), fed)
    assert _rules(sup, D(2025, 4, 10), replied) == set()


def test_half_period_moves_with_an_extension(cases: CaseService, sup: SupervisionService) -> None:
    number = _accepted(cases, D(2025, 3, 3))
    cases.act(
        number, "延期", D(2025, 3, 10), {"reason": "情况复杂", "approver": "局长", "days": 30}
    )
    detail = cases.detail(number)
    assert detail.handling_due is not None and detail.accepted_on is not None
    half = detail.accepted_on + dt.timedelta(
        days=math.ceil((detail.handling_due - detail.accepted_on).days / 2)
    )
    assert half > D(2025, 4, 4)
    assert HALF not in _rules(sup, half - DAY, number)
    assert HALF in _rules(sup, half, number)


def test_assigned_deadline_passed_without_feedback(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = cases.create(case_input(received_on=D(2025, 6, 2), form="来信", name="张三")).number
    # 期限 Tuesday 17 June 2025 (a working day): listed from the 18th.
    cases.act(number, "交办", D(2025, 6, 3), {"to": "镇政府", "deadline": "2025-06-17"})
    assert ASSIGNED not in _rules(sup, D(2025, 6, 17), number)
    hit = next(h for h in sup.supervision_list(D(2025, 6, 18)) if h.rule == ASSIGNED)
    assert hit.number == number and "2025-06-17" in hit.reason and "镇政府" in hit.reason


def test_assigned_deadline_on_a_rest_day_runs_to_the_next_working_day(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = cases.create(case_input(received_on=D(2025, 6, 2), form="来信", name="张三")).number
    # Saturday 21 June 2025: the 期限 ends Monday 23 June, listed from the 24th.
    cases.act(number, "交办", D(2025, 6, 3), {"to": "镇政府", "deadline": "2025-06-21"})
    assert ASSIGNED not in _rules(sup, D(2025, 6, 23), number)
    assert ASSIGNED in _rules(sup, D(2025, 6, 24), number)
    hit = next(h for h in sup.supervision_list(D(2025, 6, 24)) if h.rule == ASSIGNED)
    # Shown as the unit register and feedback_overdue count it: the rolled 期限, from the day after.
    assert hit.since == D(2025, 6, 24) and "2025-06-23" in hit.reason


def test_feedback_or_return_ends_the_assigned_trigger(
    cases: CaseService, sup: SupervisionService
) -> None:
    answered = cases.create(case_input(received_on=D(2025, 6, 2), form="来信", name="张三")).number
    cases.act(answered, "交办", D(2025, 6, 3), {"to": "镇政府", "deadline": "2025-06-17"})
    cases.act(answered, "反馈", D(2025, 6, 16), {"text": "已办理"})
    returned = cases.create(case_input(received_on=D(2025, 6, 2), form="来信", name="李四")).number
    cases.act(returned, "交办", D(2025, 6, 3), {"to": "镇政府", "deadline": "2025-06-17"})
    _returned(cases, returned, D(2025, 6, 10))
    hits = sup.supervision_list(D(2025, 6, 20))
    assert not [h for h in hits if h.rule == ASSIGNED]


def test_due_soon_fires_warning_days_before_the_due(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = _accepted(cases, D(2025, 3, 3))
    due = cases.detail(number).handling_due
    assert due is not None
    first = due - dt.timedelta(days=7)  # warning_days default 7
    assert DUE_SOON not in _rules(sup, first - DAY, number)
    assert DUE_SOON in _rules(sup, first, number)
    overdue = next(
        h for h in sup.supervision_list(due + DAY) if h.number == number and h.rule == DUE_SOON
    )
    assert "已超过" in overdue.reason and overdue.since == first


def test_registering_again_while_open_fires_on_the_new_registration(
    cases: CaseService, sup: SupervisionService
) -> None:
    first = _accepted(cases, D(2025, 5, 5), id_number=ID_A)
    again = D(2025, 5, 20)
    second = cases.create(case_input(received_on=again, form="来访", name="张三", id_number=ID_A))
    assert REPEAT not in _rules(sup, again - DAY, first)
    hit = next(h for h in sup.supervision_list(again) if h.rule == REPEAT)
    assert (hit.number, hit.since) == (first, again) and second.number in hit.reason
    # The later case itself is not "registered again" (nothing came after it).
    assert REPEAT not in _rules(sup, again, second.number)


def test_same_person_by_name_and_phone_without_an_id(
    cases: CaseService, sup: SupervisionService
) -> None:
    first = _accepted(cases, D(2025, 5, 5), name="王五", phone="13900001111")
    cases.create(case_input(received_on=D(2025, 5, 9), name="王五", phone="13900001111"))
    cases.create(case_input(received_on=D(2025, 5, 9), name="王五", phone="13900002222"))
    assert REPEAT in _rules(sup, D(2025, 5, 9), first)
    other = _accepted(cases, D(2025, 5, 5), name="赵六", phone="13900003333", id_number=ID_B)
    assert REPEAT not in _rules(sup, D(2025, 5, 9), other)


def test_a_closed_case_is_not_listed(cases: CaseService, sup: SupervisionService) -> None:
    number = _accepted(cases, D(2025, 3, 3), id_number=ID_A)
    cases.act(number, "答复", D(2025, 3, 10), {"result": "支持"})
    cases.act(number, "办结", D(2025, 3, 11))
    cases.create(case_input(received_on=D(2025, 3, 20), name="张三", id_number=ID_A))
    assert _rules(sup, D(2025, 5, 30), number) == set()


def test_a_dismissed_hit_stays_away_until_a_later_event_meets_the_rule(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    first = _accepted(cases, D(2025, 5, 5), id_number=ID_A)
    cases.create(case_input(received_on=D(2025, 5, 20), name="张三", id_number=ID_A))
    with pytest.raises(DomainError, match="理由"):
        sup.dismiss(first, "  ", REPEAT)
    sup.dismiss(first, "信访人补充材料，非新诉求", REPEAT)
    assert REPEAT not in _rules(sup, D(2025, 12, 31), first)
    with db.read() as s:
        row = s.scalars(select(SupervisionDismissal)).one()
    assert (row.note, row.rule, row.since, row.by) == (
        "信访人补充材料，非新诉求",
        REPEAT,
        D(2025, 5, 20),
        TESTER.label,
    )
    # Dismissed today: a list as of an earlier day still shows the hit.
    assert REPEAT in _rules(sup, D(2025, 5, 25), first)
    # A third registration meets the rule again: listed once more, since that day.
    cases.create(case_input(received_on=D(2025, 12, 30), name="张三", id_number=ID_A))
    hit = next(h for h in sup.supervision_list() if h.number == first and h.rule == REPEAT)
    assert hit.since == D(2025, 12, 30)
    with pytest.raises(DomainError, match="不在督办清单"):
        sup.dismiss(first, "再次", ASSIGNED)


def test_supervising_from_the_list_writes_the_event_and_the_form(
    cases: CaseService, sup: SupervisionService, tmp_path: Path
) -> None:
    number = _accepted(cases, D(2025, 11, 3), department="城建科")
    assert HALF in _rules(sup, D(2025, 12, 31), number)
    defaults = sup.supervision_defaults(number)
    assert defaults.to == "城建科"
    done = sup.supervise(
        number, "县信访局", "城建科", D(2026, 1, 10), "请于期限内书面答复", tmp_path / "督办单.docx"
    )
    event = done.detail.events[-1]
    assert event.kind == "督办" and event.on == D(2025, 12, 31)
    assert event.data == {
        "by": "县信访局",
        "to": "城建科",
        "due": "2026-01-10",
        "note": "请于期限内书面答复",
    }
    assert done.document is not None and done.document.stat().st_size > 0
    from docx import Document

    text = "\n".join(p.text for p in Document(str(done.document)).paragraphs)
    assert number in text or "城建科" in text
    assert _rules(sup, D(2025, 12, 31), number) == set()


def test_supervise_needs_a_due_date_after_today(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = _accepted(cases, D(2025, 11, 3))
    with pytest.raises(DomainError, match="答复期限"):
        sup.supervise(number, "县信访局", "城建科", D(2025, 12, 31))
    assert cases.detail(number).events[-1].kind == "受理"


def test_urging_clears_the_hit_until_the_rule_holds_again(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = _accepted(cases, D(2025, 11, 3))
    sup.urge(number, "请加快办理")
    assert cases.detail(number).events[-1].kind == "催办"
    assert HALF not in _rules(sup, D(2025, 12, 31), number)


def test_each_trigger_can_be_switched_off(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    number = _accepted(cases, D(2025, 11, 3))
    assert HALF in _rules(sup, D(2025, 12, 31), number)
    OfficeService(db, TESTER).update_settings({"trigger_half_period": False})
    assert HALF not in _rules(sup, D(2025, 12, 31), number)
    assert sup.supervision_count(D(2025, 12, 31)) == len(sup.supervision_list(D(2025, 12, 31)))
