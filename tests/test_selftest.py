"""`xinfang selftest` from source: it passes on a sound program, leaves no trace, and a wrong
figure or a missing module makes it fail by name while the other steps still run. It imports
every module of app/ and ui/ and starts the real main window (`ui.main.run_gui`) offscreen, so a
module the bundle lost (issue 11: PySide6.QtNetwork) or a window that fails to start fails it."""

import sys
import tempfile
from pathlib import Path

import pytest

from app import clock, paths
from app.cli import main
from app.selftest import import_all, run_selftest
from app.stats.service import Statistics

STEPS = [
    "程序文件",
    "模块导入",
    "数据库迁移",
    "登记与办理",
    "统计",
    "模板生成",
    "台账导出与导回",
    "备份与校验",
    "数据加密",
    "主窗口",
]


def test_selftest_command_passes_and_leaves_real_data_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "real"
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    assert main(["--data-dir", str(real), "selftest"]) == 0
    out = capsys.readouterr().out
    for name in STEPS:
        assert f"[通过] {name}：" in out
    assert "自检通过：10 项全部通过" in out
    assert "ui.main_window" in modules_found() and "ui.safety.single_instance" in modules_found()
    assert "“信访工作台（演示数据）”" in out and "已绘制" in out and "台账 4 件" in out
    # Nothing written to the clerk's data folder, the temporary folder gone, settings restored.
    assert not paths.database_path(real).exists()
    assert paths.data_dir() == real.resolve()
    assert clock.today().isoformat() == "2025-12-31"
    assert list(scratch.iterdir()) == []


def test_selftest_names_what_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    real_to_json = Statistics.to_json

    def off_by_one(self: Statistics) -> dict:  # type: ignore[type-arg]
        out = real_to_json(self)
        out["total"] += 1
        return out

    monkeypatch.setattr(Statistics, "to_json", off_by_one)
    monkeypatch.setitem(sys.modules, "app.ledger.export", None)  # as if the module were not shipped
    shown = []
    report = run_selftest(on_step=shown.append)
    assert not report.ok
    assert [s.name for s in report.steps] == STEPS == [s.name for s in shown]
    by_name = {s.name: s for s in report.steps}
    assert {s.name for s in report.failed} == {"模块导入", "统计", "台账导出与导回"}
    assert "信访总量应为 4，实为 5" in by_name["统计"].detail
    assert "缺少模块 app.ledger.export" in by_name["台账导出与导回"].detail
    assert "app.ledger.export" in by_name["模块导入"].detail
    assert by_name["备份与校验"].ok  # a failure does not stop the later steps
    assert by_name["主窗口"].ok


def modules_found() -> list[str]:
    names, broken = import_all()
    assert broken == []
    return names


def test_a_ui_module_that_cannot_be_imported_fails_the_import_and_window_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As in issue 11: the bundle lost PySide6.QtNetwork, so ui.safety.single_instance cannot load
    # and `gui` stops before its window. (ui.safety.data_safety is imported afresh, as in a new
    # process.)
    monkeypatch.setitem(sys.modules, "ui.safety.single_instance", None)
    monkeypatch.delitem(sys.modules, "ui.safety.data_safety", raising=False)
    by_name = {s.name: s for s in run_selftest().steps}
    assert not by_name["模块导入"].ok and not by_name["主窗口"].ok
    assert "ui.safety.single_instance" in by_name["模块导入"].detail
    assert "ui.safety.data_safety" in by_name["模块导入"].detail  # what imports it fails too
    assert "缺少模块 ui.safety.single_instance" in by_name["主窗口"].detail
    assert by_name["备份与校验"].ok


def test_a_main_window_that_fails_to_start_fails_the_window_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from ui.main_window import MainWindow

    def broken(self: MainWindow) -> None:
        raise RuntimeError("窗口坏了")

    monkeypatch.setattr(MainWindow, "restore_state", broken)
    report = run_selftest()
    assert [s.name for s in report.failed] == ["主窗口"]
    assert "RuntimeError: 窗口坏了" in report.failed[0].detail


def test_an_error_after_the_window_opened_fails_without_waiting_for_a_click(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An exception nobody catches (it would show 程序出错) fails the step, and no dialog
    is left waiting offscreen for a click that never comes."""
    from PySide6.QtCore import QTimer

    from ui.main_window import MainWindow

    real = MainWindow.restore_state

    def then_raise(self: MainWindow) -> None:
        real(self)
        QTimer.singleShot(0, lambda: 1 / 0)

    monkeypatch.setattr(MainWindow, "restore_state", then_raise)
    hook = sys.excepthook
    report = run_selftest()
    assert [s.name for s in report.failed] == ["主窗口"]
    assert "未预料的错误" in report.failed[0].detail
    assert "ZeroDivisionError" in report.failed[0].detail
    assert sys.excepthook is hook  # the program's error hook does not outlive the step
