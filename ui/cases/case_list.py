"""信访台账: the case list. The model keeps only the ids of the matching cases and fetches rows a
block at a time as they scroll into view, so 100,000 cases open as fast as 100. Filtering and
sorting happen in SQL (`app.cases.search`), never in a proxy model over everything.
"""

import copy
import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.cases import workflow
from app.cases.search import CaseFilter, CaseRow
from app.cases.service import CaseService
from app.cases.validation import mask_id, mask_phone
from ui.cases.filter_bar import FilterBar
from ui.tasks import TaskRunner
from ui.widgets import OVERDUE_BACKGROUND, SOON_BACKGROUND, TEXT_ON_LIGHT, fmt_date, ui_settings

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    value: Callable[[CaseRow], str]
    sort: str | None = None  # key of app.cases.search.SORT_COLUMNS
    width: int = 90
    hidden: bool = False  # hidden until the clerk picks it in the column chooser


def _closed(r: CaseRow) -> str:
    return "不详" if r.closed_date_unknown else fmt_date(r.closed_on)


def _due(r: CaseRow) -> str:
    """The limit that runs now, saying which: a 待受理 case's is the 15-day 告知 limit."""
    mark = "（估算）" if r.due_estimated else ""
    if r.handling_due:
        return f"办理 {fmt_date(r.handling_due)}{mark}"
    if r.status == workflow.PENDING and r.decision_due:
        return f"告知 {fmt_date(r.decision_due)}{mark}"
    return ""


COLUMNS = [
    Column("number", "编号", lambda r: r.number, "number", 105),
    Column("received_on", "登记日期", lambda r: fmt_date(r.received_on), "received_on", 90),
    Column("form", "形式", lambda r: r.form, "form", 48),
    Column("channel", "来源渠道", lambda r: r.channel, "channel", 90),
    Column("name", "信访人", lambda r: r.name, "name", 70),
    Column("id_number", "身份证号", lambda r: mask_id(r.id_number), None, 150),
    Column("phone", "联系电话", lambda r: mask_phone(r.phone), None, 100),
    Column("persons", "人数", lambda r: str(r.persons), "persons", 44),
    Column("summary", "反映问题", lambda r: r.summary, None, 260),
    Column("category", "问题类别", lambda r: r.category, "category", 90),
    Column("department", "承办单位", lambda r: r.department, "department", 80),
    Column("status", "办理状态", lambda r: r.status, "status", 70),
    Column("due", "期限", _due, "handling_due", 160),
    Column("warning", "预警", lambda r: r.warning, None, 48),
    Column("leader", "包案领导", lambda r: r.leader, None, 70, True),
    Column("closed_on", "办结日期", _closed, "closed_on", 90, True),
    Column("rating", "满意度", lambda r: r.rating, None, 70, True),
    Column("address", "住址", lambda r: r.address, None, 160, True),
    Column("visit_level", "走访层级", lambda r: r.visit_level, None, 70, True),
    Column("repeat", "重复信访", lambda r: "是" if r.repeat else "", None, 60, True),
    Column("collective", "集体访", lambda r: "是" if r.collective else "", None, 50, True),
]
_CENTRED = {"form", "persons", "status", "warning", "repeat", "collective"}
_BACKGROUND = {"临期": QBrush(QColor(SOON_BACKGROUND)), "超期": QBrush(QColor(OVERDUE_BACKGROUND))}
_DARK_TEXT = QBrush(QColor(TEXT_ON_LIGHT))  # readable on those light rows in dark mode too


