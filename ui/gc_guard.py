"""Python's cycle collector runs on the GUI thread only.

Left automatic, the collector runs in whichever thread happens to allocate when a threshold is
crossed, and that is often a task runner's worker. A Qt object caught in a reference cycle (a
widget whose lambda slot refers back to it, a model and its runner) is then destroyed from that
thread: Qt objects may only be destroyed in the thread they live in, and the damage shows later
as a crash in the event loop or in an unrelated widget call. So automatic collection is switched
off and a timer on the GUI thread collects by the same generation thresholds (the approach
pyqtgraph's GarbageCollector takes).
"""

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 200


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        gc.disable()
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(interval_ms)

    def collect(self) -> None:
        first, second, third = gc.get_count()
        if first > self.thresholds[0]:
            gc.collect(0)
            if second > self.thresholds[1]:
                gc.collect(1)
                if third > self.thresholds[2]:
                    gc.collect(2)

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()


_installed: MainThreadCollector | None = None


def install(parent: QObject) -> MainThreadCollector:
    """Once per process, owned by `parent` (the QApplication)."""
    global _installed
    if _installed is None:
        _installed = MainThreadCollector(parent)
    return _installed
