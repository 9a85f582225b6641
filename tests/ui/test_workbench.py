"""The workbench driven as a clerk drives it: type, press keys, click buttons, read the screen."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from accounts import READER_USER, TESTER
from factories import case_input
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.db import Database
from app.safety.auth import ADMIN, CurrentUser
from app.services import Services
from ui.cases.action_dialogs import ActionDialog
from ui.main_window import MainWindow

GOOD_ID = "11010519491231002X"  # GB 11643 example: 北京市朝阳区, 1949-12-31, female
BAD_ID = "110105194912310021"  # same number, wrong check digit


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path) -> None:
    """Window state goes to a temporary folder, never to the developer's own settings."""
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A message box would wait for a click that never comes: record it and fail instead."""
    shown: list[str] = []

    def record(*args: object, **_kw: object) -> QMessageBox.StandardButton:
        shown.append(" ".join(str(a) for a in args[1:3]))
        return QMessageBox.StandardButton.Cancel

    def report(_parent: object, exc: BaseException, details: str = "") -> None:
        shown.append(f"程序出错：{exc!r}\n{details}")

    for name in ("warning", "question", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, record)
    monkeypatch.setattr("ui.errors.report", report)
    yield shown
    assert not shown, shown


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    w = MainWindow(Services(db, CurrentUser("测试员", "测试员", ADMIN)))
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(1366, 768)
    w.show()
    idle(qtbot, w)
    yield w
    w.runner.wait()
    for form in (w.pages.get("intake"), w.editor):
        if form is not None:
            form.dirty = False  # closing must not stop at the 尚未保存 question
    w.close()
    w.deleteLater()
    qtbot.wait(10)


def idle(qtbot: QtBot, w: MainWindow) -> None:
    """Let the worker finish and its results reach the widgets."""
    w.runner.wait()
    qtbot.wait(20)
    w.runner.wait()
    qtbot.wait(20)


def type_text(qtbot: QtBot, widget: QWidget, text: str) -> None:
    """Type as a clerk does: Latin keys one by one, Chinese committed by the input method."""
    if text.isascii():
        qtbot.keyClicks(widget, text)
        return
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def register_through_form(qtbot: QtBot, w: MainWindow, name: str, id_number: str) -> None:
    w.go("intake")
    form = w.pages["intake"]
    f = form.f
    f.form.setCurrentText("来访")
    type_text(qtbot, f.name, name)
    qtbot.keyClicks(f.id_number, id_number)
    qtbot.keyClicks(f.phone, "13800138000")
    type_text(qtbot, f.summary, "反映土地承包经营权被收回")
    f.category.set_value("农村农业")
    f.nature.set_value("申诉求决类")
    qtbot.keyClick(f.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)


def card(w: MainWindow, key: str) -> int:
    return int(w.dashboard.cards[key].value.text())


def test_register_act_find(qtbot: QtBot, window: MainWindow, cases: CaseService) -> None:
    w = window
    cases.create(
        case_input(
            received_on=dt.date(2025, 6, 1), form="来信", name="王五", summary="反映道路破损"
        )
    )
    with qtbot.waitSignal(w.dashboard.refreshed, timeout=10000):
        w.data_changed()
    idle(qtbot, w)
    todo_before = w.todo.counts()["待受理"]
    total_before, open_before = card(w, "total"), card(w, "open")
    assert (total_before, open_before) == (1, 1)

    # A wrong check digit is marked at the field as it is typed, and saving is refused.
    register_through_form(qtbot, w, "张三", BAD_ID)
    form = w.pages["intake"]
    message = form.f.message("id_number")
    assert message.isVisible()
    assert "校验位错误" in message.text() and "应为 X" in message.text()
    idle(qtbot, w)
    assert cases.count(CaseFilter()) == 1  # only 王五: nothing was written
    assert form.banner.text().startswith("没有保存")

    # Correct it: the valid ID fills the gender and shows birth date and birthplace.
    form.f.id_number.clear()
    qtbot.keyClicks(form.f.id_number, GOOD_ID)
    assert form.f.gender.value() == "女"
    assert "1949-12-31" in message.text() and "北京" in message.text()
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        qtbot.keyClick(form.f.name, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    case_id, number = saved.args
    assert number == "XF2025-0002"
    assert "已登记 XF2025-0002" in form.banner.text()
    assert form.f.name.text() == ""  # ready for the next one
    idle(qtbot, w)
    assert w.todo.counts()["待受理"] == todo_before + 1
    # The dashboard on 工作台 moves by exactly one.
    qtbot.waitUntil(lambda: card(w, "total") == total_before + 1, timeout=10000)
    assert card(w, "open") == open_before + 1

    # Its card drills down to exactly those cases in the list.
    w.go("workbench")
    with qtbot.waitSignal(w.case_list.model.loaded, timeout=5000):
        qtbot.mouseClick(w.dashboard.cards["total"], Qt.MouseButton.LeftButton)
    assert sorted(w.case_list.model.ids) == sorted(cases.ids(CaseFilter()))
    assert len(w.case_list.model.ids) == total_before + 1
    assert w.case_list.drill_box.isVisible()
    w.case_list.clear_drill()

    # Find it by the name's pinyin initials, open it with Enter.
    w.go("cases")
    page = w.case_list
    qtbot.keyClick(page, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert page.search.hasFocus()
    idle(qtbot, w)
    qtbot.keyClicks(page.search, "zs")
    qtbot.waitUntil(lambda: page.model.filter.text == "zs", timeout=3000)
    idle(qtbot, w)
    assert page.model.ids == [case_id]
    assert page.count_label.text() == "共 1 件"
    row = page.model.row_at(0)
    assert row is not None and row.name == "张三"
    shown_id = page.model.index(0, 5).data()
    assert shown_id == "1101**********002X"  # masked in the list
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    idle(qtbot, w)
    qtbot.keyClick(page.table, Qt.Key.Key_Return)
    assert w.stack.currentWidget() is w.case_page
    assert w.case_page.detail.number == number

    # Act on it: 受理 → 答复 (refused without a result, then given) → 回访 → 办结.
    cp = w.case_page
    assert list(cp.action_buttons) == ["受理", "不予受理", "转送", "交办", "上级督办", "作废"]
    act(qtbot, w, "受理")
    assert cp.detail.status == "办理中"
    assert "办理期限" in cp.deadlines.text() and "剩余" in cp.deadlines.text()
    idle(qtbot, w)
    assert w.todo.counts()["待受理"] == todo_before

    dialog = open_dialog(qtbot, w, "答复")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert dialog.messages["result"].text() == "请填写答复结果。"
    assert dialog.isVisible()
    assert cases.detail(case_id).status == "办理中"  # nothing written
    dialog.set_value("result", "支持")
    dialog.set_value("text", "已协调村委会恢复承包")
    submit(qtbot, w, dialog)
    assert cp.detail.status == "已答复"

    act(qtbot, w, "回访", rating="满意")
    assert cp.detail.rating == "满意"
    act(qtbot, w, "办结")
    assert cp.detail.status == "已办结"
    assert [e.kind for e in cp.detail.events] == ["登记", "受理", "答复", "回访", "办结"]
    assert cp.timeline.rowCount() == 5
    assert "复查申请" in cp.action_buttons and "办结" not in cp.action_buttons

    # 撤销上一步 takes back 办结 and leaves a line in the history.
    cp.undo_now()
    idle(qtbot, w)
    assert cp.detail.status == "已答复"
    assert any(a.action == "撤销" for a in cp.detail.history)


def open_dialog(qtbot: QtBot, w: MainWindow, action: str) -> ActionDialog:
    button: QPushButton = w.case_page.action_buttons[action]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = w.case_page.dialog
    assert dialog is not None and dialog.action == action and dialog.isVisible()
    return dialog


def submit(qtbot: QtBot, w: MainWindow, dialog: ActionDialog) -> None:
    with qtbot.waitSignal(dialog.recorded, timeout=5000):
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )
    assert not dialog.isVisible()
    idle(qtbot, w)


def act(qtbot: QtBot, w: MainWindow, action: str, **values: str) -> None:
    dialog = open_dialog(qtbot, w, action)
    for key, value in values.items():
        dialog.set_value(key, value)
    submit(qtbot, w, dialog)


def test_earlier_cases_mark_repeat(qtbot: QtBot, window: MainWindow, cases: CaseService) -> None:
    first = cases.create(
        case_input(
            received_on=dt.date(2025, 3, 5),
            form="来信",
            name="李四",
            id_number=GOOD_ID,
            summary="反映拖欠工资",
        )
    )
    w = window
    w.data_changed()
    w.go("intake")
    form = w.pages["intake"]
    type_text(qtbot, form.f.name, "李四")
    qtbot.keyClicks(form.f.id_number, GOOD_ID)
    qtbot.waitUntil(lambda: form.panel.table.rowCount() == 1, timeout=3000)
    assert "此人此前已有 1 件信访" in form.panel.title.text()
    button = form.panel.table.cellWidget(0, 2)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert form.f.repeat.isChecked() and form.f.repeat_of.text() == first.number
    type_text(qtbot, form.f.summary, "再次反映拖欠工资")
    form.f.category.set_value("劳动和社会保障")
    form.f.nature.set_value("申诉求决类")
    with qtbot.waitSignal(form.saved, timeout=5000) as saved:
        form.save()
    detail = cases.detail(saved.args[0])
    assert detail.input.repeat and detail.repeat_of == first.number


def test_collective_from_head_count(qtbot: QtBot, window: MainWindow) -> None:
    w = window
    w.go("intake")
    f = w.pages["intake"].f
    f.form.setCurrentText("来访")
    f.persons.setValue(4)
    assert not f.collective.isChecked()
    f.persons.setValue(5)  # the default threshold
    assert f.collective.isChecked()
    f.form.setCurrentText("来信")
    assert not f.collective.isChecked() and not f.visit_level.isEnabled()


def test_leaving_unsaved_form_asks(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = window
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked: list[str] = []

    def question(*args: object, **_kw: object) -> QMessageBox.StandardButton:
        asked.append(str(args[2]))
        return answers.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    w.go("intake")
    form = w.pages["intake"]
    type_text(qtbot, form.f.name, "赵六")
    w.go("cases")  # 取消: stay on the form, the text kept
    assert asked == ["本页有尚未保存的修改。要保存吗？"]
    assert w.stack.currentWidget().isAncestorOf(form) and form.f.name.text() == "赵六"
    assert w.nav.currentItem().text() == "信访登记"
    w.go("cases")  # 不保存: leave, the form starts empty next time
    assert len(asked) == 2
    assert w.stack.currentWidget().isAncestorOf(w.case_list)
    assert form.f.name.text() == ""


def test_filter_chips_and_export_filter(
    qtbot: QtBot, window: MainWindow, cases: CaseService
) -> None:
    old = cases.create(
        case_input(
            received_on=dt.date(2025, 11, 1), form="来访", name="孙七", summary="反映噪声扰民"
        )
    )
    cases.create(
        case_input(received_on=dt.date(2025, 12, 30), form="来信", name="周八", summary="咨询政策")
    )
    w = window
    w.data_changed()
    w.go("cases")
    idle(qtbot, w)
    page = w.case_list
    assert page.count_label.text() == "共 2 件"
    chip = page.filters.chips["warning"]
    next(a for a in chip.group.actions() if a.text() == "超期").trigger()  # picked from its menu
    idle(qtbot, w)
    assert chip.text() == "期限：超期 ▾"
    # 2025-11-01 + 15 days, never decided: overdue on 2025-12-31; shown red.
    assert page.model.ids == [old.id]
    assert page.model.index(0, 0).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#ffd5d5"
    f = page.current_filter()  # what 导出台账 writes
    assert f.warning == "超期" and cases.ids(f) == [old.id]
    page.filters.clear()
    idle(qtbot, w)
    assert page.count_label.text() == "共 2 件"


@pytest.mark.parametrize(("user", "asked"), [(TESTER, True), (READER_USER, False)])
def test_first_run_is_asked_only_of_an_account_that_may_change_settings(
    qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch, user: CurrentUser, asked: bool
) -> None:
    from ui.settings import first_run

    opened: list[bool] = []
    monkeypatch.setattr(first_run.FirstRunDialog, "open", lambda _self: opened.append(True))
    w = MainWindow(Services(db, user))
    qtbot.addWidget(w)
    w.first_run_if_needed()
    w.runner.wait()
    assert bool(opened) is asked


def test_visit_offers_the_receipt(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Registering a 来访 offers 打印来访回执; the link writes it to the output folder."""
    from app import paths
    from ui.cases import case_documents

    paths.set_data_dir(tmp_path / "data")
    opened: list[Path] = []
    monkeypatch.setattr(case_documents, "open_file", opened.append)
    monkeypatch.setattr(case_documents, "output_folder", lambda: tmp_path)
    w = window
    try:
        register_through_form(qtbot, w, "张三", GOOD_ID)
        form = w.pages["intake"]
        qtbot.waitUntil(lambda: "已登记" in form.banner.text(), timeout=5000)
        assert "打印来访回执" in form.banner.text()
        number = form.banner.text().split("已登记 ")[1].split("。")[0]
        form.banner.linkActivated.emit(f"receipt:{number}")
        idle(qtbot, w)
        assert opened == [tmp_path / f"{number}来访回执.docx"] and opened[0].exists()

        # A letter: no receipt offered.
        f = form.f
        f.form.setCurrentText("来信")
        type_text(qtbot, f.name, "李四")
        type_text(qtbot, f.summary, "反映道路破损")
        f.category.set_value("农村农业")
        f.nature.set_value("申诉求决类")
        with qtbot.waitSignal(form.saved, timeout=5000):
            qtbot.keyClick(f.summary, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
        assert "已登记" in form.banner.text() and "打印来访回执" not in form.banner.text()
    finally:
        paths.set_data_dir(None)
