"""Importing messy real-world 台账 files (docs/rules.md, 台账): dry run, problems, one
transaction."""

import copy
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from factories import case_input
from ledger_builders import ID_A, ID_B, ID_C, SYNONYM_HEADER, write_csv, write_xls, write_xlsx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.cases.intake import create_case
from app.cases.workflow import act
from app.db import Database
from app.errors import DomainError
from app.ledger.importing import dry_run, import_ledger
from app.models import Case, Event
from app.office import dictionaries


def _row(**cells: object) -> list[object]:
    row: list[object] = [None] * len(SYNONYM_HEADER)
    for name, value in cells.items():
        row[SYNONYM_HEADER.index(name)] = value
    return row


def messy_rows() -> list[list[object]]:
    """Header + 8 cases in every date style, with three bad rows, a blank and a totals row."""
    return [
        SYNONYM_HEADER,
        _row(
            序号=1,
            信访编号="SW2025-001",
            信访日期=dt.datetime(2025, 3, 5),
            信访方式="走访",
            信访来源="12345政务服务便民热线",
            姓名="张三",
            身份证号码=ID_A,
            手机="13800138000",
            信访人数=6,
            内容摘要="反映村内饮水浑浊",
            问题分类="水利",
            责任单位="水资源科",
            责任领导="王局长",
            告知日期="2025/3/6",
            回复日期="2025.3.20",
            结案日期="2025年3月25日",
            办理情况="已办结",
            群众满意度="满意",
            是否重复信访="否",
            上访层级="到县",
        ),
        _row(
            序号=2,
            信访编号="SW2025-002",
            信访日期="20250401",
            信访方式="信件",
            信访来源="市交办",
            姓名="李四",
            身份证号码=110105199007123420.0,
            内容摘要="反映拆迁补偿",
            问题分类="城乡建设",
            告知日期="2025-04-02",
            办理情况="办理中",
        ),
        _row(
            序号=3,
            信访编号="SW2025-003",
            信访日期=45800,
            信访方式="电话",
            信访来源="直接受理",
            姓名="王五",
            手机="0531-86001234",
            内容摘要="反映农民负担",
            问题分类="土地承包",
            责任单位="办公室",
            告知日期="2025-05-26",
            回复日期="2025-06-01",
            办理情况="已结案",
            群众满意度="基本满意",
        ),
        _row(
            序号=4,
            信访编号="SW2025-004",
            信访日期="2025-07-01",
            信访方式="网上信访",
            姓名="赵六",
            身份证号码=ID_B,
            内容摘要="反映物业",
            问题分类="城乡",
            办理情况="待受理",
        ),
        _row(
            序号=5,
            信访编号="SW2025-005",
            信访日期="2025-08-01",
            信访方式="来信",
            姓名="孙七",
            身份证号码=ID_C,
            内容摘要="要求撤销判决",
            问题分类="政法",
            告知日期="2025-08-05",
            办理情况="不予受理",
            备注="属诉讼事项",
        ),
        _row(
            序号=6,
            信访编号="SW2025-006",
            信访日期="2025-09-10",
            信访方式="来电",
            姓名="周八",
            内容摘要="咨询政策",
            办理情况="已办结",
        ),
        [],
        _row(
            序号=7,
            信访编号="SW2025-007",
            信访日期=20251010,
            信访方式="来信",
            姓名="吴九",
            内容摘要="反映工资拖欠",
            问题分类="劳动和社会保障",
            责任单位="县人社局",
            告知日期="2025-10-12",
            办理情况="转送",
        ),
        _row(
            序号=8,
            信访编号="SW2025-008",
            信访日期="2025-11-01",
            信访方式="网络",
            姓名="",
            内容摘要="匿名反映",
            告知日期="2025-11-03",
            办理情况="在办",
            备注="标记：越级访；来自网信",
        ),
        _row(序号="合计", 信访人数=9),
    ]


EXPECTED_ERRORS = {
    (6, "身份证号码(G)"),  # stored as a number: digits lost
    (8, "问题分类(L)"),  # 城乡: not in the dictionary
}  # row 10, 已办结 with neither date, is no longer an error: closed, date unknown (§9)


def _cases(db: Database) -> dict[str, Case]:
    with db.read() as s:
        return {c.number: c for c in s.scalars(select(Case))}


