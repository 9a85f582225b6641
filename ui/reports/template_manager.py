"""模板管理: the templates (default or the office's own), with what can be done to each — edit in
Word/WPS, open the folder, check, repair, restore the default, generate a report — and beside
them the variable reference with today's values, the same list `xinfang report vars` prints.

On a server the office's templates are in the database (every clerk sees them): there is no
folder to open, so that button becomes 导出模板… and 导入模板… saves an edited copy back."""

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.documents import catalog
from app.documents.catalog import TemplateInfo
from app.documents.service import DocumentService, Variable, filter_reference
from app.errors import DomainError
from ui.reports.report_dialog import ReportDialog
from ui.tasks import Progress, TaskRunner

KIND_NAMES = {catalog.REPORT: "报告", catalog.CASE: "文书"}


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class TemplateManager(QWidget):
    def __init__(
        self, service: DocumentService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.service, self.runner = service, runner
        self.server = service.db.is_server
        self.templates: list[TemplateInfo] = []
        self._variables: dict[str, list[Variable]] = {}

        self.list = _table(["模板", "类别", "来源"])
        self.list.itemSelectionChanged.connect(self._selected)
        self.list.doubleClicked.connect(lambda _i: self.edit())
        # Alt+letter mnemonics only: Ctrl+R, Ctrl+E and F5 belong to the main window.
        buttons = [
            ("用此模板生成报告…", self.report),
            ("在 Word/WPS 中编辑(&W)", self.edit),
            ("检查模板(&K)", self.check),
            ("修复模板", self.repair),
            ("恢复默认", self.restore),
        ]
        if self.server:
            buttons += [("导入模板…", self.import_template), ("导出模板…", self.export_template)]
        else:
            buttons.append(("打开模板文件夹(&O)", self.open_folder))
        self.buttons: dict[str, QPushButton] = {}
        grid = QHBoxLayout()
        grid.setSpacing(6)
        col = QVBoxLayout()
        for text, slot in buttons:
            b = QPushButton(text)
            b.clicked.connect(slot)
            self.buttons[text] = b
            col.addWidget(b)
        col.addStretch(1)
        grid.addWidget(self.list, 1)
        grid.addLayout(col)
        self.result = QPlainTextEdit()
        self.result.setReadOnly(True)
        self.result.setPlaceholderText(
            "选中一个模板，点“检查模板”，这里列出发现的问题及其所在段落。"
        )
        self.result.setMaximumHeight(160)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        intro = QLabel(
            "<b>模板</b>　本单位修改过的模板优先使用；恢复默认时，"
            "修改版移到“已替换的旧模板”文件夹。"
        )
        intro.setWordWrap(True)
        lv.addWidget(intro)
        lv.addLayout(grid, 1)
        lv.addWidget(self.result)

        self.vars = _table(["变量", "说明", "今天的值"])
        self.vars.setWordWrap(False)
        header = self.vars.horizontalHeader()
        for col, width in ((0, 240), (1, 280)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, width)
        self.vars.verticalHeader().setDefaultSectionSize(24)
        self.vars_title = QLabel("<b>变量说明</b>")
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.vars_title)
        rv.addWidget(
            QLabel("在模板中写 {{ 变量 }}；过滤器写在竖线后，如 {{ stats.closure_rate | pct }}。")
        )
        rv.addWidget(self.vars, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([470, 830])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.reload()

    # ---- the list ----
    def reload(self) -> None:
        keep = self.current().name if self.current() else ""
        self.templates = self.service.templates()
        self.list.setRowCount(len(self.templates))
        for row, info in enumerate(self.templates):
            for col, text in enumerate((info.name, KIND_NAMES[info.kind], info.source)):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{info.description}\n{info.path}")
                self.list.setItem(row, col, item)
        names = [t.name for t in self.templates]
        self.list.selectRow(names.index(keep) if keep in names else 0)

    def current(self) -> TemplateInfo | None:
        rows = self.list.selectionModel().selectedRows() if self.list.selectionModel() else []
        if not rows or rows[0].row() >= len(self.templates):
            return None
        return self.templates[rows[0].row()]

    def _selected(self) -> None:
        info = self.current()
        if info is None:
            return
        self.buttons["用此模板生成报告…"].setEnabled(info.kind == catalog.REPORT)
        self.buttons["恢复默认"].setEnabled(info.override is not None and info.default is not None)
        self.result.clear()
        self._show_variables(info.kind)

    # ---- actions ----
    def report(self) -> None:
        info = self.current()
        dialog = ReportDialog(self.service, self.runner, self, info.name if info else "")
        dialog.exec()
        self.reload()

    def edit(self) -> None:
        info = self.current()
        if info is None:
            return
        try:
            path = self.service.make_editable(info.name)
        except DomainError as exc:  # e.g. a 查阅 account may not change the office's templates
            QMessageBox.warning(self, "提示", exc.message)
            return
        self.reload()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        if self.server:
            self.result.setPlainText(
                f"已打开服务器上模板的副本：{path}\n在 Word/WPS 中修改并保存后，"
                "点“导入模板…”选这个文件，保存到服务器，其他专干随即可用。"
            )
            return
        self.result.setPlainText(
            f"已打开本单位的模板：{path}\n在 Word/WPS 中修改并保存后，点“检查模板”。"
        )

    def import_template(self) -> None:
        info = self.current()
        start = str(paths.templates_dir() / catalog.EDIT_DIR)
        path, _ = QFileDialog.getOpenFileName(self, "导入模板", start, "Word 文档 (*.docx)")
        if not path:
            return
        name = info.name if info and Path(path).stem == info.name else Path(path).stem
        try:
            self.service.install_template(name, Path(path))
        except DomainError as exc:
            QMessageBox.warning(self, "提示", exc.message)
            return
        self.reload()
        self.result.setPlainText(f"已把 {path} 保存为服务器上的模板“{name}”，其他专干随即可用。")

    def export_template(self) -> None:
        info = self.current()
        if info is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "导出模板", f"{info.name}.docx", "Word 文档 (*.docx)"
        )
        if not path:
            return
        try:
            self.service.export_template(info.name, Path(path))
        except DomainError as exc:
            QMessageBox.warning(self, "提示", exc.message)
            return
        self.result.setPlainText(f"已导出模板“{info.name}”到 {path}")

    def open_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(paths.templates_dir())))

    def check(self) -> None:
        self._run_check(repair=False)

    def repair(self) -> None:
        self._run_check(repair=True)

    def _run_check(self, repair: bool) -> None:
        info = self.current()
        if info is None:
            return
        self.result.setPlainText("正在检查……")

        def work(_p: Progress) -> str:
            result = (self.service.repair_template if repair else self.service.check_template)(
                info.name
            )
            return result.summary(saved=bool(repair and result.repairs and result.ok))

        def done(text: str) -> None:
            self.result.setPlainText(text)
            self.reload()

        self.runner.run(work, done, parent=self)

    def restore(self) -> None:
        info = self.current()
        if info is None or info.override is None:
            return
        where = "服务器上的旧模板中保留" if self.server else f"移到“{catalog.OLD_DIR}”文件夹"
        answer = QMessageBox.question(
            self,
            "恢复默认模板",
            f"恢复“{info.name}”的默认模板？\n本单位的修改版不会删除，会{where}。",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            moved = self.service.restore_default(info.name)
        except Exception as exc:  # a DomainError's message (file open in Word) or an OS error
            QMessageBox.warning(self, "提示", str(exc))
            return
        self.result.setPlainText(f"已恢复默认模板。原来的修改版在：{moved}")
        self.reload()

    # ---- the variable reference ----
    def _show_variables(self, kind: str) -> None:
        self.vars_title.setText(f"<b>变量说明（{KIND_NAMES[kind]}模板）</b>")
        if kind in self._variables:
            self._fill(self._variables[kind])
            return
        self._fill([])

        def work(_p: Progress) -> list[Variable]:
            if kind == catalog.REPORT:
                return self.service.report_variables()
            return self.service.case_variables()

        def done(rows: list[Variable]) -> None:
            self._variables[kind] = rows + filter_reference()
            current = self.current()
            if current is not None and current.kind == kind:
                self._fill(self._variables[kind])

        self.runner.run(work, done, parent=self)

    def _fill(self, rows: list[Variable]) -> None:
        self.vars.setRowCount(len(rows))
        for r, v in enumerate(rows):
            name = v.name if v.name.startswith("|") else "{{ " + v.name + " }}"
            for c, text in enumerate((name, v.description, v.value)):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if c == 0:
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsSelectable)
                self.vars.setItem(r, c, item)
