"""The registers pages driven by keyboard: add with Enter, edit a cell, refuse a bad value,
delete."""

import datetime as dt
from collections.abc import Iterator

import pytest
from accounts import TESTER
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QMessageBox, QSpinBox
from pytestqt.qtbot import QtBot

from app.db import Database
from app.office import dictionaries
from app.office.registers import Reception, RegisterService, ScreeningRow
from ui.registers.registers_page import RegistersPage, period_range
from ui.tasks import TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


def _page(qtbot: QtBot, db: Database, runner: TaskRunner, kind: str) -> RegistersPage:
    page = RegistersPage(RegisterService(db, TESTER), runner, kind)  # type: ignore[arg-type]
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show()
    return page


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    runner.wait()
    qtbot.wait(20)  # let the queued "done" signal reach the GUI thread


def test_add_a_reception_with_enter_and_see_the_totals(
    qtbot: QtBot, db: Database, runner: TaskRunner
) -> None:
    with db.session() as s:
        dictionaries.add(s, "leader", "王建国")
    page = _page(qtbot, db, runner, "reception")
    batches, persons = page.new_fields["batches"], page.new_fields["persons"]
    assert isinstance(batches, QSpinBox) and isinstance(persons, QSpinBox)
    batches.setFocus()
    batches.selectAll()
    qtbot.keyClicks(batches, "3")
    persons.setFocus()
    persons.selectAll()
    qtbot.keyClicks(persons, "5")
    qtbot.keyClick(persons, Qt.Key.Key_Return)
    _settle(qtbot, runner)
    assert page.model.rows[0].leader == "王建国"
    assert (page.model.rows[0].batches, page.model.rows[0].persons) == (3, 5)
    assert page.model.totals[2:4] == ["3", "5"]
    assert "接待 3 批 5 人次" in page.summary.text()
    assert batches.value() == 0  # the strip is ready for the next row


def test_a_refused_value_shows_the_message_and_nothing_changes(
    qtbot: QtBot, db: Database, runner: TaskRunner
) -> None:
    with db.session() as s:
        dictionaries.add(s, "leader", "王建国")
    RegisterService(db, TESTER).save(Reception(dt.date(2025, 12, 5), "王建国", 2, 2))
    page = _page(qtbot, db, runner, "reception")
    persons = page.model.index(0, 3)
    page.model.setData(persons, 1)  # fewer persons than batches
    _settle(qtbot, runner)
    assert "不能少于批次" in page.message.text()
    assert page.model.rows[0].persons == 2  # read back from the database
    page.model.setData(persons, 4)
    _settle(qtbot, runner)
    assert RegisterService(db, TESTER).receptions()[0].persons == 4
    assert page.message.text() == "已保存。"


def test_edit_a_note_in_place_by_typing(qtbot: QtBot, db: Database, runner: TaskRunner) -> None:
    RegisterService(db, TESTER).save(ScreeningRow(dt.date(2025, 11, 25), 3, 1))
    page = _page(qtbot, db, runner, "screening")
    page.table.setFocus()
    page.table.setCurrentIndex(page.model.index(0, 3))
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    editor = page.table.focusWidget()
    assert isinstance(editor, QLineEdit)
    editor.insert("月度排查")  # QTest types ASCII only; insert() is what an input method does
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    _settle(qtbot, runner)
    assert RegisterService(db, TESTER).screenings()[0].note == "月度排查"


def test_delete_asks_first(
    qtbot: QtBot, db: Database, runner: TaskRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    RegisterService(db, TESTER).save(ScreeningRow(dt.date(2025, 11, 25), 3, 1))
    page = _page(qtbot, db, runner, "screening")
    page.table.setFocus()
    page.table.selectRow(0)
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: answers.pop(0))
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    _settle(qtbot, runner)
    assert len(RegisterService(db, TESTER).screenings()) == 1  # answered 否
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)
    _settle(qtbot, runner)
    assert RegisterService(db, TESTER).screenings() == []
    assert page.model.totals[:3] == ["合计（0 次）", "0", "0"]


def test_period_filter_limits_rows_and_totals(
    qtbot: QtBot, db: Database, runner: TaskRunner
) -> None:
    service = RegisterService(db, TESTER)
    service.save(ScreeningRow(dt.date(2024, 6, 25), 5, 5))
    service.save(ScreeningRow(dt.date(2025, 6, 25), 2, 1))
    page = _page(qtbot, db, runner, "screening")
    assert [r.found for r in page.model.rows] == [2]  # 本年 (today is 2025-12-31)
    page.period.setCurrentText("全部")
    assert [r.found for r in page.model.rows] == [5, 2]
    assert page.model.totals[1] == "7"
    page.period.setCurrentText("上年")
    assert [r.found for r in page.model.rows] == [5]


def test_empty_leader_list_says_where_to_add_leaders(
    qtbot: QtBot, db: Database, runner: TaskRunner
) -> None:
    page = _page(qtbot, db, runner, "reception")
    page.add_button.click()
    assert "设置" in page.message.text() and "领导名单" in page.message.text()


def test_period_ranges() -> None:
    today = dt.date(2025, 11, 15)
    assert period_range("本季度", today) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert period_range("本月", dt.date(2025, 12, 31)) == (
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 31),
    )
    assert period_range("本季度", dt.date(2025, 2, 1)) == (
        dt.date(2025, 1, 1),
        dt.date(2025, 3, 31),
    )