def test_dry_run_lists_every_problem_by_row_and_column(db: Database, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "台账.xlsx", messy_rows())
    table, plan = dry_run(db, path)
    assert (plan.sheet, plan.header_row) == ("2025年", 4)
    assert {(p.row, p.column) for p in plan.errors} == EXPECTED_ERRORS
    by_row = {p.row: p for p in plan.errors}
    assert (
        "末几位已丢失" in by_row[6].message and by_row[6].value == "110105199007123424"[:15] + "000"
    )
    assert "最接近的是“城乡建设”" in by_row[8].message
    notes = {p.message for p in plan.problems if p.row == 10}
    assert "已办结但没有办结日期，导入为“办结日期不详”。" in notes
    assert [p.data.number for p in plan.rows] == [
        "SW2025-001",
        "SW2025-003",
        "SW2025-005",
        "SW2025-006",
        "SW2025-007",
        "SW2025-008",
    ]
    assert plan.skipped_rows == 2  # the blank row and 合计
    assert plan.new_departments == ["水资源科", "县人社局"] and plan.new_leaders == ["王局长"]
    # Nothing was written by the dry run.
    assert _cases(db) == {}


def test_import_refuses_rows_with_errors_and_writes_nothing(db: Database, tmp_path: Path) -> None:
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()))
    with pytest.raises(DomainError, match="2 处错误"):
        import_ledger(db, plan)
    assert _cases(db) == {}


def test_import_turns_dates_into_events(db: Database, tmp_path: Path) -> None:
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()))
    result = import_ledger(db, plan, user="测试员", source="台账.xlsx", skip_bad_rows=True)
    assert (result.created, result.skipped_rows) == (6, 2)
    cases = _cases(db)
    # 已办结 with neither a 答复 nor a 办结 date: closed, date unknown, on the 登记日期 (§9); the
    # 受理 it implies is marked inferred.
    six = cases["SW2025-006"]
    assert (six.status, six.closed_on, six.closed_date_unknown, six.decision_inferred) == (
        "已办结",
        dt.date(2025, 9, 10),
        True,
        True,
    )
    one = cases["SW2025-001"]
    assert (one.received_on, one.form, one.channel, one.persons, one.collective) == (
        dt.date(2025, 3, 5),
        "来访",
        "12345热线",
        6,
        True,
    )
    assert (one.accepted_on, one.replied_on, one.closed_on) == (
        dt.date(2025, 3, 6),
        dt.date(2025, 3, 20),
        dt.date(2025, 3, 25),
    )
    assert (one.status, one.rating, one.rated_on, one.visit_level) == (
        "已办结",
        "满意",
        dt.date(2025, 3, 25),
        "到县",
    )
    assert (one.department, one.leader) == ("水资源科", "王局长")
    # Excel serial 45800 = 2025-05-23; 已结案 without 结案日期 closes on the 回复日期, rating too.
    three = cases["SW2025-003"]
    assert (three.received_on, three.category, three.subcategory) == (
        dt.date(2025, 5, 23),
        "农村农业",
        "土地承包",
    )
    assert (three.closed_on, three.rated_on, three.rating) == (
        dt.date(2025, 6, 1),
        dt.date(2025, 6, 1),
        "基本满意",
    )
    five = cases["SW2025-005"]
    assert (five.status, five.decision_kind, five.decision_on) == (
        "不予受理",
        "不予受理",
        dt.date(2025, 8, 5),
    )
    seven = cases["SW2025-007"]
    assert (seven.received_on, seven.status, seven.decision_on) == (
        dt.date(2025, 10, 10),
        "已转送",
        dt.date(2025, 10, 12),
    )
    eight = cases["SW2025-008"]
    assert (eight.anonymous, eight.petitioner_id, eight.form, eight.status) == (
        True,
        None,
        "网上",
        "办理中",
    )
    assert (eight.skip_level, eight.remark) == (True, "来自网信")
    with db.read() as s:
        assert set(dictionaries.values(s, "department")) >= {"水资源科", "县人社局"}
        assert "王局长" in dictionaries.values(s, "leader")
        kinds = list(
            s.scalars(
                select(Event.kind).join(Case).where(Case.number == "SW2025-001").order_by(Event.seq)
            )
        )
    assert kinds == ["登记", "受理", "答复", "办结", "回访"]


