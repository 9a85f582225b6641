"""`xinfang ledger import --set/--map`, and the settings remembered for the next sheet with the
same header (docs/rules.md, 台账): a 来访 register without 信访形式, a 接件时间 the program does
not take for 登记日期 by itself, a column the clerk leaves out."""

import datetime as dt
import json
from pathlib import Path

import pytest
from ledger_builders import ID_A, ID_B, ID_C, write_xlsx
from sqlalchemy import select

from app.cli import main
from app.db import Database
from app.ledger import mappings
from app.models import AuditEntry, Case, Setting

# A 综治中心 来访 register: no 信访形式 column, and its date column is called 受访时点 (a name no
# vocabulary has), so the clerk maps it by hand.
HEADER = [
    "序号",
    "受访时点",
    "来访人姓名",
    "身份证号码",
    "来访人数",
    "反映内容",
    "问题分类",
    "备注",
]


def visit_rows(month: int = 3) -> list[list[object]]:
    return [
        HEADER,
        [1, dt.datetime(2025, month, 3), "张三", ID_A, 1, "反映村道破损", "交通运输", "老问题"],
        [2, f"2025/{month}/10", "李四", ID_B, 6, "反映征地补偿", "国土资源", ""],
        [3, f"2025年{month}月17日", "王五", ID_C, 2, "反映工资拖欠", "劳动和社会保障", ""],
        ["合计", None, None, None, 9, None, None, None],
    ]


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _stats(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, object]:
    code, out, _ = run(
        capsys, data, "stats", "--from", "2025-01-01", "--to", "2025-12-31", "--json"
    )
    assert code == 0
    result: dict[str, object] = json.loads(out)
    return result


def test_a_register_without_its_form_and_date_columns_needs_set_and_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), "--dry-run")
    assert code == 1 and "登记日期" in out and "信访形式" in out  # both missing: refused

    code, out, err = run(
        capsys,
        data,
        "ledger",
        "import",
        str(sheet),
        "--set",
        "信访形式=来访",
        "--map",
        "受访时点=登记日期",
        "--map",
        "备注=不导入",
    )
    assert code == 0, out + err
    assert "整表统一填写：信访形式=来访" in out and "新增 3 件" in out
    assert "已记住本表的列对应和统一填写" in out
    stats = _stats(capsys, data)
    assert stats["total"] == 3 and stats["persons_total"] == 9
    assert stats["by_form"]["来访"] == 3  # type: ignore[index]
    code, out, _ = run(capsys, data, "case", "list", "--search", "张三")
    assert "2025-03-03\t来访\t张三" in out
    # 备注 was left out by hand: the case has none.
    db = Database(data / "xinfang.sqlite3")
    try:
        with db.read() as s:
            assert s.scalars(select(Case.remark)).all() == [None, None, None]
    finally:
        db.close()


def test_the_next_sheet_with_the_same_header_gets_the_same_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    march = write_xlsx(tmp_path / "三月.xlsx", visit_rows(3))
    april = write_xlsx(tmp_path / "四月.xlsx", visit_rows(4))
    args = ["--set", "信访形式=来访", "--map", "受访时点=登记日期", "--map", "备注=不导入"]
    assert run(capsys, data, "ledger", "import", str(march), *args)[0] == 0

    code, out, err = run(capsys, data, "ledger", "import", str(april), "--dry-run")
    assert code == 0, out + err
    assert "已套用上次对同样表头的设置：受访时点→登记日期；备注→不导入；信访形式=来访" in out
    assert "可导入 3 行" in out
    # Refused without them, as the first time.
    code, out, _ = run(capsys, data, "ledger", "import", str(april), "--no-remembered", "--dry-run")
    assert code == 1 and "已套用" not in out
    code, out, _ = run(capsys, data, "ledger", "import", str(april))
    assert code == 0 and "新增 3 件" in out
    assert _stats(capsys, data)["total"] == 6

    # A sheet with another header is not offered them.
    other = write_xlsx(tmp_path / "别的.xlsx", [[*HEADER, "接访领导"], *visit_rows()[1:]])
    code, out, _ = run(capsys, data, "ledger", "import", str(other), "--dry-run")
    assert "已套用" not in out and code == 1


