"""The 承办单位 register (app/office/units.py) and the outgoing CLI: `case act` with 签收, 反馈,
退回, 催办, 督办, 上级督办 and `--unit`; `unit list`, `unit show`."""

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from accounts import TESTER
from factories import case_input

from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.office.service import OfficeService
from app.office.units import UnitService

D = dt.date


MARCH_3 = D(2025, 3, 3)


def _new(cases: CaseService, on: dt.date = MARCH_3) -> str:
    return cases.create(case_input(received_on=on, name="李四")).number


def test_register_figures(db: Database, cases: CaseService) -> None:
    office = OfficeService(db, TESTER)
    office.add_value("unit", "县住房和城乡建设局")
    office.add_value("unit_alias", "城建局", parent="县住房和城乡建设局")
    a, b, c, e, f = (_new(cases) for _ in range(5))
    # a: answered after 10 days; b: answered after 20 days (sent under the alias).
    cases.act(a, "交办", D(2025, 3, 5), {"to": "县住建局", "deadline": "2025-04-01"})
    cases.act(a, "反馈", D(2025, 3, 15), {"text": "已处理"})
    cases.act(b, "交办", D(2025, 3, 5), {"to": "城建局", "deadline": "2025-04-01"})
    cases.act(b, "签收", D(2025, 3, 6))
    cases.act(b, "反馈", D(2025, 3, 25), {"text": "已处理"})
    # c: past its 期限 with no 反馈; e: sent back (not overdue, not open there).
    cases.act(c, "交办", D(2025, 3, 5), {"to": "县住房和城乡建设局", "deadline": "2025-04-01"})
    cases.act(e, "交办", D(2025, 3, 5), {"to": "县住建局", "deadline": "2025-04-01"})
    cases.act(e, "退回", D(2025, 3, 8), {"reason": "不属本单位职责"})
    # f: to one of the office's own 科室, no 期限; open there.
    cases.act(f, "交办", D(2025, 3, 5), {"to": "业务科"})
    rows = {r.name: r for r in UnitService(db, TESTER).register()}
    unit = rows["县住房和城乡建设局"]
    assert unit.kind == "单位" and unit.aliases == ["城建局"]
    assert (unit.sent, unit.open, unit.overdue, unit.answered, unit.returned) == (4, 1, 1, 2, 1)
    assert unit.avg_days_to_answer == 15.0
    dept = rows["业务科"]
    assert dept.kind == "科室" and (dept.sent, dept.open, dept.overdue) == (1, 1, 0)
    assert rows["办公室"].sent == 0  # every 科室 is listed, zeros included
    # As of 3-20 the 期限 had not passed and b had not answered yet.
    early = {r.name: r for r in UnitService(db, TESTER).register(D(2025, 3, 20))}[
        "县住房和城乡建设局"
    ]
    assert (early.open, early.overdue, early.answered) == (2, 0, 1)

    listed = UnitService(db, TESTER).cases("城建局")  # the alias finds the unit
    assert [r.number for r in listed] == [e, c, b, a]
    states = {r.number: (r.state, r.overdue) for r in listed}
    assert states[a] == ("已反馈", False) and states[b] == ("已反馈", False)
    assert states[c] == ("已交办", True) and states[e] == ("已退回", False)
    with pytest.raises(DomainError, match="没有名为“县气象局”的承办单位"):
        UnitService(db, TESTER).cases("县气象局")


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_outgoing_steps_and_unit_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys,
        tmp_path,
        "case",
        "add",
        "--name",
        "王五",
        "--form",
        "来信",
        "--received",
        "2025-03-05",
        "--summary",
        "反映道路积水",
        "--category",
        "城乡建设",
    )
    assert code == 0, err
    number = re.search(r"XF\d{4}-\d+", out).group(0)  # type: ignore[union-attr]

    def act(*args: str) -> tuple[int, str, str]:
        return run(capsys, tmp_path, "case", "act", number, *args)

    assert act("交办", "--date", "2025-03-06", "--to", "镇政府", "--deadline", "2025-05-07")[0] != 0
    _, _, err = act("交办", "--date", "2025-03-06", "--to", "镇政府", "--deadline", "2025-05-07")
    assert "法定办理期限 2025-05-06" in err
    assert act("交办", "--date", "2025-03-06", "--to", "镇政府", "--deadline", "2025-04-01")[0] == 0
    assert act("签收", "--date", "2025-03-07")[0] == 0
    code, _, err = act("反馈", "--date", "2025-03-08", "--unit", "县水利局", "--text", "x")
    assert code != 0 and "镇政府" in err
    assert act("催办", "--date", "2025-03-20", "--note", "请抓紧")[0] == 0
    code, out, err = act(
        "督办", "--to", "镇政府", "--due", "2025-04-15", "--note", "限期", "--date", "2025-03-25"
    )
    assert code == 0, err
    assert (
        act(
            "上级督办",
            "--date",
            "2025-03-26",
            "--by",
            "市信访局",
            "--ref",
            "市信督3号",
            "--due",
            "2025-04-20",
        )[0]
        == 0
    )
    assert act("退回", "--date", "2025-03-27", "--reason", "不属本单位职责")[0] == 0
    code, out, _ = run(capsys, tmp_path, "case", "show", number)
    assert "待重新交办" in out and "镇政府  交办 2025-03-06  已退回" in out
    assert act("交办", "--date", "2025-03-28", "--to", "县水利局")[0] == 0
    assert act("反馈", "--date", "2025-04-08", "--text", "已疏通")[0] == 0
    code, out, _ = run(capsys, tmp_path, "case", "show", number, "--json")
    kinds = [e["kind"] for e in json.loads(out)["events"]]
    assert kinds[-3:] == ["退回", "交办", "反馈"]

    code, out, err = run(capsys, tmp_path, "unit", "list", "--json")
    assert code == 0, err
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["镇政府"]["returned"] == 1 and rows["镇政府"]["kind"] == "其他"
    assert rows["县水利局"]["answered"] == 1 and rows["县水利局"]["avg_days_to_answer"] == 11.0
    code, out, _ = run(capsys, tmp_path, "unit", "list")
    assert "县水利局" in out and "11.0 天" in out
    code, out, _ = run(capsys, tmp_path, "unit", "show", "镇政府")
    assert number in out and "已退回" in out
    code, _, err = run(capsys, tmp_path, "unit", "show", "不存在的单位")
    assert code != 0 and "没有名为" in err
