"""The 台账 import wizard: file and sheet → column mapping → dry-run problems → import → summary.

Reading, checking and writing run through the one task runner; the wizard moves on when the
work is done, so the window never freezes on a large ledger.
"""

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.errors import DomainError
from app.ledger.importing import ImportResult
from app.ledger.mappings import Remembered
from app.ledger.plan import ERROR, WARN, ImportPlan
from app.ledger.read import Table, column_letter, sheet_names, with_mapping
from app.ledger.service import LedgerService
from app.ledger.values import COLUMN_BY_KEY, LEVEL_WORDS, RATING_WORDS, text
from app.office.dictionaries import DEFAULT_CHANNELS, FORMS
from ui.tasks import Progress, TaskRunner, run_with_progress

FILTER = "台账文件 (*.xlsx *.xls *.xlsm *.ods *.csv);;所有文件 (*)"
ERROR_COLOR = QColor("#d93025")
WARN_COLOR = QColor("#b06000")  # 警告: a column that looks needed but is not imported
NOTE_COLOR = "#5f6368"
# What the 整表统一填写 value box offers for a field (any other text may be typed).
VALUE_SUGGESTIONS: dict[str, list[str]] = {
    "form": FORMS,
    "channel": DEFAULT_CHANNELS,
    "visit_level": list(LEVEL_WORDS),
    "rating": [v for v in RATING_WORDS if v],
    "status": ["已办结", "办理中", "待受理"],
}
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

        ledger = self.w.ledger

        def work(_progress: Progress) -> tuple[Table, Remembered | None]:
            table = ledger.read(path, sheet)
            return table, ledger.remembered_mapping(table)

        def done(found: tuple[Table, Remembered | None]) -> None:
            (self.w.table, self.w.remembered), self.w.table_key = found, key
            self.w.next()

        self.w.table = None
        run_with_progress(self.w.runner, self.w, "正在读取台账", work, done)
        return False


# A column's field in the mapping step: every field the import reads, in the export's order.
FIELD_CHOICES = [(key, c.title) for key, c in COLUMN_BY_KEY.items()]
DROP = "（不导入）"
PREVIEW_ROWS = 4  # first values shown per column (3–5 tell a date from a count at a glance)
PREVIEW_CHARS = 18


def first_values(table: Table, col: int, n: int = PREVIEW_ROWS) -> list[str]:
    """The first `n` non-blank values of a column, under the header, totals rows left out."""
    found: list[str] = []
    for row in table.rows[table.header_row + 1 :]:
        if col >= len(row) or any(
            text(v).replace(" ", "").startswith(("合计", "总计", "小计")) for v in row[:6]
        ):
            continue
        value = text(row[col])
        if not value:
            continue
        found.append(value)
        if len(found) == n:
            break
    return found