def test_bulk_import_builds_the_same_cases_as_the_services(
    db: Database, tmp_path: Path, template_db: Path
) -> None:
    """The fast path must agree with intake.create_case + workflow.act, column for column."""
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()))
    reference = Database(tmp_path / "ref.sqlite3")
    import shutil

    shutil.copy(template_db, tmp_path / "ref.sqlite3")
    with reference.session() as s:
        for kind, values in (("department", plan.new_departments), ("leader", plan.new_leaders)):
            for v in values:
                dictionaries.add(s, kind, v)
        for p in plan.rows:
            case, _ = create_case(s, copy.deepcopy(p.data), required=False)
            for kind, on, data in p.events:
                act(s, case, kind, on, dict(data))
    import_ledger(db, plan, skip_bad_rows=True)
    # version/updated_by count and name the writes (issue 20): the bulk path is one write, the
    # services one per step.
    skip = {
        "id",
        "petitioner_id",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
    }
    columns = [c.key for c in Case.__table__.columns if c.key not in skip]
    people = [
        "name",
        "name_initials",
        "name_pinyin",
        "gender",
        "id_number",
        "birth_date",
        "phone",
        "address",
    ]

    def snapshot(s: Session) -> dict[str, dict[str, object]]:
        out = {}
        for c in s.scalars(select(Case)):
            row = {k: getattr(c, k) for k in columns}
            row.update(
                {f"p.{k}": getattr(c.petitioner, k) if c.petitioner else None for k in people}
            )
            out[c.number] = row
        return out

    with db.read() as a, reference.read() as b:
        got, want = snapshot(a), snapshot(b)
    reference.close()
    assert got == want
    assert got["SW2025-001"]["p.gender"] == "男" and got["SW2025-001"]["p.birth_date"] == dt.date(
        1985, 3, 4
    )


def test_a_cancelled_import_leaves_nothing(db: Database, tmp_path: Path) -> None:
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()))

    def cancel(done: int, total: int) -> None:
        if done == total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_ledger(db, plan, progress=cancel, skip_bad_rows=True)
    assert _cases(db) == {}
    with db.read() as s:
        assert "水资源科" not in dictionaries.values(s, "department")


def test_existing_numbers_are_skipped_or_updated(db: Database, tmp_path: Path) -> None:
    rows = messy_rows()
    path = write_xlsx(tmp_path / "台账.xlsx", rows)
    _, plan = dry_run(db, path)
    import_ledger(db, plan, skip_bad_rows=True)
    # The clerk later records the reply and closing of SW2025-008 in the ledger.
    eight = next(r for r in rows if r[1:2] == ["SW2025-008"])
    eight[SYNONYM_HEADER.index("回复日期")] = "2025-12-01"
    eight[SYNONYM_HEADER.index("结案日期")] = "2025-12-05"
    eight[SYNONYM_HEADER.index("办理情况")] = "已办结"
    path = write_xlsx(tmp_path / "台账2.xlsx", rows)
    _, again = dry_run(db, path)
    assert again.rows == [] and len(again.skipped_existing) == 6
    _, update = dry_run(db, path, update=True)
    result = import_ledger(db, update, skip_bad_rows=True)
    assert result.updated == 6 and result.created == 0
    case = _cases(db)["SW2025-008"]
    assert (case.status, case.replied_on, case.closed_on) == (
        "已办结",
        dt.date(2025, 12, 1),
        dt.date(2025, 12, 5),
    )
    with db.read() as s:
        assert s.scalar(select(func.count(Case.id))) == 6


def test_unknown_category_can_be_added_to_the_dictionary(db: Database, tmp_path: Path) -> None:
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()), add_unknown=True)
    assert (8, "问题分类(L)") not in {(p.row, p.column) for p in plan.errors}
    import_ledger(db, plan, skip_bad_rows=True)
    assert _cases(db)["SW2025-004"].category == "城乡"
    with db.read() as s:
        assert "城乡" in dictionaries.values(s, "category")