class CaseTableModel(QAbstractTableModel):
    """The ids of the cases matching a filter, in SQL order; rows fetched a block at a time."""

    loaded = Signal(int)  # the number of matching cases, after each (re)load
    first_page_shown = Signal(int)  # the first screen's rows, before every id has come
    BLOCK = 100
    CACHE_LIMIT = 4000
    FIRST_SCREEN_S = 0.15

    def __init__(
        self,
        service: CaseService,
        runner: TaskRunner | None = None,
        first_screen: bool = False,
    ) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        # The 台账's list shows its first screen before every id has come (`reload`); short
        # lists (待办, drill-downs) and searches get their ids in one query.
        self.first_screen = first_screen
        self.filter = CaseFilter()
        self.sort_key, self.descending = "received_on", True
        self.ids: list[int] = []
        self._rows: dict[int, CaseRow] = {}
        self._generation = 0
        self._complete = -1  # the generation whose every id is in `ids`
        self.last_query_s = 0.0
        # How long the worker took for every id of the plain list last time (None: not yet).
        # Under FIRST_SCREEN_S (100,000 cases: 40 ms) the LIMIT query first only delays them.
        self.plain_ids_s: float | None = None
        # A drill-down or 待办 list hands over its ids in their own order; a header click sorts.
        self.user_sorted = False
        self._active = False  # nothing is queried before the first set_filter
        self.loaded_once = False

    # --- loading -------------------------------------------------------------------------
    def set_filter(self, f: CaseFilter) -> None:
        self.filter = f
        self._active = True
        self.reload()

    def reload(self) -> None:
        """Ask for the ids again (after a filter change, a sort, or a write)."""
        if not self._active:
            return
        self._generation += 1
        generation = self._generation
        # Shallow: filters are replaced whole, never changed in place, and ids may be 100,000 long.
        f, sort, desc = dataclasses.replace(self.filter), self.sort_key, self.descending
        started = time.perf_counter()

        given = f.ids is not None and not f.text.strip() and not self.user_sorted
        plain = self.first_screen and not given and not f.text.strip()

        def first_page(_progress: object = None) -> list[CaseRow] | None:
            if generation != self._generation:
                return None
            return self.service.page(f, 0, self.BLOCK, sort, desc)

        def show_first(rows: list[CaseRow] | None) -> None:
            # The first screen at once (a LIMIT query on the list's index): at a million
            # cases every matching id takes the worker a second or more, and the clerk
            # should not wait for rows they have not scrolled to yet.
            if generation != self._generation or rows is None or self._complete == generation:
                return
            self.beginResetModel()
            self.ids, self._rows = [r.id for r in rows], {r.id: r for r in rows}
            self.endResetModel()
            self.first_page_shown.emit(len(rows))

        def query(_progress: object = None) -> list[int] | None:
            if generation != self._generation:
                # Asked again before the worker got here (start-up applies the filter bar
                # several times; fast typing): only the newest request is worth its SQL.
                return None
            if given:
                return list(f.ids or [])  # no SQL: a long IN list would hit SQLite's limit
            took = time.perf_counter()
            ids = self.service.ids(f, sort, desc)
            if plain:
                self.plain_ids_s = time.perf_counter() - took
            return ids

        def done(ids: list[int] | None) -> None:
            if generation != self._generation or ids is None:
                return  # a newer keystroke already asked again
            self.last_query_s = time.perf_counter() - started
            self.loaded_once = True
            shown = len(self.ids)
            if self._complete != generation and shown and ids[:shown] == self.ids:
                # The first page is on screen and still leads the list: append the rest, so
                # a row the clerk already selected or scrolled to stays where it is.
                if len(ids) > shown:
                    self.beginInsertRows(QModelIndex(), shown, len(ids) - 1)
                    self.ids = ids
                    self.endInsertRows()
            else:
                self.beginResetModel()
                self.ids, self._rows = ids, {}
                self.endResetModel()
            self._complete = generation
            self.loaded.emit(len(ids))

        if self.runner is None:
            done(query())
        else:
            if plain and (self.plain_ids_s is None or self.plain_ids_s >= self.FIRST_SCREEN_S):
                self.runner.run(first_page, show_first)
            self.runner.run(query, done)

    def _fetch(self, row: int) -> None:
        start = row - row % self.BLOCK
        block = self.ids[start : start + self.BLOCK]
        if len(self._rows) > self.CACHE_LIMIT:
            self._rows = {}
        for r in self.service.rows_by_id(block):
            self._rows[r.id] = r

    def row_at(self, row: int) -> CaseRow | None:
        if not 0 <= row < len(self.ids):
            return None
        case_id = self.ids[row]
        if case_id not in self._rows:
            self._fetch(row)
        return self._rows.get(case_id)

    def case_id(self, row: int) -> int | None:
        return self.ids[row] if 0 <= row < len(self.ids) else None

    # --- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return COLUMNS[section].header
            return str(section + 1)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            return None
        r = self.row_at(index.row())
        if r is None:
            return None
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.value(r)
        if role == Qt.ItemDataRole.BackgroundRole:
            return _BACKGROUND.get(r.warning)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _DARK_TEXT if r.warning in _BACKGROUND else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column.key in _CENTRED:
                return Qt.AlignmentFlag.AlignCenter
            return None
        if column.key == "summary":
            return r.summary
        if r.warning:
            return f"{r.warning}：{_due(r).replace('告知', '告知期限').replace('办理', '办理期限')}"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort
        descending = order == Qt.SortOrder.DescendingOrder
        if key is None or (key, descending) == (self.sort_key, self.descending):
            return  # the view re-applies its indicator on start-up: nothing to re-query
        self.sort_key = key
        self.descending = descending
        self.user_sorted = True
        self.reload()


