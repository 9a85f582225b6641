"""The one way to run work off the GUI thread.

`TaskRunner.run(fn, on_done)` runs `fn(progress)` on a single worker thread (so database writes
never race), then calls `on_done(result)` back on the GUI thread. Errors go to one place:
a DomainError becomes a warning box with its Chinese message, anything else the error dialog.
`run_with_progress` adds a progress dialog with a cancel button for work over a second.
A worker never touches a widget: it reports through `Progress`, which only sets numbers.
"""

import threading
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.errors import DomainError
from app.periods.guard import CorrectionRequired, correcting


class Cancelled(Exception):
    """Raised inside a task by `Progress.check()` once the clerk pressed 取消."""


class Progress:
    """Handed to a task: report progress, and stop early when cancelled. Thread-safe."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.done = 0
        self.total = 0
        self.text = ""

    def update(self, done: int, total: int = 0, text: str = "") -> None:
        with self._lock:
            self.done, self.total = done, total or self.total
            if text:
                self.text = text
        self.check()

    def snapshot(self) -> tuple[int, int, str]:
        with self._lock:
            return self.done, self.total, self.text

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object, str)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[Progress], Any], progress: Progress) -> None:
        super().__init__()
        self.fn, self.progress, self.signals = fn, progress, _Signals()

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except BaseException as exc:  # reported on the GUI thread, never lost
            self.signals.failed.emit(exc, traceback.format_exc())
        else:
            self.signals.finished.emit(result)


def show_error(parent: QWidget | None, exc: BaseException, details: str = "") -> None:
    """The one error path: a clerk's mistake gets its message, a bug gets the error dialog."""
    if isinstance(exc, Cancelled):
        return
    if isinstance(exc, DomainError):
        QMessageBox.warning(parent, "提示", exc.message)
        return
    from ui import errors  # the unexpected-error dialog (logs and offers to copy details)

    errors.report(parent, exc, details)


def _correcting(fn: Callable[[Progress], Any], reason: str) -> Callable[[Progress], Any]:
    def run(progress: Progress) -> Any:
        with correcting(reason):  # set on the worker thread, for this one call
            return fn(progress)

    return run


class TaskRunner(QObject):
    """Runs tasks one at a time on a single worker thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._jobs: set[_Job] = set()

    def run(
        self,
        fn: Callable[[Progress], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException, str], None] | None = None,
        parent: QWidget | None = None,
        progress: Progress | None = None,
    ) -> Progress:
        progress = progress or Progress()
        job = _Job(fn, progress)
        job.setAutoDelete(False)
        self._jobs.add(job)

        def gone() -> bool:
            # The widget that asked was closed while the worker ran: nobody to show it to.
            return parent is not None and not shiboken6.isValid(parent)

        def finished(result: Any) -> None:
            self._jobs.discard(job)
            if on_done is not None and not gone():
                on_done(result)

        def failed(exc: BaseException, details: str) -> None:
            self._jobs.discard(job)
            if gone():
                return
            if isinstance(exc, CorrectionRequired):
                # A write into a closed period (封账): ask for the 更正说明, then run it again
                # with the reason — every write the GUI makes comes through here.
                from ui.reports.periods_ui import ask_correction_reason

                reason = ask_correction_reason(parent, exc)
                if reason is not None:
                    self.run(_correcting(fn, reason), on_done, on_error, parent, progress)
                    return
            if on_error is not None:
                on_error(exc, details)
            else:
                show_error(parent, exc, details)

        job.signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
        job.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
        self.pool.start(job)
        return progress

    def wait(self, msecs: int = 30000) -> bool:
        """Block until idle (tests and shutdown)."""
        return self.pool.waitForDone(msecs)


def run_with_progress(
    runner: TaskRunner,
    parent: QWidget | None,
    title: str,
    fn: Callable[[Progress], Any],
    on_done: Callable[[Any], None] | None = None,
    on_error: Callable[[], None] | None = None,
) -> Progress:
    """Run `fn` with a modal progress dialog (shown after 0.5 s) and a 取消 button.
    A failure shows the one error dialog; `on_error` then puts the caller's widgets back."""
    dialog = QProgressDialog(title, "取消", 0, 0, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    progress = Progress()
    dialog.canceled.connect(progress.cancel)
    timer = QTimer(dialog)

    def tick() -> None:
        done, total, text = progress.snapshot()
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))
        if text:
            dialog.setLabelText(text)

    timer.timeout.connect(tick)
    timer.start(100)

    def close() -> None:
        timer.stop()
        dialog.reset()
        dialog.deleteLater()

    def done(result: Any) -> None:
        close()
        if on_done is not None:
            on_done(result)

    def failed(exc: BaseException, details: str) -> None:
        close()
        if on_error is not None:
            on_error()
        show_error(parent, exc, details)

    return runner.run(fn, done, failed, parent, progress)
