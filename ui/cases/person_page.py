"""信访人页面: every case of one petitioner (the same ID number, else name and phone), oldest
first, with status and summary; double-click or Enter opens a case."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases.search import CaseRow
from ui.widgets import fmt_date

COLUMNS = ["编号", "登记日期", "形式", "状态", "问题类别", "内容摘要"]


class PersonPage(QDialog):
    open_case = Signal(int)

    def __init__(self, name: str, rows: list[CaseRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self.setWindowTitle(f"信访人：{name or '（匿名）'}")
        self.resize(820, 420)
        summary = QLabel(f"<b>{name or '（匿名）'}</b>　共 {len(rows)} 件信访（按登记日期）")
        self.table = QTableWidget(len(rows), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for row, r in enumerate(rows):
            status = r.status + (f"（{r.warning}）" if r.warning else "")
            cells = [r.number, fmt_date(r.received_on), r.form, status, r.category, r.summary]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def _open(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_case.emit(self.rows[row].id)
            self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open(self.table.currentRow())
            return
        super().keyPressEvent(event)