class CaseTable(QTableView):
    """The table itself: one row per case, Enter or double-click opens it."""

    open_case = Signal(int)

    def __init__(self, model: CaseTableModel, settings_key: str = "") -> None:
        super().__init__()
        self.setModel(model)
        self.case_model = model
        self.settings_key = settings_key
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(False)
        self.verticalHeader().setDefaultSectionSize(26)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        for i, column in enumerate(COLUMNS):
            self.setColumnWidth(i, column.width)
            self.setColumnHidden(i, column.hidden)
        header.setSectionResizeMode(
            COLUMNS.index(_column("summary")), QHeaderView.ResizeMode.Interactive
        )
        sorted_by = next((i for i, c in enumerate(COLUMNS) if c.sort == model.sort_key), 1)
        header.setSortIndicator(
            sorted_by,
            Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder,
        )
        self.setSortingEnabled(True)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(
            lambda pos: self.column_menu().exec(header.mapToGlobal(pos))
        )
        self.activated.connect(self._activated)
        self.restore_columns()
        # The table fills its width (反映问题 takes what is left); the sort arrow stays on a
        # column that sorts, also after a restart restored a stale header state.
        header.setSectionResizeMode(
            COLUMNS.index(_column("summary")), QHeaderView.ResizeMode.Stretch
        )
        header.sortIndicatorChanged.connect(self._keep_indicator)
        self._keep_indicator(header.sortIndicatorSection(), header.sortIndicatorOrder())

    def _keep_indicator(self, column: int, _order: Qt.SortOrder) -> None:
        if 0 <= column < len(COLUMNS) and COLUMNS[column].sort is not None:
            return
        model = self.case_model
        sorted_by = next((i for i, c in enumerate(COLUMNS) if c.sort == model.sort_key), 1)
        header = self.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(
            sorted_by,
            Qt.SortOrder.DescendingOrder if model.descending else Qt.SortOrder.AscendingOrder,
        )
        header.blockSignals(False)
        header.viewport().update()

    def _activated(self, index: QModelIndex) -> None:
        case_id = self.case_model.case_id(index.row())
        if case_id is not None:
            self.open_case.emit(case_id)

    def column_menu(self) -> QMenu:
        """The column chooser: tick the columns to show (remembered)."""
        menu = QMenu("显示的列", self)
        for i, column in enumerate(COLUMNS):
            action = QAction(column.header, menu)
            action.setCheckable(True)
            action.setChecked(not self.isColumnHidden(i))
            action.toggled.connect(lambda on, i=i: self._show_column(i, on))
            menu.addAction(action)
        return menu

    def _show_column(self, i: int, on: bool) -> None:
        self.setColumnHidden(i, not on)
        self.save_columns()

    def save_columns(self) -> None:
        if self.settings_key:
            ui_settings().setValue(
                f"{self.settings_key}/header", self.horizontalHeader().saveState()
            )

    def restore_columns(self) -> None:
        if not self.settings_key:
            return
        state = ui_settings().value(f"{self.settings_key}/header")
        if state is not None:
            self.horizontalHeader().restoreState(state)

    def select_case(self, case_id: int) -> None:
        try:
            row = self.case_model.ids.index(case_id)
        except ValueError:
            return
        self.selectRow(row)
        self.scrollTo(self.case_model.index(row, 0))


def _column(key: str) -> Column:
    return next(c for c in COLUMNS if c.key == key)


