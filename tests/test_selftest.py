"""`xinfang selftest` from source: it passes on a sound program, leaves no trace, and a wrong
figure or a missing module makes it fail by name while the other steps still run."""

import sys
import tempfile
from pathlib import Path

import pytest

from app import clock, paths
from app.cli import main
from app.selftest import run_selftest
from app.statistics import Statistics

STEPS = ["程序文件", "数据库迁移", "登记与办理", "统计", "模板生成", "台账导出与导回", "备份与校验"]


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
    assert "自检通过：7 项全部通过" in out
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
    monkeypatch.setitem(sys.modules, "app.ledger_export", None)  # as if the module were not shipped
    shown = []
    report = run_selftest(on_step=shown.append)
    assert not report.ok
    assert [s.name for s in report.steps] == STEPS == [s.name for s in shown]
    by_name = {s.name: s for s in report.steps}
    assert {s.name for s in report.failed} == {"统计", "台账导出与导回"}
    assert "信访总量应为 4，实为 5" in by_name["统计"].detail
    assert "缺少模块 app.ledger_export" in by_name["台账导出与导回"].detail
    assert by_name["备份与校验"].ok  # a failure does not stop the later steps
