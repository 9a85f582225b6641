"""Closed periods in the window (issue 19): 封账 from the report dialog after issuing a report, the
已封账 mark and 按封账数字/按最新数据, the 更正说明 dialog on a refused write (then the retry),
and the dashboard's notice when a closed period's live figures have moved."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from accounts import TESTER
from factories import case_input
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app import paths
from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from app.periods.service import PeriodService
from ui import widgets
from ui.dashboard.dashboard import Dashboard
from ui.reports import periods_ui, report_dialog
from ui.tasks import Progress, TaskRunner

D = dt.date


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, db: Database) -> Iterator[list[Path]]:
    paths.set_data_dir(tmp_path / "data")
    ini = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(widgets, "ui_settings", lambda: ini)
    opened: list[Path] = []
    monkeypatch.setattr(report_dialog, "open_file", opened.append)
    cases = CaseService(db, TESTER)
    for day in (D(2025, 3, 5), D(2025, 5, 6), D(2025, 9, 1)):
        cases.create(case_input(received_on=day, form="来信", name="张三", category="水利"))
    yield opened
    paths.set_data_dir(None)


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    for _ in range(4):
        runner.wait()
        qtbot.wait(30)


def _text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(path).paragraphs)


def test_close_from_the_report_dialog_then_frozen_or_live(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    office: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    periods = PeriodService(db, TESTER)
    dialog = report_dialog.ReportDialog(
        DocumentService(db, TESTER), runner, template="年度信访工作报告", periods=periods
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.preset.setCurrentText("本年")
    _settle(qtbot, runner)
    assert not dialog.closed_mark.isVisible() and not dialog.figures.isEnabled()
    assert not dialog.close_period_button.isEnabled()  # nothing issued yet

    dialog.out.setText(str(tmp_path / "年报.docx"))
    dialog.generate()
    _settle(qtbot, runner)
    assert dialog.close_period_button.isEnabled()
    dialog.close_period()
    _settle(qtbot, runner)
    assert "已封账" in dialog.status.text() and "文件 1 个" in dialog.status.text()
    assert dialog.closed_mark.isVisible() and dialog.figures.isEnabled()
    assert not dialog.close_period_button.isEnabled()
    assert periods.is_closed(D(2025, 1, 1), D(2025, 12, 31))

    # A correction, then the report: 按封账数字 by default, 按最新数据 when chosen.
    with periods_ui_correcting("补录"):
        CaseService(db, TESTER).create(
            case_input(received_on=D(2025, 6, 1), form="来信", name="李四", category="水利")
        )
    frozen_out, live_out = tmp_path / "封账.docx", tmp_path / "最新.docx"
    dialog.out.setText(str(frozen_out))
    dialog.generate()
    _settle(qtbot, runner)
    assert "（按封账数字）" in dialog.status.text()
    dialog.figures.setCurrentIndex(1)
    dialog.out.setText(str(live_out))
    dialog.generate()
    _settle(qtbot, runner)
    assert "共登记各类信访事项3件" in _text(frozen_out)
    assert "共登记各类信访事项4件" in _text(live_out)


def periods_ui_correcting(reason: str) -> Any:
    from app.periods.guard import correcting

    return correcting(reason)


def test_a_refused_write_asks_for_the_reason_and_retries(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    office: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    PeriodService(db, TESTER).close(D(2025, 1, 1), D(2025, 12, 31))
    asked: list[str] = []

    def ask(_parent: Any, exc: Any) -> str | None:
        asked.append(str(exc))
        return "补录漏登件" if len(asked) == 1 else None

    monkeypatch.setattr(periods_ui, "ask_correction_reason", ask)
    cases = CaseService(db, TESTER)
    done: list[Any] = []

    def write(_p: Progress) -> Any:
        return cases.create(case_input(received_on=D(2025, 6, 1), form="来信", name="李四"))

    runner.run(write, done.append)
    _settle(qtbot, runner)
    assert len(asked) == 1 and "2025年1月1日至2025年12月31日已封账" in asked[0]
    assert len(done) == 1  # the retry with the reason went through
    diff = PeriodService(db, TESTER).diff(D(2025, 1, 1), D(2025, 12, 31))
    assert [c.reason for c in diff.corrections] == ["补录漏登件"]

    # Cancelled: the write stays undone and the caller's error path gets the refusal.
    errors: list[BaseException] = []
    runner.run(write, done.append, lambda exc, _d: errors.append(exc))
    _settle(qtbot, runner)
    assert len(done) == 1 and len(errors) == 1 and "已封账" in str(errors[0])


def test_the_dashboard_notices_a_closed_period_that_moved(
    qtbot: QtBot, db: Database, runner: TaskRunner, office: list[Path]
) -> None:
    periods = PeriodService(db, TESTER)
    periods.close(D(2025, 1, 1), D(2025, 12, 31))
    from app.stats.service import StatisticsService

    dashboard = Dashboard(StatisticsService(db, TESTER), runner)
    notice = periods_ui.ClosedPeriodsNotice(periods, runner)
    dashboard.add_banner(notice)  # the one hook in ui/dashboard
    qtbot.addWidget(dashboard)
    dashboard.show()
    dashboard.refresh()
    _settle(qtbot, runner)
    assert notice.isVisible() and notice.selected_closed  # 本年 = 2025 (today 2025-12-31)
    assert "的最新数字与封账时不同" not in notice.text()

    with periods_ui_correcting("补录"):
        CaseService(db, TESTER).create(
            case_input(received_on=D(2025, 6, 1), form="来信", name="李四")
        )
    dashboard.refresh()
    _settle(qtbot, runner)
    assert "2025年1月1日至2025年12月31日（已封账）的最新数字与封账时不同" in notice.text()
    assert "信访总量" in notice.text() and "total" not in notice.text()  # Chinese names, not keys
