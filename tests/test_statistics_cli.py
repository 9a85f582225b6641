"""`xinfang stats`: the §5 JSON for scripts, a Chinese table for people, Chinese errors."""

import json
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    run(
        capsys,
        tmp_path,
        "case",
        "add",
        "--name",
        "张三",
        "--form",
        "来访",
        "--received",
        "2025-03-05",
        "--persons",
        "6",
        "--summary",
        "反映征地补偿问题",
        "--category",
        "农村农业",
    )
    run(
        capsys,
        tmp_path,
        "case",
        "add",
        "--name",
        "李四",
        "--form",
        "来信",
        "--received",
        "2024-03-05",
        "--summary",
        "反映道路维修问题",
        "--category",
        "城乡建设",
    )
    run(capsys, tmp_path, "case", "act", "XF2025-0001", "受理", "--date", "2025-03-06")
    return tmp_path


def test_json_is_the_contract(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        data,
        "stats",
        "--from",
        "2025-03-01",
        "--to",
        "2025-03-31",
        "--as-of",
        "2025-04-30",
        "--json",
    )
    assert code == 0
    j = json.loads(out)
    assert j["total"] == 1 and j["visits"] == {"batches": 1, "persons": 6}
    assert j["collective"] == {"batches": 1, "persons": 6}
    assert j["closure_rate"] == 0.0 and j["satisfaction_rate"] is None
    assert j["yoy"]["total"] == {"this": 1, "last": 1, "change": 0.0}
    assert "date_from" not in j and list(j)[-1] == "yoy"


def test_table_for_people(data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, data, "stats", "--from", "2025-03-01", "--to", "2025-03-31")
    assert code == 0
    assert "统计期：2025年3月1日至2025年3月31日（截至2025年3月31日）" in out
    line = next(x for x in out.splitlines() if x.startswith("信访总量"))
    assert line.split() == ["信访总量", "1件", "1件", "持平"]
    line = next(x for x in out.splitlines() if x.startswith("办结率"))
    assert line.split()[1:3] == ["0%（0/1）", "—"]
    assert "按问题类别" in out and "2025-03" in out


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--from", "2025-13-01", "--to", "2025-12-31"], 2, "格式不对"),
        (["--from", "2025-03-31", "--to", "2025-03-01"], 1, "晚于截止日期"),
        (
            ["--from", "2025-03-01", "--to", "2025-03-31", "--as-of", "2025-01-01"],
            1,
            "早于统计起始日期",
        ),
        (["--to", "2025-03-31"], 2, "--from"),
    ],
)
def test_mistakes_get_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    got, out, err = run(capsys, tmp_path, "stats", *args)
    assert got == code and out == "" and message in err and err.startswith("错误：")
