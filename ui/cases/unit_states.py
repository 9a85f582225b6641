"""The case page's 承办单位 box: each 交办/转送 of the case and how far the unit has got
(已交办 → 已签收 → 已反馈 / 已退回), the days taken, the unit's 期限 with its 临期/超期, and
待重新交办 after a 交办 came back (docs/rules.md, 交办与转送). Layout only: the states come with
the case detail (app/cases/outgoing.py)."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app import clock
from app.cases.outgoing import AWAITING, UnitState
from app.cases.service import CaseDetail
from ui.widgets import OVERDUE_BACKGROUND, SOON_BACKGROUND, TEXT_ON_LIGHT, fmt_date

HEADERS = ["承办单位", "方式", "日期", "期限", "办理情况", "用时"]
_BACKGROUND = {"临期": SOON_BACKGROUND, "超期": OVERDUE_BACKGROUND}


def unit_row(u: UnitState, today_warning: str, days: int) -> list[str]:
    """One row as the box shows it (also what the tests read)."""
    due = fmt_date(u.due) + (f"（{today_warning}）" if today_warning else "") if u.due else "—"
    step = {
        "已签收": u.signed_on,
        "已反馈": u.answered_on,
        "已退回": u.returned_on,
    }.get(u.state)
    state = u.state + (f" {fmt_date(step)}" if step else "")
    if u.urged:
        state += f"，催办 {u.urged} 次"
    if u.supervised:
        state += f"，督办 {u.supervised} 次"
    return [u.unit, u.kind, fmt_date(u.sent_on), due, state, f"{days} 天"]


class UnitStatesBox(QGroupBox):
    """Hidden while nothing was sent out."""

    open_unit = Signal(str)  # the clerk double-clicked a unit: its page

    def __init__(self) -> None:
        super().__init__("承办单位")
        self.notice = QLabel(f"<b>{AWAITING}</b>：承办单位已退回交办，请重新交办或自行办理答复。")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            f"background:{SOON_BACKGROUND}; color:{TEXT_ON_LIGHT}; padding:3px;"
        )
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.cellDoubleClicked.connect(self._open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.table)
        self.rows: list[list[str]] = []
        self.hide()

    def set_detail(self, d: CaseDetail) -> None:
        today = clock.today()
        self.rows = [
            unit_row(u, u.warning(today, d.warning_days), u.days_taken(today)) for u in d.units
        ]
        warnings = [u.warning(today, d.warning_days) for u in d.units]
        self.table.setRowCount(len(self.rows))
        for i, row in enumerate(self.rows):
            for j, text in enumerate(row):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if j == 3 and warnings[i]:
                    item.setBackground(QBrush(QColor(_BACKGROUND[warnings[i]])))
                    item.setForeground(QBrush(QColor(TEXT_ON_LIGHT)))
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader().height()
        self.table.setFixedHeight(
            header + sum(self.table.rowHeight(i) for i in range(len(self.rows))) + 4
        )
        self.notice.setVisible(d.awaiting_reassignment)
        self.setVisible(bool(d.units))

    def _open(self, row: int, _column: int) -> None:
        if 0 <= row < len(self.rows):
            self.open_unit.emit(self.rows[row][0])
