"""The main window: navigation on the left, one page at a time on the right.

Pages are built the first time they are shown (except 工作台 and 信访台账, which start-up shows),
so the window opens fast. Every successful write calls `data_changed()`, which refreshes the
lists, the 待办 counts and the dashboard, so the figures on screen never lag the database.
"""

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.cases.search import CaseFilter
from app.safety import auth
from app.services import Services
from ui.cases.case_list import CaseListPage
from ui.cases.todo import TodoPanel
from ui.reports.periods_ui import ClosedPeriodsNotice
from ui.tasks import TaskRunner
from ui.widgets import TEXT_ON_LIGHT, ui_settings

NAV = [
    ("workbench", "工作台"),
    ("intake", "信访登记"),
    ("cases", "信访台账"),
    ("stats", "统计分析"),
    ("reports", "报告与文书"),
    ("receptions", "领导接访"),
    ("screenings", "排查调处"),
    ("settings", "设置"),
    ("units", "承办单位"),
    ("supervision", "督办清单"),  # issue 17 (ui/supervision/); last, so Ctrl+1…8 stay put
]


# Where the window's Ctrl keys must win over the field's own (see _menus).
TEXT_FIELDS = (QLineEdit, QPlainTextEdit, QAbstractSpinBox)

POLL_MS = 5000  # how often the window looks for other clerks' changes (issue 20)


def nav_key(row: int) -> str:
    """Ctrl+1 … Ctrl+9 for the first nine pages, Ctrl+0 for the tenth (the keyboard's order)."""
    return f"Ctrl+{(row + 1) % 10}"


