"""Closed periods (封账, issue 19): figures sent upward never drift.

The issue's Must-show list, through the command line as a clerk runs it, plus the precision of
the one flush-level check (what passes without a 更正说明), undo, the ledger import, restore and
the 同比 of a closed year.
"""

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import pytest
from accounts import CLERK_USER, TESTER
from factories import data_dir_of
from ledger_builders import SYNONYM_HEADER, write_xlsx
from sqlalchemy import select
from stats_helpers import act, add, close
from test_ledger_import import messy_rows

from app import clock, paths
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.models import AuditEntry, PeriodCorrection
from app.periods import guard
from app.periods.guard import CorrectionRequired
from app.periods.service import PeriodService
from app.stats.service import StatisticsService

D = dt.date
Y_FROM, Y_TO = D(2025, 1, 1), D(2025, 12, 31)
YEAR_NAME = "2025年1月1日至2025年12月31日"


@pytest.fixture
def office(db: Database, cases: CaseService, tmp_path: Path) -> Iterator[Database]:
    """Three 2025 cases (one closed, two open at the year's end); the CLI uses the same file."""
    paths.set_data_dir(tmp_path)
    done = add(cases, D(2025, 3, 5), "来访", category="水利")
    close(cases, done, D(2025, 3, 6), D(2025, 3, 20), D(2025, 3, 25))
    open_one = add(cases, D(2025, 4, 1), category="水利")
    act(cases, open_one, ("受理", D(2025, 4, 2)))
    add(cases, D(2025, 11, 3), category="水利")
    yield db
    paths.set_data_dir(None)


def cli(capsys: pytest.CaptureFixture[str], db: Database, *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(data_dir_of(db)), *args])
    out, err = capsys.readouterr()
    return code, out, err


def stats_json(capsys: pytest.CaptureFixture[str], db: Database, *extra: str) -> dict[str, Any]:
    code, out, err = cli(
        capsys, db, "stats", "--json", "--from", "2025-01-01", "--to", "2025-12-31", *extra
    )
    assert code == 0, err
    return json.loads(out)


def report_text(
    capsys: pytest.CaptureFixture[str], db: Database, out: Path, frm: str, to: str, *extra: str
) -> str:
    code, _, err = cli(
        capsys,
        db,
        "report",
        "--template",
        "年度信访工作报告",
        "--from",
        frm,
        "--to",
        to,
        "--out",
        str(out),
        *extra,
    )
    assert code == 0, err
    document = docx.Document(out)
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return "\n".join([*(p.text for p in document.paragraphs), *cells])


def add_args(received: str) -> list[str]:
    return [
        "case", "add", "--name", "李四", "--form", "来信", "--received", received,
        "--summary", "反映漏登的饮水问题", "--category", "水利",
    ]  # fmt: skip


