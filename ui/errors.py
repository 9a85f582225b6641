"""The unexpected-error dialog: logged to the rotating log, shown with 复制详细信息.

`install_excepthook()` routes every exception nobody caught — on the GUI thread
(sys.excepthook) or on any other thread (threading.excepthook) — to the log and to this
dialog on the GUI thread. Saved data is never at risk: every write is one transaction.
"""

import logging
import sys
import threading
import traceback
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import logging_setup
from app.errors import explain

log = logging.getLogger("xinfang")
_showing = False


def report(
    parent: QWidget | None, exc: BaseException, details: str = "", logged: bool = False
) -> None:
    global _showing
    explained = explain(exc)  # a full or read-only disk, a locked database: the next step
    if explained is not None:
        log.warning("%s：%s", type(exc).__name__, explained)
        QMessageBox.warning(parent, "提示", explained)
        return
    if not logged:
        log.error("未预料的错误：%s\n%s", exc, details)
    if _showing:  # an error while the dialog is up: logged, not stacked
        return
    text = details or repr(exc)
    text += f"\n{logging_setup.python_info()}\n日志文件：{logging_setup.log_file()}"
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("程序出错")
    box.setText("操作没有完成，已保存的数据不受影响。\n请把详细信息发给技术支持。")
    box.setDetailedText(text)
    copy = box.addButton("复制详细信息", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    _showing = True
    try:
        box.exec()
    finally:
        _showing = False
    if box.clickedButton() is copy:
        QApplication.clipboard().setText(text)


class _Bridge(QObject):
    """Carries an exception from any thread to the GUI thread."""

    raised = Signal(object, str)


_bridge: _Bridge | None = None


def install_excepthook() -> None:
    """Log every uncaught exception and show it in the dialog (on the GUI thread)."""
    global _bridge
    logging_setup.setup_logging()
    app = QApplication.instance()
    bridge = _Bridge(app)
    bridge.raised.connect(
        lambda exc, details: report(QApplication.activeWindow(), exc, details, logged=True),
        Qt.ConnectionType.QueuedConnection,
    )
    _bridge = bridge

    def hook(exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        logging_setup.log_exception(exc_type, exc, tb, threading.current_thread().name)
        bridge.raised.emit(exc, "".join(traceback.format_exception(exc_type, exc, tb)))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook


def show_start_failure(message: str, log: object | None) -> None:
    """The program could not start: say why in Chinese (never PyInstaller's English box)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert app is not None
    box = QMessageBox()
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("信访工作台无法启动")
    box.setText(message)
    if log is not None:
        box.setInformativeText(f"请把日志文件发给技术支持：{log}")
        box.setDetailedText(logging_setup.python_info())
    box.exec()
