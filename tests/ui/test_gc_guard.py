"""ui/gc_guard.py: the cycle collector runs on the GUI thread, by the usual thresholds."""

import gc
import threading
import weakref

from PySide6.QtCore import QObject
from pytestqt.qtbot import QtBot

from ui import gc_guard


class _Holder(QObject):
    pass


def test_cycles_are_collected_by_the_timer_on_the_gui_thread(qtbot: QtBot, qapp: object) -> None:
    collector = gc_guard.install(qapp)  # type: ignore[arg-type]
    assert not gc.isenabled()  # no collection from whichever thread allocates
    gc.collect()
    collected_in: list[str] = []
    holder = _Holder()
    holder.cycle = holder  # type: ignore[attr-defined]
    holder.destroyed.connect(lambda: collected_in.append(threading.current_thread().name))
    gone = weakref.ref(holder)
    del holder

    kept: list[list[object]] = []

    def worker() -> None:
        # A worker allocating past the threshold: automatic collection would run here.
        kept.extend([] for _ in range(gc.get_threshold()[0] * 3))

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    thread.join()
    assert gone() is not None  # the worker did not collect it
    qtbot.waitUntil(lambda: gone() is None, timeout=2000)  # the timer did, on this thread
    assert collector.timer.isActive()
    assert collected_in in ([], [threading.main_thread().name])