class MainWindow(QMainWindow):
    def __init__(self, services: Services, demo: bool = False) -> None:
        super().__init__()
        # ui/main.py opens the database; from here on every view talks to a service only.
        self.services = services
        # The file, or the server without its password (issue 20): the status bar says which.
        self.db_path = services.db.where
        self.db_label = ("服务器：" if services.db.is_server else "数据库：") + self.db_path
        self.setWindowTitle("信访工作台" + ("（演示数据）" if demo else ""))
        # 1366×768 at 125 % is 1093×614 of Qt pixels: the window must fit that.
        self.setMinimumSize(960, 560)
        self.user = services.user  # the signed-in account: every service acts as it
        self.role = services.user.role
        self.service = self.services.cases
        self.runner = TaskRunner(self)
        self.dictionaries = self.services.office.choices()

        self.nav = QListWidget()
        self.nav.setFixedWidth(118)
        self.nav.setStyleSheet(
            "QListWidget { font-size: 15px; border: none; background: #f1f3f6;"
            f" color: {TEXT_ON_LIGHT}; }}"
            "QListWidget::item { padding: 10px 12px; }"
            "QListWidget::item:selected { background: #2f5fb3; color: white; }"
        )
        for i, (_key, title) in enumerate(NAV):
            self.nav.addItem(title)
            self.nav.item(i).setToolTip(f"{title}（{nav_key(i)}）")
        self.stack = QStackedWidget()
        self.pages: dict[str, QWidget] = {}
        self.factories: dict[str, Callable[[], QWidget]] = {
            "workbench": self._workbench,
            "intake": self._intake,
            "cases": self._cases,
            "stats": self._stats,
            "reports": self._reports,
            "receptions": lambda: self._register_page("领导接访", "receptions"),
            "screenings": lambda: self._register_page("排查调处", "screenings"),
            "settings": self._settings,
            "units": self._units,
            "supervision": self._supervision,
        }
        self._slots: dict[str, QWidget] = {}
        for key, _title in NAV:
            slot = QWidget()
            QVBoxLayout(slot).setContentsMargins(0, 0, 0, 0)
            self._slots[key] = slot
            self.stack.addWidget(slot)
        self.case_page: Any = None
        self.editor: Any = None  # the intake form in edit mode (a second instance)

        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        right.setSpacing(0)
        right.addWidget(self._changed_banner())
        right.addWidget(self.stack, 1)
        row.addLayout(right, 1)
        self.setCentralWidget(central)
        self.status_label = QLabel()
        self.statusBar().addPermanentWidget(self.status_label)

        self.nav.currentRowChanged.connect(self._nav_changed)
        self._menus()
        self.page("workbench")
        self.page("cases")
        self.nav.setCurrentRow(0)
        self.restore_state()
        # Other clerks' changes (issue 20): `start_watching` (ui/main.py) polls the audit log.
        self.watch_last: int | None = None
        self._polling = False
        self.connection_lost = False
        self.poll_timer = QTimer(self)
        self.poll_timer.setInterval(POLL_MS)
        self.poll_timer.timeout.connect(self.poll_changes)

    # --- pages ---------------------------------------------------------------------------
    def page(self, key: str) -> QWidget:
        """The page for a navigation key, built on first use."""
        if key not in self.pages:
            widget = self.factories[key]()
            self.pages[key] = widget
            layout = self._slots[key].layout()
            assert layout is not None
            layout.addWidget(widget)
        return self.pages[key]

    def _workbench(self) -> QWidget:
        from ui.dashboard.dashboard import Dashboard

        self.todo = TodoPanel(self.service, self.runner)
        self.todo.open_case.connect(self.open_case)
        # After the window is shown: the dashboard's figures, queued when it first shows, are
        # what the clerk waits for; the four 待办 lists follow them on the one worker.
        QTimer.singleShot(0, self.todo.refresh)
        # The figures refresh themselves when first shown (ui/dashboard/dashboard.py).
        self.dashboard = Dashboard(
            self.services.statistics,
            self.runner,
            office=self.services.office,
            supervision=self.services.supervision,
        )
        self.dashboard.drill_down.connect(self.drill_down)
        self.dashboard.open_supervision.connect(lambda: self.go("supervision"))
        self.dashboard.add_banner(ClosedPeriodsNotice(self.services.periods, self.runner))
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 0, 6, 0)
        layout.addWidget(QLabel("<b>待办事项</b>　（双击或回车打开信访件）"))
        layout.addWidget(self.todo)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.dashboard)
        splitter.addWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        return splitter

    def _intake(self) -> QWidget:
        from ui.cases.intake_form import IntakeForm

        form = IntakeForm(self.service, self.runner, self.dictionaries)
        form.saved.connect(self._saved)
        form.open_case.connect(self.open_case)
        form.print_receipt.connect(self.print_receipt)
        return form

    def print_receipt(self, number: str) -> None:
        """The 来访回执 of a visit just registered, saved in the output folder and opened."""
        from ui.cases.case_documents import default_path, generate

        generate(
            self,
            self.services.documents,
            self.runner,
            number,
            "来访回执",
            default_path(number, "来访回执"),
        )

    def _cases(self) -> QWidget:
        self.case_list = CaseListPage(self.service, self.runner, self.dictionaries)
        self.case_list.open_case.connect(self.open_case)
        self.case_list.export_requested.connect(self.export_ledger)
        self.case_list.model.loaded.connect(lambda _n: self._update_status())
        self.case_list.apply()
        return self.case_list

    def _stats(self) -> QWidget:
        from ui.dashboard.dashboard import Dashboard

        dashboard = Dashboard(self.services.statistics, self.runner, office=self.services.office)
        dashboard.drill_down.connect(self.drill_down)
        dashboard.add_banner(ClosedPeriodsNotice(self.services.periods, self.runner))
        return dashboard

    def _reports(self) -> QWidget:
        from ui.reports.template_manager import TemplateManager

        page = QWidget()
        layout = QVBoxLayout(page)
        row = QHBoxLayout()
        for text, slot, tip in (
            ("生成报告…", self.new_report, "自查报告、年度工作报告、统计表（Ctrl+R）"),
            (
                "导出台账…",
                self.export_ledger,
                "按信访台账当前的查找和筛选导出 Excel 台账（Ctrl+E）",
            ),
            ("导入台账…", self.import_ledger, "从 Excel 台账（.xlsx/.xls/.csv）导入信访件"),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(TemplateManager(self.services.documents, self.runner, page), 1)
        return page

    def _supervision(self) -> QWidget:
        from ui.supervision.supervision_page import SupervisionPage

        page = SupervisionPage(self.services.supervision, self.runner)
        page.open_case.connect(self.open_case)
        page.changed.connect(self.data_changed)
        page.refresh()
        return page

    def _register_page(self, title: str, kind: str) -> QWidget:
        from ui.registers.registers_page import RegistersPage

        return RegistersPage(self.services.registers, self.runner, kind)  # type: ignore[arg-type]

    def _units(self) -> QWidget:
        from ui.cases.units_page import UnitsPage

        page = UnitsPage(self.services.units, self.runner)
        page.open_case.connect(self.open_case)
        return page

    def open_unit(self, name: str) -> None:
        """A unit double-clicked on a case page: the 承办单位 page with its cases."""
        page = self.page("units")
        self.go("units")
        page.show_unit(name)  # type: ignore[attr-defined]

    def _settings(self) -> QWidget:
        from ui.settings.settings_page import SettingsPage

        if not auth.can(self.role, "settings"):
            note = QLabel(f"设置和字典只有管理员可以修改（当前账号：{self.role}）。")
            note.setAlignment(Qt.AlignmentFlag.AlignCenter)
            return note
        page = SettingsPage(self.services.office, self.services.cases, self.runner)
        page.changed.connect(self.settings_changed)
        return page

    def first_run_if_needed(self) -> None:
        """单位名称 and the 科室 list on the first start (asked again until given)."""
        from ui.settings.first_run import FirstRunDialog

        # Only an account that may change the settings is asked; the others work as they are.
        if not auth.can(self.role, "settings"):
            return
        if self.services.office.needs_first_run():
            dialog = FirstRunDialog(self.services.office, self.runner, self)
            dialog.finished.connect(lambda _r: self.settings_changed())
            dialog.open()

    # --- reports, ledger ---------------------------------------------------------------
    def new_report(self) -> None:
        from ui.reports.report_dialog import ReportDialog

        ReportDialog(
            self.services.documents, self.runner, self, periods=self.services.periods
        ).open()

    def export_ledger(self) -> None:
        """The Excel 台账 of exactly what the case list shows now."""
        from ui.ledger.export_dialog import export_case_list

        export_case_list(self, self.runner, self.services.ledger, self.case_list.current_filter())

    def import_ledger(self) -> None:
        from ui.ledger.import_wizard import ImportWizard

        if not auth.can(self.role, "import"):
            QMessageBox.information(self, "导入台账", f"当前账号（{self.role}）无权导入台账。")
            return
        wizard = ImportWizard(self, self.runner, self.services.ledger)
        wizard.finished.connect(lambda _r: self.data_changed())
        wizard.open()

    def settings_changed(self) -> None:
        """A dictionary, a limit or the holiday list changed: combo boxes, chips, deadlines."""
        self.dictionaries = self.services.office.choices()
        self.case_list.filters.set_dictionaries(self.dictionaries)
        for form in (self.pages.get("intake"), self.editor):
            if form is not None:
                form.set_dictionaries(self.dictionaries)
        self.data_changed()

    # --- navigation ----------------------------------------------------------------------
    def _nav_changed(self, row: int) -> None:
        if row < 0:
            return
        key = NAV[row][0]
        current = self.stack.currentWidget()
        if not self._may_leave(current):
            self.nav.blockSignals(True)
            self.nav.setCurrentRow(self._row_of(current))
            self.nav.blockSignals(False)
            return
        self.page(key)
        self.stack.setCurrentWidget(self._slots[key])
        self._update_status()
        if key == "intake":
            self.pages["intake"].setFocus()
            getattr(self.pages["intake"], "focus_first", lambda: None)()

    def _row_of(self, widget: QWidget) -> int:
        for i, (key, _t) in enumerate(NAV):
            if self._slots[key] is widget:
                return i
        return 2  # the case page and the editor belong to 信访台账

    def _may_leave(self, widget: QWidget | None) -> bool:
        """A form with unsaved changes asks before it is left."""
        for form in (self.pages.get("intake"), self.editor):
            if form is not None and (
                widget is form or (widget is not None and widget.isAncestorOf(form))
            ):
                return bool(form.may_leave())
        return True

    def _highlight(self, key: str) -> None:
        """Mark a navigation entry without switching pages (a case belongs to 信访台账)."""
        self.nav.blockSignals(True)
        self.nav.setCurrentRow([k for k, _t in NAV].index(key))
        self.nav.blockSignals(False)

    def go(self, key: str) -> None:
        row = [k for k, _t in NAV].index(key)
        if self.nav.currentRow() == row:
            self._nav_changed(row)  # e.g. back from a case page to the list it came from
        else:
            self.nav.setCurrentRow(row)

    def open_case(self, case_id: int) -> None:
        if not self._may_leave(self.stack.currentWidget()):
            return
        if self.case_page is None:
            from ui.cases.case_page import CasePage

            self.case_page = CasePage(
                self.service,
                self.runner,
                self.services.documents,
                attachments=self.services.attachments,
                supervision=self.services.supervision,
            )
            self.case_page.back.connect(lambda: self.go("cases"))
            self.case_page.open_case.connect(self.open_case)
            self.case_page.changed.connect(self.data_changed)
            self.case_page.edit.connect(self.edit_case)
            self.case_page.open_unit.connect(self.open_unit)
            self.stack.addWidget(self.case_page)
        self.case_page.show_case(case_id)
        self.stack.setCurrentWidget(self.case_page)
        self._highlight("cases")
        self.case_page.setFocus()

    def edit_case(self, case_id: int) -> None:
        if self.editor is None:
            from ui.cases.intake_form import IntakeForm

            self.editor = IntakeForm(self.service, self.runner, self.dictionaries)
            self.editor.saved.connect(self._saved)
            self.editor.cancelled.connect(lambda cid: self.open_case(cid))
            self.stack.addWidget(self.editor)
        self.editor.load(case_id)
        self.stack.setCurrentWidget(self.editor)
        self._highlight("cases")
        self.editor.focus_first()

    def _saved(self, case_id: int, number: str) -> None:
        self.statusBar().showMessage(f"已保存 {number}", 8000)
        self.data_changed()
        if self.sender() is self.editor:
            self.open_case(case_id)

    def drill_down(self, title: str, f: CaseFilter) -> None:
        self.go("cases")
        self.case_list.show_cases(title, f)

    def data_changed(self) -> None:
        """After any write: every list and figure on screen is re-read."""
        self.case_list.refresh()
        if hasattr(self, "todo"):
            self.todo.refresh()
        self.dashboard.schedule_refresh()
        stats = self.pages.get("stats")
        if stats is not None:
            stats.schedule_refresh()  # type: ignore[attr-defined]
        units = self.pages.get("units")
        if units is not None:
            units.refresh()  # type: ignore[attr-defined]
        supervision = self.pages.get("supervision")
        if supervision is not None:
            supervision.refresh()  # type: ignore[attr-defined]

    def _update_status(self) -> None:
        """The status bar speaks of the page on screen (the list's count only on the list)."""
        current = self.stack.currentWidget()
        if current is self._slots.get("cases") and hasattr(self, "case_list"):
            shown = self.case_list.model.rowCount()
            self.status_label.setText(f"台账当前显示 {shown:,} 件　{self.db_label}")
        else:
            self.status_label.setText(self.db_label)

    # --- other clerks' changes (issue 20) -------------------------------------------------
    def _changed_banner(self) -> QWidget:
        self.banner = QFrame()
        self.banner.setStyleSheet(
            "QFrame { background: #fff4e5; border-bottom: 1px solid #f0c27b; }"
            f" QLabel {{ color: {TEXT_ON_LIGHT}; }}"
        )
        row = QHBoxLayout(self.banner)
        row.setContentsMargins(10, 4, 10, 4)
        self.banner_text = QLabel()
        self.banner_refresh = QPushButton("刷新")
        self.banner_refresh.clicked.connect(self._banner_refresh)
        close = QPushButton("关闭")
        close.clicked.connect(self.banner.hide)
        row.addWidget(self.banner_text, 1)
        row.addWidget(self.banner_refresh)
        row.addWidget(close)
        self.banner.hide()
        self._banner_action: Callable[[], None] | None = None
        return self.banner

    def _show_banner(self, text: str, action: Callable[[], None] | None) -> None:
        self.banner_text.setText(text)
        self._banner_action = action
        self.banner_refresh.setVisible(action is not None)
        self.banner.show()

    def _banner_refresh(self) -> None:
        action, self._banner_action = self._banner_action, None
        self.banner.hide()
        if action is not None:
            action()

    def start_watching(self) -> None:
        """Poll for other clerks' writes every few seconds, off the GUI thread."""
        self.poll_timer.start()
        self.poll_changes()

    def poll_changes(self) -> None:
        if self._polling:
            return  # the previous look has not come back (a long task holds the worker)
        from app import changes

        self._polling = True
        db, last, me = self.services.db, self.watch_last, self.user.label

        def look(_p: object) -> changes.Changes:
            if last is None:
                return changes.Changes(changes.newest_id(db))
            return changes.since(db, last, me)

        def failed(exc: BaseException, _details: str) -> None:
            self._polling = False
            if not self.connection_lost:
                self.connection_lost = True
                where = "服务器" if self.services.db.is_server else "数据库"
                self.statusBar().showMessage(f"暂时无法连接{where}，稍后自动重试…")

        self.runner.run(look, self._changes_seen, failed, self)

    def _changes_seen(self, found: Any) -> None:
        self._polling = False
        if self.connection_lost:
            self.connection_lost = False
            self.statusBar().showMessage("已重新连接", 5000)
        self.watch_last = found.last_id
        if found.others:
            self.data_changed()  # lists and figures refresh quietly, keeping their place
        if found.cases:
            self._case_changed_elsewhere(found.cases)

    def _case_changed_elsewhere(self, cases: dict[str, str]) -> None:
        """The case on screen was changed by another clerk: reloaded, or (mid-edit) a banner
        with a 刷新 button."""
        page = self.case_page
        detail = getattr(page, "detail", None) if page is not None else None
        if detail is None or detail.number not in cases:
            return
        who = cases[detail.number]
        current = self.stack.currentWidget()
        editor = self.editor
        if editor is not None and current is editor and editor.case_id == detail.id:
            if editor.dirty:
                self._show_banner(
                    f"此件已被 {who} 修改。你正在修改的内容尚未保存；点“刷新”载入最新内容"
                    "（你的修改将丢失）。",
                    lambda: editor.load(detail.id),
                )
            else:
                editor.load(detail.id)
                self._show_banner(f"此件已被 {who} 修改，已刷新。", None)
            return
        if current is not page:
            return
        if QApplication.activeModalWidget() is not None:  # a step is being filled in
            self._show_banner(f"此件已被 {who} 修改，点“刷新”查看最新内容。", page.reload)
            return
        page.reload()
        self._show_banner(f"此件已被 {who} 修改，已刷新。", None)

    def refresh_all(self) -> None:
        """F5: the lists, the figures and the case on screen, read again."""
        self.data_changed()
        page = self.case_page
        if page is not None and self.stack.currentWidget() is page:
            page.reload()
        self.banner.hide()

    # --- keyboard and menus --------------------------------------------------------------
    def _find(self) -> None:
        self.go("cases")
        self.case_list.focus_search()

    def _menus(self) -> None:
        menu = self.menuBar().addMenu("文件(&F)")
        new = QAction("新登记信访件", self, shortcut=QKeySequence("Ctrl+N"))
        new.triggered.connect(lambda: self.go("intake"))
        quit_ = QAction("退出", self, shortcut=QKeySequence("Ctrl+Q"))
        quit_.triggered.connect(self.close)
        menu.addActions([new])
        menu.addSeparator()
        for text, key, slot in (
            ("生成报告…", "Ctrl+R", self.new_report),
            ("导出台账…", "Ctrl+E", self.export_ledger),
            ("导入台账…", "", self.import_ledger),
        ):
            action = QAction(text, self)
            if key:
                action.setShortcut(QKeySequence(key))
            action.triggered.connect(slot)
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(quit_)
        view = self.menuBar().addMenu("查看(&V)")
        for i, (_key, title) in enumerate(NAV):
            action = QAction(title, self, shortcut=QKeySequence(nav_key(i)))
            action.triggered.connect(lambda _c=False, i=i: self.nav.setCurrentRow(i))
            view.addAction(action)
        view.addSeparator()
        find = QAction("查找信访件", self, shortcut=QKeySequence("Ctrl+F"))
        find.triggered.connect(self._find)
        refresh = QAction("刷新", self, shortcut=QKeySequence("F5"))
        refresh.triggered.connect(self.refresh_all)
        view.addActions([find, refresh])
        help_ = self.menuBar().addMenu("帮助(&H)")
        self.help_menu = help_
        keys = QAction("快捷键一览", self)
        keys.triggered.connect(self._show_keys)
        help_.addAction(keys)
        about = QAction("关于信访工作台", self)
        about.triggered.connect(
            lambda: QMessageBox.about(
                self, "关于", "信访工作台 XinfangDesk\n离线的信访登记、办理、统计与报告程序。"
            )
        )
        help_.addAction(about)
        # Each shortcut lives on its action only (a second QShortcut for the same keys makes Qt
        # call it ambiguous and do nothing), and works wherever the focus is in the window.
        self.window_keys: set[int] = set()
        for action in self.findChildren(QAction):
            if not action.shortcut().isEmpty():
                action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
                self.window_keys.add(action.shortcut()[0].toCombined())
                if not action.toolTip() or action.toolTip() == action.text():
                    action.setToolTip(f"{action.text()}（{action.shortcut().toString()}）")
        # A line edit claims Ctrl+E (end of line, X11 style) before the window sees it: the
        # window's keys win in every text field (Home/End still move the cursor). The filter
        # sits on the text field that has the focus (Qt asks the focus widget), not on the
        # application: a Python filter there sees every event of every widget, which cost the
        # start-up 40–70 ms.
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)

    def _focus_moved(self, old: QWidget | None, now: QWidget | None) -> None:
        with contextlib.suppress(RuntimeError):  # a widget deleted as it lost the focus
            if isinstance(old, TEXT_FIELDS):
                old.removeEventFilter(self)
        if isinstance(now, TEXT_FIELDS):
            now.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and isinstance(watched, TEXT_FIELDS)
            and event.keyCombination().toCombined() in self.window_keys
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
            and self.isActiveWindow()
        ):
            event.ignore()  # not overridden: the shortcut system delivers it to the action
            return True
        return super().eventFilter(watched, event)

    def _show_keys(self) -> None:
        lines = [
            f"{action.shortcut().toString()}　{action.text()}"
            for action in self.findChildren(QAction)
            if not action.shortcut().isEmpty()
        ]
        lines += [
            "Esc　从信访件返回台账、关闭对话框",
            "↓　从查找框进入结果列表",
            "Enter　打开信访件",
        ]
        QMessageBox.information(self, "快捷键一览", "\n".join(lines))

    # --- window state --------------------------------------------------------------------
    def restore_state(self) -> None:
        settings = ui_settings()
        geometry = settings.value("main/geometry")
        if isinstance(geometry, QByteArray) and self.restoreGeometry(geometry):
            pass
        else:
            # First start: 1366×768 where it fits; a small screen gets the whole screen.
            screen = self.screen().availableGeometry()
            if screen.width() <= 1400 or screen.height() <= 800:
                self.setWindowState(Qt.WindowState.WindowMaximized)
            self.resize(min(1366, screen.width()), min(768, screen.height()))
        state = settings.value("main/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_leave(self.stack.currentWidget()) or (
            self.pages.get("intake") is not None and not self.pages["intake"].may_leave()
        ):
            event.ignore()
            return
        settings = ui_settings()
        settings.setValue("main/geometry", self.saveGeometry())
        settings.setValue("main/state", self.saveState())
        self.case_list.table.save_columns()
        self.poll_timer.stop()
        self.runner.wait(10000)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.disconnect(self._focus_moved)
        event.accept()
