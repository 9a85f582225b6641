"""Ctrl+N, Ctrl+1…8 and F5 work wherever the focus is (each is registered once, on its action)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app.db import Database
from app.safety.auth import ADMIN, CurrentUser
from app.services import Services
from ui.main_window import NAV, MainWindow


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("warning", "question", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *_a, **_k: QMessageBox.StandardButton.Ok)


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    w = MainWindow(Services(db, CurrentUser("测试员", "测试员", ADMIN)))
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.runner.wait()
    qtbot.wait(30)
    yield w
    w.runner.wait()
    for form in (w.pages.get("intake"), w.editor):
        if form is not None:
            form.dirty = False
    w.close()
    w.deleteLater()
    qtbot.wait(10)


def press(qtbot: QtBot, w: MainWindow, key: Qt.Key, mod: Qt.KeyboardModifier) -> None:
    target = QApplication.focusWidget() or w
    qtbot.keyClick(target, key, mod)
    w.runner.wait()
    qtbot.wait(30)


def shown_key(w: MainWindow) -> str:
    current = w.stack.currentWidget()
    return next(key for key, _t in NAV if w._slots[key] is current)


def test_ctrl_digits_and_ctrl_n_switch_pages(qtbot: QtBot, window: MainWindow) -> None:
    digits = [Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_3, Qt.Key.Key_4]
    digits += [Qt.Key.Key_5, Qt.Key.Key_6, Qt.Key.Key_7, Qt.Key.Key_8]
    for i, key in enumerate(digits):
        press(qtbot, window, key, Qt.KeyboardModifier.ControlModifier)
        assert shown_key(window) == NAV[i][0], NAV[i]
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert shown_key(window) == "workbench"
    press(qtbot, window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert shown_key(window) == "intake"


def test_f5_refreshes_the_dashboard(qtbot: QtBot, window: MainWindow) -> None:
    press(qtbot, window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert shown_key(window) == "workbench"
    with qtbot.waitSignal(window.dashboard.refreshed, timeout=5000):
        press(qtbot, window, Qt.Key.Key_F5, Qt.KeyboardModifier.NoModifier)
