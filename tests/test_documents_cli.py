"""`xinfang report …` and `xinfang doc …` from a shell: output, messages, exit codes, no file on
error."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from accounts import TESTER
from factories import case_input

from app import paths
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.documents import catalog


@pytest.fixture
def folder(db: Database, tmp_path: Path) -> Iterator[Path]:
    """The data folder whose database is the `db` fixture's."""
    yield tmp_path
    paths.set_data_dir(None)


def _run(folder: Path, *args: str) -> int:
    return main(["--data-dir", str(folder), *args])


def test_report_writes_the_document(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = folder / "out" / "年报.docx"
    code = _run(
        folder,
        "report",
        "--template",
        "年度信访工作报告",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--out",
        str(out),
    )
    assert code == 0 and f"已生成：{out}" in capsys.readouterr().out
    assert "2025年信访工作情况报告" in docx.Document(out).paragraphs[0].text


def test_report_mistakes_get_one_chinese_line(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = folder / "x.docx"
    assert (
        _run(
            folder,
            "report",
            "--template",
            "年度信访工作报告",
            "--from",
            "2025-01-01",
            "--out",
            str(out),
        )
        == 2
    )
    assert "需要 --to" in capsys.readouterr().err
    assert (
        _run(
            folder,
            "report",
            "--template",
            "无此模板",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--out",
            str(out),
        )
        == 1
    )
    assert "没有名为“无此模板”的模板" in capsys.readouterr().err
    assert (
        _run(
            folder,
            "report",
            "--template",
            "月度统计表",
            "--from",
            "2025-12-31",
            "--to",
            "2025-01-01",
            "--out",
            str(out),
        )
        == 1
    )
    assert "晚于截止日期" in capsys.readouterr().err
    assert not out.exists()


def test_broken_office_template_from_the_shell(
    db: Database, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths.set_data_dir(folder)
    d = docx.Document()
    p = d.add_paragraph()
    for text in ("共", "{{ stats.", "total }}", "件"):
        p.add_run(text)
    saved = folder / "月度统计表.docx"
    d.save(saved)
    # The office's copy: in the data folder's templates/, on a server in its database.
    catalog.install("月度统计表", saved, db)
    out = folder / "月报.docx"
    args = [
        "report",
        "--template",
        "月度统计表",
        "--from",
        "2025-12-01",
        "--to",
        "2025-12-31",
        "--out",
        str(out),
    ]

    def template() -> bytes:
        return catalog.find("月度统计表", db=db).path.read_bytes()

    before = template()
    assert _run(folder, *args) == 0  # Word's run split: generated without asking
    printed = capsys.readouterr().out
    assert "自动处理（模板文件未改动）" in printed and out.exists()
    assert template() == before
    assert _run(folder, "report", "check", "月度统计表") == 0
    printed = capsys.readouterr().out
    assert "模板文件未改动" in printed and "已修复" not in printed
    assert _run(folder, *args, "--repair") == 0
    assert "保存为本单位的模板" in capsys.readouterr().out and template() != before
    assert _run(folder, "report", "restore", "月度统计表") == 0
    assert "已恢复默认模板" in capsys.readouterr().out


def test_vars_lists_variables_filters_and_values(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(folder, "report", "vars") == 0
    text = capsys.readouterr().out
    assert "{{ stats.closure_rate }}\t办结率（用 | pct）" in text
    assert "{{ stats.total }}\t信访总量（件）\t0" in text
    assert "| pct\t" in text and "| cdate\t" in text and "{{ case.number }}" in text


def test_doc_lists_and_writes(
    db: Database, folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = CaseService(db, TESTER)
    number = cases.create(
        case_input(
            received_on=dt.date(2025, 12, 1), form="来访", name="赵六", summary="反映渠道堵塞"
        )
    ).number
    cases.act(
        number,
        "不予受理",
        dt.date(2025, 12, 2),
        {"reason": "该事项已进入诉讼程序", "route": "向人民法院提出"},
    )
    assert _run(folder, "report", "vars") == 0
    reference = capsys.readouterr().out
    assert f"（{number} 的值" in reference and "{{ petitioner.name }}\t" in reference
    assert "该事项已进入诉讼程序" in reference
    assert _run(folder, "doc", "--case", number) == 0
    listing = capsys.readouterr().out
    assert "不予受理告知书\t可以生成" in listing and "受理告知书\t信访件" in listing
    out = folder / "告知书.docx"
    assert (
        _run(folder, "doc", "--case", number, "--template", "不予受理告知书", "--out", str(out))
        == 0
    )
    text = "\n".join(p.text for p in docx.Document(out).paragraphs)
    assert "经审查，该事项已进入诉讼程序。" in text and "请你向人民法院提出。" in text
    assert (
        _run(
            folder,
            "doc",
            "--case",
            number,
            "--template",
            "复核意见书",
            "--out",
            str(folder / "y.docx"),
        )
        == 1
    )
    assert "还没有“复核意见”的办理记录" in capsys.readouterr().err
    assert not (folder / "y.docx").exists()
