"""Issue 20: another clerk changed the case that is open on this clerk's screen. The stale save
is refused with the message, nothing typed is lost, and the page shows the case as it is."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import case_input
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox
from pytestqt.qtbot import QtBot

from app.cases.service import CaseService
from app.db import Database
from app.safety.auth import ADMIN, CurrentUser
from app.services import Services
from ui.main_window import MainWindow

LI = CurrentUser("lisi", "李四", ADMIN)
STALE = "此件已被李四于"


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> None:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Message boxes shown (answered as OK/No at once); an unexpected error fails the test."""
    shown: list[str] = []

    def record(*args: object, **_kw: object) -> QMessageBox.StandardButton:
        shown.append(" ".join(str(a) for a in args[1:3]))
        return QMessageBox.StandardButton.Ok

    def report(_parent: object, exc: BaseException, details: str = "") -> None:
        raise AssertionError(f"程序出错：{exc!r}\n{details}")

    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, record)
    monkeypatch.setattr("ui.errors.report", report)
    return shown


@pytest.fixture
def li(db: Database) -> Iterator[CaseService]:
    """The other clerk: their own program on the same database."""
    if db.is_server:
        assert db.url is not None
        second = Database(db.url.render_as_string(hide_password=False))
    else:
        second = Database(db.path)
    yield CaseService(second, LI)
    second.close()


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    w = MainWindow(Services(db, CurrentUser("zhangsan", "张三", ADMIN)))
    w.resize(1366, 768)
    w.show()
    idle(qtbot, w)
    yield w
    w.runner.wait()
    for form in (w.pages.get("intake"), w.editor):
        if form is not None:
            form.dirty = False
    w.close()
    w.deleteLater()
    qtbot.wait(10)


def idle(qtbot: QtBot, w: MainWindow) -> None:
    for _ in range(2):
        w.runner.wait()
        qtbot.wait(20)


def test_a_stale_action_keeps_the_dialog_and_refreshes_the_page(
    qtbot: QtBot, window: MainWindow, li: CaseService, boxes: list[str]
) -> None:
    w = window
    number = li.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    case_id = li.act(number, "受理", dt.date(2025, 12, 2)).id
    w.open_case(case_id)
    page = w.case_page
    assert page is not None and page.detail is not None
    dialog = page.start_action("答复")
    assert dialog is not None
    dialog.set_value("result", "支持")
    dialog.set_value("text", "已协调村委会恢复承包")
    # Meanwhile 李四, at another computer, records a 催办 on the same case.
    li.act(number, "催办", dt.date(2025, 12, 3), {"note": "请抓紧"})
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    assert dialog.isVisible()
    assert dialog.general.text().startswith(STALE), dialog.general.text()
    assert "请刷新后再办理" in dialog.general.text() and "没有保存" in dialog.general.text()
    assert dialog.value("text") == "已协调村委会恢复承包"  # the typing is still there
    assert [e.kind for e in li.detail(number).events] == ["登记", "受理", "催办"]
    # The page behind shows 李四's 催办 now.
    assert [e.kind for e in page.detail.events] == ["登记", "受理", "催办"]
    assert page.timeline.rowCount() == 3
    # Checked against what the clerk sees now, the same 确定 records the 答复.
    with qtbot.waitSignal(dialog.recorded, timeout=5000):
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    assert page.detail.status == "已答复"
    assert not boxes


def test_a_stale_undo_says_so_and_shows_the_case_as_it_is(
    qtbot: QtBot, window: MainWindow, li: CaseService, boxes: list[str]
) -> None:
    w = window
    number = li.create(case_input(dt.date(2025, 12, 1), "来信", name="甲")).number
    case_id = li.act(number, "受理", dt.date(2025, 12, 2)).id
    w.open_case(case_id)
    page = w.case_page
    assert page is not None
    li.act(number, "答复", dt.date(2025, 12, 3), {"result": "支持"})
    page.undo_now()  # meant to take back the 受理 the page shows as last
    idle(qtbot, w)
    assert len(boxes) == 1 and STALE in boxes[0]
    assert [e.kind for e in li.detail(number).events] == ["登记", "受理", "答复"]
    assert page.detail is not None and page.detail.events[-1].kind == "答复"
    assert page.history.item(page.history.rowCount() - 1, 5).text()  # the computer is shown


def test_a_stale_edit_keeps_the_form_and_offers_the_latest(
    qtbot: QtBot, window: MainWindow, li: CaseService, boxes: list[str]
) -> None:
    w = window
    created = li.create(case_input(dt.date(2025, 12, 1), "来信", name="甲", summary="原摘要"))
    w.edit_case(created.id)
    form = w.editor
    form.f.summary.setPlainText("张三改写的摘要")
    data = li.detail(created.number).input
    data.remark = "李四补充的备注"
    li.update(created.number, data)
    form.save()
    idle(qtbot, w)
    assert w.stack.currentWidget() is form  # not saved: the form stays
    assert STALE in form.banner.text() and "没有保存" in form.banner.text()
    assert form.f.summary.toPlainText() == "张三改写的摘要"
    assert li.detail(created.number).input.summary == "原摘要"
    # 载入最新内容 gives up the typing for 李四's version; then a save goes through.
    form._link("reload")
    assert form.f.remark.text() == "李四补充的备注"
    form.f.summary.setPlainText("张三改写的摘要")
    form.save()
    idle(qtbot, w)
    detail = li.detail(created.number)
    assert (detail.input.summary, detail.input.remark) == ("张三改写的摘要", "李四补充的备注")
    assert not boxes
