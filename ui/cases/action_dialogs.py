"""One small dialog per workflow action (docs/rules.md, 时限): it asks for what the action needs,
checks the obvious before writing, and shows a refusal from the service at the field it names.
"""

import datetime as dt
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.cases.service import CaseDetail, CaseService
from app.cases.versions import StaleCase
from app.cases.workflow import UNKNOWN
from app.errors import DomainError
from app.office.dictionaries import RATINGS, REPLY_RESULTS
from ui.tasks import TaskRunner, show_error
from ui.widgets import (
    DateEdit,
    DictCombo,
    FieldMessage,
    NumberSpin,
    date_edit,
    from_qdate,
    mark_error,
    to_qdate,
)


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "line"  # line / text / choice / days / date / basis / unit
    required: bool = False
    choices: tuple[str, ...] = ()


# After a refusal because another clerk changed the case (app/cases/versions.py).
KEPT_AFTER_STALE = (
    "上面的信访件页面已刷新为最新情况；您在本窗口填写的内容没有保存，仍保留在这里。"
    "请核对后再次确定，或取消。"
)

# What each action asks for; keys are the event data keys of app.cases.workflow.
ACTION_FIELDS: dict[str, list[Field]] = {
    "受理": [Field("note", "备注")],
    "不予受理": [
        Field("reason", "不予受理理由", "text", True),
        Field("route", "告知的正确途径", "line", True),
    ],
    "转送": [Field("to", "转送至", "line", True), Field("note", "备注")],
    # The 期限 is the unit's own, never past the statutory handling due (§3 settled readings).
    "交办": [Field("to", "交办至", "line", True), Field("deadline", "交办期限", "date")],
    "延期": [
        Field("reason", "延期理由", "text", True),
        Field("approver", "批准人", "line", True),
        Field("days", "延长天数", "days", True),
    ],
    # The office supervising a unit (督办单): which unit, by when it must answer.
    "督办": [
        Field("to", "督办的承办单位", "unit"),
        Field("due", "答复期限", "date"),
        Field("by", "督办单位或领导", "line"),
        Field("note", "督办内容", "text"),
    ],
    # Outgoing handling: `unit` offers the units the case is with (the latest first).
    "签收": [Field("unit", "承办单位", "unit"), Field("note", "备注")],
    "反馈": [Field("unit", "承办单位", "unit"), Field("text", "反馈内容", "text", True)],
    "退回": [Field("unit", "承办单位", "unit"), Field("reason", "退回理由", "text", True)],
    "催办": [Field("unit", "承办单位", "unit"), Field("note", "催办内容", "text")],
    "上级督办": [
        Field("by", "督办机关", "line", True),
        Field("ref", "督办文号", "line"),
        Field("due", "答复期限", "date"),
    ],
    "答复": [
        Field("result", "答复结果", "choice", True, tuple(REPLY_RESULTS)),
        Field("text", "处理意见", "text"),
        # Printed in the 处理意见书 (条例 Art.32): the office's common ones offered, any typed.
        Field("basis", "法律法规依据", "basis"),
    ],
    "回访": [
        Field("rating", "满意度", "choice", True, tuple(RATINGS)),
        Field("text", "信访人意见", "text"),
    ],
    "办结": [Field("note", "备注")],
    "复查申请": [Field("text", "复查请求", "text")],
    "复查意见": [
        Field("opinion", "复查意见", "text", True),
        Field("text", "复查认定的事实和理由", "text"),
    ],
    "复核申请": [Field("text", "复核请求", "text")],
    "复核意见": [
        Field("opinion", "复核意见", "text", True),
        Field("text", "复核认定的事实和理由", "text"),
    ],
    "作废": [Field("reason", "作废原因", "text", True)],
}
DATE_LABELS = {
    "受理": "受理日期",
    "答复": "答复日期",
    "回访": "回访日期",
    "办结": "办结日期",
    "作废": "作废日期",
}


