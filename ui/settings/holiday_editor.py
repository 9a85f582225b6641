"""设置 → 节假日: the office's holiday list for years the calendar package does not know.

The note at the top says which years the package covers, and warns (yellow) when it does not
know next year yet: deadlines running into that year are estimated from weekends plus this list
until the clerk enters the State Council's arrangement (published each November) here.
"""

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.office.holidays import WEEKDAYS, Holiday
from app.office.service import OfficeService
from ui.settings.holiday_import import NoticeImportDialog
from ui.tasks import Progress, TaskRunner, run_with_progress
from ui.widgets import ERROR_COLOR, date_edit, from_qdate

WARNING_STYLE = "background: #fff2b3; color: #1f2328; border: 1px solid #e0c060; padding: 8px;"


class HolidayEditor(QWidget):
    changed = Signal()  # the list changed, so deadlines did

    def __init__(self, office: OfficeService, runner: TaskRunner) -> None:
        super().__init__()
        self.office, self.runner = office, runner
        self.rows: list[Holiday] = []
        cov = self.office.coverage()
        self.note = QLabel(
            f"本程序已内置 {cov.first}–{cov.last} 年国家公布的法定节假日和调休安排，"
            f"这些年份的期限按国家公布的安排计算，无需填写。{cov.last + 1} 年及以后，按本表"
            f"（导入或填写的放假和调休安排）加上“周六、周日休息”计算；某年的国家安排（以春节"
            f"为准）尚未导入或录入时，该年的期限只能按周末估算，标为“估算”。"
        )
        self.note.setWordWrap(True)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(WARNING_STYLE)
        if not cov.next_year_known:
            self.warning.setText(
                f"注意：程序还不知道 {cov.next_year} 年的节假日安排，{cov.next_year} "
                "年的期限目前是估算的"
                f"（按周末和本表推算）。国务院办公厅公布 {cov.next_year} 年放假安排后，"
                f"请在下面填写放假日期和调休上班日期，或更新本程序。"
            )
        self.warning.setVisible(not cov.next_year_known)

        self.year = QSpinBox()
        self.year.setRange(cov.last + 1, cov.last + 30)
        self.year.setValue(max(cov.last + 1, cov.next_year))
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(QLabel("年份"))
        top.addWidget(self.year)
        top.addStretch(1)
        self.import_button = QPushButton("导入国务院通知…")
        self.import_button.clicked.connect(self.import_notice)
        top.addWidget(self.import_button)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["日期", "星期", "安排", "名称"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.table.installEventFilter(self)

        self.first, self.last = (
            date_edit(dt.date(cov.last + 1, 1, 1)),
            date_edit(dt.date(cov.last + 1, 1, 1)),
        )
        self.first.dateChanged.connect(lambda d: self.last.setDate(max(d, self.last.date())))
        self.rest = QComboBox()
        self.rest.addItems(["放假", "调休上班"])
        self.name = QLineEdit()
        self.name.setPlaceholderText("名称，如 春节")
        self.name.setMaxLength(30)
        self.add_button = QPushButton("添加 (Enter)")
        self.add_button.clicked.connect(self.add)
        self.delete_button = QPushButton("删除所选 (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        strip = QHBoxLayout()
        for widget in (
            QLabel("从"),
            self.first,
            QLabel("到"),
            self.last,
            self.rest,
            self.name,
            self.add_button,
            self.delete_button,
        ):
            strip.addWidget(widget, 1 if widget is self.name else 0)
        for widget in (self.first, self.last, self.rest, self.name):
            widget.installEventFilter(self)
        self.message = QLabel()
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.warning)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(strip)
        layout.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        self.rows = self.office.holidays(self.year.value())
        self.table.setRowCount(len(self.rows))
        for i, h in enumerate(self.rows):
            cells = [
                h.day.isoformat(),
                f"星期{WEEKDAYS[h.day.weekday()]}",
                "放假" if h.rest else "调休上班",
                h.name,
            ]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: #1e7e34;")
        self.message.setText(text)

    def _write(self, title: str, fn: Any, done_text: str) -> None:
        """Run on the write worker with a progress dialog (it recomputes every deadline)."""

        def work(progress: Progress) -> int | Exception:
            try:
                return int(
                    fn(lambda done, total: progress.update(done, total, "正在重新计算期限…"))
                )
            except Exception as exc:  # a DomainError is shown under the table
                from app.errors import DomainError

                if isinstance(exc, DomainError):
                    return exc
                raise

        def done(result: int | Exception) -> None:
            if isinstance(result, Exception):
                self._show(str(result), error=True)
                return
            self.reload()
            self.changed.emit()
            self._show(done_text + (f"{result} 件信访件的期限随之改变。" if result else ""))

        run_with_progress(self.runner, self, title, work, done)

    def add(self) -> None:
        first, last = from_qdate(self.first.date()), from_qdate(self.last.date())
        rest, name = self.rest.currentIndex() == 0, self.name.text()
        if (
            first.year != self.year.value()
            and self.year.minimum() <= first.year <= self.year.maximum()
        ):
            self.year.setValue(first.year)
        kind = "放假" if rest else "调休上班"
        self._write(
            "填写节假日",
            lambda p: self.office.put_holidays(first, last, rest, name, p),
            f"已把 {first:%Y-%m-%d} 至 {last:%Y-%m-%d} 记为{kind}。",
        )

    def import_notice(self) -> None:
        dialog = NoticeImportDialog(self.office.coverage().last + 1, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.notice is None:
            return
        notice = dialog.notice
        if self.year.minimum() <= notice.year <= self.year.maximum():
            self.year.setValue(notice.year)
        self._write(
            "导入国务院通知",
            lambda p: self.office.import_holidays(notice, p).reprojected,
            f"已导入 {notice.year} 年的节假日安排（{len(notice.days)} 天）。",
        )

    def delete_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        days = [self.rows[r].day for r in rows if r < len(self.rows)]
        if not days:
            self._show("请先在表格中选中要删除的日期。", error=True)
            return
        answer = QMessageBox.question(
            self, "删除", f"确定删除选中的 {len(days)} 天吗？期限将重新计算。"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self._write(
            "删除节假日", lambda p: self.office.remove_holidays(days, p), f"已删除 {len(days)} 天。"
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and watched is not self.table:
                self.add()
                return True
            if key == Qt.Key.Key_Delete and watched is self.table:
                self.delete_selected()
                return True
        return super().eventFilter(watched, event)
