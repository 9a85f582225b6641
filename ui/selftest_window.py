"""The selftest's 主窗口 step: the real main window, started offscreen as `xinfang gui --demo`
starts it, drawn and closed (called by app/selftest.py, which itself imports no Qt)."""

import contextlib
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from app.selftest import Failed, describe, expect

WINDOW_SECONDS = 60  # the main window must be up, with its figures and list, within this


def start_main_window() -> str:
    """Start the main window as `xinfang gui --demo` does (`ui.main.run_gui`: the single-instance
    lock and its local socket, the error hook, the database, the window, the 数据安全 menu) on the
    current data folder, offscreen; wait until the dashboard's figures and the case list are on
    screen, draw it, close it. An error dialog, an uncaught exception or a message box fails the
    step (and never waits for a click). The clerk's saved window layout is put back afterwards.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QWidget

    app = QApplication.instance()
    if app is None:
        # Offscreen: no window appears on the clerk's screen (the plugin ships in the bundle).
        # An offscreen platform already chosen (with its screen size, as the tests do) is kept.
        chosen = os.environ.get("QT_QPA_PLATFORM", "")
        platform = chosen if chosen.startswith("offscreen") else "offscreen"
        app = QApplication([sys.argv[0] if sys.argv else "xinfang", "-platform", platform])
    assert isinstance(app, QApplication)

    from ui import errors
    from ui.main import run_gui
    from ui.main_window import MainWindow
    from ui.widgets import ui_settings

    before = {id(w) for w in QApplication.topLevelWidgets()}
    problems: list[str] = []
    seen: dict[str, Any] = {}

    def recorded(_parent: Any, exc: BaseException, details: str = "", logged: bool = False) -> None:
        last = details.strip().splitlines()[-1] if details.strip() else repr(exc)
        problems.append(f"未预料的错误：{last}")

    def new_windows() -> list[QWidget]:
        return [w for w in QApplication.topLevelWidgets() if id(w) not in before and w.isVisible()]

    def finish() -> None:
        poll.stop()
        for w in new_windows():
            if isinstance(w, QDialog):
                w.reject()
        for w in new_windows():
            w.close()
        QTimer.singleShot(0, app.quit)  # also when closing was refused

    def check() -> None:
        try:
            dialogs = [w for w in new_windows() if isinstance(w, QDialog)]
            if dialogs:
                for d in dialogs:
                    text = d.text() if hasattr(d, "text") else ""
                    problems.append(f"出现对话框“{d.windowTitle()}”：{text}".rstrip("："))
                finish()
                return
            windows = [w for w in new_windows() if isinstance(w, MainWindow)]
            if problems or time.perf_counter() > deadline:
                if not problems:
                    problems.append(f"{WINDOW_SECONDS} 秒内主窗口没有显示出工作台和台账")
                finish()
                return
            if not windows:
                return
            window = windows[0]
            model = window.case_list.model
            if window.dashboard.data is None or not model.loaded_once:
                return
            window.repaint()
            image = window.grab().toImage()
            step_x, step_y = max(1, image.width() // 40), max(1, image.height() // 40)
            colours = {
                image.pixel(x, y)
                for x in range(0, image.width(), step_x)
                for y in range(0, image.height(), step_y)
            }
            seen.update(
                title=window.windowTitle(),
                size=f"{image.width()}×{image.height()}",
                colours=len(colours),
                rows=model.rowCount(),
                menus=[a.text() for a in window.menuBar().actions()],
                seconds=round(time.perf_counter() - started, 2),
            )
            finish()
        except Exception as exc:  # noqa: BLE001 (reported as the step's failure)
            problems.append(describe(exc))
            finish()

    settings = ui_settings()
    saved = {key: settings.value(key) for key in settings.allKeys()}
    # A settings file (Linux, macOS; the registry on Windows) that was not there is not left.
    file = Path(settings.fileName())
    new_file = sys.platform != "win32" and not file.exists()
    new_folder = new_file and not file.parent.exists()
    log = logging.getLogger("xinfang")
    handlers = list(log.handlers)
    hooks = (sys.excepthook, threading.excepthook)
    real_report = errors.report
    errors.report = recorded  # type: ignore[assignment]
    poll = QTimer()
    poll.setInterval(50)
    poll.timeout.connect(check)
    started = time.perf_counter()
    deadline = started + WINDOW_SECONDS
    poll.start()
    try:
        code = run_gui(demo=True)
    finally:
        poll.stop()
        errors.report = real_report
        sys.excepthook, threading.excepthook = hooks
        for handler in log.handlers[:]:
            if handler not in handlers:  # the log of the temporary folder: closed, not kept
                log.removeHandler(handler)
                handler.close()
        # The window saved its size and columns on close: put the clerk's own back.
        settings.clear()
        for key, value in saved.items():
            settings.setValue(key, value)
        settings.sync()
        if new_file and not saved:
            file.unlink(missing_ok=True)
            if new_folder:
                with contextlib.suppress(OSError):
                    file.parent.rmdir()
    if problems:
        raise Failed("；".join(problems))
    if not seen:
        raise Failed(f"主窗口没有显示（启动返回 {code}）")
    expect("主窗口关闭后的返回值", code, 0)
    if seen["colours"] < 8:
        raise Failed(f"主窗口画出来几乎是一片空白（{seen['colours']} 种颜色）")
    if "数据安全(&S)" not in seen["menus"]:
        raise Failed(f"主窗口缺少“数据安全”菜单（菜单：{'、'.join(seen['menus'])}）")
    return (
        f"“{seen['title']}”{seen['size']} 已绘制（{seen['seconds']:.2f} 秒显示出工作台和台账，"
        f"台账 {seen['rows']} 件），已关闭"
    )
