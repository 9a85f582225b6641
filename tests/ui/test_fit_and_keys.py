"""Issue 15: at 1024×768 and 1366×768 no card or form label is cut, the intake form needs no
horizontal scrolling and does not jump; the keys work; typed dates and out-of-range numbers."""

import datetime as dt
from collections.abc import Iterator

import pytest
from factories import case_input
from PySide6.QtCore import QDate, QEvent, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.cases.service import CaseService
from app.db import Database
from app.safety.auth import ADMIN, CurrentUser
from app.services import Services
from ui.dashboard.charts import integer_axis
from ui.main_window import NAV, MainWindow
from ui.widgets import DateEdit, NumberSpin, parse_typed_date

SIZES = [(1024, 768), (1366, 768)]


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("warning", "question", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda *_a, **_k: QMessageBox.StandardButton.Ok)


def make_window(qtbot: QtBot, db: Database, size: tuple[int, int]) -> MainWindow:
    w = MainWindow(Services(db, CurrentUser("测试员", "测试员", ADMIN)))
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    # After show: the first start's restore_state maximises to the (800×800 offscreen) screen.
    w.setWindowState(Qt.WindowState.WindowNoState)
    w.resize(*size)
    qtbot.waitUntil(lambda: w.width() == size[0], timeout=3000)
    w.activateWindow()
    w.runner.wait()
    qtbot.wait(50)
    return w


@pytest.fixture
def window(qtbot: QtBot, db: Database) -> Iterator[MainWindow]:
    w = make_window(qtbot, db, (1366, 768))
    yield w
    close(qtbot, w)


def close(qtbot: QtBot, w: MainWindow) -> None:
    w.runner.wait()
    for form in (w.pages.get("intake"), w.editor):
        if form is not None:
            form.dirty = False
    w.close()
    w.deleteLater()
    qtbot.wait(10)


def cut_labels(root: QWidget) -> list[str]:
    """Visible one-line labels whose text is wider than the label."""
    cut = []
    for label in root.findChildren(QLabel):
        text = label.text()
        if (
            not label.isVisible()
            or label.wordWrap()
            or not text.strip()
            or "<" in text
            or "\n" in text
        ):
            continue
        shown = text.replace("&", "") if label.buddy() else text
        if label.fontMetrics().horizontalAdvance(shown) > label.contentsRect().width():
            cut.append(
                f"{text!r} {label.fontMetrics().horizontalAdvance(shown)}>"
                f"{label.contentsRect().width()}"
            )
    return cut


def settle(qtbot: QtBot, w: MainWindow) -> None:
    w.runner.wait()
    qtbot.wait(50)
    QApplication.processEvents()


@pytest.mark.parametrize("size", SIZES, ids=["1024", "1366"])
def test_cards_and_the_form_show_every_figure_whole(
    qtbot: QtBot, db: Database, cases: CaseService, size: tuple[int, int]
) -> None:
    cases.create(case_input(received_on=dt.date(2025, 6, 1), name="王五"))
    w = make_window(qtbot, db, size)
    try:
        with qtbot.waitSignal(w.dashboard.refreshed, timeout=10000):
            w.dashboard.refresh()
        # The figures of a 100,000-case office (the ones the issue saw cut).
        big = {
            "total": ("31473", "上年同期29870件", "同比上升5.4%"),
            "visits": ("9437/24476", "上年同期9012批", "同比上升4.7%"),
            "open": ("12345", "上年同期11200件", "同比上升10.2%"),
            "timely_acceptance_rate": ("100.0%", "31473件中31470件", "同比上升0.1个百分点"),
        }
        for key, values in big.items():
            w.dashboard.cards[key].set(*values)
        settle(qtbot, w)
        for card in w.dashboard.cards.values():
            assert cut_labels(card) == [], card.title.text()
        w.go("intake")
        settle(qtbot, w)
        assert w.width() == size[0]  # not squeezed to a small screen
        form = w.pages["intake"]
        bar = form.f.parentWidget().parentWidget().horizontalScrollBar()
        assert not bar.isVisible() or bar.maximum() == 0, "the intake form scrolls sideways"
        for name in ("subcategory", "legal", "urgent", "nature", "department"):
            widget = getattr(form.f, name)
            assert widget.visibleRegion().boundingRect().width() == widget.width(), name
        assert cut_labels(form.f) == []
        for key, _title in NAV:
            w.go(key)
            settle(qtbot, w)
            assert w.width() == size[0], key
            assert w.minimumSizeHint().width() <= size[0], key
        # Every settings tab and every dictionary list (two lists side by side) fits too.
        w.go("settings")
        page = w.pages["settings"]
        for i in range(page.tabs.count()):
            page.tabs.setCurrentIndex(i)
            settle(qtbot, w)
            assert w.minimumSizeHint().width() <= size[0], page.tabs.tabText(i)
        page.tabs.setCurrentWidget(page.dictionaries)
        for row in range(page.dictionaries.choice.count()):
            page.dictionaries.choice.setCurrentRow(row)
            settle(qtbot, w)
            name = page.dictionaries.choice.item(row).text()
            assert w.minimumSizeHint().width() <= size[0], name
            assert cut_labels(page.dictionaries) == [], name
    finally:
        close(qtbot, w)


