"""督办清单: the cases the §3 triggers put on the list as of a date, with the reason and since
when; the clerk 督办s (event + 督办单), 催办s or dismisses (不督办, with a note) the selected one.

The list is a few hundred rows at most (every hit is acted on or dismissed), so a plain table;
it is computed in SQL by the service on the task runner's worker.
"""

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.cases.supervision import Hit
from app.cases.supervision_service import Supervised, SupervisionDefaults, SupervisionService
from app.errors import DomainError
from ui.supervision.supervise_dialog import SuperviseDialog
from ui.tasks import TaskRunner, show_error
from ui.widgets import date_edit, from_qdate, output_folder, show_saved

COLUMNS = ["编号", "信访人", "状态", "督办原因", "起始日期"]


class SupervisionPage(QWidget):
    open_case = Signal(int)
    changed = Signal()  # a 督办/催办/不督办 was written: the window refreshes lists and counts

    def __init__(
        self, service: SupervisionService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.hits: list[Hit] = []
        self.as_of = date_edit(clock.today())
        self.as_of.setToolTip("按这一天的办理情况列出需要督办的信访件")
        self.refresh_button = QPushButton("刷新")
        self.count = QLabel()
        bar = QHBoxLayout()
        label = QLabel("截至(&J)")
        label.setBuddy(self.as_of)
        bar.addWidget(label)
        bar.addWidget(self.as_of)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.count, 1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        for col in (0, 1, 2, 4):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _i: self._open())

        self.supervise_button = QPushButton("督办(&D)…")
        self.supervise_button.setToolTip("记录督办并生成督办单（写明答复期限）")
        self.urge_button = QPushButton("催办(&C)…")
        self.dismiss_button = QPushButton("不督办(&X)…")
        self.dismiss_button.setToolTip("从清单中去掉（须写明理由）；以后再次符合条件时会重新列出")
        self.open_button = QPushButton("打开信访件(&O)")
        buttons = QHBoxLayout()
        for b in (self.supervise_button, self.urge_button, self.dismiss_button, self.open_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)

        self.refresh_button.clicked.connect(self.refresh)
        self.as_of.dateChanged.connect(lambda _d: self.refresh())
        self.supervise_button.clicked.connect(self.supervise)
        self.urge_button.clicked.connect(self.urge)
        self.dismiss_button.clicked.connect(self.dismiss)
        self.open_button.clicked.connect(self._open)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    # --- reading --------------------------------------------------------------------------
    def day(self) -> dt.date:
        return from_qdate(self.as_of.date())

    def refresh(self) -> None:
        service, day = self.service, self.day()
        self.count.setText("正在计算…")
        self.runner.run(lambda _p: service.supervision_list(day), self._show, parent=self)

    def _show(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.table.setRowCount(len(hits))
        for row, h in enumerate(hits):
            cells = [h.number, h.name or "（匿名）", h.status, h.reason, f"{h.since:%Y-%m-%d}"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.count.setText(f"共 {len(hits)} 件需要督办" if hits else "没有需要督办的信访件")
        self._selection_changed()

    def selected(self) -> Hit | None:
        rows = self.table.selectionModel().selectedRows()
        return self.hits[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        on = self.selected() is not None
        for b in (self.supervise_button, self.urge_button, self.dismiss_button, self.open_button):
            b.setEnabled(on)

    def _open(self) -> None:
        hit = self.selected()
        if hit is not None:
            self.open_case.emit(hit.case_id)

    # --- acting ---------------------------------------------------------------------------
    def _write(self, fn: object, said: str) -> None:
        def done(result: object) -> None:
            self.message.setText(said)
            if isinstance(result, Supervised) and result.document is not None:
                show_saved(self, "督办单", f"督办单已保存：{result.document}", result.document)
            self.changed.emit()
            self.refresh()

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, DomainError):
                self.message.setText(exc.message)
            else:
                show_error(self, exc, details)

        self.runner.run(lambda _p: fn(), done, failed, self)  # type: ignore[operator]

    def supervise(self) -> None:
        hit = self.selected()
        if hit is None:
            return
        service = self.service
        self.runner.run(
            lambda _p: service.supervision_defaults(hit.case_id),
            lambda defaults: self._supervise(hit, defaults),
            parent=self,
        )

    def _supervise(self, hit: Hit, defaults: SupervisionDefaults) -> None:
        dialog = SuperviseDialog(hit.number, defaults, self)
        if dialog.exec() != SuperviseDialog.DialogCode.Accepted:
            return
        by, to, due, note, form = dialog.values()
        out: Path | None = None
        if form:
            path, _ = QFileDialog.getSaveFileName(
                self, "保存督办单", str(output_folder() / f"{hit.number}督办单.docx"),
                "Word 文档 (*.docx)",
            )  # fmt: skip
            if not path:
                return
            out = Path(path if path.lower().endswith(".docx") else path + ".docx")
        service = self.service
        self._write(
            lambda: service.supervise(hit.case_id, by, to, due, note, out),
            f"{hit.number} 已督办。",
        )

    def urge(self) -> None:
        hit = self.selected()
        if hit is None:
            return
        note, ok = QInputDialog.getText(self, f"催办 {hit.number}", "催办内容：")
        if ok:
            service = self.service
            self._write(lambda: service.urge(hit.case_id, note), f"{hit.number} 已催办。")

    def dismiss(self) -> None:
        hit = self.selected()
        if hit is None:
            return
        note, ok = QInputDialog.getText(
            self, f"不督办 {hit.number}", f"{hit.reason}\n不督办的理由（必填）："
        )
        if ok:
            service = self.service
            self._write(
                lambda: service.dismiss(hit.case_id, note, hit.rule),
                f"{hit.number} 已从督办清单去掉。",
            )

    def keyPressEvent(self, event: object) -> None:  # noqa: N802 (Qt's name)
        from PySide6.QtGui import QKeyEvent

        if isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open()
            return
        super().keyPressEvent(event)  # type: ignore[arg-type]