def test_the_settings_live_in_the_database_and_are_audited(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    args = ["--set", "信访形式=来访", "--map", "受访时点=登记日期"]
    assert run(capsys, data, "ledger", "import", str(sheet), *args)[0] == 0
    db = Database(data / "xinfang.sqlite3")
    try:
        with db.read() as s:
            rows = s.scalars(select(Setting).where(Setting.key.like("ledger_mapping:%"))).all()
            assert len(rows) == 1
            assert rows[0].value["fixed"] == {"form": "来访"}
            assert rows[0].value["mapped"] == {"received_on": 1}
            entry = s.scalar(select(AuditEntry).where(AuditEntry.field == "台账导入设置"))
            assert entry is not None and entry.new == "受访时点→登记日期；信访形式=来访"
            assert mappings.load(s, ["序号", *HEADER[1:]]) is not None
    finally:
        db.close()
    # The office settings do not show it.
    code, out, _ = run(capsys, data, "settings", "show", "--json")
    assert code == 0 and "ledger_mapping" not in out


def test_a_dry_run_or_a_refused_import_remembers_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    args = ["--set", "信访形式=来访", "--map", "受访时点=登记日期"]
    assert run(capsys, data, "ledger", "import", str(sheet), *args, "--dry-run")[0] == 0
    assert run(capsys, data, "ledger", "import", str(sheet), "--set", "信访形式=飞鸽")[0] == 1
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), "--dry-run")
    assert code == 1 and "已套用" not in out


def test_a_bad_set_value_is_reported_like_a_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    code, out, err = run(
        capsys,
        data,
        "ledger",
        "import",
        str(sheet),
        "--map",
        "受访时点=登记日期",
        "--set",
        "信访形式=飞鸽传书",
    )
    assert code == 1 and "未导入任何一行" in err
    assert "“飞鸽传书”" in out and "信访形式" in out
    assert _stats(capsys, data)["total"] == 0


def test_set_fills_blank_cells_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = visit_rows()
    rows[0] = [*HEADER, "信访方式"]
    rows[1] = [*rows[1], "来信"]
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "混合.xlsx", rows)
    code, out, err = run(
        capsys,
        data,
        "ledger",
        "import",
        str(sheet),
        "--map",
        "受访时点=登记日期",
        "--set",
        "信访形式=来访",
    )
    assert code == 0, out + err
    by_form = _stats(capsys, data)["by_form"]
    assert by_form["来信"] == 1 and by_form["来访"] == 2  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "接件时间=登记日期"], "表头中没有“接件时间”这一列。本表的表头：序号、受访时点"),
        (["--map", "受访时点=飞行日期"], "“飞行日期”不是可识别的字段名"),
        (["--set", "信访形式"], "--set“信访形式”格式不对"),
        (["--set", "信访形式="], "后面应写统一填写的值"),
        (["--also-cases"], "--also-cases 只能与 --into 领导接访 一起使用"),
    ],
)
def test_mistakes_in_set_and_map_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    code, _, err = run(capsys, data, "ledger", "import", str(sheet), *args)
    assert code == 2 and message in err


def test_map_matches_a_header_with_its_hint_in_brackets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = visit_rows()
    rows[0] = ["序号", "受访时点（年月日）", *HEADER[2:]]
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", rows)
    code, out, err = run(
        capsys,
        data,
        "ledger",
        "import",
        str(sheet),
        "--map",
        "受访时点=登记日期",
        "--set",
        "信访方式=来访",
        "--dry-run",
    )
    assert code == 0, out + err
    assert "可导入 3 行" in out


def test_set_and_map_work_with_the_other_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[*r, n] for r, n in zip(visit_rows(), ["", "LF-1", "LF-2", "LF-3", ""], strict=True)]
    rows[0][-1] = "编号"
    rows[2][6] = "征地拆迁"  # a category the dictionary lacks
    rows[3][3] = ID_C[:-1] + ("1" if ID_C[-1] != "1" else "2")  # a wrong check digit
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", rows, sheet="三月")
    args = ["--sheet", "三月", "--map", "受访时点=登记日期", "--set", "信访形式=来访"]
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), *args, "--dry-run")
    assert code == 1 and "征地拆迁" in out and "身份证号" in out
    code, out, err = run(
        capsys, data, "ledger", "import", str(sheet), *args, "--add-unknown", "--skip-bad-rows"
    )
    assert code == 0, out + err
    assert (
        "新增 2 件" in out and "有错误跳过 1 行" in out and "新加入字典的问题类别：征地拆迁" in out
    )
    rows[1][5] = "反映村道破损，已修一半"
    sheet = write_xlsx(tmp_path / "更正.xlsx", rows, sheet="三月")
    code, out, err = run(
        capsys, data, "ledger", "import", str(sheet), *args, "--update", "--skip-bad-rows"
    )
    assert code == 0, out + err
    assert "更新 2 件" in out
    code, out, _ = run(capsys, data, "case", "list", "--search", "已修一半")
    assert "共 1 件" in out


def test_the_dry_runs_assumptions_are_printed_before_and_after_the_import(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "来访登记.xlsx", visit_rows())
    args = ["--map", "受访时点=登记日期", "--set", "信访形式=来访"]
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), *args, "--dry-run")
    said = "整表统一填写：信访形式＝“来访”，共 3 行按此填写。"
    assert code == 0 and out.count(said) == 1
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), *args)
    assert code == 0 and out.count(said) == 2
    assert out.index("新增 3 件") < out.rindex(said)
