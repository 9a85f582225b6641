"""`xinfang ledger export|import` from a shell: messages, exit codes, nothing written on errors."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from ledger_builders import write_xlsx
from python_calamine import CalamineWorkbook
from test_ledger_import import messy_rows

from app import paths
from app.cli import main


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"
    paths.set_data_dir(None)


def test_import_dry_run_lists_problems_and_fails(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = write_xlsx(tmp_path / "台账.xlsx", messy_rows())
    assert main(["--data-dir", str(data_dir), "ledger", "import", str(ledger), "--dry-run"]) == 1
    out = capsys.readouterr()
    assert "表头在第4行；可导入 6 行" in out.out
    assert "[错误] 2025年 第6行 身份证号码(G)列" in out.out
    assert "共 2 处错误" in out.err
    # Without --skip-bad-rows the import refuses and writes nothing.
    assert main(["--data-dir", str(data_dir), "ledger", "import", str(ledger)]) == 1
    assert "未导入任何一行" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "case", "list"]) == 0
    assert "共 0 件" in capsys.readouterr().out


def test_import_then_export(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = write_xlsx(tmp_path / "台账.xlsx", messy_rows())
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "ledger",
            "import",
            str(ledger),
            "--skip-bad-rows",
            "--add-unknown",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "新增 7 件" in out and "新加入字典的承办单位：水资源科、县人社局" in out
    target = tmp_path / "导出.xlsx"
    code = main(
        [
            "--data-dir",
            str(data_dir),
            "ledger",
            "export",
            "--from",
            "2025-01-01",
            "--to",
            "2025-06-30",
            "--form",
            "来访",
            "--mask",
            "--out",
            str(target),
        ]
    )
    assert code == 0
    assert "已导出 1 件" in capsys.readouterr().out
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("台账").to_python()
    assert rows[1][1] == "SW2025-001" and rows[1][6].startswith("1101**********")


def test_bad_arguments(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--data-dir", str(data_dir), "ledger", "export", "--out", str(tmp_path / "a.csv")])
        == 1
    )
    assert "应导出为 .xlsx" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "ledger", "import", str(tmp_path / "无.xlsx")]) == 1
    assert "找不到文件" in capsys.readouterr().err


def test_case_show_reads_the_import_marks_in_words(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 情况不详 case has no 告知期限 ("—", not "None"); the marks on imported steps are words,
    not raw keys; the import-only steps are not offered by `case act`."""
    rows = [
        ["编号", "登记日期", "信访形式", "信访人", "反映问题", "办理状态"],
        ["U-1", "2025-03-05", "来访", "张三", "土地补偿", ""],
        ["U-2", "2025-03-06", "来信", "李四", "道路维修", "已办结"],
    ]
    ledger = write_xlsx(tmp_path / "台账.xlsx", rows)
    assert main(["--data-dir", str(data_dir), "ledger", "import", str(ledger)]) == 0
    capsys.readouterr()
    assert main(["--data-dir", str(data_dir), "case", "show", "U-1"]) == 0
    out = capsys.readouterr().out
    assert "告知期限：—" in out and "情况不详（导入时无办理情况，请补录）" in out
    assert "None" not in out and "status_unknown" not in out
    assert main(["--data-dir", str(data_dir), "case", "show", "U-2"]) == 0
    out = capsys.readouterr().out
    assert "受理（导入推定）" in out and "办结（办结日期不详）" in out and "inferred" not in out
    code = main(["--data-dir", str(data_dir), "case", "act", "U-1", "情况不详"])
    assert code != 0 and "未知的办理操作" in capsys.readouterr().err