def test_dates_after_today_and_out_of_order_are_errors(db: Database, tmp_path: Path) -> None:
    rows = [
        SYNONYM_HEADER,
        _row(信访编号="A-1", 信访日期="2026-01-05", 信访方式="来信", 姓名="甲"),
        _row(
            信访编号="A-2",
            信访日期="2025-03-05",
            信访方式="来信",
            姓名="乙",
            告知日期="2025-03-10",
            回复日期="2025-03-08",
        ),
        _row(信访编号="A-2", 信访日期="2025-03-05", 信访方式="传真", 姓名="丙"),
        _row(信访编号="A-4", 信访日期="2025-02-30", 信访方式="飞鸽", 姓名="丁", 信访人数="两人"),
    ]
    _, plan = dry_run(db, write_xlsx(tmp_path / "t.xlsx", rows))
    got = {(p.row, p.column.split("(")[0]): p.message for p in plan.errors}
    assert "晚于今天" in got[(5, "信访日期")]
    assert "答复日期早于受理日期" in got[(6, "回复日期")]
    assert "重复" in got[(7, "信访编号")]
    assert "不存在" in got[(8, "信访日期")]
    assert "飞鸽" in got[(8, "信访方式")] and "来信" in got[(8, "信访方式")]
    assert "应为整数" in got[(8, "信访人数")]
    assert plan.rows == []


def test_legacy_xls_with_date_cells(db: Database, tmp_path: Path) -> None:
    rows = [
        [
            "编号",
            "登记日期",
            "信访形式",
            "信访人",
            "反映问题",
            "受理日期",
            "答复日期",
            "办结日期",
            "满意度",
        ],
        [
            "XF2024-0007",
            dt.date(2024, 6, 3),
            "来访",
            "钱十",
            "反映灌溉渠道失修",
            dt.date(2024, 6, 4),
            dt.date(2024, 7, 1),
            dt.date(2024, 7, 2),
            "满意",
        ],
        ["合计：1件", None, None, None, None, None, None, None, None],
    ]
    path = write_xls(tmp_path / "旧台账.xls", rows)
    _, plan = dry_run(db, path)
    assert plan.problems == [] and plan.header_row == 3
    import_ledger(db, plan)
    case = _cases(db)["XF2024-0007"]
    assert (case.received_on, case.closed_on, case.rating) == (
        dt.date(2024, 6, 3),
        dt.date(2024, 7, 2),
        "满意",
    )
    # The counter moved past the imported number, so it is never handed out again.
    from app.cases.intake import next_number

    with db.session() as s:
        assert next_number(s, 2024) == "XF2024-0008"


def test_gbk_csv(db: Database, tmp_path: Path) -> None:
    rows = [
        ["序号", "编号", "日期", "方式", "姓名", "电话", "主要问题", "类别", "状态"],
        [
            "1",
            "C-1",
            "2025年3月5日",
            "来电",
            "欧阳娜",
            "13912345678",
            "反映噪声扰民",
            "环境保护",
            "待受理",
        ],
        [
            "2",
            "C-2",
            "2025.3.6",
            "来信",
            "司马强",
            "",
            "反映垃圾焚烧异味",
            "环境保护",
            "办理中",
        ],
    ]
    path = write_csv(tmp_path / "台账.csv", rows, "gbk")
    _, plan = dry_run(db, path)
    assert plan.errors == []
    import_ledger(db, plan)
    cases = _cases(db)
    assert cases["C-1"].status == "待受理" and cases["C-1"].received_on == dt.date(2025, 3, 5)
    # 办理中 without a 受理日期: accepted on the day it was received, with a note saying so.
    assert cases["C-2"].accepted_on == dt.date(2025, 3, 6)
    assert cases["C-2"].decision_inferred  # left out of 及时受理率 (§9)
    # The sheet has no 受理日期 column: the summary counts it, instead of a note on every row.
    assert any("1 行没有受理日期，按登记日期推定受理" in line for line in plan.summary)


def test_file_without_a_header_says_so(db: Database, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", [["a", "b"], ["1", "2"]], "utf-8")
    with pytest.raises(DomainError, match="找不到表头行"):
        dry_run(db, path)
    (tmp_path / "x.docx").write_bytes(b"PK")
    with pytest.raises(DomainError, match="不支持的文件类型"):
        dry_run(db, tmp_path / "x.docx")
    with pytest.raises(DomainError, match="找不到文件"):
        dry_run(db, tmp_path / "missing.xlsx")


def test_csv_with_old_mac_line_ends(db: Database, tmp_path: Path) -> None:
    text = "编号,登记日期,信访形式,信访人\rM-1,2025-03-05,来信,张三\rM-2,2025-03-06,来电,李四\r"
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode("gb18030"))
    _, plan = dry_run(db, path)
    assert [p.data.number for p in plan.rows] == ["M-1", "M-2"]