class CaseListPage(QWidget):
    """The search box, the filter chips, the table and the count."""

    open_case = Signal(int)
    export_requested = Signal()  # 导出台账 of what the list shows
    SEARCH_DELAY_MS = 150

    def __init__(
        self, service: CaseService, runner: TaskRunner | None, dictionaries: dict[str, list[str]]
    ) -> None:
        super().__init__()
        self.service = service
        self.model = CaseTableModel(service, runner, first_screen=True)
        self.drill: tuple[str, CaseFilter] | None = None  # a dashboard figure's cases
        self._select_first = False

        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "查找：编号、姓名、拼音首字母（如 zs）、身份证号、电话或内容  (Ctrl+F)"
        )
        self.search.setClearButtonEnabled(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(self.SEARCH_DELAY_MS)
        self.timer.timeout.connect(self._burst_over)
        self._pending = False
        self.search.textEdited.connect(self._typed)
        self.search.returnPressed.connect(self._search_enter)

        self.filters = FilterBar(dictionaries)
        self.filters.changed.connect(self.apply)
        self.table = CaseTable(self.model, "case_list")
        self.table.open_case.connect(self.open_case)
        self.count_label = QLabel()
        self.drill_label = QLabel()
        self.drill_label.setStyleSheet(
            f"background: #fff7e0; color: {TEXT_ON_LIGHT}; padding: 3px 8px;"
        )
        self.drill_clear = QPushButton("显示全部")
        self.drill_clear.clicked.connect(self.clear_drill)
        columns = QToolButton()
        columns.setText("列 ▾")
        columns.setToolTip("选择显示的列")
        columns.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        columns.clicked.connect(
            lambda: self.table.column_menu().exec(columns.mapToGlobal(columns.rect().bottomLeft()))
        )

        export = QPushButton("导出台账…")
        export.setToolTip("把当前查找和筛选出的信访件导出为 Excel 台账（Ctrl+E）")
        export.clicked.connect(self.export_requested)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(columns)
        top.addWidget(export)
        drill_row = QHBoxLayout()
        drill_row.addWidget(self.drill_label, 1)
        drill_row.addWidget(self.drill_clear)
        self.drill_box = QWidget()
        self.drill_box.setLayout(drill_row)
        drill_row.setContentsMargins(0, 0, 0, 0)
        self.drill_box.hide()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.filters)
        layout.addWidget(self.drill_box)
        layout.addWidget(self.table, 1)
        legend = QLabel(
            f"<span style='background:{SOON_BACKGROUND}; color:{TEXT_ON_LIGHT}'>&nbsp;临期&nbsp;"
            "</span> "
            f"<span style='background:{OVERDUE_BACKGROUND}; color:{TEXT_ON_LIGHT}'>&nbsp;超期&nbsp;"
            "</span>"
            "　身份证号和电话已隐去中间位；Enter 或双击打开信访件"
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(legend)
        layout.addLayout(bottom)
        self.model.loaded.connect(self._loaded)
        # Ctrl+F is the main window's 查找 action (one owner per key: a second QShortcut here
        # made Qt call it ambiguous); Down goes from the search box into the results.
        self._open_first = False
        self.search.installEventFilter(self)

    def _typed(self, _text: str) -> None:
        """The first key after a pause searches at once; keys typed quickly after it are
        searched together when the typing pauses (150 ms), so the worker is not flooded."""
        if self.timer.isActive():
            self._pending = True
        else:
            self.apply()
        self.timer.start()

    def _burst_over(self) -> None:
        if self._pending:
            self._pending = False
            self.apply()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown)
        ):
            self.enter_results()
            return True
        return super().eventFilter(watched, event)

    def enter_results(self) -> None:
        """Down from the search box: the focus goes to the list, on its first row."""
        self.table.setFocus()
        if self.model.rowCount() and not self.table.selectionModel().hasSelection():
            self.table.selectRow(0)
        elif not self.model.rowCount():
            self._select_first = True

    def _search_enter(self) -> None:
        """Enter in the search box opens the first match at once (one Enter, not two); when
        the typed text has not been searched yet, it opens when the results arrive."""
        if (
            self.timer.isActive()
            or self._pending
            or self.model.filter.text != (self.search.text().strip())
        ):
            self._open_first = True
            self.apply()
            return
        self._open_row(0)

    def _open_row(self, row: int) -> None:
        if 0 <= row < len(self.model.ids):
            self.table.selectRow(row)
            self.open_case.emit(self.model.ids[row])

    def current_filter(self) -> CaseFilter:
        """What the list shows now (the ledger export writes exactly these cases)."""
        if self.drill is not None:
            f = copy.deepcopy(self.drill[1])
            f.text = self.search.text().strip()
            return f
        f = self.filters.apply(CaseFilter())
        f.text = self.search.text().strip()
        return f

    def current_sort(self) -> tuple[str, bool]:
        return self.model.sort_key, self.model.descending

    def apply(self) -> None:
        self._pending = False
        self.model.set_filter(self.current_filter())

    def refresh(self) -> None:
        """The same filter read again (a write here, F5, another clerk's change): the selected
        case and the scroll position stay where the clerk left them."""
        index = self.table.currentIndex()
        selected = self.model.case_id(index.row()) if index.isValid() else None
        self._keep_place = (selected, self.table.verticalScrollBar().value())
        self.model.reload()

    def _restore_place(self) -> None:
        selected, scroll = self._keep_place or (None, 0)
        self._keep_place = None
        if selected is not None:
            try:
                row = self.model.ids.index(selected)
            except ValueError:
                row = -1
            if row >= 0:
                self.table.selectRow(row)
        self.table.verticalScrollBar().setValue(scroll)

    def show_cases(self, title: str, f: CaseFilter) -> None:
        """The dashboard's drill-down: exactly the cases behind a figure."""
        self.drill = (title, f)
        self.search.clear()
        self.filters.blockSignals(True)
        self.filters.clear()
        self.filters.blockSignals(False)
        self.filters.setEnabled(False)
        self.drill_label.setText(f"正在查看：{title}")
        self.drill_box.show()
        self.apply()

    def clear_drill(self) -> None:
        self.drill = None
        self.filters.setEnabled(True)
        self.drill_box.hide()
        self.apply()

    def _loaded(self, total: int) -> None:
        self.count_label.setText(f"共 {total:,} 件")
        if getattr(self, "_keep_place", None) is not None:
            self._restore_place()
        if self._select_first and total:
            self.table.selectRow(0)
        self._select_first = False
        if self._open_first:
            self._open_first = False
            if total:
                self._open_row(0)
