"""The intake form's side panel: the person's earlier cases, each with 标为重复 (one click)."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cases.intake import EarlierCase


class EarlierCasesPanel(QWidget):
    mark_repeat = Signal(str)  # 编号 of the earlier case
    open_case = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["编号 / 日期", "状态 · 依据", ""])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        # Keyboard path: Tab skips the panel (the paper form's order); the mouse marks in one click.
        self.table.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.table.cellDoubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        self.cases: list[EarlierCase] = []
        self.linked = ""
        self.show_cases([], searched=False)

    def show_cases(self, cases: list[EarlierCase], searched: bool = True, linked: str = "") -> None:
        self.cases, self.linked = cases, linked
        if not searched:
            self.title.setText(
                "<b>此前的信访</b><br><span style='color:#5f6368'>填写姓名、身份证号或电话后，"
                "这里列出此人此前的信访件。</span>"
            )
        elif not cases:
            self.title.setText("<b>此前的信访</b><br>未找到此人此前的信访件。")
        else:
            self.title.setText(
                f"<b>此人此前已有 {len(cases)} 件信访</b><br><span style='color:"
                "#5f6368'>如为同一事项，点“标为重复”。</span>"
            )
        self.table.setRowCount(len(cases))
        for row, case in enumerate(cases):
            first = QTableWidgetItem(f"{case.number}\n{case.received_on:%Y-%m-%d}")
            first.setToolTip(case.summary)
            second = QTableWidgetItem(f"{case.status} · {case.reason}\n{case.summary}")
            second.setToolTip(case.summary)
            self.table.setItem(row, 0, first)
            self.table.setItem(row, 1, second)
            button = QPushButton("已关联" if case.number == linked else "标为重复")
            button.setEnabled(case.number != linked)
            button.setToolTip(f"把本件标为 {case.number} 的重复信访")
            button.clicked.connect(lambda _c=False, n=case.number: self.mark_repeat.emit(n))
            self.table.setCellWidget(row, 2, button)
        self.table.resizeRowsToContents()

    def set_linked(self, number: str) -> None:
        self.show_cases(self.cases, searched=True, linked=number)

    def _open(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.cases):
            self.open_case.emit(self.cases[row].case_id)