@pytest.mark.parametrize("size", SIZES, ids=["1024", "1366"])
def test_every_bar_of_the_dashboard_keeps_its_name(
    qtbot: QtBot, db: Database, size: tuple[int, int]
) -> None:
    from app import clock
    from app.cases import demo
    from ui.dashboard.charts import name_row_height

    # December 2026 as the clerk has it: the notice that 2027's holidays are not known yet
    # takes its line above the figures, and the charts have that much less height.
    clock.set_today(dt.date(2026, 12, 2))
    demo.generate(db, 600, seed=1, years=(2026, 2026))
    w = make_window(qtbot, db, size)
    try:
        with qtbot.waitSignal(w.dashboard.refreshed, timeout=10000):
            w.dashboard.refresh()
        settle(qtbot, w)
        charts = (w.dashboard.by_category, w.dashboard.by_channel, w.dashboard.by_department)
        shown = [c for c in charts if c.isVisible()]
        assert w.dashboard.by_category in shown
        for chart in shown:
            rows = len(chart.categories)
            assert rows >= 3, chart.chart().title()
            # Qt drops a name whose box would touch the next one's: each row needs its height.
            room = chart.chart().plotArea().height()
            assert rows * name_row_height() <= room + 1, (chart.chart().title(), rows, room)
        # A shorter window (the 待办 list or the taskbar takes height): fewer bars, not fewer
        # names.
        before = len(w.dashboard.by_category.categories)
        w.resize(size[0], 620)
        settle(qtbot, w)
        chart = w.dashboard.by_category
        room = chart.chart().plotArea().height()
        assert len(chart.categories) < before
        assert len(chart.categories) * name_row_height() <= room + 1, room
    finally:
        close(qtbot, w)


def test_the_intake_form_does_not_jump_when_a_message_comes(
    qtbot: QtBot, window: MainWindow
) -> None:
    w = window
    w.go("intake")
    form = w.pages["intake"]
    settle(qtbot, w)
    before = form.f.name.mapTo(form, form.f.name.rect().topLeft())
    form.f.name.setText("张三")
    form.save()  # refused: no 反映问题
    settle(qtbot, w)
    assert form.banner.text().startswith("没有保存")
    assert form.f.message("summary").text().startswith("请填写反映问题")
    form.f.summary.setPlainText("反映道路破损")  # fixed: its error goes at once
    assert not form.f.message("summary").isVisible()
    form.f.address.setText("某街道")  # any change clears the banner's message
    settle(qtbot, w)
    assert form.banner.text().startswith("必填：")
    assert form.f.name.mapTo(form, form.f.name.rect().topLeft()) == before


