"""The `xinfang` command as a clerk or a script uses it: one Chinese line on a mistake."""

import json
from pathlib import Path

import pytest

from app.cli import main


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_add_list_act_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
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
        "反映土地承包问题",
        "--category",
        "农村农业",
    )
    assert code == 0 and "XF2025-0001" in out
    code, out, _ = run(capsys, tmp_path, "case", "list", "--search", "zs")
    assert code == 0 and out.startswith("XF2025-0001") and "共 1 件" in out
    code, out, _ = run(
        capsys, tmp_path, "case", "act", "XF2025-0001", "受理", "--date", "2025-03-06"
    )
    assert code == 0 and "办理中" in out
    code, out, _ = run(capsys, tmp_path, "case", "show", "XF2025-0001", "--json")
    shown = json.loads(out)
    assert shown["status"] == "办理中" and [e["kind"] for e in shown["events"]] == ["登记", "受理"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            [
                "case",
                "add",
                "--name",
                "张三",
                "--id-number",
                "110105194912310021",
                "--form",
                "来信",
                "--received",
                "2025-03-05",
            ],
            "校验位错误",
        ),
        (
            ["case", "add", "--name", "张三", "--form", "来信", "--received", "2025-3-5x"],
            "格式不对",
        ),
        (["case", "act", "XF2099-0001", "受理"], "找不到"),
        (["case", "act", "XF2025-0001", "飞走"], "未知的办理操作"),
        (["case", "nonsense"], "命令参数有误"),
    ],
)
def test_mistakes_print_one_chinese_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = run(capsys, tmp_path, *args)
    assert code != 0
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_demo_fills_the_database_deterministically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        run(
            capsys, tmp_path / "a", "demo", "--cases", "300", "--seed", "7", "--years", "2024-2025"
        )[0]
        == 0
    )
    assert (
        run(
            capsys, tmp_path / "b", "demo", "--cases", "300", "--seed", "7", "--years", "2024-2025"
        )[0]
        == 0
    )
    _, a, _ = run(capsys, tmp_path / "a", "case", "list", "--limit", "0", "--full")
    _, b, _ = run(capsys, tmp_path / "b", "case", "list", "--limit", "0", "--full")
    assert a == b
    # 300 generated; the few voided ones are left out of the list.
    assert 290 <= len(a.splitlines()) - 1 <= 300


def test_a_full_listing_is_audited_case_by_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlalchemy import select

    from app.db import Database
    from app.models import AuditEntry

    assert run(capsys, tmp_path, "demo", "--cases", "20", "--seed", "3")[0] == 0
    assert run(capsys, tmp_path, "case", "list", "--limit", "5")[0] == 0
    db = Database(tmp_path / "xinfang.sqlite3")
    with db.read() as s:
        query = select(AuditEntry.entity_id).where(AuditEntry.action == "查看完整身份证号和电话")
        assert s.scalars(query).all() == []  # a masked list reveals nothing
    code, out, _ = run(capsys, tmp_path, "case", "list", "--limit", "5", "--full")
    listed = [line.split("\t")[0] for line in out.splitlines() if "\t" in line]
    with db.read() as s:
        audited = s.scalars(query).all()
    db.close()
    assert code == 0 and len(listed) == 5 and sorted(audited) == sorted(listed)
