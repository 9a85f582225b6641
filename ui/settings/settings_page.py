"""设置: the office settings (单位名称 and every §3/§5 setting), the dictionaries, the holiday list.

Values are checked by `app.office.service` (the same bounds the CLI uses). Saving a limit asks
first, because it recomputes the deadlines of every case; that runs on the write worker with a
progress dialog, and 取消 rolls the whole change back.
"""

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.errors import DomainError
from app.office import settings
from app.office.service import LIMIT_KEYS, SPECS, OfficeService, SettingsSaved, validate
from ui.settings.dictionary_editor import DictionaryEditor
from ui.settings.holiday_editor import HolidayEditor
from ui.tasks import Progress, TaskRunner, run_with_progress
from ui.widgets import ERROR_COLOR, mark_error

# (group, [(key, label, suffix, explanation)]) — the form, in the order a clerk thinks of it.
FORM: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    (
        "基本信息",
        [
            ("office_name", "单位名称", "", "出现在报告、文书和台账的标题中。"),
            ("office_phone", "查询电话", "", "印在来访回执上，信访人凭登记编号查询办理情况。"),
            (
                "number_prefix",
                "编号前缀",
                "",
                "新登记的信访件编号如 XF2025-0001；修改只影响以后的编号。",
            ),
        ],
    ),
    (
        "办理期限（《信访工作条例》）",
        [
            (
                "working_days",
                "期限计算方式",
                "",
                "条例写的是“日”，一般按自然日；期限最后一天是节假日的，顺延到节后第一个工作日。",
            ),
            (
                "decision_days",
                "受理告知期限",
                " 日",
                "收到信访事项后，决定受理、不予受理、转送或交办的期限（第二十三条：15日）。",
            ),
            ("handling_days", "办理期限", " 日", "自受理之日起办结的期限（第三十四条：60日）。"),
            (
                "max_extension_days",
                "延期上限",
                " 日",
                "延期办理最多延长的天数，只能延期一次（第三十四条：不超过30日）。",
            ),
            (
                "review_request_days",
                "复查/复核申请期限",
                " 日",
                "收到处理意见（复查意见）后可以申请复查（复核）的期限（第三十五、三十六条：30日）。",
            ),
            (
                "review_opinion_days",
                "复查/复核意见期限",
                " 日",
                "收到复查（复核）申请后出具意见的期限（30日）。",
            ),
            (
                "npc_months",
                "人大建议办理期限",
                " 个月",
                "来源渠道为“人大建议”的，自登记之日起计算。",
            ),
            (
                "cppcc_months",
                "政协提案办理期限",
                " 个月",
                "来源渠道为“政协提案”的，自登记之日起计算。",
            ),
            (
                "warning_days",
                "临期提醒",
                " 天",
                "离期限不超过这些天的显示为黄色“临期”，过期的显示为红色“超期”。",
            ),
            (
                "visit_window_days",
                "待回访范围",
                " 天内",
                "待办“待回访”只列出答复或办结在这些天内、尚未回访的信访件（更早的可在台账中查找）。",
            ),
        ],
    ),
    (
        "统计口径",
        [
            (
                "collective_threshold",
                "集体访人数",
                " 人及以上",
                "来访人数达到此数的算集体访（单件可以手工改）；修改后重新判断已登记的来访件。",
            ),
            (
                "count_basic_satisfied",
                "满意率计入“基本满意”",
                "",
                "勾选：满意率 =（满意 + 基本满意）÷ 参评件数。",
            ),
        ],
    ),
    (
        "安全与备份",
        [
            (
                "idle_lock_minutes",
                "无操作自动锁定",
                " 分钟",
                "离开电脑这么久后需要重新输入密码（个人信息保护）。",
            ),
            (
                "backup_keep",
                "保留备份份数",
                " 份",
                "自动备份只保留最近的这么多份，更早的自动删除。",
            ),
            (
                "backup_dir",
                "备份文件夹",
                "",
                "留空则备份到数据文件夹下的 backups；建议选U盘或另一块硬盘。",
            ),
            (
                "clerk_department_scope",
                "登记员只能查看和办理本科室的信访件",
                "",
                "勾选后，账号设了科室的登记员只能查看和办理本科室以及尚未分配科室的信访件"
                "（账号的科室在“数据安全 → 账号管理”中设置）；统计和报告仍为全单位，"
                "管理员和查阅账号不受限制。",
            ),
        ],
    ),
    (
        "督办清单与预警",
        [
            (
                "trigger_half_period",
                "办理期限过半未反馈",
                "",
                "自受理起已过办理期限（含延期）的一半，承办单位未反馈、也未答复的，列入督办清单。",
            ),
            (
                "trigger_assigned_due",
                "交办期限已过未反馈",
                "",
                "交办期限已过（节假日顺延），承办单位未反馈、也未退回的，列入督办清单。",
            ),
            (
                "trigger_due_soon",
                "临期未答复",
                "",
                "离办理期限不超过“临期提醒”天数、尚未答复的，列入督办清单。",
            ),
            (
                "trigger_repeat",
                "办理期间再次信访",
                "",
                "同一信访人（身份证号，或姓名和电话）在本件未办结时又来信访的，列入督办清单。",
            ),
            (
                "alert_repeat_visits",
                "预警：短期内重复信访",
                "",
                "同一人两次登记日期相隔不到7天的，在工作台预警。",
            ),
            ("alert_collective", "预警：集体访", "", "登记了集体访的，在工作台预警。"),
            ("alert_high_level", "预警：进京、赴省访", "", "走访层级为进京或赴省的，预警。"),
            (
                "alert_rising",
                "预警：环比上升",
                "",
                "某问题类别或被反映对象上一个完整月份不少于5件、比再上一个月多50%以上的，预警。",
            ),
            ("alert_overdue", "预警：超期", "", "超过告知期限或办理期限仍未办结的，预警。"),
            (
                "alert_window_days",
                "预警范围",
                " 天内",
                "重复信访、集体访和进京赴省访只看最近这些天内登记的。",
            ),
        ],
    ),
]
CALENDAR_CHOICES = ["按自然日计算（条例写的“日”）", "按工作日计算"]


