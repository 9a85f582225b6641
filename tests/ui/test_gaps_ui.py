"""The case page and the dashboard for imported cases with gaps (docs/rules.md, 统计): what
情况不详 means and the 补录 buttons, 办结日期不详, （导入推定）, the ledger's kept columns, readable
情况不详/退回 rows, and the dashboard's note of what its figures leave out."""

import datetime as dt

import pytest
from accounts import TESTER
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot
from stats_helpers import add, closed_date_unknown, imported, unknown

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from app.models import Case
from app.office.service import OfficeService
from app.stats.service import StatisticsService
from ui.cases.case_list import COLUMNS
from ui.cases.case_page import UNKNOWN_NOTICE, CasePage, event_row
from ui.cases.filter_bar import FilterBar
from ui.dashboard.dashboard import Dashboard
from ui.tasks import TaskRunner

D = dt.date


@pytest.fixture
def page(qtbot: QtBot, db: Database, cases: CaseService) -> CasePage:
    w = CasePage(cases, None, DocumentService(db, TESTER))
    qtbot.addWidget(w)
    w.show()
    return w


def _timeline(page: CasePage) -> list[list[str]]:
    t = page.timeline
    return [
        [t.item(r, c).text() for c in range(t.columnCount())]  # type: ignore[union-attr]
        for r in range(t.rowCount())
    ]


def _details(page: CasePage) -> dict[str, str]:
    out = {}
    for row in range(page.details.rowCount()):
        label = page.details.itemAt(row, page.details.ItemRole.LabelRole).widget()
        value = page.details.itemAt(row, page.details.ItemRole.FieldRole).widget()
        out[label.text()] = value.text()  # type: ignore[attr-defined]
    return out


def test_unknown_case_says_what_it_means_and_offers_the_decisions(
    page: CasePage, db: Database, cases: CaseService
) -> None:
    b = add(cases, D(2025, 3, 3))
    unknown(db, b, D(2025, 11, 20))
    page.show_case(cases.detail(b).id)
    assert page.notice.isVisible() and UNKNOWN_NOTICE in page.notice.text()
    assert UNKNOWN_NOTICE == "导入台账时没有办理情况，请补录实际办理过程"
    assert list(page.action_buttons) == ["受理", "不予受理", "转送", "交办", "作废"]
    assert not page.undo_button.isEnabled()  # the import's step is not the clerk's to undo
    assert "情况不详" in page.heading.text() and "超期" not in page.heading.text()
    assert "情况不详" in page.deadlines.text() and "告知期限" not in page.deadlines.text()
    rows = _timeline(page)
    assert rows[1][:2] == ["2025-11-20", "情况不详"] and UNKNOWN_NOTICE in rows[1][3]
    assert "status_unknown" not in rows[1][3]

    # 补录 from the page: the 受理 dialog says to use the real date.
    dialog = page.start_action("受理")
    assert dialog is not None
    assert any("补录：请按实际办理日期填写" in w.text() for w in dialog.findChildren(QLabel))
    dialog.reject()
    page.set_detail(cases.act(b, "受理", D(2025, 3, 5)))
    assert not page.notice.isVisible() and page.undo_button.isEnabled()
    assert "受理" not in page.action_buttons and "答复" in page.action_buttons


def test_closed_date_unknown_inferred_steps_and_kept_columns(
    page: CasePage, db: Database, cases: CaseService
) -> None:
    d = add(cases, D(2025, 1, 10))
    closed_date_unknown(db, d, replied=D(2025, 6, 30))
    with db.session() as s:
        case = s.query(Case).filter_by(number=d).one()
        case.extra = {"领导批示": "请信访科跟进", "登记人": "李梅", "拟办意见": ""}
    page.show_case(cases.detail(d).id)
    text = page.deadlines.text()
    assert "办结日期不详" in text and "2025-06-30" in text
    assert "（导入推定）" in text  # 告知（受理（导入推定））
    rows = _timeline(page)
    kinds = [r[1] for r in rows]
    assert kinds == ["登记", "受理（导入推定）", "答复", "办结"]
    assert rows[3][0].startswith("办结日期不详")
    assert all("inferred" not in r[3] and "date_unknown" not in r[3] for r in rows)
    details = _details(page)
    assert details["领导批示（台账）："] == "请信访科跟进"
    assert details["登记人（台账）："] == "李梅"
    assert "拟办意见（台账）：" not in details  # an empty kept column is not shown
    # The case list's 办结日期 column does not pass the stand-in date off as the real one.
    closed = next(c for c in COLUMNS if c.key == "closed_on")
    (row,) = cases.page(CaseFilter(ids=[cases.detail(d).id]))
    assert closed.value(row) == "不详"


def test_a_returned_assignment_reads_plainly(db: Database, cases: CaseService) -> None:
    c = add(cases, D(2025, 3, 3))
    imported(db, c, ("交办", D(2025, 3, 4), {"to": "镇政府"}), ("退回", D(2025, 3, 10)))
    e = cases.detail(c).events[-1]
    row = event_row(e.kind, "2025-03-10", e.recorded_by, e.data)
    assert row[1] == "退回" and "退回交办" in row[3] and "理由：不属本单位职责" in row[3]
    assert cases.detail(c).status == "办理中"


def test_dashboard_says_what_the_figures_leave_out_and_lists_the_unknown_cases(
    qtbot: QtBot, db: Database, cases: CaseService
) -> None:
    numbers = [add(cases, D(2025, 2, 1) + dt.timedelta(days=i)) for i in range(12)]
    for n in numbers:
        unknown(db, n)
    closed_date_unknown(db, add(cases, D(2025, 4, 1)))
    runner = TaskRunner()
    w = Dashboard(StatisticsService(db, TESTER), runner)
    qtbot.addWidget(w)
    w.show()
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.set_period(D(2025, 1, 1), D(2025, 12, 31))
    assert w.gaps.isVisible()
    text = w.gaps.text()
    assert (
        "12件导入时情况不详" in text
        and "1件办结日期不详" in text
        and "1件受理日期为导入推定" in text
    )
    # Not flooded: none of the twelve is open, 超期 or 临期.
    assert {k: w.cards[k].value.text() for k in ("open", "overdue", "due_soon")} == {
        "open": "0",
        "overdue": "0",
        "due_soon": "0",
    }
    with qtbot.waitSignal(w.drill_down, timeout=5000) as signal:
        w.gaps.linkActivated.emit("status_unknown")
    title, f = signal.args
    assert "情况不详（12件）" in title and len(f.ids) == 12
    runner.wait()
    with qtbot.waitSignal(w.refreshed, timeout=20000):
        w.set_period(D(2024, 1, 1), D(2024, 12, 31))
    assert not w.gaps.isVisible()
    runner.wait()


def test_the_filter_bar_finds_the_unknown_cases(
    qtbot: QtBot, db: Database, cases: CaseService
) -> None:
    b = add(cases, D(2025, 3, 3))
    unknown(db, b)
    add(cases, D(2025, 3, 4))
    bar = FilterBar(OfficeService(db, TESTER).choices())
    qtbot.addWidget(bar)
    bar.chips["statuses"].set_selected(["情况不详"])
    f = bar.apply(CaseFilter())
    assert f.statuses == ["情况不详"]
    assert [r.number for r in cases.page(f)] == [b]
