"""The 台账 import wizard: file and sheet → column mapping → dry-run problems → import → summary.

Reading, checking and writing run through the one task runner; the wizard moves on when the
work is done, so the window never freezes on a large ledger.
"""

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.errors import DomainError
from app.ledger.importing import ImportResult
from app.ledger.plan import ERROR, ImportPlan
from app.ledger.read import Table, column_letter, read_table, sheet_names, with_mapping
from app.ledger.service import LedgerService
from app.ledger.values import COLUMNS, text
from ui.tasks import Progress, TaskRunner, run_with_progress

FILTER = "台账文件 (*.xlsx *.xls *.xlsm *.ods *.csv);;所有文件 (*)"
ERROR_COLOR = QColor("#d93025")
# A table widget of tens of thousands of rows is slow to fill; the full list can be copied.
MAX_SHOWN = 2000


class FilePage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("第一步：选择台账文件")
        self.setSubTitle(
            "支持 Excel（.xlsx、.xls）、WPS/LibreOffice（.ods）和 .csv 文件。标题行、"
            "空行和合计行会自动跳过。"
        )
        form = QFormLayout(self)
        self.path = QLineEdit()
        self.path.setPlaceholderText("选择要导入的台账文件")
        self.path.editingFinished.connect(self._load_sheets)
        browse = QPushButton("浏览(&B)…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        form.addRow("文件(&F)：", row)
        self.sheet = QComboBox()
        form.addRow("工作表(&S)：", self.sheet)
        self.skip = QRadioButton("跳过(&K)")
        self.skip.setChecked(True)
        self.update = QRadioButton("用台账内容更新(&U)")
        existing = QHBoxLayout()
        existing.addWidget(self.skip)
        existing.addWidget(self.update)
        existing.addStretch(1)
        form.addRow("编号已存在的行：", existing)
        self.add_unknown = QCheckBox(
            "字典中没有的问题类别、来源渠道加入字典(&A)（否则列为错误，并提示最接近的值）"
        )
        form.addRow("", self.add_unknown)
        self.path.textChanged.connect(self.completeChanged)

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "选择台账文件", self.path.text(), FILTER)
        if name:
            self.path.setText(name)
            self._load_sheets()

    def _load_sheets(self) -> None:
        self.sheet.clear()
        path = Path(self.path.text().strip())
        if not path.is_file():
            return
        try:
            names = sheet_names(path)
        except DomainError as exc:
            self.sheet.addItem(exc.message, None)
            return
        self.sheet.addItem("（自动：第一个有表头的工作表）", None)
        for name in names:
            self.sheet.addItem(name, name)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip())

    def validatePage(self) -> bool:
        path, sheet = Path(self.path.text().strip()), self.sheet.currentData()
        key = (str(path), sheet)
        if self.w.table is not None and self.w.table_key == key:
            return True

        def work(_progress: Progress) -> Table:
            return read_table(path, sheet)

        def done(table: Table) -> None:
            self.w.table, self.w.table_key = table, key
            self.w.next()

        self.w.table = None
        run_with_progress(self.w.runner, self.w, "正在读取台账", work, done)
        return False