class SettingsForm(QWidget):
    """The settings as widgets; `values()` reads them back typed."""

    def __init__(self) -> None:
        super().__init__()
        self.widgets: dict[str, QWidget] = {}
        row = QHBoxLayout(self)
        covered = {key for _g, rows in FORM for key, *_ in rows}
        extra = [
            (k, SPECS[k].name if k in SPECS else k, "", "")
            for k in settings.DEFAULTS
            if k not in covered
        ]
        groups = FORM + ([("其他设置", extra)] if extra else [])
        # Two columns so the whole form fits a 1366×768 screen: limits left, the rest right.
        left, right = QVBoxLayout(), QVBoxLayout()
        for title, rows in groups:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for key, label, suffix, why in rows:
                widget = self._widget(key, suffix)
                self.widgets[key] = widget
                cell = QWidget()
                column = QVBoxLayout(cell)
                column.setContentsMargins(0, 0, 0, 4)
                column.setSpacing(1)
                column.addWidget(widget if key != "backup_dir" else self._folder_row(widget))
                if why:
                    note = QLabel(why)
                    note.setWordWrap(True)
                    note.setStyleSheet("color: #5f6368; font-size: 9pt;")
                    column.addWidget(note)
                form.addRow(label, cell)
            (left if title.startswith("办理期限") else right).addWidget(box)
        for column in (left, right):
            column.addStretch(1)
        row.addLayout(left, 1)
        row.addLayout(right, 1)

    def _widget(self, key: str, suffix: str) -> QWidget:
        spec = SPECS.get(key)
        default = settings.DEFAULTS[key]
        if key == "working_days":
            combo = QComboBox()
            combo.addItems(CALENDAR_CHOICES)
            return combo
        if isinstance(default, bool):
            return QCheckBox("是")
        if isinstance(default, int):
            spin = QSpinBox()
            low = spec.low if spec and spec.low is not None else 0
            high = spec.high if spec and spec.high is not None else 1_000_000
            spin.setRange(low, high)
            spin.setSuffix(suffix)
            spin.setMaximumWidth(160)
            return spin
        edit = QLineEdit()
        if spec and spec.high:
            edit.setMaxLength(spec.high)
        return edit

    def _folder_row(self, edit: QWidget) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(edit, 1)
        choose = QPushButton("选择…")
        choose.clicked.connect(self._choose_folder)
        line.addWidget(choose)
        return row

    def _choose_folder(self) -> None:
        edit = self.widgets["backup_dir"]
        assert isinstance(edit, QLineEdit)
        folder = QFileDialog.getExistingDirectory(self, "选择备份文件夹", edit.text())
        if folder:
            edit.setText(folder)

    def set_values(self, values: dict[str, Any]) -> None:
        for key, widget in self.widgets.items():
            value = values[key]
            mark_error(widget, False)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(1 if value else 0)
            elif isinstance(widget, QCheckBox):
                widget.setChecked(bool(value))
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(str(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.widgets.items():
            if isinstance(widget, QComboBox):
                out[key] = widget.currentIndex() == 1
            elif isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                widget.interpretText()
                out[key] = widget.value()
            elif isinstance(widget, QLineEdit):
                out[key] = widget.text().strip()
        return out


class SettingsPage(QWidget):
    # Something the other pages show changed (a setting, a dictionary, the holiday list): the
    # main window reloads its dictionaries and refreshes the case list's warnings.
    changed = Signal()

    def __init__(self, office: OfficeService, cases: CaseService, runner: TaskRunner) -> None:
        super().__init__()
        self.office, self.cases, self.runner = office, cases, runner
        self.loaded: dict[str, Any] = {}

        self.form = SettingsForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.save_button = QPushButton("保存设置 (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.revert_button = QPushButton("放弃修改")
        self.revert_button.clicked.connect(self.load)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        general = QWidget()
        column = QVBoxLayout(general)
        column.addWidget(scroll, 1)
        column.addLayout(buttons)

        self.dictionaries = DictionaryEditor(office, runner)
        self.holidays = HolidayEditor(office, runner)
        self.dictionaries.values.changed.connect(self.changed)
        self.dictionaries.subvalues.changed.connect(self.changed)
        self.holidays.changed.connect(self.changed)
        self.tabs = QTabWidget()
        self.tabs.addTab(general, "单位与期限")
        self.tabs.addTab(self.dictionaries, "字典")
        self.tabs.addTab(self.holidays, "节假日")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>设置</h2>"))
        layout.addWidget(self.tabs)

        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        for widget in self.form.widgets.values():
            if isinstance(widget, QLineEdit):
                widget.returnPressed.connect(self.save)
        self.load()

    def load(self) -> None:
        self.loaded = self.office.settings()
        self.form.set_values(self.loaded)
        self._show("")

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setStyleSheet(f"color: {ERROR_COLOR};" if error else "color: #1e7e34;")
        self.message.setText(text)

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.form.values().items() if self.loaded.get(k) != v}

    def save(self) -> None:
        changes = self.changes()
        if not changes:
            self._show("没有需要保存的修改。")
            return
        for widget in self.form.widgets.values():
            mark_error(widget, False)
        try:  # checked here first, so a slip is shown before the clerk is asked anything
            for key, value in changes.items():
                validate(key, value)
        except DomainError as exc:
            self._refused(exc)
            return
        if LIMIT_KEYS.intersection(changes):
            total = self.cases.count(CaseFilter(include_voided=True))
            names = "、".join(SPECS[k].name for k in changes if k in LIMIT_KEYS)
            answer = QMessageBox.question(
                self,
                "重新计算期限",
                f"修改“{names}”后，将按新规则重新计算全部 {total} 件信访件的期限"
                f"（临期、超期提醒和按期办结率随之变化），并记入操作日志。继续吗？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

        def work(progress: Progress) -> SettingsSaved | DomainError:
            try:
                return self.office.update_settings(
                    changes, lambda done, total: progress.update(done, total, "正在重新计算期限…")
                )
            except DomainError as exc:  # shown at the field, not in a message box
                return exc

        def done(saved: SettingsSaved | DomainError) -> None:
            if isinstance(saved, DomainError):
                self._refused(saved)
                return
            self.load()
            parts = [f"已保存 {len(saved.changed)} 项设置。"]
            if saved.reprojected:
                parts.append(f"{saved.reprojected} 件信访件的期限已按新规则重新计算。")
            if saved.collective_changed:
                parts.append(f"{saved.collective_changed} 件来访件的集体访标记随之改变。")
            self._show("".join(parts))
            self.changed.emit()

        run_with_progress(self.runner, self, "保存设置", work, done)

    def _refused(self, exc: DomainError) -> None:
        widget = self.form.widgets.get(exc.field or "")
        if widget is not None:
            mark_error(widget, True)
            widget.setFocus()
        self._show(exc.message, error=True)