class MappingPage(QWizardPage):
    """One row per column of the sheet (its header, its first values, the field it fills), and
    the whole-sheet values (整表统一填写) for fields the sheet has no column for."""

    def __init__(self, wizard: "ImportWizard") -> None:
        super().__init__()
        self.w = wizard
        self.setTitle("第二步：核对各列对应的字段")
        layout = QVBoxLayout(self)
        self.info = QLabel()
        self.info.setWordWrap(True)
        layout.addWidget(self.info)
        self.remembered_note = QLabel()
        self.remembered_note.setWordWrap(True)
        self.remembered_note.setStyleSheet(f"color: {NOTE_COLOR};")
        layout.addWidget(self.remembered_note)
        self.columns_area = QScrollArea()
        self.columns_area.setWidgetResizable(True)
        layout.addWidget(self.columns_area, 1)
        box = QGroupBox("整表统一填写（表中没有该列、或该列单元格为空时，按此值导入）")
        fixed_layout = QVBoxLayout(box)
        self.fixed_grid = QGridLayout()
        self.fixed_grid.setColumnStretch(1, 1)
        fixed_layout.addLayout(self.fixed_grid)
        self.add_fixed = QPushButton("添加一项(&T)")
        self.add_fixed.clicked.connect(lambda: self._add_fixed_row("", "", focus=True))
        add_row = QHBoxLayout()
        add_row.addWidget(QLabel("例如来访登记簿没有“信访形式”列：字段选“信访形式”，值填“来访”。"))
        add_row.addStretch(1)
        add_row.addWidget(self.add_fixed)
        fixed_layout.addLayout(add_row)
        layout.addWidget(box)
        self.combos: dict[int, QComboBox] = {}  # column index → its field
        self.fixed_rows: list[tuple[QComboBox, QComboBox, QPushButton]] = []
        self._checked: tuple[dict[str, int], dict[str, str]] | None = None
        self._built_for: Table | None = None

    # ---- building ----
    def initializePage(self) -> None:
        table = self.w.table
        assert table is not None
        if self._built_for is table:
            return  # back and forward again over the same sheet: keep the clerk's choices
        self._built_for = table
        self.info.setText(
            f"工作表“{table.sheet}”，表头在第 {table.header_row + 1} 行，共 "
            f"{len(table.rows) - table.header_row - 1} 行数据。每一列已按表头自动对应字段，"
            "可逐列修改；选“（不导入）”则忽略该列。"
        )
        remembered = self.w.remembered
        mapping, fixed = dict(table.mapping), dict(table.fixed)
        if remembered:
            mapping = remembered.apply(mapping, len(table.headers))
            fixed.update(remembered.fixed)
            self.remembered_note.setText(
                f"已套用上次对同样表头的设置：{remembered.describe(table.headers)}"
            )
        self.remembered_note.setVisible(bool(remembered))
        self._build_columns(table, mapping)
        self._clear_fixed()
        for key, value in fixed.items():
            self._add_fixed_row(key, value)
        if "form" not in mapping and "form" not in fixed:
            self._add_fixed_row("form", "")  # a register without 信访形式: ask right here
        self._checked = None

    def _build_columns(self, table: Table, mapping: dict[str, int]) -> None:
        holder = QWidget()
        grid = QGridLayout(holder)
        grid.setColumnStretch(2, 1)
        for j, title in enumerate(("列", "表头", "前几行的内容", "导入为")):
            label = QLabel(f"<b>{title}</b>")
            grid.addWidget(label, 0, j)
        field_of = {col: key for key, col in mapping.items()}
        width = max(len(table.headers), max(mapping.values(), default=-1) + 1)
        self.combos = {}
        previous: QWidget | None = None
        for col in range(width):
            header = table.headers[col] if col < len(table.headers) else ""
            values = first_values(table, col)
            if not header and not values and col not in field_of:
                continue  # an empty column at the edge of the used range
            r = grid.rowCount()
            grid.addWidget(QLabel(column_letter(col)), r, 0)
            grid.addWidget(QLabel(header or "（无表头）"), r, 1)
            # Long cells (a 反映问题) are cut so the field column stays on screen.
            cut = [v if len(v) <= PREVIEW_CHARS else v[: PREVIEW_CHARS - 1] + "…" for v in values]
            shown = QLabel("  |  ".join(cut) or "（空）")
            shown.setToolTip("\n".join(values))
            shown.setMinimumWidth(200)
            shown.setStyleSheet(f"color: {NOTE_COLOR};")
            grid.addWidget(shown, r, 2)
            combo = QComboBox()
            combo.addItem(DROP, None)
            for key, title in FIELD_CHOICES:
                combo.addItem(title, key)
            combo.setCurrentIndex(max(0, combo.findData(field_of.get(col))))
            combo.setAccessibleName(f"{column_letter(col)}列 {header} 导入为")
            combo.currentIndexChanged.connect(lambda _i, col=col: self._one_column_per_field(col))
            grid.addWidget(combo, r, 3)
            self.combos[col] = combo
            if previous is not None:
                QWidget.setTabOrder(previous, combo)
            previous = combo
        grid.setRowStretch(grid.rowCount(), 1)
        self.columns_area.setWidget(holder)

    def _one_column_per_field(self, col: int) -> None:
        """A field comes from one column: choosing it here takes it off any other column."""
        key = self.combos[col].currentData()
        if key is None:
            return
        for other, combo in self.combos.items():
            if other != col and combo.currentData() == key:
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)

    def _clear_fixed(self) -> None:
        for field_combo, value, remove in self.fixed_rows:
            for widget in (field_combo, value, remove):
                self.fixed_grid.removeWidget(widget)
                widget.deleteLater()
        self.fixed_rows = []

    def _add_fixed_row(self, key: str, value: str, focus: bool = False) -> None:
        field_combo = QComboBox()
        for k, title in FIELD_CHOICES:
            field_combo.addItem(title, k)
        field_combo.setCurrentIndex(max(0, field_combo.findData(key or "form")))
        field_combo.setAccessibleName("统一填写的字段")
        edit = QComboBox()
        edit.setEditable(True)
        edit.setAccessibleName("统一填写的值")
        line = edit.lineEdit()
        if line is not None:
            line.setPlaceholderText("统一填写的值")

        def suggest() -> None:
            current = edit.currentText()
            edit.clear()
            edit.addItems(VALUE_SUGGESTIONS.get(field_combo.currentData(), []))
            edit.setEditText(current)

        field_combo.currentIndexChanged.connect(lambda _i: suggest())
        suggest()
        edit.setEditText(value)
        remove = QPushButton("删除")
        row = (field_combo, edit, remove)
        remove.clicked.connect(lambda: self._remove_fixed_row(row))
        r = self.fixed_grid.rowCount()
        self.fixed_grid.addWidget(field_combo, r, 0)
        self.fixed_grid.addWidget(edit, r, 1)
        self.fixed_grid.addWidget(remove, r, 2)
        self.fixed_rows.append(row)
        if focus:  # once the layout has shown the new row
            QTimer.singleShot(0, field_combo.setFocus)

    def _remove_fixed_row(self, row: tuple[QComboBox, QComboBox, QPushButton]) -> None:
        if row in self.fixed_rows:
            self.fixed_rows.remove(row)
            for widget in row:
                self.fixed_grid.removeWidget(widget)
                widget.deleteLater()

    # ---- reading back ----
    def mapping(self) -> dict[str, int]:
        return {
            combo.currentData(): col for col, combo in self.combos.items() if combo.currentData()
        }

    def fixed(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for field_combo, edit, _ in self.fixed_rows:
            value = edit.currentText().strip()
            if value:
                values[field_combo.currentData()] = value
        return values

    def set_field(self, col: int, key: str | None) -> None:
        """Point column `col` at field `key` (None: not imported), as the clerk would."""
        combo = self.combos[col]
        combo.setCurrentIndex(max(0, combo.findData(key)) if key else 0)

    def set_fixed(self, key: str, value: str) -> None:
        for field_combo, edit, _ in self.fixed_rows:
            if field_combo.currentData() == key:
                edit.setEditText(value)
                return
        self._add_fixed_row(key, value)

    def validatePage(self) -> bool:
        mapping, fixed = self.mapping(), self.fixed()
        if self.w.plan is not None and self._checked == (mapping, fixed):
            return True
        table = with_mapping(self.w.table, mapping, fixed)  # type: ignore[arg-type]
        update, add = self.w.file_page.update.isChecked(), self.w.file_page.add_unknown.isChecked()
        ledger = self.w.ledger

        def work(_progress: Progress) -> ImportPlan:
            return ledger.check(table, update, add)

        def done(plan: ImportPlan) -> None:
            self.w.plan, self._checked = plan, (mapping, fixed)
            self.w.chosen = (mapping, fixed)
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
        assumptions = summary_lines(plan)
        if assumptions:
            text_ += "\n导入时的推定和统一填写：\n" + "\n".join(f"· {a}" for a in assumptions[1:])
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
                elif p.level == WARN:
                    item.setForeground(WARN_COLOR)
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

        table, (mapping, fixed) = self.w.table, self.w.chosen

        def work(progress: Progress) -> tuple[ImportResult, bool]:
            def report(done: int, total: int) -> None:
                progress.update(done, total, f"正在导入… {done}/{total}")

            result = ledger.import_(plan, source, report, skip_bad_rows=skip)
            # Kept for the next sheet with this header.
            kept = table is not None and ledger.remember_mapping(table, mapping, fixed)
            return result, kept

        def finished(done: tuple[ImportResult, bool]) -> None:
            (self.w.result, self.w.kept_settings), self.done = done, True
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
        result, plan = self.w.result, self.w.plan
        assert result is not None
        lines = [*result.lines(), f"用时 {result.seconds:.1f} 秒。"]
        if self.w.kept_settings:
            lines.append("已记住本表的列对应和统一填写，下次导入同样表头的表时自动套用。")
        assumptions = summary_lines(plan) if plan is not None else []
        if assumptions:
            lines.append("导入时的推定和统一填写：")
            lines += [f"  {line}" for line in assumptions]
        self.text.setText("\n".join(lines))


def summary_lines(plan: ImportPlan) -> list[str]:
    """The dry run's assumptions (whole-sheet values, inferred forms, 情况不详 rows …)."""
    return [str(line) for line in plan.summary]


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
        self.remembered: Remembered | None = None  # what the clerk set for this header before
        self.chosen: tuple[dict[str, int], dict[str, str]] = ({}, {})  # mapping, whole-sheet
        self.kept_settings = False  # the clerk's settings were remembered after the import
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
        self.resize(980, 700)  # fits a 1024×768 screen

    def set_file(self, path: Path) -> None:
        """Start from a file (drag-and-drop, tests)."""
        self.file_page.path.setText(str(path))
        self.file_page._load_sheets()
