"""`xinfang ledger import --into 领导接访|排查调处`: a register sheet into its register, one row per
day (and leader), figures in `stats --json`, optionally also as 来访 cases in one transaction."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from accounts import READER_USER, TESTER
from ledger_builders import ID_A, ID_B, ID_C, id_number, write_xlsx
from sqlalchemy import func, select

from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.ledger import registers_import
from app.ledger.service import LedgerService
from app.models import Case, LeaderReception, Screening
from app.office.registers import Reception, RegisterService
from app.office.service import OfficeService

RECEPTION_HEADER = [
    "日期",
    "接访领导",
    "来访群众姓名",
    "来访人数",
    "群众诉求",
    "办理情况",
    "领导批示",
]
ID_D = id_number("19700101", "555")


def reception_rows() -> list[list[Any]]:
    """A county's 领导接访 register: three days, two leaders (both on 3月12日), 来访人数 blank in
    one row, mixed date styles, a 合计 row."""
    return [
        list(RECEPTION_HEADER),
        [dt.datetime(2025, 3, 5), "王副县长", "张三", 1, "反映村道破损", "办理中", "请交通局核实"],
        ["2025/3/5", "王副县长", "李四", 6, "反映征地补偿标准", "办理中", "请自然资源局答复"],
        ["2025年3月12日", "王副县长", "王五", None, "反映工资拖欠", "办理中", ""],
        ["2025-03-12", "李副县长", "赵六", 2, "反映低保资格", "办理中", "民政局办理"],
        ["20250409", "李副县长", "钱七", 3, "反映拆迁安置", "办理中", ""],
        ["合计", None, None, 13, None, None, None],
        ["填表人：办公室 赵某", None, None, None, None, None, None],
    ]


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _stats(capsys: pytest.CaptureFixture[str], data: Path) -> dict[str, Any]:
    code, out, _ = run(
        capsys, data, "stats", "--from", "2025-01-01", "--to", "2025-12-31", "--json"
    )
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    return result


def _receptions(data: Path) -> list[tuple[dt.date, str, int, int, str]]:
    db = Database(data / "xinfang.sqlite3")
    try:
        return [
            (r.on, r.leader, r.batches, r.persons, r.note)
            for r in RegisterService(db, TESTER).receptions()
        ]
    finally:
        db.close()


def test_a_reception_sheet_fills_the_register_one_row_per_day_and_leader(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = (
        tmp_path / "data",
        write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访"),
    )
    code, out, err = run(capsys, data, "ledger", "import", str(sheet), "--into", "领导接访")
    assert code == 0, out + err
    assert "5 行 → 4 条接访记录" in out and "共 3 天、5 批、13 人次" in out
    assert "将加入领导名单：王副县长、李副县长" in out
    assert "登记簿新增 4 条" in out
    assert _receptions(data) == [
        (dt.date(2025, 3, 5), "王副县长", 2, 7, "反映村道破损；反映征地补偿标准"),
        (dt.date(2025, 3, 12), "李副县长", 1, 2, "反映低保资格"),
        (dt.date(2025, 3, 12), "王副县长", 1, 1, "反映工资拖欠"),
        (dt.date(2025, 4, 9), "李副县长", 1, 3, "反映拆迁安置"),
    ]
    stats = _stats(capsys, data)
    # Computed from the rows: 3 distinct days, 5 visits, 1+6+1+2+3 persons.
    rows = [r for r in reception_rows()[1:] if r[1]]  # the 合计 and 填表人 rows name no leader
    days = {registers_import._date(r[0]) for r in rows}
    assert stats["leader_receptions"] == {
        "days": len(days),
        "batches": len(rows),
        "persons": sum(r[3] or 1 for r in rows),
    }
    assert stats["total"] == 0  # no cases unless asked


def test_a_day_already_in_the_register_is_skipped_or_updated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = (
        tmp_path / "data",
        write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访"),
    )
    assert run(capsys, data, "ledger", "import", str(sheet), "--into", "领导接访")[0] == 0
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), "--into", "领导接访")
    assert code == 0 and "已登记过跳过 4 条" in out
    assert "[提示] 领导接访 第5行 日期(A)列 “2025-03-05”：已有 2025-03-05 王副县长的接访记录" in out
    assert _stats(capsys, data)["leader_receptions"]["persons"] == 13

    rows = reception_rows()
    rows[2][3] = 9  # the clerk corrects 李四's group: 9 persons, not 6
    sheet = write_xlsx(tmp_path / "更正.xlsx", rows, sheet="领导接访")
    code, out, err = run(
        capsys, data, "ledger", "import", str(sheet), "--into", "领导接访", "--update"
    )
    assert code == 0, out + err
    assert "按本表更新为2批10人次" in out and "更新 4 条" in out
    assert _stats(capsys, data)["leader_receptions"] == {"days": 3, "batches": 5, "persons": 16}


def test_problems_are_listed_by_row_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = reception_rows()
    rows[1][0] = "2025-13-05"
    rows[3][1] = ""
    rows[4][3] = "两人"
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "领导接访.xlsx", rows, sheet="领导接访")
    code, out, err = run(capsys, data, "ledger", "import", str(sheet), "--into", "领导接访")
    assert code == 1 and "未导入任何一行" in err and "共 3 处错误" in err
    assert "[错误] 领导接访 第5行 日期(A)列 “2025-13-05”：日期“2025-13-05”不存在。" in out
    assert "第7行 接访领导(B)列：缺少接访领导。" in out
    assert "第8行 来访人数(D)列 “两人”：来访人数“两人”应为整数。" in out
    assert _receptions(data) == []
    # With --skip-bad-rows the other rows go in.
    code, out, _ = run(
        capsys, data, "ledger", "import", str(sheet), "--into", "领导接访", "--skip-bad-rows"
    )
    assert code == 0 and _stats(capsys, data)["leader_receptions"]["batches"] == 2


def test_also_cases_registers_each_visit_as_a_leader_reception_case(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = reception_rows()
    for row, idn in zip(rows[1:6], [ID_A, ID_B, ID_C, ID_D, ""], strict=True):
        row.insert(3, idn)
    rows[0].insert(3, "身份证号")
    rows[6].insert(3, None)
    for row in rows[1:6]:
        row.append("城乡建设")
    rows[0].append("问题类别")
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "领导接访.xlsx", rows, sheet="领导接访")
    code, out, err = run(
        capsys, data, "ledger", "import", str(sheet), "--into", "领导接访", "--also-cases"
    )
    assert code == 0, out + err
    assert "同时导入为来访件（来源渠道：领导接访）：可导入 5 行" in out
    assert "新增 5 件" in out and "登记簿新增 4 条" in out
    stats = _stats(capsys, data)
    assert stats["total"] == 5 and stats["persons_total"] == 13
    assert stats["by_form"]["来访"] == 5 and stats["by_channel"]["领导接访"] == 5
    assert stats["collective"]["batches"] == 1  # 李四 came with 6 people
    assert stats["leader_receptions"] == {"days": 3, "batches": 5, "persons": 13}
    # Again: the days are in the register, so the visits are not made into cases twice.
    code, out, _ = run(
        capsys, data, "ledger", "import", str(sheet), "--into", "领导接访", "--also-cases"
    )
    assert code == 0 and "5 行所属的日期和领导已在登记簿中" in out
    assert _stats(capsys, data)["total"] == 5


def test_cases_and_register_rows_go_in_one_transaction(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sheet = write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访")
    ledger = LedgerService(db, TESTER)
    plan = ledger.dry_run_register(sheet, "领导接访", also_cases=True)
    assert plan.cases is not None and len(plan.cases.rows) == 5 and not plan.errors

    def broken(*_a: Any) -> None:
        raise DomainError("磁盘已满")

    monkeypatch.setattr(registers_import, "_write", broken)
    with pytest.raises(DomainError):
        ledger.import_register(plan)
    with db.read() as s:
        assert s.scalar(select(func.count(Case.id))) == 0
        assert s.scalar(select(func.count(LeaderReception.id))) == 0


def test_a_reader_may_not_import_a_register(db: Database, tmp_path: Path) -> None:
    sheet = write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访")
    plan = LedgerService(db, TESTER).dry_run_register(sheet, "领导接访")
    with pytest.raises(DomainError, match="无权导入台账"):
        LedgerService(db, READER_USER).import_register(plan)


def test_a_leader_typed_by_hand_in_the_register_is_kept(db: Database, tmp_path: Path) -> None:
    # The register page's row for 4月9日, typed in by hand before the import.
    OfficeService(db, TESTER).add_value("leader", "李副县长")
    RegisterService(db, TESTER).save(Reception(dt.date(2025, 4, 9), "李副县长", 1, 1, "手工"))
    sheet = write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访")
    ledger = LedgerService(db, TESTER)
    plan = ledger.dry_run_register(sheet, "领导接访")
    assert plan.skipped_existing == ["2025-04-09 李副县长"] and plan.new_leaders == ["王副县长"]
    ledger.import_register(plan)
    assert RegisterService(db, TESTER).reception_totals().persons == 1 + 7 + 1 + 2


SCREENING_ROWS: list[list[Any]] = [
    ["序号", "排查日期", "排查发现矛盾纠纷数（起）", "调处成功数", "备注"],
    [1, dt.datetime(2025, 3, 31), 5, 4, "一季度排查"],
    [2, "2025/6/30", 3, 3, ""],
    [3, "2025年6月30日", 2, 1, "补报"],
    [4, "2025.9.30", 4, 2, ""],
    ["合计", None, 14, 10, None],
]


def test_a_screening_sheet_fills_the_screening_register(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "排查.xlsx", SCREENING_ROWS)
    code, out, err = run(capsys, data, "ledger", "import", str(sheet), "--into", "排查调处")
    assert code == 0, out + err
    assert "4 行 → 3 条排查记录" in out and "共排查发现矛盾纠纷 14 起，化解 10 起" in out
    stats = _stats(capsys, data)
    rows = [r for r in SCREENING_ROWS[1:] if r[0] != "合计"]
    assert stats["screenings"] == {
        "times": len({registers_import._date(r[1]) for r in rows}),
        "found": sum(r[2] for r in rows),
        "resolved": sum(r[3] for r in rows),
    }
    db = Database(data / "xinfang.sqlite3")
    try:
        with db.read() as s:
            june = s.scalar(select(Screening).where(Screening.on == dt.date(2025, 6, 30)))
            assert june is not None and (june.found, june.resolved, june.note) == (5, 4, "补报")
    finally:
        db.close()
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), "--into", "排查调处")
    assert code == 0 and "已登记过跳过 3 条" in out


def test_screening_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [list(r) for r in SCREENING_ROWS]
    rows[1][3] = 9  # more resolved than found
    rows[2][2] = "三起"
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "排查.xlsx", rows)
    code, out, err = run(capsys, data, "ledger", "import", str(sheet), "--into", "排查调处")
    assert code == 1 and "共 2 处错误" in err
    assert "第5行 调处成功数(D)列 “9”：化解数（9）多于排查发现数（5）。" in out
    assert "第6行 排查发现矛盾纠纷数（起）(C)列 “三起”：排查发现数“三起”应为整数。" in out
    code, _, err = run(
        capsys, data, "ledger", "import", str(sheet), "--into", "排查调处", "--also-cases"
    )
    assert code == 2 and "--also-cases 只能与 --into 领导接访" in err
    assert _stats(capsys, data)["screenings"]["times"] == 0


def test_a_sheet_without_a_screening_header_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data, sheet = (
        tmp_path / "data",
        write_xlsx(tmp_path / "领导接访.xlsx", reception_rows(), sheet="领导接访"),
    )
    code, _, err = run(capsys, data, "ledger", "import", str(sheet), "--into", "排查调处")
    assert code == 1 and "找不到排查登记的表头" in err


def test_visits_of_a_day_already_registered_are_neither_cases_nor_problems(
    db: Database, tmp_path: Path
) -> None:
    OfficeService(db, TESTER).add_value("leader", "李副县长")
    RegisterService(db, TESTER).save(Reception(dt.date(2025, 4, 9), "李副县长", 1, 3, "已登记"))
    rows = reception_rows()
    rows[0].insert(3, "身份证号")
    for row in rows[1:]:
        row.insert(3, None)
    rows[5][3] = ID_A[:-1] + ("1" if ID_A[-1] != "1" else "2")  # 钱七's ID: a wrong check digit
    sheet = write_xlsx(tmp_path / "领导接访.xlsx", rows, sheet="领导接访")
    ledger = LedgerService(db, TESTER)
    plan = ledger.dry_run_register(sheet, "领导接访", also_cases=True)
    assert plan.cases is not None and not plan.errors
    assert [p.row for p in plan.cases.rows] == [5, 6, 7, 8]
    assert any("1 行所属的日期和领导已在登记簿中" in p.message for p in plan.problems)
    result = ledger.import_register(plan)
    assert result.cases is not None and result.cases.created == 4 and result.added == 3


def test_a_one_leader_register_takes_the_leader_from_set_and_its_date_from_map(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [[r[0], *r[2:]] for r in reception_rows()]  # no 接访领导 column: one leader's book
    rows[0][0] = "接待时点"
    data, sheet = tmp_path / "data", write_xlsx(tmp_path / "王副县长.xlsx", rows, sheet="接访")
    code, out, _ = run(capsys, data, "ledger", "import", str(sheet), "--into", "领导接访")
    assert code == 1 and "表头中没有“日期”列" in out and "表头中没有“接访领导”列" in out
    code, out, err = run(
        capsys,
        data,
        "ledger",
        "import",
        str(sheet),
        "--into",
        "领导接访",
        "--map",
        "接待时点=登记日期",
        "--set",
        "接访领导=王副县长",
    )
    assert code == 0, out + err
    assert "5 行 → 3 条接访记录" in out
    assert _stats(capsys, data)["leader_receptions"] == {"days": 3, "batches": 5, "persons": 13}
    assert {leader for _, leader, *_ in _receptions(data)} == {"王副县长"}
