"""The case page's 承办单位 box and 跟踪 ▾ menu at 1024×768, and the 承办单位 page (issue 17)."""

import datetime as dt

import pytest
from factories import case_input
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot
from test_fit_and_keys import close, make_window, settle

from app.cases.service import CaseService
from app.db import Database
from ui.main_window import MainWindow

D = dt.date


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("warning", "question", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *_a, **_k: QMessageBox.StandardButton.Ok)


def _submit(qtbot: QtBot, w: MainWindow) -> None:
    dialog = w.case_page.dialog
    assert dialog is not None and dialog.isVisible()
    with qtbot.waitSignal(dialog.recorded, timeout=5000):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
    settle(qtbot, w)


def test_units_box_menu_and_unit_page_at_1024(
    qtbot: QtBot, db: Database, cases: CaseService
) -> None:
    n = cases.create(case_input(received_on=D(2025, 11, 3), name="张三")).number
    cases.act(n, "交办", D(2025, 11, 4), {"to": "镇政府", "deadline": "2025-12-01"})
    w = make_window(qtbot, db, (1024, 768))
    try:
        case_id = cases.detail(n).id
        w.open_case(case_id)
        settle(qtbot, w)
        page = w.case_page
        # The unit's steps are one menu; every button of the row is inside the window.
        assert list(page.follow_up_actions) == ["签收", "反馈", "退回", "催办"]
        assert "签收" not in page.action_buttons and "跟踪" in page.action_buttons
        for name, button in page.action_buttons.items():
            right = button.mapTo(w, button.rect().topRight()).x()
            assert button.isVisible() and right < w.width(), name
        box = page.unit_states
        assert box.isVisible() and not box.notice.isVisible()
        # 期限 2025-12-01 passed on 2025-12-31 without 反馈: 超期.
        assert box.rows[0][:2] == ["镇政府", "交办"] and "超期" in box.rows[0][3]
        assert box.rows[0][4] == "已交办"

        page.follow_up_actions["签收"].trigger()
        _submit(qtbot, w)
        assert page.unit_states.rows[0][4].startswith("已签收")

        dialog = page.start_action("退回")
        assert dialog is not None
        assert dialog.value("unit") == "镇政府"  # the unit the case is with, offered
        dialog.set_value("reason", "不属本单位职责")
        _submit(qtbot, w)
        assert "待重新交办" in page.heading.text() and page.unit_states.notice.isVisible()
        assert "交办" in page.action_buttons and "跟踪" not in page.action_buttons

        # The 承办单位 page: the unit, its figures, its case; double-click opens the case.
        w.open_unit("镇政府")
        settle(qtbot, w)
        units = w.pages["units"]
        assert units.isVisible()
        names = [units.unit_table.item(i, 0).text() for i in range(units.unit_table.rowCount())]
        assert "镇政府" in names
        row = names.index("镇政府")
        assert units.unit_table.item(row, 6).text() == "1"  # 退回
        # The names' column takes the width the figures leave (it sat at its text's width).
        header = units.unit_table.horizontalHeader()
        filled = sum(header.sectionSize(i) for i in range(header.count()))
        assert filled >= units.unit_table.viewport().width() - 2, filled
        assert units.case_table.rowCount() == 1 and units.case_table.item(0, 0).text() == n
        assert units.case_table.item(0, 5).text() == "已退回"
        units.case_table.cellDoubleClicked.emit(0, 0)
        settle(qtbot, w)
        assert w.stack.currentWidget() is w.case_page and w.case_page.detail.id == case_id
        QApplication.processEvents()
    finally:
        close(qtbot, w)