def test_a_stray_cell_far_away_is_refused_before_reading(db: Database, tmp_path: Path) -> None:
    """python-calamine would allocate the whole A1:XFD1048576 box and abort the program."""
    rows = messy_rows()[:3]
    path = write_xlsx(tmp_path / "远.xlsx", rows)
    wb = openpyxl.load_workbook(path)
    wb.active["XFD1048576"] = "x"
    wb.save(path)
    with pytest.raises(DomainError, match="使用范围是 A1:XFD1048576"):
        dry_run(db, path)


def test_a_failing_update_row_is_reported_and_nothing_is_written(
    db: Database, tmp_path: Path
) -> None:
    rows = messy_rows()
    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", rows))
    import_ledger(db, plan, skip_bad_rows=True)
    before = {n: (c.status, c.closed_on) for n, c in _cases(db).items()}
    _, same = dry_run(db, write_xlsx(tmp_path / "台账1.xlsx", rows), update=True)
    eight = next(r for r in rows if r[1:2] == ["SW2025-008"])
    eight[SYNONYM_HEADER.index("回复日期")] = "2025-12-01"
    eight[SYNONYM_HEADER.index("结案日期")] = "2025-11-01"  # closed before the reply: impossible
    eight[SYNONYM_HEADER.index("办理情况")] = "已办结"
    _, update = dry_run(db, write_xlsx(tmp_path / "台账2.xlsx", rows), update=True)
    new = {(p.row, p.message) for p in update.errors} - {(p.row, p.message) for p in same.errors}
    assert new, "the impossible update row is reported by the dry run"
    with pytest.raises(DomainError):
        import_ledger(db, update)  # bad rows present and not skipped: the whole import refused
    assert {n: (c.status, c.closed_on) for n, c in _cases(db).items()} == before


def test_the_dry_run_applies_the_intake_rules_themselves(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One home per rule: a ledger row is refused by the very check intake uses, with its
    message at the column it names."""
    from app.cases import intake
    from app.ledger import plan as ledger_plan

    rows = [
        SYNONYM_HEADER,
        _row(信访编号="R-1", 信访日期="2025-03-05", 信访方式="来信", 姓名="甲", 信访人数=0),
        _row(信访编号="R-2", 信访日期="2025-03-05", 信访方式="来信", 姓名="乙"),
    ]
    _, plan = dry_run(db, write_xlsx(tmp_path / "t.xlsx", rows))
    got = {(p.row, p.column.split("(")[0]): p.message for p in plan.errors}
    with pytest.raises(DomainError) as refused:
        intake.check_case(
            case_input(received_on=dt.date(2025, 3, 5), form="来信", name="甲", persons=0),
            intake.Choices(["直接受理"], [], lambda _p: []),
        )
    assert got == {(5, "信访人数"): refused.value.message}  # the first data row, under the title
    assert [r.data.number for r in plan.rows] == ["R-2"]

    calls: list[str] = []

    def refuse_all(
        data: intake.CaseInput, _choices: intake.Choices, imported: bool = False
    ) -> list[str]:
        calls.append(data.number)
        raise DomainError("规则拒绝", field="summary")

    monkeypatch.setattr(ledger_plan, "check_case", refuse_all)
    _, plan = dry_run(db, write_xlsx(tmp_path / "t2.xlsx", rows[:1] + rows[2:]))
    assert calls == ["R-2"] and plan.rows == []
    assert [(p.row, p.message) for p in plan.errors] == [(5, "规则拒绝")]


def test_imported_audit_rows_keep_the_hash_chain_whole(db: Database, tmp_path: Path) -> None:
    """The bulk import links its audit rows into the chain itself; `clock.now()` is on a whole
    second, which must be hashed as SQLite stores it ("… 09:00:00.000000")."""
    import sqlite3

    from app import audit

    _, plan = dry_run(db, write_xlsx(tmp_path / "台账.xlsx", messy_rows()))
    import_ledger(db, plan, skip_bad_rows=True)
    conn = sqlite3.connect(db.path)
    try:
        assert conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 6
        assert audit.verify_chain(conn) is None
    finally:
        conn.close()
