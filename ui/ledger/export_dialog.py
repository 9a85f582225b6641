"""Export the case list's current filter as the Excel 台账 (progress and 取消 via ui/tasks)."""

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from app import clock
from app.cases.search import CaseFilter
from app.ledger.export import ExportResult
from app.ledger.service import LedgerService
from ui.tasks import Progress, TaskRunner, run_with_progress
from ui.widgets import output_folder, show_saved


def _describe(f: CaseFilter) -> str:
    parts = []
    if f.date_from or f.date_to:
        parts.append(f"登记日期 {f.date_from or '…'} 至 {f.date_to or '…'}")
    for label, values in (
        ("形式", f.forms),
        ("渠道", f.channels),
        ("类别", f.categories),
        ("承办单位", f.departments),
        ("状态", f.statuses),
    ):
        if values:
            parts.append(f"{label}：{'、'.join(values)}")
    if f.text.strip():
        parts.append(f"查找“{f.text.strip()}”")
    if f.warning:
        parts.append(f.warning)
    return "；".join(parts) or "全部信访件"


class LedgerExportDialog(QDialog):
    """Where to save, whether to mask; then the export runs off the GUI thread."""

    exported = Signal(object)  # ExportResult

    def __init__(
        self,
        parent: QWidget | None,
        runner: TaskRunner,
        ledger: LedgerService,
        case_filter: CaseFilter,
    ) -> None:
        super().__init__(parent)
        self.runner, self.case_filter, self.ledger = runner, case_filter, ledger
        self.progress: Progress | None = None
        self.setWindowTitle("导出台账")
        self.setMinimumWidth(620)
        form = QFormLayout(self)
        form.addRow("导出范围：", QLabel(_describe(case_filter)))
        self.path = QLineEdit(str(output_folder() / f"信访台账_{clock.today():%Y%m%d}.xlsx"))
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        # A label with a buddy: without one Qt shows the "&" of the mnemonic literally.
        save_to = QLabel("保存到(&F)：")
        save_to.setBuddy(self.path)
        form.addRow(save_to, row)
        # Personal data leaves the office masked unless the clerk decides otherwise (PIPL).
        self.mask = QCheckBox("身份证号、电话打码(&M)（如 1101**********1234、138****8000）")
        self.mask.setChecked(True)
        form.addRow("", self.mask)
        self.stats = QCheckBox("附“统计”工作表(&S)（同一期间的各项指标）")
        self.stats.setChecked(True)
        form.addRow("", self.stats)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("导出(&E)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "导出台账", self.path.text(), "Excel 工作簿 (*.xlsx)"
        )
        if name:
            self.path.setText(name if name.lower().endswith(".xlsx") else name + ".xlsx")

    def start(self) -> None:
        out = Path(self.path.text().strip())
        if not out.name:
            QMessageBox.warning(self, "导出台账", "请选择保存位置。")
            return
        if out.suffix.lower() != ".xlsx":
            out = out.with_suffix(".xlsx")
        f, mask, stats, ledger = (
            self.case_filter,
            self.mask.isChecked(),
            self.stats.isChecked(),
            self.ledger,
        )

        def work(progress: Progress) -> ExportResult:
            def report(done: int, total: int) -> None:
                progress.update(done, total, f"正在导出台账… {done}/{total}")

            return ledger.export(f, out, mask=mask, progress=report, with_stats=stats)

        self.accept()  # the progress dialog takes over; a cancel leaves no file behind
        self.progress = run_with_progress(
            self.runner, self.parentWidget(), "导出台账", work, self._done
        )

    def _done(self, result: ExportResult) -> None:
        self.exported.emit(result)
        show_saved(
            self.parentWidget(),
            "导出台账",
            f"已导出 {result.rows} 件（其中超期 {result.overdue} 件，已标红）到：\n{result.path}",
            Path(result.path),
        )


def export_case_list(
    parent: QWidget | None,
    runner: TaskRunner,
    ledger: LedgerService,
    case_filter: CaseFilter,
) -> LedgerExportDialog:
    """Open the export dialog for what the case list shows (the main window's menu calls this)."""
    dialog = LedgerExportDialog(parent, runner, ledger, case_filter)
    dialog.open()
    return dialog
