"""设置 → 节假日 → 导入国务院通知: paste the State Council's yearly notice, review what was
read, save it into the holiday list (OfficeService.import_holidays).

The notice is read as it is pasted (app/office/holiday_notice.py, no database); 保存 stays
disabled until it reads cleanly, and a sentence it cannot read is quoted under the box.
"""

import datetime as dt

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.holiday_notice import WEEKDAYS, Notice, parse
from ui.widgets import ERROR_COLOR


def _span(h_rest: list[dt.date]) -> str:
    if not h_rest:
        return "—"
    if len(h_rest) == 1:
        return f"{h_rest[0]:%m月%d日}"
    return f"{h_rest[0]:%m月%d日} 至 {h_rest[-1]:%m月%d日}，共 {len(h_rest)} 天"


class NoticeImportDialog(QDialog):
    def __init__(self, first_year: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("导入国务院通知")
        self.resize(760, 560)
        self.notice: Notice | None = None
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText(
            "把“国务院办公厅关于XXXX年部分节假日安排的通知”全文粘贴到这里（含标题）。"
        )
        self.text.textChanged.connect(self.read)
        self.year = QSpinBox()
        self.year.setRange(0, 2100)
        self.year.setSpecialValueText("取自标题")
        self.year.setMinimum(first_year - 1)
        self.year.setValue(first_year - 1)  # the special value: take the year from the title
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self.read)
        self.first_year = first_year
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addStretch(1)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["节日", "放假", "调休上班"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.save = self.buttons.addButton("保存", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton("取消", QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.save.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("通知全文"))
        layout.addWidget(self.text, 2)
        layout.addLayout(top)
        layout.addWidget(QLabel("读到的安排（请与通知核对后保存）"))
        layout.addWidget(self.table, 2)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def read(self) -> None:
        self.notice = None
        self.table.setRowCount(0)
        self.save.setEnabled(False)
        text = self.text.toPlainText()
        if not text.strip():
            self.message.setText("")
            return
        year = self.year.value() if self.year.value() >= self.first_year else None
        try:
            notice = parse(text, year)
        except DomainError as exc:
            self.message.setStyleSheet(f"color: {ERROR_COLOR};")
            self.message.setText(str(exc))
            return
        if notice.year < self.first_year:
            self.message.setStyleSheet(f"color: {ERROR_COLOR};")
            self.message.setText(
                f"{notice.year} 年的安排已内置在程序中，无需导入（可导入 {self.first_year} "
                "年及以后的通知）。"
            )
            return
        self.notice = notice
        self.table.setRowCount(len(notice.holidays))
        for i, h in enumerate(notice.holidays):
            work = "、".join(f"{d:%m月%d日}（星期{WEEKDAYS[d.weekday()]}）" for d in h.workdays)
            for j, cell in enumerate([h.name, _span(h.rest), work or "无"]):
                self.table.setItem(i, j, QTableWidgetItem(cell))
        days = notice.days
        rest = sum(d.rest for d in days)
        self.message.setStyleSheet("color: #1e7e34;")
        self.message.setText(
            f"读到 {notice.year} 年 {len(notice.holidays)} 个节日：放假 {rest} 天，"
            f"调休上班 {len(days) - rest} 天。"
            f"保存后，{notice.year} 年原先手工填写的日期以通知为准。"
        )
        self.save.setEnabled(True)
