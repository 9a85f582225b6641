"""The task runner does not call back into a widget that was closed while the worker ran."""

import threading

import shiboken6
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from ui.tasks import TaskRunner


def test_no_callback_into_a_deleted_widget(qtbot: QtBot) -> None:
    runner = TaskRunner()
    release = threading.Event()
    shown: list[object] = []
    label = QLabel()
    runner.run(lambda _p: release.wait(5), shown.append, parent=label)
    kept = QLabel()
    runner.run(lambda _p: "done", shown.append, parent=kept)
    label.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(label), timeout=2000)
    release.set()
    runner.wait()
    qtbot.wait(50)
    assert shown == ["done"]  # the deleted label's result went nowhere, the other one arrived
    kept.deleteLater()
