"""The first-run dialog: 单位名称 and the office's own 科室 list (docs/rules.md, 字典).

The main window shows it while `OfficeService.needs_first_run()` (no 单位名称 yet). The 科室
list replaces the placeholder departments; both can be changed later under 设置.
"""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.service import OfficeService
from ui.tasks import TaskRunner, show_error
from ui.widgets import ERROR_COLOR, mark_error


class FirstRunDialog(QDialog):
    def __init__(
        self, office: OfficeService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("欢迎使用信访工作台")
        self.office, self.runner = office, runner
        intro = QLabel(
            "开始之前，请填写本单位的名称和科室。单位名称会出现在报告、文书和台账的标题中；"
            "科室是登记信访件时可选的承办单位。以后可以在“设置”中修改。"
        )
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：某某县水务局")
        self.name.setMaxLength(50)
        self.departments = QPlainTextEdit()
        self.departments.setPlaceholderText("每行一个科室，如：\n办公室\n水资源管理科")
        self.departments.setTabChangesFocus(True)  # Tab moves on, as in every other form
        self.departments.setPlainText(
            "\n".join(i.value for i in self.office.dictionary("department") if i.active)
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        form = QFormLayout()
        form.addRow("单位名称", self.name)
        form.addRow("科室（每行一个）", self.departments)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("开始使用")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("以后再说")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 380)

    def department_list(self) -> list[str]:
        return [
            line.strip() for line in self.departments.toPlainText().splitlines() if line.strip()
        ]

    def save(self) -> None:
        name, departments = self.name.text(), self.department_list()
        self.buttons.setEnabled(False)

        def failed(exc: BaseException, details: str) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, DomainError):
                field = self.name if exc.field == "office_name" else self.departments
                mark_error(field, True)
                field.setFocus()
                self.message.setText(exc.message)
            else:
                show_error(self, exc, details)

        self.runner.run(
            lambda _p: self.office.first_run(name, departments),
            lambda _r: self.accept(),
            failed,
            self,
        )