class ActionDialog(QDialog):
    """Record one action on one case. `done_detail` carries the case after the write."""

    recorded = Signal(object)  # CaseDetail
    stale = Signal(object)  # CaseDetail: another clerk changed the case; the page shows this

    def __init__(
        self,
        parent: QWidget | None,
        service: CaseService,
        runner: TaskRunner | None,
        detail: CaseDetail,
        action: str,
        max_extension: int = 30,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.detail, self.action = service, runner, detail, action
        self.setWindowTitle(f"{action} — {detail.number}")
        self.setMinimumWidth(420)
        self.widgets: dict[str, QWidget] = {}
        self.messages: dict[str, FieldMessage] = {}
        form = QFormLayout()
        self.on = date_edit(clock.today())
        self.on.setMaximumDate(self.on.date())
        self._row(form, DATE_LABELS.get(action, f"{action}日期"), "on", self.on)
        self.deadline_on: QCheckBox | None = None
        # key → (指定, the date): a date the clerk may leave out (交办期限, 答复期限).
        self.dates: dict[str, tuple[QCheckBox, DateEdit]] = {}
        for field in ACTION_FIELDS.get(action, []):
            self._row(
                form,
                field.label + ("" if field.required else "（可不填）"),
                field.key,
                self._widget(field, max_extension),
            )
        self.general = FieldMessage()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(f"确定{action}")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self._intro(detail)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(self.buttons)

    def _intro(self, detail: CaseDetail) -> None:
        text = f"<b>{detail.number}</b>　当前状态：{detail.status}"
        if detail.status == UNKNOWN:  # 补录: the real date, which is rarely today
            text += "<br>补录：请按实际办理日期填写。"
        self.intro.setText(text)

    def _widget(self, field: Field, max_extension: int) -> QWidget:
        if field.kind == "text":
            edit = QPlainTextEdit()
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(70)
            return edit
        if field.kind == "choice":
            return DictCombo(list(field.choices), allow_empty=True, editable=False)
        if field.kind == "basis":
            return DictCombo(self.service.reply_bases(), allow_empty=True, editable=True)
        if field.kind == "days":
            # 45 in a 1–30 field is refused with a message, not cut to 4 (NumberSpin).
            spin = NumberSpin(1, max_extension, field.label, "天")
            spin.setValue(max_extension)
            spin.setSuffix(" 天")
            spin.refused.connect(lambda text, key=field.key: self._refused(key, text))
            return spin
        if field.kind == "unit":
            # The units still waiting on this case first (latest first), then the others.
            names = [u.unit for u in reversed(self.detail.units) if u.open]
            names += [u.unit for u in reversed(self.detail.units) if u.unit not in names]
            combo = DictCombo(list(dict.fromkeys(names)), allow_empty=False, editable=True)
            combo.setCurrentIndex(0 if names else -1)
            return combo
        if field.kind == "date":
            box = QWidget()
            row = QHBoxLayout(box)
            row.setContentsMargins(0, 0, 0, 0)
            check = QCheckBox("指定")
            day_edit = date_edit(clock.today() + dt.timedelta(days=30))
            day_edit.setEnabled(False)
            check.toggled.connect(day_edit.setEnabled)
            row.addWidget(check)
            row.addWidget(day_edit, 1)
            self.dates[field.key] = (check, day_edit)
            if field.key == "deadline":
                self.deadline_on, self.deadline_edit = check, day_edit
            return box
        return QLineEdit()

    def _refused(self, key: str, text: str) -> None:
        if text:
            self.messages[key].error(text)
        else:
            self.messages[key].clear_message()
        mark_error(self.widgets[key], bool(text))

    def _clear_when_changed(self, key: str, widget: QWidget) -> None:
        """An error at a field goes away as soon as the clerk changes that field."""

        def clear(*_args: object) -> None:
            if self.messages[key].isVisible() and not (
                isinstance(widget, NumberSpin) and widget.problem()
            ):
                self.messages[key].clear_message()
                mark_error(widget, False)
                self.general.clear_message()

        for name in ("textChanged", "valueChanged", "currentTextChanged", "dateChanged"):
            signal = getattr(widget, name, None)
            if signal is not None and hasattr(signal, "connect"):
                signal.connect(clear)

    def _row(self, form: QFormLayout, label: str, key: str, widget: QWidget) -> None:
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        column.addWidget(widget)
        message = FieldMessage()
        column.addWidget(message)
        form.addRow(label, cell)
        self.widgets[key], self.messages[key] = widget, message
        self._clear_when_changed(key, widget)

    def value(self, key: str) -> object:
        widget = self.widgets[key]
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, DictCombo):
            return widget.value()
        if isinstance(widget, QSpinBox):
            return widget.value()
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if key in self.dates:
            check, edit = self.dates[key]
            return from_qdate(edit.date()).isoformat() if check.isChecked() else ""
        return None

    def data(self) -> dict[str, object]:
        return {f.key: self.value(f.key) for f in ACTION_FIELDS.get(self.action, [])}

    def set_value(self, key: str, value: object) -> None:
        """For tests and for pre-filling."""
        widget = self.widgets[key]
        if isinstance(widget, QPlainTextEdit):
            widget.setPlainText(str(value))
        elif isinstance(widget, DictCombo):
            widget.set_value(str(value))
        elif isinstance(widget, QSpinBox):
            widget.setValue(int(str(value)))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))
        elif key in self.dates:
            check, edit = self.dates[key]
            check.setChecked(bool(value))
            if value:
                edit.setDate(to_qdate(dt.date.fromisoformat(str(value))))

    def clear_errors(self) -> None:
        for key, message in self.messages.items():
            message.clear_message()
            mark_error(self.widgets[key], False)
        self.general.clear_message()

    def show_error(self, message: str, key: str | None) -> None:
        if key in self.messages:
            self.messages[key].error(message)
            mark_error(self.widgets[key], True)
            self.widgets[key].setFocus()
        else:
            self.general.error(message)

    def submit(self) -> None:
        self.clear_errors()
        for key, widget in self.widgets.items():
            if isinstance(widget, NumberSpin) and widget.problem():
                self.show_error(widget.problem(), key)
                return
        for field in ACTION_FIELDS.get(self.action, []):
            if field.required and not self.value(field.key):
                self.show_error(f"请填写{field.label}。", field.key)
                return
        on, data = from_qdate(self.on.date()), self.data()
        self.buttons.setEnabled(False)
        # The version of the page the clerk read: a case changed since is refused, not overwritten.
        case_id, version = self.detail.id, self.detail.version

        def write(_progress: object) -> CaseDetail:
            return self.service.act(case_id, self.action, on, data, expected_version=version)

        if self.runner is None:
            try:
                self._done(write(None))
            except Exception as exc:  # noqa: BLE001 — the same path as a worker's error
                self._failed(exc, "")
        else:
            self.runner.run(write, self._done, self._failed, parent=self)

    def _done(self, detail: CaseDetail) -> None:
        self.buttons.setEnabled(True)
        self.recorded.emit(detail)
        self.accept()

    def _failed(self, exc: BaseException, details: str) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, StaleCase):
            self.refreshed(exc)
        elif isinstance(exc, DomainError):
            self.show_error(exc.message, exc.field)
        else:
            show_error(self, exc, details)

    def refreshed(self, exc: StaleCase) -> None:
        """Another clerk changed the case: say so, keep what was typed, and take the case as it
        is now (the page behind shows it), so the next 确定 is checked against that."""
        try:
            fresh = self.service.detail(self.detail.id)
        except DomainError as gone:
            self.show_error(f"{exc.message}{gone.message}", None)
            return
        self.detail = fresh
        self._intro(fresh)
        self.show_error(f"{exc.message}{KEPT_AFTER_STALE}", None)
        self.stale.emit(fresh)
