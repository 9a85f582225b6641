"""生成报告: choose a template and a period, see the key figures, generate, open in Word/WPS.

The figures of the preview and the report itself are computed on the task runner's worker, so
the dialog never freezes on a 100,000-case database. What Word does to a template (split tags,
smart quotes) is handled at generation; the period's 情况说明 are edited from here, and a
document that still carries 【请填写】 markers is pointed out before it is sent.
"""

import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.documents import catalog
from app.documents.engine import Rendered, TemplateProblem
from app.documents.report_context import period_name
from app.documents.service import DocumentService
from app.periods.service import PeriodService
from app.stats import period
from ui.reports.periods_ui import PeriodMark
from ui.tasks import Progress, TaskRunner, run_with_progress
from ui.widgets import date_edit, from_qdate, output_folder, remember_output, to_qdate

PRESETS = ["本年", "上年", "本季度", "上季度", "本月", "上月", "自定义"]


def preset_range(name: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    if name == "本年":
        return period.year_period(today.year)
    if name == "上年":
        return period.year_period(today.year - 1)
    if name == "本季度":
        return period.quarter_period(today)
    if name == "上季度":
        return period.quarter_period(period.quarter_period(today)[0] - dt.timedelta(days=1))
    if name == "本月":
        return period.month_period(today)
    if name == "上月":
        return period.month_period(today.replace(day=1) - dt.timedelta(days=1))
    return None


def open_file(path: Path) -> None:
    """Open a generated document in the system's Word/WPS."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def show_problem(parent: QWidget | None, exc: TemplateProblem) -> bool:
    """Show a template's problems; True when the clerk agrees to a repair."""
    box = QMessageBox(parent)
    box.setWindowTitle("模板有问题")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setText(exc.message.split("\n")[0])
    box.setDetailedText(exc.message)
    box.setInformativeText("\n".join(exc.message.split("\n")[1:4]) + "\n（点“显示详细信息”看全部）")
    repair = None
    if exc.repairable:
        repair = box.addButton("修复模板并生成", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("关闭", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return repair is not None and box.clickedButton() is repair


class ReportDialog(QDialog):
    def __init__(
        self,
        service: DocumentService,
        runner: TaskRunner,
        parent: QWidget | None = None,
        template: str = "",
        periods: PeriodService | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("生成报告")
        self.setMinimumWidth(560)
        self.service = service
        self.runner = runner
        # Closed periods (封账): the mark beside the period, 按封账数字/按最新数据, and 封账 after
        # a report is issued. Without the service (the template manager's preview) none shows.
        self.periods = periods
        self.generated_for: tuple[dt.date, dt.date, dt.date | None] | None = None
        self.last_output: Path | None = None
        today = clock.today()

        self.template = QComboBox()
        for info in service.templates(catalog.REPORT):
            self.template.addItem(f"{info.name}（{info.source}）", info.name)
        if template:
            self.template.setCurrentIndex(max(0, self.template.findData(template)))
        self.preset = QComboBox()
        self.preset.addItems(PRESETS)
        self.date_from = date_edit(dt.date(today.year, 1, 1))
        self.date_to = date_edit(dt.date(today.year, 12, 31))
        self.as_of_check = QCheckBox("统计时点")
        self.as_of_check.setToolTip("不勾选时：截止日期与今天中较早的一天")
        self.as_of = date_edit(today)
        self.as_of.setEnabled(False)
        self.out = QLineEdit()
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)

        period_row = QHBoxLayout()
        period_row.addWidget(self.preset)
        period_row.addWidget(self.date_from)
        period_row.addWidget(QLabel("至"))
        period_row.addWidget(self.date_to)
        self.closed_mark = PeriodMark(periods, runner, self)
        self.closed_mark.changed.append(self._closed_changed)
        period_row.addWidget(self.closed_mark)
        self.figures = QComboBox()
        self.figures.addItems(["按封账数字", "按最新数据"])
        self.figures.setToolTip(
            "已封账期间：默认按封账时冻结的数字生成（与已上报的一致）；选“按最新数据”则含封账后的更正"
        )
        self.figures.setEnabled(False)
        as_of_row = QHBoxLayout()
        as_of_row.addWidget(self.as_of_check)
        as_of_row.addWidget(self.as_of)
        as_of_row.addSpacing(12)
        as_of_row.addWidget(self.figures)
        as_of_row.addStretch(1)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        form = QFormLayout()
        form.addRow("模板(&T)：", self.template)
        form.addRow("统计期间(&P)：", period_row)
        form.addRow("", as_of_row)
        form.addRow("保存到(&S)：", out_row)

        self.preview_box = QGroupBox("主要数据预览")
        self.preview = QFormLayout(self.preview_box)
        self.preview_note = QLabel("正在统计……")
        self.preview.addRow(self.preview_note)
        self.status = QLabel()
        self.status.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.generate_button = buttons.addButton(
            "生成并打开(&G)", QDialogButtonBox.ButtonRole.AcceptRole
        )
        notes_button = buttons.addButton("情况说明(&N)…", QDialogButtonBox.ButtonRole.ActionRole)
        notes_button.setToolTip("本期的存在问题、下一步打算、群体性事件等，报告中引用")
        notes_button.clicked.connect(self.edit_notes)
        self.close_period_button = buttons.addButton(
            "封账(&C)…", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.close_period_button.setToolTip(
            "报告报送后封账：冻结本期统计数字；之后修改本期数字须填写更正说明"
        )
        self.close_period_button.clicked.connect(self.close_period)
        self.close_period_button.setEnabled(False)
        self.close_period_button.setVisible(periods is not None)
        buttons.addButton("关闭", QDialogButtonBox.ButtonRole.RejectRole)
        self.generate_button.setDefault(True)
        buttons.accepted.connect(self.generate)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.generate)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview_box)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.refresh_preview)
        self.figures.currentIndexChanged.connect(lambda _i: self._timer.start())
        self._preview_token = 0
        self.preset.currentTextChanged.connect(self._preset_changed)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(self._dates_edited)
        self.as_of.dateChanged.connect(self._period_changed)
        self.as_of_check.toggled.connect(self._as_of_toggled)
        self.template.currentIndexChanged.connect(self._suggest_output)
        self._preset_changed(self.preset.currentText())

    # ---- period ----
    def period(self) -> tuple[dt.date, dt.date, dt.date | None]:
        as_of = from_qdate(self.as_of.date()) if self.as_of_check.isChecked() else None
        return from_qdate(self.date_from.date()), from_qdate(self.date_to.date()), as_of

    def _preset_changed(self, name: str) -> None:
        span = preset_range(name, clock.today())
        if span is None:
            return
        for edit, day in zip((self.date_from, self.date_to), span, strict=True):
            edit.blockSignals(True)
            edit.setDate(to_qdate(day))
            edit.blockSignals(False)
        self._period_changed()

    def _dates_edited(self) -> None:
        self.preset.blockSignals(True)
        self.preset.setCurrentText("自定义")
        self.preset.blockSignals(False)
        self._period_changed()

    def _as_of_toggled(self, on: bool) -> None:
        self.as_of.setEnabled(on)
        self._period_changed()

    def _period_changed(self) -> None:
        self._suggest_output()
        self._timer.start()
        if hasattr(self, "closed_mark"):
            self.closed_mark.show_for(*self.period())

    def live(self) -> bool:
        """按最新数据 chosen for a closed period (otherwise the frozen figures are used)."""
        return self.closed_mark.closed and self.figures.currentIndex() == 1

    def _closed_changed(self, closed: bool) -> None:
        self.figures.setEnabled(closed)
        if not closed:
            self.figures.setCurrentIndex(0)
        self._update_close_button()

    def _update_close_button(self) -> None:
        issued = self.generated_for == self.period()
        self.close_period_button.setEnabled(
            self.periods is not None and issued and not self.closed_mark.closed
        )

    # ---- 封账 ----
    def close_period(self) -> None:
        periods = self.periods
        if periods is None:
            return
        date_from, date_to, as_of = self.period()
        name = period_name(date_from, date_to)
        answer = QMessageBox.question(
            self,
            "封账",
            f"把{name}的统计数字封账？\n\n封账后，这一期间的报告默认按现在的数字生成；"
            "修改其中的数字（补录、改日期、撤销等）须填写更正说明。只有管理员可以解除封账。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(_p: Progress) -> Any:
            return periods.close(date_from, date_to, as_of)

        def done(snap: Any) -> None:
            files = f"，记录已生成的文件 {len(snap.files)} 个" if snap.files else ""
            self.status.setStyleSheet("")
            self.status.setText(
                f"已封账：{name}（截至{snap.as_of:%Y-%m-%d}），信访总量 {snap.total} 件{files}。"
            )
            self.closed_mark.show_for(date_from, date_to, as_of)

        self.runner.run(work, done, parent=self)

    def _suggest_output(self) -> None:
        date_from, date_to, _ = self.period()
        # One remembered folder for every output (台账, 报告, 文书): ui/widgets.output_folder.
        name = f"{self.template.currentData() or '报告'}（{period_name(date_from, date_to)}）.docx"
        self.out.setText(str(output_folder() / name))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "保存报告", self.out.text(), "Word 文档 (*.docx)"
        )
        if path:
            if not path.lower().endswith(".docx"):
                path += ".docx"
            self.out.setText(path)

    # ---- preview ----
    def refresh_preview(self) -> None:
        date_from, date_to, as_of = self.period()
        self._preview_token += 1
        token = self._preview_token
        self.preview_note.setText("正在统计……")

        live = self.live()

        def work(_p: Progress) -> list[tuple[str, str]]:
            return self.service.preview(date_from, date_to, as_of, live)

        def done(rows: list[tuple[str, str]]) -> None:
            if token == self._preview_token:  # a newer period was asked for meanwhile
                self._show_preview(rows)

        def failed(exc: BaseException, _details: str) -> None:
            if token == self._preview_token:
                self._show_preview([])
                self.preview_note.setText(str(exc))

        self.runner.run(work, done, failed, self)

    def _show_preview(self, rows: list[tuple[str, str]]) -> None:
        while self.preview.rowCount() > 1:
            self.preview.removeRow(1)
        date_from, date_to, _ = self.period()
        self.preview_note.setText(f"{period_name(date_from, date_to)}：")
        for label, value in rows:
            field = QLabel(value)
            field.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.preview.addRow(f"{label}：", field)

    # ---- 情况说明 ----
    def edit_notes(self) -> None:
        from ui.reports.notes_dialog import NotesDialog

        date_from, date_to, _ = self.period()
        NotesDialog(self.service, self.runner, date_from, date_to, self).open()

    # ---- generate ----
    def generate(self, repair: bool = False) -> None:
        name = self.template.currentData()
        out = Path(self.out.text().strip())
        if not name or not self.out.text().strip():
            QMessageBox.warning(self, "提示", "请选择模板和保存位置。")
            return
        if out.suffix.lower() != ".docx":
            out = out.with_suffix(".docx")
        if out.exists() and not repair:
            # A report already generated may hold the clerk's own edits since.
            answer = QMessageBox.question(
                self, "文件已存在", f"{out}\n已经存在（可能已经修改过），要覆盖吗？"
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        date_from, date_to, as_of = self.period()
        live = self.live()

        def work(progress: Progress) -> Any:
            def step(done: int, total: int, text: str) -> None:
                progress.update(done, total, text)

            try:
                return self.service.report(
                    name, date_from, date_to, as_of, out, step, repair, live=live
                )
            except TemplateProblem as exc:  # handled in the dialog, with the repair offer
                return exc

        run_with_progress(self.runner, self, "正在生成报告", work, self._generated)

    def _generated(self, result: Rendered | TemplateProblem) -> None:
        if isinstance(result, TemplateProblem):
            if show_problem(self, result):
                self.generate(repair=True)
            return
        self.last_output = result.path
        self.generated_for = self.period()  # 封账 is offered for the period just issued
        self._update_close_button()
        remember_output(result.path)
        note = f"已生成：{result.path}"
        if self.closed_mark.closed:
            note += "（按最新数据）" if self.live() else "（按封账数字）"
        if result.repairs:
            note += f"（模板中 {len(result.repairs)} 处 Word/WPS 格式差异已自动处理）"
        if result.markers:
            # Warned here, before the clerk sends it: the document still asks for text.
            note += (
                f"\n注意：文档中还有 {len(result.markers)} 处【请填写】，报送前请补写，"
                "或点“情况说明”填写后重新生成：" + "、".join(dict.fromkeys(result.markers))
            )
            self.status.setStyleSheet("color: #b00000;")
        else:
            self.status.setStyleSheet("")
        self.status.setText(note)
        open_file(result.path)
