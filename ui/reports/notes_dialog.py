"""情况说明: the clerk's narrative items for one report period (存在问题, 下一步打算 …).

A default report states such facts only from what is entered here; an empty item prints a
【请填写：…】 marker in the document. The latest earlier period's text is offered as a starting
point ("沿用上期"), never used for this period until the clerk saves it.
"""

import datetime as dt

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.documents.filters import cdate
from app.documents.service import DocumentService, ReportNotes
from ui.tasks import Progress, TaskRunner


class NotesDialog(QDialog):
    def __init__(
        self,
        service: DocumentService,
        runner: TaskRunner,
        date_from: dt.date,
        date_to: dt.date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("本期情况说明")
        self.setMinimumSize(620, 560)
        self.service, self.runner = service, runner
        self.date_from, self.date_to = date_from, date_to
        self.previous: dict[str, str] = {}
        self.edits: dict[str, QPlainTextEdit] = {}
        head = QLabel(
            f"{cdate(date_from)}至{cdate(date_to)}。报告中的存在问题、群体性事件等内容只取自这里；"
            "未填写的项目在报告中显示为【请填写：…】，报送前请补齐。"
        )
        head.setWordWrap(True)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form_host)
        self.reuse = QPushButton("沿用上期内容(&U)")
        self.reuse.setToolTip("把上一期填写的内容填入本期尚未填写的项目（保存后才生效）")
        self.reuse.clicked.connect(self.use_previous)
        self.reuse.setEnabled(False)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.reuse)
        layout.addWidget(buttons)
        self.runner.run(
            lambda _p: self.service.report_notes(date_from, date_to), self._loaded, parent=self
        )

    def _loaded(self, notes: ReportNotes) -> None:
        self.previous = notes.previous
        for item, asks in notes.items.items():
            edit = QPlainTextEdit(notes.entered.get(item, ""))
            edit.setPlaceholderText(asks)
            edit.setFixedHeight(70)
            self.edits[item] = edit
            self.form.addRow(f"{item}：", edit)
        self.reuse.setEnabled(bool(self.previous))

    def use_previous(self) -> None:
        for item, text in self.previous.items():
            edit = self.edits.get(item)
            if edit is not None and not edit.toPlainText().strip():
                edit.setPlainText(text)

    def values(self) -> dict[str, str]:
        return {item: edit.toPlainText() for item, edit in self.edits.items()}

    def save(self) -> None:
        items = self.values()

        def work(_p: Progress) -> None:
            self.service.save_report_notes(self.date_from, self.date_to, items)

        self.runner.run(work, lambda _r: self.accept(), parent=self)
