"""Issue 15 §8: the progress of a long command ends its lines when stderr is a log or a pipe
(no "\r" runs), and rewrites one line only on a terminal."""

import io
from pathlib import Path

import pytest
from ledger_builders import write_xlsx

from app import paths
from app.cli import main
from app.cli.progress import ProgressLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_not_a_terminal_whole_lines_one_per_tenth_and_the_final_figure() -> None:
    log = io.StringIO()
    bar = ProgressLine("已生成 {done}/{total} 件", log)
    for done in range(0, 1001, 5):
        bar(done, 1000)
    bar(1000, 1000)  # said again at the end: not repeated
    bar.finish()
    text = log.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert text.endswith("\n") and len(lines) == 11
    assert lines[0] == "已生成 0/1000 件" and lines[-1] == "已生成 1000/1000 件"


def test_on_a_terminal_one_line_rewritten_then_ended() -> None:
    tty = Terminal()
    bar = ProgressLine("已导入 {done}/{total} 行", tty)
    bar(1, 2)
    bar(2, 2)
    bar.finish()
    assert tty.getvalue() == "\r已导入 1/2 行\r已导入 2/2 行\n"


def test_demo_into_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(tmp_path), "demo", "--cases", "6000", "--seed", "1"])
    out, err = capsys.readouterr()  # capsys's streams are not terminals
    assert code == 0
    assert "\r" not in err and "\r" not in out
    lines = err.splitlines()
    assert lines and lines[-1] == "已生成 6000/6000 件", err
    assert all(line.startswith("已生成 ") for line in lines)
    assert out.startswith("已生成演示数据：信访件 6000 件")


def test_ledger_import_into_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [["编号", "登记日期", "信访形式", "信访人", "反映问题", "问题类别", "办理状态"]]
    rows += [
        [f"L-{i}", "2025-03-05", "来信", f"信访人{i}", "道路维修", "城乡建设", "已办结"]
        for i in range(250)
    ]
    ledger = write_xlsx(tmp_path / "台账.xlsx", rows)
    try:
        code = main(["--data-dir", str(tmp_path / "data"), "ledger", "import", str(ledger)])
    finally:
        paths.set_data_dir(None)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "\r" not in err and "\r" not in out
    assert err.splitlines()[-1] == "已导入 250/250 行", err
