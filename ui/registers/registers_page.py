"""The 领导接访 and 排查调处 registers as editable tables, the way the clerk kept them in Excel.

Cells are edited in place (double-click, F2 or just start typing; Enter saves the row); the strip
under the table adds a row (Enter adds); Delete removes the selected row after asking. Every
save goes through the one write worker; a refused value shows its message under the table and
the row is read back from the database, so the table never shows what was not saved.
"""

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.errors import DomainError
from app.office.registers import MAX_COUNT, Reception, RegisterService, ScreeningRow
from ui.registers.register_model import COLUMNS, Kind, RegisterDelegate, RegisterModel, Row
from ui.tasks import TaskRunner, show_error
from ui.widgets import ERROR_COLOR, DateEdit, from_qdate, to_qdate

TITLES = {"reception": "领导接访登记", "screening": "矛盾纠纷排查调处登记"}
PERIODS = ["本年", "上年", "本季度", "本月", "全部", "自定义"]


def period_range(name: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    if name == "本年":
        return dt.date(today.year, 1, 1), dt.date(today.year, 12, 31)
    if name == "上年":
        return dt.date(today.year - 1, 1, 1), dt.date(today.year - 1, 12, 31)
    if name == "本季度":
        first = (today.month - 1) // 3 * 3 + 1
        end = dt.date(today.year + 1, 1, 1) if first == 10 else dt.date(today.year, first + 3, 1)
        return dt.date(today.year, first, 1), end - dt.timedelta(days=1)
    if name == "本月":
        nxt = dt.date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        return today.replace(day=1), nxt - dt.timedelta(days=1)
    return None, None


class RegistersPage(QWidget):
    def __init__(self, service: RegisterService, runner: TaskRunner, kind: Kind) -> None:
        super().__init__()
        # The main window names its pages "receptions"/"screenings": accept both spellings.
        kind = {"receptions": "reception", "screenings": "screening"}.get(kind, kind)  # type: ignore[assignment]
        if kind not in COLUMNS:
            raise ValueError(kind)
        self.service, self.runner, self.kind = service, runner, kind
        self.row_type: type[Row] = Reception if kind == "reception" else ScreeningRow
        self._leaders: list[str] = []

        title = QLabel(f"<h2>{TITLES[kind]}</h2>")
        self.period = QComboBox()
        self.period.addItems(PERIODS)
        self.date_from, self.date_to = self._date_edit(), self._date_edit()
        bar = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setStyleSheet("font-weight: bold; margin-left: 16px;")
        bar.addWidget(title)
        bar.addWidget(self.summary)
        bar.addStretch(1)
        for widget in (QLabel("期间"), self.period, self.date_from, QLabel("至"), self.date_to):
            bar.addWidget(widget)

        self.model = RegisterModel(kind, self._save)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(RegisterDelegate(self.model.columns, lambda: self._leaders))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setMinimumSectionSize(110)

        self.entry = self._entry_strip()
        self.message = QLabel()
        self.message.setWordWrap(True)
        hint = QLabel(
            "双击单元格（或按 F2、直接输入）修改，回车保存；选中一行按 Delete 删除。"
            "新记录在下方填写后按回车添加。"
        )
        hint.setStyleSheet("color: #5f6368;")

        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.entry)
        layout.addWidget(self.message)
        layout.addWidget(hint)

        self.table.installEventFilter(self)
        self.period.currentTextChanged.connect(self._period_chosen)
        self.date_from.dateChanged.connect(self._dates_edited)
        self.date_to.dateChanged.connect(self._dates_edited)
        self.period.setCurrentText("本年")
        self._period_chosen("本年")
        self.setTabOrder(self.period, self.date_from)
        self.setTabOrder(self.date_from, self.date_to)
        self.setTabOrder(self.date_to, self.table)

    # ---- building ----
    def _date_edit(self) -> QDateEdit:
        return DateEdit(clock.today())  # typed dates, the day selected, a Chinese calendar

    def _entry_strip(self) -> QWidget:
        strip = QWidget()
        row = QHBoxLayout(strip)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("新增："))
        self.new_fields: dict[str, QWidget] = {}
        for name, header, editor in COLUMNS[self.kind]:
            widget: QWidget
            if editor == "date":
                widget = self._date_edit()
            elif editor == "leader":
                widget = QComboBox()
                widget.setMinimumWidth(110)
            elif editor == "int":
                widget = QSpinBox()
                widget.setRange(0, MAX_COUNT - 1)
            else:
                widget = QLineEdit()
                widget.setPlaceholderText("备注")
            widget.setToolTip(header)
            widget.setAccessibleName(header)
            if editor != "text":
                row.addWidget(
                    QLabel(header.split("（")[0].replace("接访", "").replace("排查", "") or header)
                )
            row.addWidget(widget, 2 if editor == "text" else 0)
            self.new_fields[name] = widget
        self.add_button = QPushButton("添加 (Enter)")
        self.add_button.clicked.connect(self.add_row)
        self.delete_button = QPushButton("删除所选 (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        row.addWidget(self.add_button)
        row.addWidget(self.delete_button)
        for widget in self.new_fields.values():
            widget.installEventFilter(self)
        return strip

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in the new-row strip adds the row; Delete in the table removes the selected one."""
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and watched in self.new_fields.values():
                self.add_row()
                return True
            if key == Qt.Key.Key_Delete and watched is self.table:
                self.delete_selected()
                return True
        return super().eventFilter(watched, event)

    # ---- reading ----
    def showEvent(self, event: Any) -> None:  # the leader list may have changed in 设置
        super().showEvent(event)
        self.reload()

    def _period_chosen(self, name: str) -> None:
        if name == "自定义":
            return
        first, last = period_range(name, clock.today())
        for edit, day in ((self.date_from, first), (self.date_to, last)):
            edit.blockSignals(True)
            edit.setDate(
                to_qdate(day)
                if day
                else to_qdate(dt.date(2000, 1, 1) if edit is self.date_from else clock.today())
            )
            edit.blockSignals(False)
        for edit in (self.date_from, self.date_to):
            edit.setEnabled(name != "全部")
        self.reload()

    def _dates_edited(self) -> None:
        self.period.blockSignals(True)
        self.period.setCurrentText("自定义")
        self.period.blockSignals(False)
        self.reload()

    def period_bounds(self) -> tuple[dt.date | None, dt.date | None]:
        if self.period.currentText() == "全部":
            return None, None
        return from_qdate(self.date_from.date()), from_qdate(self.date_to.date())

    def reload(self) -> None:
        """Registers are a few dozen rows a year: read directly, it takes milliseconds."""
        first, last = self.period_bounds()
        if self.kind == "reception":
            self._leaders = self.service.leaders()
            leader_box = self.new_fields["leader"]
            assert isinstance(leader_box, QComboBox)
            current = leader_box.currentText()
            leader_box.clear()
            leader_box.addItems(self._leaders)
            if current in self._leaders:
                leader_box.setCurrentText(current)
            rows: list[Row] = list(self.service.receptions(first, last))
            t = self.service.reception_totals(first, last)
            totals = [f"合计（{t.days} 天）", "", str(t.batches), str(t.persons), ""]
            summary = f"本期合计：接访 {t.days} 天，接待 {t.batches} 批 {t.persons} 人次"
        else:
            rows = list(self.service.screenings(first, last))
            u = self.service.screening_totals(first, last)
            totals = [f"合计（{u.times} 次）", str(u.found), str(u.resolved), ""]
            summary = (
                f"本期合计：排查 {u.times} 次，排查出矛盾纠纷 {u.found} 起，化解 {u.resolved} 起"
            )
        self.model.set_rows(rows, totals)
        self.summary.setText(summary)

    # ---- writing ----
    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: #1e7e34;")
        self.message.setText(text)

    def _failed(self, exc: BaseException, details: str) -> None:
        self.reload()  # put back what the database holds
        if isinstance(exc, DomainError):
            self._show(exc.message, error=True)
        else:
            show_error(self, exc, details)

    def _save(self, row: Row, done: str = "已保存。") -> None:
        def finished(_id: object) -> None:
            self.reload()
            self._show(done)

        self.runner.run(lambda _p: self.service.save(row), finished, self._failed, self)

    def new_row(self) -> Row:
        values: dict[str, Any] = {}
        for name, widget in self.new_fields.items():
            if isinstance(widget, QDateEdit):
                values[name] = from_qdate(widget.date())
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentText()
            elif isinstance(widget, QSpinBox):
                widget.interpretText()  # a number typed but not yet committed
                values[name] = widget.value()
            elif isinstance(widget, QLineEdit):
                values[name] = widget.text()
        return self.row_type(**values)

    def add_row(self) -> None:
        if self.kind == "reception" and not self._leaders:
            self._show("领导名单是空的：请先在“设置 → 字典 → 领导名单”中添加接访领导。", error=True)
            return
        row = self.new_row()

        def finished(_id: object) -> None:
            for widget in self.new_fields.values():
                if isinstance(widget, QSpinBox):
                    widget.setValue(0)
                elif isinstance(widget, QLineEdit):
                    widget.clear()
            self.reload()
            self._show(f"已添加 {row.on:%Y-%m-%d} 的记录。")

        self.runner.run(lambda _p: self.service.save(row), finished, self._failed, self)

    def selected_row(self) -> Row | None:
        indexes = self.table.selectionModel().selectedRows() or [self.table.currentIndex()]
        index = indexes[0]
        if not index.isValid() or self.model.is_total(index):
            return None
        return self.model.rows[index.row()]

    def delete_selected(self) -> None:
        row = self.selected_row()
        if row is None or row.id is None:
            self._show("请先在表格中选中要删除的一行。", error=True)
            return
        what = f"{row.on:%Y-%m-%d}" + (f" {row.leader}" if isinstance(row, Reception) else "")
        answer = QMessageBox.question(
            self, "删除记录", f"确定删除 {what} 的这条记录吗？删除会记入操作日志。"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        row_id, kind = row.id, self.row_type

        def finished(_none: object) -> None:
            self.reload()
            self._show(f"已删除 {what} 的记录。")

        self.runner.run(lambda _p: self.service.delete(kind, row_id), finished, self._failed, self)
