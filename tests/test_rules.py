"""The rules written once (docs/rules.md): the SQL filter and the Python label agree at every
boundary of 临期/超期, and 集体访 is one function."""

import datetime as dt

import pytest
from accounts import TESTER
from factories import case_input

from app import clock
from app.cases import deadlines, rules
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.errors import DomainError
from app.office.service import OfficeService

D = dt.date
WINDOW = 7  # the default warning_days


def _label_and_filters(cases: CaseService, number: str, today: dt.date) -> tuple[str, bool, bool]:
    clock.set_today(today)
    row = cases.page(CaseFilter(text=number))[0]
    in_overdue = number in [r.number for r in cases.page(CaseFilter(warning="超期"))]
    in_soon = number in [r.number for r in cases.page(CaseFilter(warning="临期"))]
    return row.warning, in_overdue, in_soon


# offset of "today" from the due day → the one expected warning
BOUNDARIES = [
    (-(WINDOW + 1), ""),  # the day before the 临期 window
    (-WINDOW, "临期"),  # the first day of the window
    (-1, "临期"),
    (0, "临期"),  # the due day itself is not 超期
    (1, "超期"),  # the day after
]


@pytest.mark.parametrize(("offset", "expected"), BOUNDARIES)
def test_decision_due_warning_boundary_sql_and_python_agree(
    cases: CaseService, offset: int, expected: str
) -> None:
    number = cases.create(
        case_input(received_on=D(2025, 12, 1), name="王五", form="来信", summary="修路")
    ).number
    due = cases.detail(number).decision_due
    assert due is not None
    label, in_overdue, in_soon = _label_and_filters(cases, number, due + dt.timedelta(offset))
    assert label == expected
    assert in_overdue == (expected == "超期")
    assert in_soon == (expected == "临期")


@pytest.mark.parametrize(("offset", "expected"), BOUNDARIES)
def test_handling_due_warning_boundary_sql_and_python_agree(
    cases: CaseService, offset: int, expected: str
) -> None:
    number = cases.create(
        case_input(received_on=D(2025, 10, 1), name="王五", form="来信", summary="修路")
    ).number
    cases.act(number, "受理", D(2025, 10, 9))
    due = cases.detail(number).handling_due
    assert due is not None
    label, in_overdue, in_soon = _label_and_filters(cases, number, due + dt.timedelta(offset))
    assert label == expected
    assert in_overdue == (expected == "超期")
    assert in_soon == (expected == "临期")


def test_warning_function_boundaries() -> None:
    due = D(2025, 12, 16)
    assert deadlines.warning(due, due, WINDOW) == "临期"
    assert deadlines.warning(due, due + dt.timedelta(1), WINDOW) == "超期"
    assert deadlines.warning(due, due - dt.timedelta(WINDOW), WINDOW) == "临期"
    assert deadlines.warning(due, due - dt.timedelta(WINDOW + 1), WINDOW) is None
    assert deadlines.warning(None, due, WINDOW) is None


def test_collective_rule() -> None:
    assert rules.derived_collective("来访", 5, 5)
    assert not rules.derived_collective("来访", 4, 5)
    assert not rules.derived_collective("来信", 50, 5)
    assert rules.collective("来访", 2, 5, True)
    assert not rules.collective("来访", 9, 5, False)
    assert rules.collective("来访", 9, 5, None)


def _closed_case(cases: CaseService, replied: dt.date) -> str:
    number = cases.create(
        case_input(received_on=D(2025, 9, 1), name="赵六", form="来信", summary="补偿")
    ).number
    cases.act(number, "受理", D(2025, 9, 2))
    cases.act(number, "答复", replied, {"result": "不予支持"})
    cases.act(number, "办结", replied)
    return number


def test_review_request_on_day_30_allowed_day_31_refused(cases: CaseService) -> None:
    replied = D(2025, 9, 10)
    ok = _closed_case(cases, replied)
    cases.act(ok, "复查申请", replied + dt.timedelta(30))
    assert cases.detail(ok).status == "复查中"
    late = _closed_case(cases, replied)
    with pytest.raises(DomainError):
        cases.act(late, "复查申请", replied + dt.timedelta(31))
    assert cases.detail(late).status == "已办结"


def test_review_opinion_due_follows_the_setting(db: Database, cases: CaseService) -> None:
    number = _closed_case(cases, D(2025, 9, 10))
    cases.act(number, "复查申请", D(2025, 10, 9))
    assert cases.detail(number).opinion_due == D(2025, 11, 10)  # 11-08 is a Saturday
    OfficeService(db, TESTER).update_settings({"review_opinion_days": 20})
    assert cases.detail(number).opinion_due == D(2025, 10, 29)
    cases.act(number, "复查意见", D(2025, 10, 20), {"opinion": "维持"})
    assert cases.detail(number).opinion_due is None


@pytest.mark.parametrize(("offset", "allowed"), [(0, True), (1, False)])
def test_extension_on_the_due_day_allowed_the_day_after_refused(
    cases: CaseService, offset: int, allowed: bool
) -> None:
    number = cases.create(
        case_input(received_on=D(2025, 9, 1), name="孙八", form="来信", summary="拆迁")
    ).number
    cases.act(number, "受理", D(2025, 9, 2))
    due = cases.detail(number).handling_due
    assert due is not None
    data = {"reason": "情况复杂", "approver": "王局长", "days": 30}
    if allowed:
        cases.act(number, "延期", due + dt.timedelta(offset), data)
        assert cases.detail(number).extension_days == 30
    else:
        with pytest.raises(DomainError, match="已过"):
            cases.act(number, "延期", due + dt.timedelta(offset), data)


def test_mask_phone_mobile_and_landline() -> None:
    from app.cases.validation import mask_phone

    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0531-88888888") == "0531-****8888"
    assert mask_phone("010-12345678") == "010-****5678"
    assert "8888" in mask_phone("053188888888") and "*" in mask_phone("053188888888")


def test_voided_cases_hidden_from_the_earlier_case_finder(cases: CaseService) -> None:
    person = {"name": "周九", "id_number": "11010519491231002X", "form": "来信", "summary": "x"}
    kept = cases.create(case_input(received_on=D(2025, 5, 1), **person)).number  # type: ignore[arg-type]
    void = cases.create(case_input(received_on=D(2025, 6, 1), **person)).number  # type: ignore[arg-type]
    cases.act(void, "作废", D(2025, 6, 2), {"reason": "重复登记"})
    found = [e.number for e in cases.earlier_cases(name="周九", id_number="11010519491231002X")]
    assert found == [kept]
