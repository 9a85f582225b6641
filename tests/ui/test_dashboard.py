"""The dashboard as a clerk sees it: cards move by exactly the case they just worked on, and
clicking a card or a bar lists exactly the cases it counted."""

from collections.abc import Iterator

import pytest
from accounts import TESTER
from factories import case_input
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from stats_helpers import D, act, add, close

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.stats.service import StatisticsService
from ui.dashboard.dashboard import Dashboard
from ui.tasks import TaskRunner

YEAR = (D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def dashboard(qtbot: QtBot, db: Database, cases: CaseService) -> Iterator[Dashboard]:
    # Some history, so every card has something to say.
    close(
        cases,
        add(cases, D(2025, 3, 3), "来访", persons=2),
        D(2025, 3, 4),
        D(2025, 3, 20),
        D(2025, 3, 25),
    )
    act(cases, add(cases, D(2025, 6, 2)), ("受理", D(2025, 6, 3)))  # overdue since August
    add(cases, D(2024, 5, 6))  # last year's, never decided
    runner = TaskRunner()
    w = Dashboard(StatisticsService(db, TESTER), runner)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.set_period(*YEAR)
    yield w
    runner.wait()


def values(w: Dashboard) -> dict[str, str]:
    return {key: card.value.text() for key, card in w.cards.items()}


def refresh(qtbot: QtBot, w: Dashboard) -> dict[str, str]:
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.refresh()
        assert w.status.text() == "正在统计…"  # the work runs on the worker, not here
    return values(w)


def test_cards_change_by_exactly_the_case_worked_on(
    qtbot: QtBot, dashboard: Dashboard, cases: CaseService
) -> None:
    before = values(dashboard)
    assert before["total"] == "2" and before["visits"] == "1/2"
    assert before["overdue"] == "2" == before["open"]  # the June case, last year's undecided one
    assert before["closure_rate"] == "50.0%"

    number = cases.create(
        case_input(received_on=D(2025, 12, 20), form="来访", name="王五", persons=3)
    ).number
    after = refresh(qtbot, dashboard)
    # Registered 12-20: due 2026-01-04, within the 7-day window of 12-31.
    assert after == {**before, "total": "3", "visits": "2/5", "open": "3", "due_soon": "1"}

    cases.act(number, "受理", D(2025, 12, 21))  # handling due 2026-02-19: no longer 临期
    after = refresh(qtbot, dashboard)
    assert after["due_soon"] == "0" and after["open"] == "3"
    assert after["timely_acceptance_rate"] == "100%"
    assert after["closure_rate"] == "33.3%"  # 1 closed of 3 accepted

    cases.act(number, "答复", D(2025, 12, 28), {"result": "支持"})
    cases.act(number, "办结", D(2025, 12, 30))
    cases.act(number, "回访", D(2025, 12, 31), {"rating": "不满意"})
    after = refresh(qtbot, dashboard)
    assert after["open"] == "2" and after["closure_rate"] == "66.7%"
    assert after["on_time_closure_rate"] == "66.7%"  # 2 in time, plus the overdue June case
    assert after["satisfaction_rate"] == "0%"
    assert dashboard.cards["satisfaction_rate"].detail.text() == "1件中0件"


def test_a_card_lists_exactly_its_cases(
    qtbot: QtBot, dashboard: Dashboard, cases: CaseService
) -> None:
    for key, expected in (("total", 2), ("overdue", 2), ("visits", 1), ("open", 2)):
        card = dashboard.cards[key]
        with qtbot.waitSignal(dashboard.drill_down, timeout=20000) as signal:
            if key == "overdue":  # the keyboard way: Tab to the card, press Enter
                card.setFocus()
                qtbot.keyClick(card, Qt.Key.Key_Return)
            else:
                qtbot.mouseClick(card, Qt.MouseButton.LeftButton)
        title, f = signal.args
        assert isinstance(f, CaseFilter) and f.ids is not None
        assert len(f.ids) == expected == cases.count(f) == int(card.value.text().split("/")[0])
        assert f"（{expected}件）" in title
    # What the case list shows for 超期 today is what the card counted.
    assert cases.count(CaseFilter(warning="超期")) == int(dashboard.cards["overdue"].value.text())


def test_a_bar_lists_exactly_its_cases(
    qtbot: QtBot, dashboard: Dashboard, cases: CaseService
) -> None:
    with qtbot.waitSignal(dashboard.drill_down, timeout=20000) as signal:
        dashboard.by_form.bar_clicked.emit(0, "来访")
    assert len(signal.args[1].ids) == 1 == dashboard.data.stats.breakdowns["by_form"]["来访"]
    with qtbot.waitSignal(dashboard.drill_down, timeout=20000) as signal:
        dashboard.by_form.bar_clicked.emit(1, "来信")  # last year's bar
    assert len(signal.args[1].ids) == 1 and "2024-01-01至2024-12-31" in signal.args[0]
    with qtbot.waitSignal(dashboard.drill_down, timeout=20000) as signal:
        dashboard.trend.bar_clicked.emit(0, "2025-06")
    assert len(signal.args[1].ids) == 1 and "2025年6月" in signal.args[0]


def test_presets_and_a_wrong_custom_period(qtbot: QtBot, dashboard: Dashboard) -> None:
    with qtbot.waitSignal(dashboard.refreshed, timeout=20000):
        dashboard.period.setCurrentIndex(3)  # 上年
    assert dashboard.selection() == (D(2024, 1, 1), D(2024, 12, 31), D(2024, 12, 31))
    assert dashboard.cards["total"].value.text() == "1"
    dashboard.set_period(D(2025, 6, 1), D(2025, 5, 1))
    qtbot.waitUntil(lambda: "晚于截止日期" in dashboard.status.text(), timeout=20000)
