"""`xinfang case add` records every field the intake form has (docs/rules.md, 字段), and applies
the 性质 suggestion, saying so, when --nature is absent (§9)."""

import datetime as dt
from pathlib import Path

import pytest
from accounts import TESTER
from ledger_builders import ID_A

from app import paths
from app.cases.intake import CaseInput
from app.cases.service import CaseService
from app.cli import main
from app.db import Database

BASE = [
    "case",
    "add",
    "--received",
    "2025-03-05",
    "--summary",
    "反映村道破损",
    "--category",
    "城乡建设",
]


def run(capsys: pytest.CaptureFixture[str], data: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data), *args])
    out, err = capsys.readouterr()
    return code, out, err


def stored(data: Path, number: str) -> tuple[CaseInput, bool]:
    db = Database(data / "xinfang.sqlite3")
    try:
        detail = CaseService(db, TESTER).detail(number)
        return detail.input, detail.collective
    finally:
        db.close()
        paths.set_data_dir(None)


def test_basic_and_assignment_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        tmp_path,
        *BASE,
        "--name",
        "张三",
        "--form",
        "来信",
        "--channel",
        "上级交办",
        "--assigning-org",
        "市信访局",
        "--ref",
        "市信交〔2025〕12号",
        "--petition-date",
        "2025-03-01",
        "--nature",
        "申诉求决类",
    )
    assert code == 0, err
    data, _ = stored(tmp_path, "XF2025-0001")
    assert (data.channel, data.assigning_org, data.assigning_ref) == (
        "上级交办",
        "市信访局",
        "市信交〔2025〕12号",
    )
    assert data.petition_on == dt.date(2025, 3, 1) and data.nature == "申诉求决类"
    assert "性质未填写" not in out


def test_petitioner_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        tmp_path,
        *BASE,
        "--form",
        "来访",
        "--name",
        "张三",
        "--joint",
        "--id-number",
        ID_A,
        "--gender",
        "男",
        "--phone",
        "13800138000",
        "--address",
        "某县某镇某村",
        "--workplace",
        "某县某厂",
        "--persons",
        "6",
        "--involved-persons",
        "40",
        "--not-collective",
        "--nature",
        "申诉求决类",
    )
    assert code == 0, err
    data, collective = stored(tmp_path, "XF2025-0001")
    assert data.joint and data.workplace == "某县某厂" and data.gender == "男"
    assert (data.persons, data.involved_persons) == (6, 40)
    assert data.collective_override is False and not collective  # 6 persons, overridden
    code, _, err = run(
        capsys, tmp_path, *BASE, "--form", "来信", "--anonymous", "--collective", "--nature", "求决"
    )
    assert code == 0, err
    data, collective = stored(tmp_path, "XF2025-0002")
    assert data.anonymous and not data.name and collective
    assert data.nature == "申诉求决类"  # 求决 is read as the 性质 it names


def test_content_flag_and_handling_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, tmp_path, *BASE, "--name", "李四", "--form", "来信")[0] == 0
    code, _, err = run(
        capsys,
        tmp_path,
        "case",
        "add",
        "--received",
        "2025-04-01",
        "--summary",
        "再次反映土地承包",
        "--form",
        "来访",
        "--name",
        "李四",
        "--category",
        "农村农业",
        "--subcategory",
        "土地承包",
        "--nature",
        "建议意见类",
        "--locality",
        "某镇某村",
        "--target",
        "某镇政府",
        "--repeat-of",
        "XF2025-0001",
        "--visit-level",
        "到县",
        "--skip-level",
        "--abnormal",
        "--legal",
        "--urgent",
        "--department",
        "办公室",
        "--handler",
        "赵经办",
        "--leader",
        "王局长",
        "--remark",
        "已电话联系",
    )
    assert code == 0, err
    data, _ = stored(tmp_path, "XF2025-0002")
    assert (data.category, data.subcategory, data.nature) == ("农村农业", "土地承包", "建议意见类")
    assert (data.locality, data.target) == ("某镇某村", "某镇政府")
    assert data.repeat and data.repeat_of == "XF2025-0001" and data.visit_level == "到县"
    assert data.skip_level and data.abnormal and data.legal and data.urgent
    assert (data.department, data.handler, data.leader, data.remark) == (
        "办公室",
        "赵经办",
        "王局长",
        "已电话联系",
    )
    code, _, err = run(capsys, tmp_path, *BASE, "--name", "王五", "--form", "来信", "--repeat")
    assert code == 0 and stored(tmp_path, "XF2025-0003")[0].repeat


@pytest.mark.parametrize(
    ("summary", "nature"),
    [("举报某村干部侵占集体资金", "检举控告类"), ("反映村道破损", "申诉求决类")],
)
def test_a_missing_nature_is_suggested_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], summary: str, nature: str
) -> None:
    code, out, err = run(
        capsys,
        tmp_path,
        "case",
        "add",
        "--received",
        "2025-03-05",
        "--form",
        "来信",
        "--name",
        "张三",
        "--summary",
        summary,
        "--category",
        "农村农业",
    )
    assert code == 0, err
    assert f"性质未填写，已按内容建议为“{nature}”" in out
    assert stored(tmp_path, "XF2025-0001")[0].nature == nature


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--nature", "随便"], "性质“随便”无法识别"),
        (["--gender", "未知"], "命令参数有误"),
        (["--collective", "--not-collective"], "命令参数有误"),
        (["--petition-date", "2025-03-09"], "信访日期不能晚于登记日期"),
        (["--subcategory", "涉军", "--category", "农村农业"], "不属于"),
        (["--repeat-of", "XF2024-0099"], "找不到被重复的信访件"),
    ],
)
def test_bad_options_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(capsys, tmp_path, *BASE, "--name", "张三", "--form", "来信", *args)
    assert code in (1, 2) and message in err
