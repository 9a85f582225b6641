"""Lock the program after idle minutes (setting `idle_lock_minutes`; 0 = never).

An application-wide event filter notes the last key press or mouse action; a timer compares it
with the limit and calls `on_lock` once. `unlock()` starts counting again.
"""

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class IdleLock(QObject):
    def __init__(
        self,
        minutes: float,
        on_lock: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
        check_every_ms: int = 10_000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.minutes = minutes
        self.on_lock = on_lock
        self.clock = clock
        self.locked = False
        self.last_activity = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(check_every_ms)
        self.timer.timeout.connect(self.check)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        if minutes > 0:
            self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if not self.locked and event.type() in _ACTIVITY:
            self.last_activity = self.clock()
        return False

    def idle_seconds(self) -> float:
        return self.clock() - self.last_activity

    def check(self) -> None:
        if self.locked or self.minutes <= 0:
            return
        if self.idle_seconds() >= self.minutes * 60:
            self.locked = True
            self.on_lock()

    def unlock(self) -> None:
        self.locked = False
        self.last_activity = self.clock()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
