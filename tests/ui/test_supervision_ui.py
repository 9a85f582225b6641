"""督办清单, 预警 and 关联 as the clerk sees them: the page lists the hit and acts on it, the
dashboard's 预警 strip lists the cases behind an alert, the case page shows links both ways."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cases.supervision_service import SupervisionService
from app.db import Database
from app.documents.service import DocumentService
from app.safety.auth import ADMIN, CurrentUser
from app.stats.service import StatisticsService
from ui.cases.case_page import CasePage
from ui.dashboard.dashboard import Dashboard
from ui.supervision.supervise_dialog import SuperviseDialog
from ui.supervision.supervision_page import SupervisionPage
from ui.tasks import TaskRunner

D = dt.date


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


def _accepted(cases: CaseService, day: D, name: str = "张三") -> str:
    number = cases.create(case_input(received_on=day, name=name, department="城建科")).number
    cases.act(number, "受理", day)
    return number


def _loaded(qtbot: QtBot, page: SupervisionPage, runner: TaskRunner) -> None:
    page.refresh()
    runner.wait()
    qtbot.waitUntil(lambda: not page.count.text().startswith("正在"), timeout=10000)


def test_the_page_lists_a_hit_and_dismisses_it_with_a_note(
    qtbot: QtBot,
    db: Database,
    cases: CaseService,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = _accepted(cases, D(2025, 11, 3))
    page = SupervisionPage(SupervisionService(db, TESTER), runner)
    qtbot.addWidget(page)
    _loaded(qtbot, page, runner)
    rows = [page.table.item(r, 0).text() for r in range(page.table.rowCount())]
    assert number in rows
    reasons = [page.table.item(r, 3).text() for r in range(page.table.rowCount())]
    assert any("过半" in r for r in reasons)
    assert not page.dismiss_button.isEnabled()  # nothing selected yet
    half = next(r for r in range(page.table.rowCount()) if "过半" in page.table.item(r, 3).text())
    page.table.selectRow(half)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("已电话联系承办单位", True))
    with qtbot.waitSignal(page.changed, timeout=10000):
        page.dismiss()
    runner.wait()
    qtbot.waitUntil(lambda: "去掉" in page.message.text(), timeout=10000)
    _loaded(qtbot, page, runner)
    reasons = [page.table.item(r, 3).text() for r in range(page.table.rowCount())]
    assert not any("过半" in r for r in reasons)


def test_supervising_from_the_page_writes_the_form(
    qtbot: QtBot,
    db: Database,
    cases: CaseService,
    runner: TaskRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    number = _accepted(cases, D(2025, 11, 3))
    page = SupervisionPage(SupervisionService(db, TESTER), runner)
    qtbot.addWidget(page)
    _loaded(qtbot, page, runner)
    page.table.selectRow(0)
    out = tmp_path / "督办单.docx"

    def filled(dialog: SuperviseDialog) -> SuperviseDialog.DialogCode:
        # 单位名称 is not set in a fresh database: the clerk types the 督办单位.
        assert dialog.by.text() == "" and dialog.to.text() == "城建科"
        dialog.by.setText("县信访局")
        return SuperviseDialog.DialogCode.Accepted

    monkeypatch.setattr(SuperviseDialog, "exec", filled)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    monkeypatch.setattr("ui.supervision.supervision_page.show_saved", lambda *a, **k: None)
    errors: list[str] = []
    monkeypatch.setattr("ui.errors.report", lambda _p, exc, details="": errors.append(details))
    with qtbot.waitSignal(page.changed, timeout=20000, raising=False) as sig:
        page.supervise()
    assert sig.signal_triggered and out.exists(), (page.message.text(), errors)
    event = cases.detail(number).events[-1]
    assert event.kind == "督办" and event.data["to"] == "城建科" and event.data["due"]


def test_the_dashboard_alert_lists_its_cases(
    qtbot: QtBot, db: Database, cases: CaseService, runner: TaskRunner
) -> None:
    group = cases.create(
        case_input(received_on=D(2025, 12, 30), form="来访", name="王五", persons=8)
    )
    w = Dashboard(StatisticsService(db, TESTER), runner, supervision=SupervisionService(db, TESTER))
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    with qtbot.waitSignal(w.alerts_refreshed, timeout=20000):
        w.set_period(D(2025, 1, 1), D(2025, 12, 31))
    assert "集体访 1件" in w.alerts.body.text()
    assert "督办清单 0 件" in w.alerts.body.text()
    index = next(i for i, a in enumerate(w.alerts.alerts) if a.key == "alert_collective")
    with qtbot.waitSignal(w.drill_down, timeout=5000) as signal:
        w.alerts.body.linkActivated.emit(str(index))
    title, f = signal.args
    assert isinstance(f, CaseFilter) and f.ids == [cases.detail(group.number).id]
    assert title.startswith("预警：")
    # Fits the 1024-wide window: the strip wraps instead of widening the dashboard.
    assert w.alerts.width() <= w.width()
    with qtbot.waitSignal(w.open_supervision, timeout=5000):
        w.alerts.body.linkActivated.emit("supervision")


def test_the_case_page_shows_a_link_from_both_sides(
    qtbot: QtBot, db: Database, cases: CaseService
) -> None:
    a = cases.create(case_input(received_on=D(2025, 3, 1), name="张三")).number
    b = cases.create(case_input(received_on=D(2025, 4, 1), name="李四")).number
    SupervisionService(db, TESTER).link(a, b)
    page = CasePage(
        cases, None, DocumentService(db, TESTER), supervision=SupervisionService(db, TESTER)
    )
    qtbot.addWidget(page)
    page.show_case(cases.detail(b).id)
    assert page.case_links is not None and f">{a}</a>（同一事项）" in page.case_links.text()
    page.show_case(cases.detail(a).id)
    assert f">{b}</a>（同一事项）" in page.case_links.text()
    with qtbot.waitSignal(page.open_case, timeout=5000) as signal:
        page.case_links.linkActivated.emit(f"case:{cases.detail(b).id}")
    assert signal.args == [cases.detail(b).id]


def test_a_merge_from_a_stale_case_page_is_refused_and_the_page_refreshes(
    qtbot: QtBot, db: Database, cases: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """合并重复登记 sends the version the page showed: another clerk's step in between, and the
    merge is refused with the message and the page re-read; the clerk merges again on it."""
    a = cases.create(case_input(received_on=D(2025, 3, 1), name="张三")).number
    b = cases.create(case_input(received_on=D(2025, 3, 2), name="张三")).number
    page = CasePage(
        cases, None, DocumentService(db, TESTER), supervision=SupervisionService(db, TESTER)
    )
    qtbot.addWidget(page)
    page.show_case(cases.detail(a).id)
    seen = cases.detail(a).version
    other = CaseService(db, CurrentUser("lisi", "李四", ADMIN))
    other.act(a, "受理", D(2025, 3, 3))  # another clerk, while the page is open
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (b, True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    shown: list[str] = []
    monkeypatch.setattr(
        "ui.cases.case_links.show_error", lambda _p, exc, details="": shown.append(str(exc))
    )
    assert page.case_links is not None
    page.case_links.linkActivated.emit("merge")
    assert len(shown) == 1 and shown[0].startswith("此件已被李四于"), shown
    assert cases.detail(a).status == "办理中"  # not voided
    assert page.detail is not None and page.detail.version == seen + 1  # re-read
    page.case_links.linkActivated.emit("merge")  # decided again on what is there now
    assert len(shown) == 1 and cases.detail(a).status == "已作废"