def test_close_correct_report_diff_carry_and_reopen(
    office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Close 2025.
    code, out, err = cli(
        capsys, office, "period", "close", "--from", "2025-01-01", "--to", "2025-12-31"
    )
    assert code == 0, err
    assert "已封账" in out and "信访总量 3 件" in out
    frozen = stats_json(capsys, office, "--frozen")
    assert frozen == stats_json(capsys, office)  # frozen exactly as `stats --json` gave it
    assert frozen["total"] == 3 and frozen["open_at_end"] == 2

    # A write without a reason is refused, naming the period; nothing is written.
    code, _, err = cli(capsys, office, *add_args("2025-06-01"))
    assert code == 1
    assert f"{YEAR_NAME}已封账" in err and "更正说明" in err
    assert stats_json(capsys, office)["total"] == 3

    # With a reason it goes through (written anywhere on the line), audited and recorded.
    code, out, err = cli(
        capsys, office, *add_args("2025-06-01"), "--correction-reason", "补录漏登件"
    )
    assert code == 0, err
    live = stats_json(capsys, office)
    assert live["total"] == 4  # live stats show the new total
    assert stats_json(capsys, office, "--frozen") == frozen  # the snapshot is untouched
    with office.read() as s:
        corrections = list(s.scalars(select(PeriodCorrection)))
        audited = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "更正")))
    assert [c.reason for c in corrections] == ["补录漏登件"]
    assert len(corrections[0].cases) == 1
    new_number = corrections[0].cases[0]
    assert new_number in out  # the number `case add` printed
    assert [(a.entity, a.new) for a in audited] == [("period", "补录漏登件")]

    # The 年度报告 for 2025 still shows the frozen total; --live the new one.
    text = report_text(capsys, office, tmp_path / "年报.docx", "2025-01-01", "2025-12-31")
    assert "共登记各类信访事项3件" in text and "共登记各类信访事项4件" not in text
    text = report_text(
        capsys, office, tmp_path / "年报-最新.docx", "2025-01-01", "2025-12-31", "--live"
    )
    assert "共登记各类信访事项4件" in text

    # period diff names the case and the correction behind the changed keys.
    code, out, err = cli(
        capsys, office, "period", "diff", "--from", "2025-01-01", "--to", "2025-12-31"
    )
    assert code == 0, err
    assert "total：封账 3 → 最新 4" in out and new_number in out and "补录漏登件" in out
    code, out, _ = cli(
        capsys, office, "period", "diff", "--from", "2025-01-01", "--to", "2025-12-31", "--json"
    )
    keys = {k["key"]: k for k in json.loads(out)["keys"]}
    assert keys["total"]["added"] == [new_number] and keys["open_at_end"]["added"] == [new_number]
    assert (
        "closure_rate" not in keys or keys["closure_rate"]["live"] != keys["closure_rate"]["frozen"]
    )

    # 2026: 上期结转 is 2025's frozen 期末未结, the correction beside it.
    clock.set_today(D(2026, 3, 31))
    code, out, err = cli(
        capsys, office, "stats", "--json", "--from", "2026-01-01", "--to", "2026-12-31"
    )
    j = json.loads(out)
    assert j["carried_over"] == frozen["open_at_end"] == 2
    assert j["carried_over_correction"] == 1
    text = report_text(capsys, office, tmp_path / "2026.docx", "2026-01-01", "2026-12-31")
    assert "上期结转2件（上期更正+1件）" in text

    # Reopen needs an administrator; the old snapshot is kept and listed.
    clerk = PeriodService(office, CLERK_USER)
    with pytest.raises(DomainError, match="无权"):
        clerk.reopen(Y_FROM, Y_TO, "重新核对")
    code, _, err = cli(
        capsys, office, "period", "reopen", "--from", "2025-01-01", "--to", "2025-12-31"
    )
    assert code == 2  # --reason is required
    code, out, err = cli(
        capsys,
        office,
        "period",
        "reopen",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--reason",
        "重新核对",
    )
    assert code == 0, err
    code, out, _ = cli(capsys, office, "period", "list")
    assert "已解除" in out and "重新核对" in out
    # Reopened: writes need no reason again, and the period may be closed anew.
    assert cli(capsys, office, *add_args("2025-06-02"))[0] == 0
    assert (
        cli(capsys, office, "period", "close", "--from", "2025-01-01", "--to", "2025-12-31")[0] == 0
    )
    rows = PeriodService(office, TESTER).list_all()
    assert [r.in_force for r in rows] == [True, False]
    assert [r.total for r in rows] == [5, 3]


def test_writes_that_cannot_move_a_figure_pass_without_a_reason(
    office: Database, cases: CaseService
) -> None:
    """Closed as of 2025-06-30 (the first half): text edits, steps after A and cases received
    after the period pass; a step dated inside, a counted field or a void do not."""
    periods = PeriodService(office, TESTER)
    periods.close(D(2025, 1, 1), D(2025, 6, 30))
    before = periods.frozen_json(D(2025, 1, 1), D(2025, 6, 30))
    first = _number_received(cases, D(2025, 4, 1))

    with pytest.raises(CorrectionRequired, match="2025年1月1日至2025年6月30日已封账"):
        act(cases, first, ("答复", D(2025, 6, 10)))  # dated inside: refused
    detail = cases.detail(first)
    cases.update(first, dataclasses.replace(detail.input, summary="反映饮水问题（补充说明）"))
    act(cases, first, ("答复", D(2025, 7, 10)))  # dated after A
    add(cases, D(2025, 8, 1))  # received after the period
    live = StatisticsService(office, TESTER).compute(D(2025, 1, 1), D(2025, 6, 30)).to_json()
    assert live == before  # none of it moved a figure

    with pytest.raises(CorrectionRequired):
        cases.update(first, dataclasses.replace(cases.detail(first).input, department="水资源科"))
    with pytest.raises(CorrectionRequired):
        cases.update(
            first, dataclasses.replace(cases.detail(first).input, received_on=D(2025, 3, 30))
        )
    with pytest.raises(CorrectionRequired):
        act(cases, first, ("作废", D(2025, 12, 1), {"reason": "重复登记"}))
    assert (
        StatisticsService(office, TESTER).compute(D(2025, 1, 1), D(2025, 6, 30)).to_json() == before
    )  # refused writes wrote nothing


def _number_received(cases: CaseService, day: dt.date) -> str:
    from app.cases.search import CaseFilter

    rows = cases.rows_by_id(cases.ids(CaseFilter(date_from=day, date_to=day)))
    return rows[0].number


