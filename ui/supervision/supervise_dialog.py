"""The 督办 dialog of the 督办清单: 督办单位, the unit supervised, the answer's 期限, the note, and
whether to write the 督办单 (where to save it is asked after)."""

import datetime as dt

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from app.cases.supervision_service import SupervisionDefaults
from ui.widgets import date_edit, from_qdate


class SuperviseDialog(QDialog):
    def __init__(self, number: str, defaults: SupervisionDefaults, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"督办 {number}")
        self.by = QLineEdit(defaults.by)
        self.by.setPlaceholderText("本单位或督办领导")
        self.to = QLineEdit(defaults.to)
        self.to.setPlaceholderText("被督办的承办单位")
        self.due = date_edit(defaults.due)
        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("督办意见，如：请于期限内将办理情况书面报告")
        self.note.setFixedHeight(72)
        self.form = QCheckBox("同时生成督办单")
        self.form.setChecked(True)
        layout = QFormLayout(self)
        layout.addRow("督办单位(&B)", self.by)
        layout.addRow("承办单位(&T)", self.to)
        layout.addRow("答复期限(&D)", self.due)
        layout.addRow("督办意见(&N)", self.note)
        layout.addRow("", self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)

    def values(self) -> tuple[str, str, dt.date, str, bool]:
        return (
            self.by.text(),
            self.to.text(),
            from_qdate(self.due.date()),
            self.note.toPlainText(),
            self.form.isChecked(),
        )
