"""Every UI test keeps its window state and remembered folders in its own QSettings, and the
offscreen screen is 1920×1080 (Qt's default one is 800×800, which squeezes a 1024×768 window
to the screen and hides what the clerk would see)."""

import gc
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

if os.environ.get("QT_QPA_PLATFORM") == "offscreen":  # set before any QApplication exists
    _SCREEN = Path(tempfile.gettempdir()) / "xinfang-tests-screen-1920x1080.json"
    _SCREEN.write_text(
        '{"screens": [{"name": "test", "x": 0, "y": 0, "width": 1920, "height": 1080,'
        ' "logicalDpi": 96, "dpr": 1}]}'
    )
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={_SCREEN}"

import pytest
from PySide6.QtCore import QSettings


@pytest.fixture(autouse=True)
def isolated_ui_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def collect_on_the_gui_thread(qapp: object) -> Iterator[None]:
    """As the program does (ui/gc_guard.py): Python's cycle collector off, Qt objects caught in
    cycles collected here on the GUI thread after each test — never by a task runner's worker
    in the middle of a later one."""
    from ui import gc_guard

    gc_guard.install(qapp)  # type: ignore[arg-type]
    yield
    gc.collect()
