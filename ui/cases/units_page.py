"""承办单位: the office's 科室 and the outside units it sends cases to, each with its cases open
there, 交办 期限 passed without 反馈 and average days to a 反馈 (app/office/units.py); below, the
cases of the selected unit (double-click or Enter opens one)."""

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.office.units import UnitCase, UnitRow, UnitService
from ui.tasks import TaskRunner, show_error
from ui.widgets import OVERDUE_BACKGROUND, TEXT_ON_LIGHT, fmt_date

UNIT_HEADERS = [
    "承办单位",
    "类别",
    "交办转送",
    "在办",
    "超期未反馈",
    "已反馈",
    "退回",
    "平均反馈用时",
]
CASE_HEADERS = ["编号", "登记日期", "方式", "日期", "期限", "单位办理", "反馈/退回", "状态", "内容"]


def unit_cells(r: UnitRow) -> list[str]:
    name = r.name + (f"（{'、'.join(r.aliases)}）" if r.aliases else "")
    days = "—" if r.avg_days_to_answer is None else f"{r.avg_days_to_answer:.1f} 天"
    counts = [r.sent, r.open, r.overdue, r.answered, r.returned]
    return [name, r.kind, *(str(n) for n in counts), days]


def case_cells(c: UnitCase) -> list[str]:
    state = c.state + ("（超期未反馈）" if c.overdue else "")
    answered = fmt_date(c.answered_on or c.returned_on) if (c.answered_on or c.returned_on) else "—"
    deadline = fmt_date(c.deadline) if c.deadline else "—"
    return [
        c.number,
        fmt_date(c.received_on),
        c.kind,
        fmt_date(c.sent_on),
        deadline,
        state,
        answered,
        c.status,
        c.summary,
    ]


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]], marked: list[bool]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if marked[i]:
                item.setBackground(QBrush(QColor(OVERDUE_BACKGROUND)))
                item.setForeground(QBrush(QColor(TEXT_ON_LIGHT)))
            table.setItem(i, j, item)
    header = table.horizontalHeader()
    if all(
        header.sectionResizeMode(i) == QHeaderView.ResizeMode.Interactive
        for i in range(header.count())
    ):
        # Not on a table whose columns size themselves: this undid the unit table's stretch
        # (its names sat in 80 px with 460 px empty beside the last column at 1024).
        table.resizeColumnsToContents()


class UnitsPage(QWidget):
    open_case = Signal(int)

    def __init__(self, service: UnitService, runner: TaskRunner | None = None) -> None:
        super().__init__()
        # Reads run on the worker (the register walks every 交办/转送: ~0.6 s at 100,000 cases).
        self.service, self.runner = service, runner
        self.stale = True
        self.units: list[UnitRow] = []
        self.cases: list[UnitCase] = []
        title = QLabel("<b>承办单位</b>　在办、超期未反馈和平均反馈用时（截至今天）")
        self.all_units = QCheckBox("显示没有交办转送的单位")
        self.all_units.toggled.connect(self.refresh)
        refresh = QPushButton("刷新")
        refresh.clicked.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(title, 1)
        top.addWidget(self.all_units)
        top.addWidget(refresh)
        self.unit_table = _table(UNIT_HEADERS)
        header = self.unit_table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the unit's name
        self.unit_table.itemSelectionChanged.connect(self._unit_selected)
        self.case_title = QLabel("选择一个单位，查看交办、转送给它的信访件")
        self.case_table = _table(CASE_HEADERS)
        self.case_table.cellDoubleClicked.connect(lambda row, _c: self._open(row))
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.case_title)
        lower_layout.addWidget(self.case_table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.unit_table)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

    def _read(self, fn: Callable[[], Any], done: Callable[[Any], None]) -> None:
        if self.runner is None:
            try:
                done(fn())
            except Exception as exc:  # noqa: BLE001 — the one error dialog path
                show_error(self, exc)
        else:
            self.runner.run(lambda _p: fn(), done, parent=self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def refresh(self) -> None:
        """Re-read the register now if the page is on screen, else when it is next shown."""
        if not self.isVisible():
            self.stale = True
            return
        self.stale = False
        self._read(self.service.register, self._show_register)

    def _show_register(self, rows: list[UnitRow]) -> None:
        self.units = [r for r in rows if r.sent or self.all_units.isChecked()]
        _fill(
            self.unit_table,
            [unit_cells(r) for r in self.units],
            [r.overdue > 0 for r in self.units],
        )
        self.cases = []
        self.case_table.setRowCount(0)

    def show_unit(self, name: str) -> None:
        """The cases of one unit (from the register, or a unit double-clicked on a case)."""
        self.case_title.setText(f"<b>{name}</b>　正在读取…")
        self._read(lambda: self.service.cases(name), lambda rows: self._show_cases(name, rows))

    def _show_cases(self, name: str, rows: list[UnitCase]) -> None:
        self.cases = rows
        self.case_title.setText(f"<b>{name}</b>　共 {len(self.cases)} 件（双击打开信访件）")
        _fill(self.case_table, [case_cells(c) for c in self.cases], [c.overdue for c in self.cases])

    def _unit_selected(self) -> None:
        rows = self.unit_table.selectionModel().selectedRows()
        if rows and rows[0].row() < len(self.units):
            self.show_unit(self.units[rows[0].row()].name)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.cases):
            self.open_case.emit(self.cases[row].case_id)

    def keyPressEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        from PySide6.QtGui import QKeyEvent

        if (
            isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.case_table.hasFocus()
        ):
            self._open(self.case_table.currentRow())
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
