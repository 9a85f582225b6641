"""设置 → 节假日 → 导入国务院通知: paste, review, save (in the background), the list reloads."""

import datetime as dt

import pytest
from accounts import account
from pytestqt.qtbot import QtBot
from test_holiday_notice import NOTICE_2025, NOTICE_2027

from app.cases.deadlines import known_years
from app.cases.service import CaseService
from app.db import Database
from app.office.service import OfficeService
from ui.dashboard.dashboard import Dashboard
from ui.settings import holiday_editor
from ui.settings.holiday_editor import HolidayEditor
from ui.settings.holiday_import import NoticeImportDialog
from ui.tasks import TaskRunner

D = dt.date


def test_paste_review_and_save(qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    if 2027 in known_years():
        pytest.skip("the calendar package now knows 2027")
    dialog = NoticeImportDialog(2027)
    qtbot.addWidget(dialog)
    dialog.text.setPlainText("关于2027年部分节假日安排的通知 一、春节：2月6日起休息。")
    assert not dialog.save.isEnabled() and "2月6日起休息" in dialog.message.text()
    dialog.text.setPlainText(NOTICE_2025)
    assert not dialog.save.isEnabled() and "已内置" in dialog.message.text()
    dialog.text.setPlainText(NOTICE_2027)
    assert dialog.save.isEnabled() and dialog.table.rowCount() == 7
    assert dialog.table.item(1, 0).text() == "春节"
    assert dialog.table.item(1, 1).text() == "02月05日 至 02月13日，共 9 天"
    assert dialog.table.item(1, 2).text() == "02月20日（星期六）"

    class Pasted(NoticeImportDialog):
        def exec(self) -> int:
            self.text.setPlainText(NOTICE_2027)
            return NoticeImportDialog.DialogCode.Accepted.value

    monkeypatch.setattr(holiday_editor, "NoticeImportDialog", Pasted)
    office = OfficeService(db, account("管理员"))
    editor = HolidayEditor(office, TaskRunner())
    qtbot.addWidget(editor)
    with qtbot.waitSignal(editor.changed, timeout=20000):
        editor.import_button.click()
    assert editor.year.value() == 2027
    assert editor.table.rowCount() == 34
    assert "已导入 2027 年" in editor.message.text()
    assert len(office.holidays(2027)) == 34


def test_dashboard_says_next_year_has_no_holidays(qtbot: QtBot, db: Database) -> None:
    from app import clock
    from app.stats.service import StatisticsService

    last = known_years().stop - 1
    office = OfficeService(db, account("管理员"))
    clock.set_today(D(last, 10, 31))
    w = Dashboard(StatisticsService(db, account("管理员")), TaskRunner(), office=office)
    qtbot.addWidget(w)
    w._show_holiday_note()
    assert w.holiday_note.isHidden()  # before November nothing is published yet
    clock.set_today(D(last, 11, 1))
    w._show_holiday_note()
    assert not w.holiday_note.isHidden() and f"{last + 1} 年" in w.holiday_note.text()
    office.put_holidays(D(last + 1, 1, 1), D(last + 1, 1, 1), True, "元旦")
    w._show_holiday_note()
    assert not w.holiday_note.isHidden()  # one day typed in is not next year's schedule
    spring = next(D(last + 1, 2, d) for d in range(1, 28) if D(last + 1, 2, d).weekday() < 5)
    office.put_holidays(spring, spring, True, "春节")
    w._show_holiday_note()
    assert w.holiday_note.isHidden()  # the office list knows next year now
    clock.set_today(D(last - 1, 11, 1))
    office.remove_holidays([D(last + 1, 1, 1), spring])
    w._show_holiday_note()
    assert w.holiday_note.isHidden()  # the package knows next year


def test_case_list_marks_estimated_due_dates(db: Database, cases: CaseService) -> None:
    from factories import case_input

    from app import clock
    from app.cases import search
    from app.cases.search import CaseFilter
    from ui.cases.case_list import COLUMNS

    due = next(c for c in COLUMNS if c.key == "due")
    last = known_years().stop - 1
    clock.set_today(D(last, 12, 20))
    late = cases.create(case_input(received_on=D(last, 12, 20), form="来信", anonymous=True))
    early = cases.create(case_input(received_on=D(last, 6, 2), form="来信", anonymous=True))
    with db.read() as s:
        rows = {r.number: r for r in search.page(s, CaseFilter())}
    assert due.value(rows[late.number]).endswith("（估算）")  # 15 days run into next year
    assert due.value(rows[early.number]).startswith("告知 ")
    assert "估算" not in due.value(rows[early.number])
