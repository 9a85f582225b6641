"""What real offices' sheets write (docs/rules.md, 台账): header cells with hints and two header
rows, status texts with dates and reasons inside, several columns that disagree, rows that say
nothing about their progress."""

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import select

from app.db import Database
from app.ledger.importing import dry_run, import_ledger
from app.ledger.progress import Said, progress
from app.ledger.read import find_header_names, is_number_row
from app.ledger.status_text import read_status
from app.ledger.values import header_key, parse_date
from app.models import Case, DictEntry, Event
from tests.ledger_builders import ID_A, ID_B

D = dt.date


@pytest.mark.parametrize(
    ("cell", "key"),
    [
        ("是否集体访\n(是/否)", "collective"),
        ("人数（人）", "persons"),
        ("联系方式(手机号码)", "phone"),
        ("登记日期【必填】", "received_on"),
        ("＊信访人姓名", "name"),
        ("接件时间", "received_on"),
        ("来访群众姓名", "name"),
        ("市级一级问题分类", "category"),
        ("随行人数", "companions"),
        ("是否全国初次信访", "first_visit"),
        ("信访目的", "nature"),
        ("工单状态", "status"),
        ("是否办结", "closed_flag"),
        ("办结时间", "closed_on"),
        ("领导批示", "instruction"),
        ("备 注", "remark"),
        ("办理情况说明", None),  # not a §6 name: no guess
    ],
)
def test_header_cells_as_real_sheets_write_them(cell: str, key: str | None) -> None:
    assert header_key(cell) == key


def test_two_header_rows_and_a_number_row() -> None:
    rows: list[list[Any]] = [
        ["某镇信访事项办理台账"],
        [
            "序号",
            "登记日期",
            "信访人基本情况",
            None,
            "反映问题",
            "办理情况",
            None,
            None,
            "受理",
            None,
        ],
        [None, None, "姓名", "电话", None, "责任单位", "是否办结", "办结时间", "日期", "方式"],
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    ]
    index, names, mapping = find_header_names(rows)
    assert index == 2
    assert mapping["name"] == 2 and mapping["phone"] == 3 and mapping["summary"] == 4
    # 办理情况 over 责任单位 is a group header, never the status column.
    assert mapping["department"] == 5 and "status" not in mapping
    assert mapping["closed_flag"] == 6 and mapping["closed_on"] == 7
    # Both rows together name a column: 受理 over 日期 is 受理日期, not 登记日期.
    assert mapping["accepted_on"] == 8 and mapping["received_on"] == 1
    assert names[5] == "办理情况/责任单位"
    assert is_number_row(rows[3]) and not is_number_row(["1", "张三", "2025-03-05"])


@pytest.mark.parametrize(
    ("cell", "kind", "on", "extra"),
    [
        ("已办结（2025年3月5日）", "已办结", D(2025, 3, 5), ""),
        ("审核认定办结", "已办结", None, ""),
        ("已回访", "已办结", None, ""),
        ("已作出处理意见", "已答复", None, ""),
        ("正在办理", "办理中", None, ""),
        ("处理中", "办理中", None, ""),
        ("受理申请审查中", "待受理", None, ""),
        ("已登记", "待受理", None, ""),
        ("已转区住建局办理", "交办", None, "区住建局"),
        ("已退单", "退回", None, ""),
        ("不予受理（属诉讼程序）", "不予受理", None, "属诉讼程序"),
        ("已答复，信访人申请复查", "复查中", None, ""),
        ("未办结", "办理中", None, ""),
        ("终结", "终结", None, ""),
        ("是", "已办结", None, ""),
        ("否", "办理中", None, ""),
    ],
)
def test_status_texts(cell: str, kind: str, on: dt.date | None, extra: str) -> None:
    got = read_status(cell)
    assert got is not None
    assert (got.kind, got.on) == (kind, on)
    assert extra in (got.reason, got.unit)


def test_unknown_dates_and_unreadable_status() -> None:
    assert parse_date("不详") is None and parse_date("—") is None
    with pytest.raises(Exception, match="无法识别"):
        read_status("搁置")


def _kinds(said: Said) -> list[tuple[str, dt.date, bool]]:
    return [
        (k, on, bool(d.get("inferred") or d.get("date_unknown")))
        for k, on, d in progress(said).steps
    ]


def test_the_most_advanced_state_wins() -> None:
    got = progress(
        Said(D(2025, 3, 1), flag=read_status("否"), flag_raw="否", closed=D(2025, 3, 20))
    )
    assert [k for k, _, _ in got.steps] == ["受理", "答复", "办结"]
    assert got.disagree and got.steps[-1][1] == D(2025, 3, 20)
    # 是否办结 = 是 beats a text saying 已作出处理意见; still listed.
    got = progress(
        Said(
            D(2025, 3, 1),
            status=read_status("已作出处理意见"),
            status_raw="已作出处理意见",
            flag=read_status("是"),
            flag_raw="是",
            replied=D(2025, 3, 10),
        )
    )
    assert [k for k, _, _ in got.steps] == ["受理", "答复", "办结"] and got.disagree
    # A reply date does not contradict 办理中.
    got = progress(
        Said(
            D(2025, 3, 1), status=read_status("办理中"), status_raw="办理中", replied=D(2025, 3, 9)
        )
    )
    assert not got.disagree


