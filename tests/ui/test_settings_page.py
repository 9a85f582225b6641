"""设置 driven as a clerk drives it: change a limit, rename a category, add a holiday, first run."""

import datetime as dt
from collections.abc import Iterator

import pytest
from accounts import TESTER, account
from factories import case_input
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QSpinBox
from pytestqt.qtbot import QtBot

from app import clock
from app.cases.deadlines import known_years
from app.cases.service import CaseService
from app.db import Database
from app.office import settings
from app.office.service import OfficeService
from ui.settings.first_run import FirstRunDialog
from ui.settings.settings_page import SettingsPage
from ui.tasks import TaskRunner

YES, NO = QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


@pytest.fixture
def page(qtbot: QtBot, db: Database, runner: TaskRunner) -> SettingsPage:
    p = SettingsPage(OfficeService(db, account("管理员")), CaseService(db, TESTER), runner)
    qtbot.addWidget(p)
    p.resize(1366, 768)
    p.show()
    return p


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    runner.wait()
    qtbot.wait(30)


def _spin(page: SettingsPage, key: str) -> QSpinBox:
    widget = page.form.widgets[key]
    assert isinstance(widget, QSpinBox)
    return widget


def test_every_setting_has_a_widget(page: SettingsPage) -> None:
    assert set(page.form.widgets) == set(settings.DEFAULTS)
    assert _spin(page, "max_extension_days").maximum() == 30  # 条例 Art.34


def test_changing_the_handling_limit_asks_then_recomputes_deadlines(
    qtbot: QtBot,
    page: SettingsPage,
    runner: TaskRunner,
    cases: CaseService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = cases.create(
        case_input(received_on=dt.date(2025, 9, 1), form="来信", anonymous=True)
    ).number
    cases.act(number, "受理", dt.date(2025, 9, 1))
    answers = [NO, YES]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    spin = _spin(page, "handling_days")
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "30")
    page.save_button.click()  # answered 否: nothing is saved
    _settle(qtbot, runner)
    assert cases.detail(number).handling_due == dt.date(2025, 10, 31)
    with qtbot.waitActive(page):
        page.activateWindow()
    qtbot.keyClick(spin, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # Ctrl+S, answered 是
    _settle(qtbot, runner)
    assert answers == []
    assert cases.detail(number).handling_due == dt.date(2025, 10, 9)
    assert "重新计算" in page.message.text()
    assert page.office.settings()["handling_days"] == 30


def test_a_refused_value_is_marked_at_its_field(
    qtbot: QtBot, page: SettingsPage, runner: TaskRunner
) -> None:
    prefix = page.form.widgets["number_prefix"]
    assert isinstance(prefix, QLineEdit)
    prefix.setText("X F")
    qtbot.keyClick(prefix, Qt.Key.Key_Return)  # Enter saves
    _settle(qtbot, runner)
    assert "编号前缀只能用" in page.message.text()
    assert "border" in prefix.styleSheet()
    assert page.office.settings()["number_prefix"] == "XF"


def test_rename_a_category_from_the_keyboard(
    qtbot: QtBot,
    page: SettingsPage,
    runner: TaskRunner,
    cases: CaseService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = cases.create(
        case_input(received_on=dt.date(2025, 3, 1), form="来信", anonymous=True, category="水利")
    ).number
    page.tabs.setCurrentIndex(1)
    page.dictionaries.choice.setCurrentRow(1)  # 问题类别
    values = page.dictionaries.values
    row = [i.value for i in values.items].index("水利")
    values.table.selectRow(row)
    assert values.items[row].uses == 1
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("水利水务", True))
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text: asked.append(text) or YES)
    emitted: list[bool] = []
    page.changed.connect(lambda: emitted.append(True))  # the main window reloads its combos
    qtbot.keyClick(values.table, Qt.Key.Key_F2)
    _settle(qtbot, runner)
    assert emitted
    assert "已用于 1 条记录" in asked[0]
    assert cases.detail(number).input.category == "水利水务"
    assert values.current() == "水利水务"


def test_a_used_value_cannot_be_deleted_only_stopped(
    qtbot: QtBot, page: SettingsPage, runner: TaskRunner, cases: CaseService
) -> None:
    cases.create(
        case_input(
            received_on=dt.date(2025, 3, 1), form="来信", anonymous=True, department="办公室"
        )
    )
    page.dictionaries.choice.setCurrentRow(2)  # 承办单位
    values = page.dictionaries.values
    values.table.selectRow([i.value for i in values.items].index("办公室"))
    qtbot.keyClick(values.table, Qt.Key.Key_Delete)
    assert "不能删除；可以停用" in values.message.text()
    values.buttons["toggle"].click()
    _settle(qtbot, runner)
    assert [i.active for i in values.items if i.value == "办公室"] == [False]


def test_holiday_list_warns_about_an_unknown_year_and_takes_entries(
    qtbot: QtBot, db: Database, runner: TaskRunner
) -> None:
    year = known_years().stop  # the first year the package does not know
    clock.set_today(dt.date(year - 1, 11, 27))
    page = SettingsPage(OfficeService(db, TESTER), CaseService(db, TESTER), runner)
    qtbot.addWidget(page)
    page.show()
    editor = page.holidays
    assert editor.warning.isVisibleTo(editor) and f"{year} 年" in editor.warning.text()
    editor.first.setDate(QDate(year, 1, 1))
    editor.last.setDate(QDate(year, 1, 3))
    editor.name.setText("元旦")
    qtbot.keyClick(editor.name, Qt.Key.Key_Return)
    _settle(qtbot, runner)
    assert editor.table.rowCount() == 3
    assert editor.table.item(0, 3).text() == "元旦"
    clock.set_today(dt.date(year - 2, 11, 27))
    later = SettingsPage(OfficeService(db, TESTER), CaseService(db, TESTER), runner)
    qtbot.addWidget(later)
    assert not later.holidays.warning.isVisibleTo(later.holidays)


def test_first_run_dialog(qtbot: QtBot, db: Database, runner: TaskRunner) -> None:
    dialog = FirstRunDialog(OfficeService(db, TESTER), runner)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.departments.setPlainText("办公室\n水资源管理科\n")
    dialog.save()
    _settle(qtbot, runner)
    assert "请填写单位名称" in dialog.message.text()
    dialog.name.setText("某县水务局")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.save()
    office = OfficeService(db, TESTER)
    assert not office.needs_first_run()
    assert [i.value for i in office.dictionary("department")] == ["办公室", "水资源管理科"]