def test_shortcuts_work_from_text_fields_and_every_page(
    qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = window
    exported: list[object] = []
    monkeypatch.setattr(
        "ui.ledger.export_dialog.export_case_list", lambda *a, **_k: exported.append(a)
    )
    # Ctrl+F from every page goes to the case list's search box.
    for i, (key, _title) in enumerate(NAV):
        qtbot.keyClick(
            QApplication.focusWidget() or w,
            Qt.Key(Qt.Key.Key_0 + (i + 1) % 10),  # Ctrl+1 … Ctrl+9, then Ctrl+0
            Qt.KeyboardModifier.ControlModifier,
        )
        settle(qtbot, w)
        assert w.stack.currentWidget() is w._slots[key]
        qtbot.keyClick(
            QApplication.focusWidget() or w, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier
        )
        settle(qtbot, w)
        assert w.case_list.search.hasFocus(), key
    # Ctrl+E in a line edit is the window's 导出台账, not "end of line".
    qtbot.keyClicks(w.case_list.search, "z")
    qtbot.keyClick(w.case_list.search, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    assert len(exported) == 1

    # Offscreen, Qt's key scheme is Windows', where a line edit claims no Ctrl+E; under X11
    # (and 统信UOS) it is "end of line". A field that claims every key stands for that one.
    class Greedy(QLineEdit):
        def event(self, e: QEvent) -> bool:
            if e.type() == QEvent.Type.ShortcutOverride:
                e.accept()
                return True
            return super().event(e)

    greedy = Greedy(w.case_list)
    greedy.show()
    greedy.setFocus()
    qtbot.waitUntil(greedy.hasFocus, timeout=3000)
    qtbot.keyClick(greedy, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    settle(qtbot, w)
    assert len(exported) == 2
    w.case_list.search.setFocus()
    greedy.deleteLater()
    finds = [a for a in w.findChildren(type(w.menuBar().actions()[0])) if a.text() == "查找信访件"]
    assert finds and finds[0].shortcut().toString() == "Ctrl+F"
    assert "Ctrl+F" in finds[0].toolTip()


def test_down_enters_the_results_and_one_enter_opens(
    qtbot: QtBot, window: MainWindow, cases: CaseService
) -> None:
    w = window
    number = cases.create(case_input(received_on=dt.date(2025, 6, 1), name="张三")).number
    cases.create(case_input(received_on=dt.date(2025, 6, 2), name="李四"))
    w.data_changed()
    w.go("cases")
    page = w.case_list
    settle(qtbot, w)
    page.focus_search()
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.table.hasFocus() and page.table.selectionModel().hasSelection()
    page.focus_search()
    qtbot.keyClicks(page.search, "zs")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)  # typed, not yet searched: opens on arrival
    qtbot.waitUntil(lambda: w.stack.currentWidget() is w.case_page, timeout=5000)
    assert w.case_page.detail.number == number
    # Esc backs out to the list (it raised TypeError: 'back' is not callable).
    qtbot.keyClick(w.case_page, Qt.Key.Key_Escape)
    settle(qtbot, w)
    assert w.stack.currentWidget() is w._slots["cases"]
    # Once the results are in, one Enter opens the first.
    page.focus_search()
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    settle(qtbot, w)
    assert w.stack.currentWidget() is w.case_page


@pytest.mark.parametrize(
    "typed", ["20261009", "2026-10-09", "2026.10.9", "2026/10/9", "2026年10月9日"]
)
def test_a_date_typed_in_any_style(qtbot: QtBot, typed: str) -> None:
    edit = DateEdit(dt.date(2025, 12, 31))
    edit.setMaximumDate(QDate(2026, 12, 31))
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    qtbot.wait(10)
    edit.lineEdit().selectAll()
    if typed.isascii():
        qtbot.keyClicks(edit, typed)
    else:  # QTest types ASCII only: the text arrives as an input method would send it
        edit.lineEdit().insert(typed)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.date() == QDate(2026, 10, 9)
    assert edit.text() == "2026-10-09"


def test_this_year_short_dates_and_the_day_selected(qtbot: QtBot) -> None:
    assert parse_typed_date("10月9日", dt.date(2025, 12, 31)) == dt.date(2025, 10, 9)
    assert parse_typed_date("10-9", dt.date(2025, 12, 31)) == dt.date(2025, 10, 9)
    assert parse_typed_date("20261320") is None and parse_typed_date("2026") is None
    edit = DateEdit(dt.date(2025, 12, 31))
    qtbot.addWidget(edit)
    edit.show()
    edit.setFocus()
    qtbot.waitUntil(lambda: edit.lineEdit().selectedText() == "31", timeout=2000)
    assert edit.calendarWidget().locale().language().name == "Chinese"


def test_a_number_out_of_range_is_refused_not_cut(qtbot: QtBot) -> None:
    spin = NumberSpin(1, 30, "延长天数", "天")
    spin.setSuffix(" 天")
    spin.setValue(30)
    qtbot.addWidget(spin)
    messages: list[str] = []
    spin.refused.connect(messages.append)
    spin.show()
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, "45")
    assert spin.problem() == "延长天数应为1至30天，不能为45。"
    assert messages[-1] == spin.problem()
    assert spin.cleanText() == "45"  # kept on screen and flagged, not cut to 4


def test_axes_have_whole_number_ticks() -> None:
    assert integer_axis(2) == (2, 3)  # 0 1 2, never 0 0 1 1 2
    assert integer_axis(0) == (1, 2)
    assert integer_axis(24476) == (25000, 6)
    assert integer_axis(37, 3) == (40, 3)
    for top in range(1, 3000, 7):
        high, ticks = integer_axis(top)
        assert high >= top and high % (ticks - 1) == 0 and ticks <= 6


def test_actions_the_rules_would_refuse_are_not_offered(
    qtbot: QtBot, window: MainWindow, cases: CaseService
) -> None:
    from ui.cases.case_page import offered_actions

    number = cases.create(case_input(received_on=dt.date(2025, 11, 3), name="张三")).number
    cases.act(number, "受理", dt.date(2025, 11, 4))
    detail = cases.detail(number)
    assert "延期" in offered_actions(detail)
    cases.act(
        number, "延期", dt.date(2025, 11, 20), {"reason": "需调查", "approver": "王局", "days": 10}
    )
    detail = cases.detail(number)
    assert "延期" in detail.allowed_actions and "延期" not in offered_actions(detail)
    cases.act(number, "答复", dt.date(2025, 11, 25), {"result": "支持"})
    cases.act(number, "办结", dt.date(2025, 11, 26))
    detail = cases.detail(number)
    offered = offered_actions(detail)
    assert "复查申请" in offered and "复核申请" not in offered
    window.open_case(detail.id)
    assert "复核申请" not in window.case_page.action_buttons


def test_marking_a_repeat_copies_the_persons_details(
    qtbot: QtBot, window: MainWindow, cases: CaseService
) -> None:
    first = cases.create(
        case_input(
            received_on=dt.date(2025, 3, 5),
            name="李四",
            phone="13800138000",
            address="某县某镇某村",
            workplace="某厂",
        )
    )
    w = window
    w.go("intake")
    form = w.pages["intake"]
    form.f.name.setText("李四")
    form.f.address.setText("新住址")  # typed by the clerk: kept
    form.link_repeat(first.number)
    assert form.f.repeat_of.text() == first.number
    assert form.f.phone.text() == "13800138000" and form.f.workplace.text() == "某厂"
    assert form.f.address.text() == "新住址"


def test_standard_dialogs_speak_chinese(qtbot: QtBot) -> None:
    from PySide6.QtCore import QLocale, QTranslator
    from PySide6.QtWidgets import QFileDialog

    from ui.main import install_translations

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = QLocale()
    try:
        loaded = install_translations(app)
        assert any(p.endswith("qtbase_zh_CN.qm") for p in loaded)
        box = QMessageBox()
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        assert sorted(b.text() for b in box.buttons()) == sorted(["确定", "取消"])
        dialog = QFileDialog(None, "导出台账")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(dialog)
        dialog.show()
        texts = [label.text() for label in dialog.findChildren(QLabel)]
        assert "查找范围(&L)：" in texts and "文件类型(&T)：" in texts, texts
        assert not any(t.isascii() and any(c.isalpha() for c in t) for t in texts if t), texts
        dialog.close()
    finally:
        for child in app.children():
            if isinstance(child, QTranslator):
                app.removeTranslator(child)
                child.deleteLater()
        QLocale.setDefault(before)