def test_undo_of_a_step_inside_a_closed_period_needs_a_reason(
    office: Database, cases: CaseService
) -> None:
    PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    number = _number_received(cases, D(2025, 4, 1))  # its 受理 of 2025-04-02 is inside
    with pytest.raises(CorrectionRequired, match=f"{YEAR_NAME}已封账"):
        cases.undo_last(number)
    assert cases.detail(number).status == "办理中"
    with guard.correcting("受理日期录错，撤销重录"):
        cases.undo_last(number)
    assert cases.detail(number).status == "待受理"
    with office.read() as s:
        (c,) = s.scalars(select(PeriodCorrection))
        (a,) = s.scalars(select(AuditEntry).where(AuditEntry.action == "更正"))
    assert c.cases == [number] and "撤销" in c.what and c.user == TESTER.label
    assert a.user == TESTER.label and a.new == "受理日期录错，撤销重录"


def test_the_ledger_import_of_old_rows_needs_a_reason(
    office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    ledger = write_xlsx(tmp_path / "台账.xlsx", [SYNONYM_HEADER, messy_rows()[1]])
    code, _, err = cli(capsys, office, "ledger", "import", str(ledger))
    assert code == 1 and f"{YEAR_NAME}已封账" in err
    assert StatisticsService(office, TESTER).compute(Y_FROM, Y_TO).counts["total"] == 3
    code, out, err = cli(
        capsys, office, "--correction-reason", "补录2025年纸质台账", "ledger", "import", str(ledger)
    )
    assert code == 0, err
    assert StatisticsService(office, TESTER).compute(Y_FROM, Y_TO).counts["total"] == 4
    with office.read() as s:
        (c,) = s.scalars(select(PeriodCorrection))
    assert c.reason == "补录2025年纸质台账" and c.cases == ["SW2025-001"]


def test_each_exact_period_closes_on_its_own(office: Database, cases: CaseService) -> None:
    periods = PeriodService(office, TESTER)
    year = periods.close(Y_FROM, Y_TO)
    quarter = periods.close(D(2025, 10, 1), Y_TO)
    month = periods.close(D(2025, 11, 1), D(2025, 11, 30))
    assert {year.total, quarter.total, month.total} == {3, 1}
    with pytest.raises(DomainError, match="已经封账"):
        periods.close(Y_FROM, Y_TO)
    # A case in December touches the year and the quarter, not November.
    with guard.correcting("补录"):
        add(cases, D(2025, 12, 5))
    with office.read() as s:
        touched = sorted(c.snapshot_id for c in s.scalars(select(PeriodCorrection)))
    assert touched == sorted([year.id, quarter.id])
    # Each frozen JSON is what the live statistics were at its closing.
    assert (
        periods.frozen_json(D(2025, 11, 1), D(2025, 11, 30))
        == StatisticsService(office, TESTER).compute(D(2025, 11, 1), D(2025, 11, 30)).to_json()
    )


def test_the_snapshot_records_the_files_issued_for_it_and_survives_a_restore(
    office: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "年报.docx"
    report_text(capsys, office, out, "2025-01-01", "2025-12-31")
    report_text(capsys, office, tmp_path / "半年.docx", "2025-01-01", "2025-06-30")
    from app.cases.search import CaseFilter
    from app.ledger.service import LedgerService

    ledger = tmp_path / "台账.xlsx"
    LedgerService(office, TESTER).export(CaseFilter(date_from=Y_FROM, date_to=Y_TO), ledger)
    LedgerService(office, TESTER).export(CaseFilter(), tmp_path / "全部.xlsx")  # no period
    snap = PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    assert [(f["kind"], f["path"]) for f in snap.files] == [
        ("报告", str(out.resolve())),
        ("台账", str(ledger.resolve())),
    ]  # exactly that period's
    import hashlib

    assert snap.files[0]["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()

    if office.is_server:
        return  # a server is backed up by pg_dump, not restored from a file copy
    copy = tmp_path / "copy" / "备份.sqlite3"
    assert cli(capsys, office, "backup", "--out", str(copy))[0] == 0
    office.close()
    assert (
        cli(
            capsys,
            office,
            "period",
            "reopen",
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--reason",
            "试验",
        )[0]
        == 0
    )
    assert cli(capsys, office, "restore", str(copy), "--yes")[0] == 0
    code, out_text, _ = cli(capsys, office, "period", "list", "--json")
    (row,) = json.loads(out_text)
    assert row["reopened_at"] is None and row["total"] == 3 and len(row["files"]) == 2


def test_yoy_last_uses_the_snapshot_of_a_closed_year(office: Database, cases: CaseService) -> None:
    PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    with guard.correcting("补录"):
        add(cases, D(2025, 2, 1))
    clock.set_today(D(2026, 12, 31))
    stats = StatisticsService(office, TESTER).compute(D(2026, 1, 1), D(2026, 12, 31))
    assert stats.to_json()["yoy"]["total"]["last"] == 3  # as reported, not the live 4
    # A period that is not exactly a closed one compares with live figures.
    half = StatisticsService(office, TESTER).compute(D(2026, 1, 1), D(2026, 11, 30))
    assert half.to_json()["yoy"]["total"]["last"] == 4


def test_correction_reason_option_is_taken_anywhere_and_must_not_be_empty(
    office: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    code, _, err = cli(capsys, office, *add_args("2025-06-01"), "--correction-reason", " ")
    assert code == 2 and "更正说明" in err
    code, _, err = cli(capsys, office, *add_args("2025-06-01"), "--correction-reason=补录")
    assert code == 0, err


def test_a_setting_change_needs_no_reason_and_period_diff_lists_what_it_moved(
    office: Database, cases: CaseService
) -> None:
    from app.office.service import OfficeService

    done = _number_received(cases, D(2025, 3, 5))  # closed on 3-25
    with guard.correcting("补录回访"):  # not closed yet: the reason is simply unused
        act(cases, done, ("回访", D(2025, 3, 28), {"rating": "基本满意"}))
    periods = PeriodService(office, TESTER)
    periods.close(Y_FROM, Y_TO)
    assert periods.moved() == []
    assert periods.frozen_json(Y_FROM, Y_TO)["satisfaction_rate"] == 1.0
    OfficeService(office, TESTER).update_settings({"count_basic_satisfied": False})  # no reason
    diff = periods.diff(Y_FROM, Y_TO)
    moved = {k.key: (k.frozen, k.live) for k in diff.keys}
    assert moved == {"satisfaction_rate": (1.0, 0.0)}
    assert diff.corrections == [] and any(
        "满意率" in line or "count_basic" in line for line in diff.settings
    )
    ((snap, keys),) = periods.moved()
    assert snap.date_to == Y_TO and keys == ["satisfaction_rate"]
    # The report keeps the frozen rate.
    assert periods.frozen(Y_FROM, Y_TO).rate("satisfaction_rate") == 1.0


def test_a_frozen_report_lists_the_cases_it_counted(office: Database, cases: CaseService) -> None:
    from app.documents import report_context

    PeriodService(office, TESTER).close(Y_FROM, Y_TO)
    with guard.correcting("补录"):
        late = add(cases, D(2025, 6, 1))
    frozen = report_context.compute(office, Y_FROM, Y_TO, None)
    live = report_context.compute(office, Y_FROM, Y_TO, None, live=True)
    listed = [c["number"] for c in report_context.build(office, frozen)["cases"]]
    assert len(listed) == 3 and late not in listed
    assert late in [c["number"] for c in report_context.build(office, live)["cases"]]


def test_key_names_are_the_clerks_words() -> None:
    from app.stats.labels import key_name

    assert key_name("total") == "信访总量"
    assert key_name("by_form.来信") == "信访形式“来信”"
    assert key_name("by_month.2025-06") == "月份“2025-06”"
    assert key_name("outgoing.supervisions") == "outgoing.supervisions"  # no name: as it is


def test_moved_recomputes_only_after_a_correction_or_setting_change(
    office: Database, cases: CaseService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard asks after every save; a whole statistics computation each time would make
    every save wait for it."""
    from app.office.service import OfficeService
    from app.periods import service as period_service

    clock.set_today(D(2026, 3, 31))
    periods = PeriodService(office, TESTER)
    periods.close(Y_FROM, Y_TO)
    with guard.correcting("补录"):
        add(cases, D(2025, 6, 1))
    computed: list[dt.date] = []
    real = period_service.compute_in

    def counting(s: Any, date_from: dt.date, *a: Any, **k: Any) -> Any:
        computed.append(date_from)
        return real(s, date_from, *a, **k)

    monkeypatch.setattr(period_service, "compute_in", counting)
    first = periods.moved()
    assert first and "total" in first[0][1] and len(computed) == 1
    add(cases, D(2026, 1, 5))  # an ordinary write outside the closed period
    assert periods.moved() == first and len(computed) == 1  # answered without recomputing
    with guard.correcting("再补录"):
        add(cases, D(2025, 7, 1))
    periods.moved()
    assert len(computed) == 2  # a new correction: recomputed
    OfficeService(office, TESTER).update_settings({"count_basic_satisfied": False})
    periods.moved()
    assert len(computed) == 3  # a setting change: recomputed
