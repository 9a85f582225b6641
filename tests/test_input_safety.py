"""Issue 16 items 7, 8 and the free-text part of 10: what one bad value used to break.

A control character, the year 0001 or a 20-digit number is refused at input with a message;
old data holding them no longer breaks the export; text starting with = + - @ is written as
text; the masked export masks ID and phone numbers typed inside 反映问题 and 备注."""

import datetime as dt
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from accounts import TESTER
from factories import case_input

from app.cases.intake import CaseInput
from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cli import main
from app.db import Database
from app.errors import DomainError
from app.ledger.export import export_ledger

ID = "110101199003074514"
PHONE = "13800138000"


def _case(**kw: object) -> CaseInput:
    base: dict[str, object] = {"received_on": dt.date(2025, 12, 1), "form": "来信", "name": "张三"}
    base.update(kw)
    return case_input(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"summary": "反映\x01问题"}, "summary"),
        ({"name": "张\x1b三"}, "name"),
        ({"remark": "\x00"}, "remark"),
        ({"received_on": dt.date(1, 1, 1)}, "received_on"),
        ({"received_on": dt.date(1949, 9, 30)}, "received_on"),
        ({"petition_on": dt.date(1900, 1, 1)}, "petition_on"),
        ({"persons": 99999999999999999999}, "persons"),
        ({"persons": 100_001}, "persons"),
        ({"involved_persons": 10**19}, "involved_persons"),
    ],
)
def test_bad_values_are_refused_at_the_field(cases: CaseService, kw: dict, field: str) -> None:
    with pytest.raises(DomainError) as refused:
        cases.create(_case(**kw))
    assert refused.value.field == field


def test_the_earliest_date_and_a_large_visit_are_accepted(cases: CaseService) -> None:
    cases.create(_case(received_on=dt.date(1949, 10, 1), persons=100_000))


def test_handling_dates_and_deadlines_are_bounded(cases: CaseService) -> None:
    n = cases.create(_case()).number
    with pytest.raises(DomainError, match="一年以后"):
        cases.act(n, "交办", dt.date(2025, 12, 3), {"to": "城管局", "deadline": "2027-06-01"})
    with pytest.raises(DomainError, match="控制字符"):
        cases.act(n, "交办", dt.date(2025, 12, 3), {"to": "城管\x07局", "deadline": "2026-01-20"})
    # Within a year but past the statutory handling due (§3): refused, naming that date.
    with pytest.raises(DomainError, match="晚于法定办理期限 2026-02-02"):
        cases.act(n, "交办", dt.date(2025, 12, 3), {"to": "城管局", "deadline": "2026-12-01"})
    cases.act(n, "交办", dt.date(2025, 12, 3), {"to": "城管局", "deadline": "2026-01-20"})


def test_the_cli_gives_messages_not_tracebacks(
    db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(db.path.parent)
    db.close()
    code = main(
        ["--data-dir", data, "case", "add", "--form", "来信", "--received", "2025-12-01"]
        + ["--name", "张三", "--persons", "99999999999999999999"]
    )
    err = capsys.readouterr().err
    assert code == 1 and "人数" in err and "Traceback" not in err
    code = main(["--data-dir", data, "case", "add", "--form", "来信", "--received", "0001-01-01"])
    err = capsys.readouterr().err
    assert code == 1 and "1949-10-01" in err
    assert main(["--data-dir", data, "case", "list", "--limit", "99999999999999999999"]) == 0
    assert "共 " in capsys.readouterr().out


def _old_bad_data(db: Database) -> None:
    """Cases written before these checks: a control character and the year 0001."""
    service = CaseService(db, TESTER)
    a = service.create(_case(summary="原来的摘要")).number
    b = service.create(_case(name="李四")).number
    conn = sqlite3.connect(db.path)
    conn.execute("UPDATE cases SET summary = 'bad\x01\x0bchar' WHERE number = ?", (a,))
    conn.execute("UPDATE cases SET received_on = '0001-01-01' WHERE number = ?", (b,))
    conn.commit()
    conn.close()


def test_old_bad_data_no_longer_breaks_the_export(db: Database, tmp_path: Path) -> None:
    _old_bad_data(db)
    out = tmp_path / "台账.xlsx"
    result = export_ledger(db, CaseFilter(), out, with_stats=False)
    assert result.rows == 2
    values = [
        c for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True) for c in row
    ]
    assert "badchar" in values
    assert "0001-01-01" in values


def test_formula_text_is_written_as_text(cases: CaseService, db: Database, tmp_path: Path) -> None:
    cases.create(_case(name='=HYPERLINK("http://x","点我")', summary="+1+2"))
    cases.create(_case(name="@SUM(A1)", summary="-3-4", remark="=cmd|' /C calc'!A0"))
    out = tmp_path / "台账.xlsx"
    export_ledger(db, CaseFilter(), out, with_stats=False)
    ws = openpyxl.load_workbook(out).active
    texts = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                texts[cell.value] = cell.data_type
    for text in ('=HYPERLINK("http://x","点我")', "+1+2", "@SUM(A1)", "-3-4"):
        assert texts.get(text) == "s", (text, texts)
    assert not any(t == "f" for t in texts.values())


def test_the_masked_export_masks_numbers_typed_in_free_text(
    cases: CaseService, db: Database, tmp_path: Path
) -> None:
    cases.create(
        _case(summary=f"本人身份证{ID}，电话{PHONE}，座机0531-86001234", remark=f"回电{PHONE}")
    )
    out = tmp_path / "台账.xlsx"
    export_ledger(db, CaseFilter(), out, mask=True, with_stats=False)
    cells = " ".join(
        str(c)
        for row in openpyxl.load_workbook(out).active.iter_rows(values_only=True)
        for c in row
    )
    assert ID not in cells and PHONE not in cells and "86001234" not in cells
    assert "1101**********4514" in cells and "138****8000" in cells
