"""设置 → 节假日 → 导入国务院通知: paste, review, save (in the background), the list reloads."""

import pytest
from accounts import account
from pytestqt.qtbot import QtBot
from test_holiday_notice import NOTICE_2025, NOTICE_2027

from app.cases.deadlines import known_years
from app.db import Database
from app.office.service import OfficeService
from ui.settings import holiday_editor
from ui.settings.holiday_editor import HolidayEditor
from ui.settings.holiday_import import NoticeImportDialog
from ui.tasks import TaskRunner


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