def test_gaps_are_marked() -> None:
    # No progress information at all: 情况不详.
    got = progress(Said(D(2025, 3, 1)))
    assert got.unknown and got.steps == [("情况不详", D(2025, 3, 1), {"status_unknown": True})]
    # 已办结 with no dates: closed, date unknown, on the 登记日期; the 受理 is inferred.
    assert _kinds(Said(D(2025, 3, 1), status=read_status("已办结"))) == [
        ("受理", D(2025, 3, 1), True),
        ("答复", D(2025, 3, 1), True),
        ("办结", D(2025, 3, 1), True),
    ]
    # A date inside the text is that event's date.
    assert _kinds(Said(D(2025, 3, 1), status=read_status("已办结（2025年3月5日）")))[-1] == (
        "办结",
        D(2025, 3, 5),
        False,
    )
    # 已退单: a 退回 of an implied 交办; 复查中 is 办结 then 复查申请, not 已办结.
    assert [k for k, _, _ in _kinds(Said(D(2025, 3, 1), status=read_status("已退单")))] == [
        "交办",
        "退回",
    ]
    steps = _kinds(
        Said(D(2025, 3, 1), status=read_status("已答复，申请复查"), replied=D(2025, 3, 20))
    )
    assert [k for k, _, _ in steps] == ["受理", "答复", "办结", "复查申请"]


def _sheet(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["某某县综治中心来访登记簿"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_visit_register_with_no_status_imports_as_unknown(db: Database, tmp_path: Path) -> None:
    header = [
        "序号",
        "接件时间",
        "来访群众姓名",
        "身份证号码",
        "随行人数",
        "是否初次来访",
        "群众诉求",
    ]
    rows = [
        [1, "2025/3/5", "张三", ID_A, 0, "是", "反映工资拖欠"],
        [2, "2025.3.6", "李四", ID_B, 5, "否", "举报村干部侵占集体资金"],
        [3, "2025年3月7日", "王五", None, 2, "否", "土地补偿"],
    ]
    path = _sheet(tmp_path / "来访.xlsx", header, rows)
    _, plan = dry_run(db, path)
    assert any("信访形式" in p.message for p in plan.errors)  # a 来访 register has no form column
    _, plan = dry_run(db, path, fixed={"form": "来访"})
    assert plan.errors == []
    text = "\n".join(plan.summary)
    assert "3 行没有任何办理情况" in text and "情况不详" in text
    assert "整表统一填写：信访形式＝“来访”，共 3 行" in text
    assert "检举控告类 1 行" in text
    result = import_ledger(db, plan)
    assert result.created == 3 and any("情况不详" in line for line in result.summary)
    with db.read() as s:
        cases = {c.number or "": c for c in s.scalars(select(Case))}
        got = sorted(
            (c.persons, c.repeat, c.status, c.decision_due, c.nature) for c in cases.values()
        )
        assert got == [
            (1, False, "情况不详", None, "申诉求决类"),
            (3, True, "情况不详", None, "申诉求决类"),
            (6, True, "情况不详", None, "检举控告类"),
        ]
        assert set(s.scalars(select(Event.kind))) == {"登记", "情况不详"}


def test_category_synonyms_and_new_subcategories(db: Database, tmp_path: Path) -> None:
    header = ["编号", "登记日期", "信访方式", "姓名", "问题分类", "办理状态"]
    rows = [
        ["A-1", "2025-03-05", "来信", "甲", "劳动社保-社会保险", "已受理"],
        ["A-2", "2025-03-05", "网上信访", "乙", "生态环境", "办理中"],
    ]
    path = _sheet(tmp_path / "c.xlsx", header, rows)
    _, plan = dry_run(db, path, add_unknown=True)
    assert plan.errors == [] and plan.new_categories == []
    assert plan.new_subcategories == [("劳动和社会保障", "社会保险")]
    import_ledger(db, plan)
    with db.read() as s:
        got = {c.number: (c.form, c.category, c.subcategory) for c in s.scalars(select(Case))}
        assert got == {
            "A-1": ("来信", "劳动和社会保障", "社会保险"),
            "A-2": ("网上", "环境保护", None),
        }
        parent = s.scalar(
            select(DictEntry.parent).where(
                DictEntry.kind == "subcategory", DictEntry.value == "社会保险"
            )
        )
        assert parent == "劳动和社会保障"


def test_unused_columns_are_listed_and_status_like_ones_warned(
    db: Database, tmp_path: Path
) -> None:
    header = ["编号", "登记日期", "信访方式", "姓名", "进展情况描述", "回访时间", "联络员"]
    rows = [["B-1", "2025-03-05", "来信", "甲", "已办结", "2025-04-01", "小王"]]
    _, plan = dry_run(db, _sheet(tmp_path / "u.xlsx", header, rows))
    by_column = {p.column.split("(")[0]: p for p in plan.problems if p.row == 2}
    assert (
        by_column["进展情况描述"].level == "警告"
        and "办理状态" in by_column["进展情况描述"].message
    )
    assert by_column["回访时间"].level == "警告" and "日期" in by_column["回访时间"].message
    assert by_column["联络员"].level == "提示" and "“小王”" in by_column["联络员"].message
