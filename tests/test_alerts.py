"""预警 (docs/rules.md, 预警): each alert on the day before it fires and the day it fires."""

import datetime as dt

import pytest
from accounts import TESTER
from factories import case_input
from test_supervision import ID_A, valid_id

from app.cases.alerts import complete_months
from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.db import Database
from app.office.service import OfficeService

D = dt.date
DAY = dt.timedelta(days=1)


@pytest.fixture
def sup(db: Database) -> SupervisionService:
    return SupervisionService(db, TESTER)


def _keys(sup: SupervisionService, day: D) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for a in sup.alerts(day):
        found.setdefault(a.key, []).append(a.text)
    return found


def _ids(sup: SupervisionService, day: D, key: str) -> set[int]:
    return {i for a in sup.alerts(day) if a.key == key for i in a.case_ids}


def test_two_registrations_less_than_seven_days_apart(
    cases: CaseService, sup: SupervisionService
) -> None:
    cases.create(case_input(received_on=D(2025, 6, 2), name="张三", id_number=ID_A))
    six = cases.create(case_input(received_on=D(2025, 6, 8), name="张三", id_number=ID_A))
    assert "alert_repeat_visits" not in _keys(sup, D(2025, 6, 7))
    texts = _keys(sup, D(2025, 6, 8))["alert_repeat_visits"]
    assert texts == [f"张三 7日内信访2次（XF2025-0001、{six.number}）"]


def test_seven_days_apart_is_not_an_alert(cases: CaseService, sup: SupervisionService) -> None:
    other = valid_id("11010519800101003")
    cases.create(case_input(received_on=D(2025, 6, 2), name="李四", id_number=other))
    cases.create(case_input(received_on=D(2025, 6, 9), name="李四", id_number=other))
    assert "alert_repeat_visits" not in _keys(sup, D(2025, 6, 9))
    # By name and phone when there is no ID number.
    cases.create(case_input(received_on=D(2025, 6, 3), name="王五", phone="13900001111"))
    cases.create(case_input(received_on=D(2025, 6, 9), name="王五", phone="13900001111"))
    assert len(_ids(sup, D(2025, 6, 9), "alert_repeat_visits")) == 2


def test_a_collective_visit_and_a_beijing_visit_are_alerts_in_the_window(
    cases: CaseService, sup: SupervisionService
) -> None:
    day = D(2025, 6, 10)
    group = cases.create(case_input(received_on=day, form="来访", name="张三", persons=6))
    beijing = cases.create(
        case_input(received_on=day, form="来访", name="李四", visit_level="进京")
    )
    assert _keys(sup, day - DAY) == {}
    assert _ids(sup, day, "alert_collective") == {group_id(cases, group.number)}
    assert _ids(sup, day, "alert_high_level") == {group_id(cases, beijing.number)}
    # The window is the last 7 days: on the 16th still shown, on the 17th no longer.
    assert "alert_collective" in _keys(sup, day + dt.timedelta(days=6))
    assert "alert_collective" not in _keys(sup, day + dt.timedelta(days=7))


def group_id(cases: CaseService, number: str) -> int:
    return cases.detail(number).id


def _many(cases: CaseService, month: D, n: int, category: str = "", target: str = "") -> None:
    for i in range(n):
        cases.create(
            case_input(
                received_on=month + dt.timedelta(days=i),
                name=f"甲{i}",
                category=category or "农村农业",
                target=target,
            )
        )


def test_complete_months_before_a() -> None:
    assert complete_months(D(2025, 6, 1)) == (
        (D(2025, 5, 1), D(2025, 5, 31)),
        (D(2025, 4, 1), D(2025, 4, 30)),
    )
    assert complete_months(D(2025, 5, 31))[0] == (D(2025, 4, 1), D(2025, 4, 30))


def test_a_category_rising_half_again_with_five_cases(
    cases: CaseService, sup: SupervisionService
) -> None:
    _many(cases, D(2025, 4, 1), 3, category="水利")
    _many(cases, D(2025, 5, 1), 5, category="水利")
    # On 31 May, May is not complete: April (3) against March (0), fewer than 5.
    assert "alert_rising" not in _keys(sup, D(2025, 5, 31))
    texts = _keys(sup, D(2025, 6, 1))["alert_rising"]
    assert texts == ["问题类别“水利”5月5件，4月3件（上升67%）"]


def test_less_than_half_again_or_fewer_than_five_is_quiet(
    cases: CaseService, sup: SupervisionService
) -> None:
    _many(cases, D(2025, 4, 1), 4, category="水利")
    _many(cases, D(2025, 5, 1), 5, category="水利")  # +25 %
    _many(cases, D(2025, 5, 1), 4, category="教育文体")  # from 0, but only 4
    assert "alert_rising" not in _keys(sup, D(2025, 6, 1))


def test_a_target_rising_counts_its_aliases_as_one(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    OfficeService(db, TESTER)  # the units dictionary starts empty: names as written
    _many(cases, D(2025, 5, 1), 5, target="县住建局")
    alerts = [a for a in sup.alerts(D(2025, 6, 1)) if a.title == "被反映对象环比上升"]
    assert len(alerts) == 1 and len(alerts[0].case_ids) == 5 and "上月无" in alerts[0].text


def test_an_overdue_case_from_the_day_after_its_due(
    cases: CaseService, sup: SupervisionService
) -> None:
    number = cases.create(case_input(received_on=D(2025, 3, 3), name="张三")).number
    cases.act(number, "受理", D(2025, 3, 3))
    due = cases.detail(number).handling_due
    assert due is not None
    case_id = cases.detail(number).id
    assert case_id not in _ids(sup, due, "alert_overdue")
    assert case_id in _ids(sup, due + DAY, "alert_overdue")
    # Undecided past the 15-day limit is 超期 too.
    pending = cases.create(case_input(received_on=D(2025, 3, 3), name="李四")).number
    decision_due = cases.detail(pending).decision_due
    assert decision_due is not None
    assert cases.detail(pending).id in _ids(sup, decision_due + DAY, "alert_overdue")
    assert cases.detail(pending).id not in _ids(sup, decision_due, "alert_overdue")


def test_each_alert_can_be_switched_off(
    cases: CaseService, sup: SupervisionService, db: Database
) -> None:
    day = D(2025, 6, 10)
    cases.create(case_input(received_on=day, form="来访", name="张三", persons=6))
    assert "alert_collective" in _keys(sup, day)
    OfficeService(db, TESTER).update_settings({"alert_collective": False})
    assert "alert_collective" not in _keys(sup, day)