class MappingPage(QWizardPage):
    """One row per ledger field; the clerk can point it at any column of the file."""

    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("第二步：核对列的对应关系")
        layout = QVBoxLayout(self)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.grid = QTableWidget(0, 3)
        self.grid.setHorizontalHeaderLabels(["台账字段", "文件中的列", "第一行数据"])
        self.grid.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setVisible(False)
        layout.addWidget(self.grid)
        self.combos: dict[str, QComboBox] = {}
        self._checked_mapping: dict[str, int] | None = None

    def initializePage(self) -> None:
        table = self.w.table
        assert table is not None
        self.info.setText(
            f"工作表“{table.sheet}”，表头在第 {table.header_row + 1} 行，共 "
            f"{len(table.rows) - table.header_row - 1} 行数据。下表按列名自动对应，可逐项修改；"
            "选“（不导入）”则忽略该字段。"
        )
        first = next((r for r in table.rows[table.header_row + 1 :] if any(text(v) for v in r)), [])
        fields = [c for c in COLUMNS if c.key != "seq"]
        self.grid.setRowCount(len(fields))
        self.combos.clear()
        for i, c in enumerate(fields):
            self.grid.setItem(i, 0, _item(c.title))
            combo = QComboBox()
            combo.addItem("（不导入）", None)
            for col, header in enumerate(table.headers):
                combo.addItem(f"{column_letter(col)}  {header}", col)
            current = table.mapping.get(c.key)
            combo.setCurrentIndex(0 if current is None else current + 1)
            combo.currentIndexChanged.connect(lambda _i, key=c.key: self._preview(key))
            self.grid.setCellWidget(i, 1, combo)
            self.combos[c.key] = combo
            self.grid.setItem(i, 2, _item(""))
        self._first = first
        for key in self.combos:
            self._preview(key)
        self.grid.resizeColumnsToContents()

    def _preview(self, key: str) -> None:
        row = list(self.combos).index(key)
        col = self.combos[key].currentData()
        value = text(self._first[col]) if col is not None and col < len(self._first) else ""
        self.grid.item(row, 2).setText(value)

    def mapping(self) -> dict[str, int]:
        chosen = {key: combo.currentData() for key, combo in self.combos.items()}
        mapping = {k: v for k, v in chosen.items() if v is not None}
        if self.w.table and "seq" in self.w.table.mapping:
            mapping["seq"] = self.w.table.mapping["seq"]
        return mapping

    def validatePage(self) -> bool:
        mapping = self.mapping()
        if self.w.plan is not None and self._checked_mapping == mapping:
            return True
        table = with_mapping(self.w.table, mapping)  # type: ignore[arg-type]
        update, add = self.w.file_page.update.isChecked(), self.w.file_page.add_unknown.isChecked()
        ledger = self.w.ledger

        def work(_progress: Progress) -> ImportPlan:
            return ledger.check(table, update, add)

        def done(plan: ImportPlan) -> None:
            self.w.plan, self._checked_mapping = plan, mapping
            self.w.next()

        self.w.plan = None
        run_with_progress(self.w.runner, self.w, "正在检查台账", work, done)
        return False


class ProblemsPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("第三步：检查结果")
        self.setSubTitle(
            "这一步只做检查，尚未写入任何数据。可修改原表后重新导入，或勾选下方选项跳过有错误的行。"
        )
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.grid = QTableWidget(0, 5)
        self.grid.setHorizontalHeaderLabels(["级别", "行", "列", "单元格内容", "问题"])
        self.grid.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.grid.verticalHeader().setVisible(False)
        self.grid.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.grid)
        self.skip_bad = QCheckBox("跳过有错误的行，导入其余各行(&R)")
        self.skip_bad.toggled.connect(self.completeChanged)
        copy = QPushButton("复制全部问题(&C)")
        copy.setToolTip("复制到剪贴板，可粘贴到 Excel 或 Word 中逐条修改原表")
        copy.clicked.connect(self._copy)
        row = QHBoxLayout()
        row.addWidget(self.skip_bad, 1)
        row.addWidget(copy)
        layout.addLayout(row)
        self.done = False

    def initializePage(self) -> None:
        plan = self.w.plan
        assert plan is not None
        errors = len(plan.errors)
        parts = [
            f"可导入 {len(plan.rows)} 行",
            f"错误 {errors} 处",
            f"提示 {len(plan.problems) - errors} 条",
        ]
        if plan.skipped_existing:
            parts.append(f"编号已存在、将跳过 {len(plan.skipped_existing)} 行")
        if plan.skipped_rows:
            parts.append(f"空行/合计行 {plan.skipped_rows} 行")
        added = [
            f"{label}：{'、'.join(v)}"
            for label, v in (
                ("承办单位", plan.new_departments),
                ("包案领导", plan.new_leaders),
                ("问题类别", plan.new_categories),
                ("来源渠道", plan.new_channels),
            )
            if v
        ]
        text_ = "，".join(parts) + "。"
        if added:
            text_ += "\n将加入字典——" + "；".join(added)
        self.summary.setText(text_)
        shown = plan.problems[:MAX_SHOWN]
        if len(plan.problems) > MAX_SHOWN:
            text_ += f"\n（下表只列出前 {MAX_SHOWN} 条，全部问题可用“复制全部问题”取得。）"
            self.summary.setText(text_)
        self.grid.setRowCount(len(shown))
        for i, p in enumerate(shown):
            cells = [p.level, str(p.row or ""), p.column, p.value, p.message]
            for j, value in enumerate(cells):
                item = _item(value)
                item.setToolTip(p.line())
                if p.level == ERROR:
                    item.setForeground(ERROR_COLOR)
                self.grid.setItem(i, j, item)
        self.grid.resizeColumnsToContents()
        self.skip_bad.setChecked(False)
        self.skip_bad.setEnabled(errors > 0 and bool(plan.rows))
        self.done = False
        self.setButtonText(QWizard.WizardButton.NextButton, "导入(&I)")

    def _copy(self) -> None:
        plan = self.w.plan
        if plan is not None:
            lines = ["级别\t工作表\t行\t列\t单元格内容\t问题"]
            lines += [
                f"{p.level}\t{p.sheet}\t{p.row}\t{p.column}\t{p.value}\t{p.message}"
                for p in plan.problems
            ]
            QApplication.clipboard().setText("\n".join(lines))

    def isComplete(self) -> bool:
        plan = self.w.plan
        if plan is None or not plan.rows:
            return False
        return not plan.errors or self.skip_bad.isChecked()

    def validatePage(self) -> bool:
        if self.done:
            return True
        plan, ledger, runner = self.w.plan, self.w.ledger, self.w.runner
        assert plan is not None
        skip, source = self.skip_bad.isChecked(), Path(self.w.file_page.path.text()).name

        def work(progress: Progress) -> ImportResult:
            def report(done: int, total: int) -> None:
                progress.update(done, total, f"正在导入… {done}/{total}")

            return ledger.import_(plan, source, report, skip_bad_rows=skip)

        def finished(result: ImportResult) -> None:
            self.w.result, self.done = result, True
            self.w.next()

        run_with_progress(runner, self.w, "正在导入台账", work, finished)
        return False


class SummaryPage(QWizardPage):
    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("导入完成")
        layout = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        layout.addStretch(1)

    def initializePage(self) -> None:
        result = self.w.result
        assert result is not None
        self.text.setText("\n".join(result.lines()) + f"\n用时 {result.seconds:.1f} 秒。")


def _item(value: Any) -> QTableWidgetItem:
    item = QTableWidgetItem(str(value))
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class ImportWizard(QWizard):
    def __init__(
        self,
        parent: QWidget | None,
        runner: TaskRunner,
        ledger: LedgerService,
    ) -> None:
        super().__init__(parent)
        self.runner, self.ledger = runner, ledger
        self.table: Table | None = None
        self.table_key: tuple[str, Any] | None = None
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.setWindowTitle("导入台账")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage)
        for button, label in (
            (QWizard.WizardButton.BackButton, "< 上一步(&P)"),
            (QWizard.WizardButton.NextButton, "下一步(&N) >"),
            (QWizard.WizardButton.CancelButton, "取消"),
            (QWizard.WizardButton.FinishButton, "完成(&F)"),
        ):
            self.setButtonText(button, label)
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.problems_page = ProblemsPage(self)
        self.summary_page = SummaryPage(self)
        for page in (self.file_page, self.mapping_page, self.problems_page, self.summary_page):
            self.addPage(page)
        self.resize(860, 560)

    def set_file(self, path: Path) -> None:
        """Start from a file (drag-and-drop, tests)."""
        self.file_page.path.setText(str(path))
        self.file_page._load_sheets()
