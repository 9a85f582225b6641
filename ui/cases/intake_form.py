"""信访登记: the intake form (every field of docs/rules.md, 字段, in the order of the paper form).

Fields are checked as the clerk types (身份证号 check digit, phone); a valid ID fills gender and
shows birth date and birthplace; the side panel lists the person's earlier cases. Saving goes
through the task runner (the one database writer); a refused save marks the field it names.
"""

import html

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)
from stdnum.cn import ric

from app import clock
from app.cases import rules
from app.cases.intake import ASSIGNED_CHANNELS, CaseInput
from app.cases.service import CaseService, Created
from app.cases.validation import check_id_number, check_phone
from app.cases.versions import StaleCase
from app.errors import DomainError
from app.office.dictionaries import LETTER, VISIT
from ui.cases.earlier_cases import EarlierCasesPanel
from ui.cases.intake_fields import FormFields
from ui.tasks import TaskRunner, show_error
from ui.widgets import mark_error

REQUIRED_HINT = "必填：登记日期、信访形式、姓名（匿名可不填）、内容摘要、问题类别、性质。"


class IntakeForm(QWidget):
    saved = Signal(int, str)  # (case id, 编号)
    cancelled = Signal(int)  # edit mode: back to the case unchanged
    open_case = Signal(int)  # "查看刚登记的信访件" in the message area
    print_receipt = Signal(str)  # "打印来访回执" (编号) after registering a visit

    def __init__(
        self, service: CaseService, runner: TaskRunner | None, dictionaries: dict[str, list[str]]
    ) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        self.case_id: int | None = None
        # Edit mode: the version of the case the form was filled from (app/cases/versions.py).
        self.version: int | None = None
        self.dirty = False
        self.saving = False
        self._collective_manual = False
        self.threshold = service.collective_threshold()

        self.heading = QLabel()
        self.heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        # The message area keeps its height whether or not it has a message: a banner that came
        # and went shifted every field by ~36 px (a click meant for 姓名 landed in 身份证号).
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setFixedHeight(self.banner.fontMetrics().lineSpacing() * 2 + 12)
        self.banner.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.linkActivated.connect(self._link)
        self._nature_manual = False
        self.f = FormFields(dictionaries)
        self.panel = EarlierCasesPanel()
        self.panel.mark_repeat.connect(self.link_repeat)
        self.panel.setMinimumWidth(190)
        self.panel.setMaximumWidth(360)

        self.save_button = QPushButton("保存 (Ctrl+S)")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.clear_button = QPushButton("清空")
        self.clear_button.clicked.connect(self._clear_clicked)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.f)
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(self.panel, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.banner)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)

        self.lookup = QTimer(self)
        self.lookup.setSingleShot(True)
        self.lookup.setInterval(250)
        self.lookup.timeout.connect(self.find_earlier)
        self.numbers = QStringListModel(self)
        completer = QCompleter(self.numbers, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.f.repeat_of.setCompleter(completer)

        self._connect()
        self._clear_field_errors()
        QShortcut(
            QKeySequence.StandardKey.Save,
            self,
            self.save,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.new_case()

    # --- live behaviour ------------------------------------------------------------------
    def _connect(self) -> None:
        f = self.f
        f.id_number.textChanged.connect(self._id_changed)
        f.phone.textChanged.connect(self._phone_changed)
        f.phone.editingFinished.connect(lambda: self._phone_changed(f.phone.text(), final=True))
        for edit in (f.name, f.id_number, f.phone):
            edit.textEdited.connect(lambda _t: self.lookup.start())
        f.form.currentTextChanged.connect(self._form_changed)
        f.persons.valueChanged.connect(lambda _v: self._update_collective())
        f.collective.clicked.connect(self._collective_clicked)
        f.channel.currentTextChanged.connect(self._channel_changed)
        f.category.currentTextChanged.connect(self._category_changed)
        f.anonymous.toggled.connect(
            lambda on: f.name.setPlaceholderText("匿名可不填" if on else "")
        )
        f.repeat_of.textEdited.connect(self._repeat_typed)
        # 性质 is required (§9): the form proposes the rule's suggestion from the summary until
        # the clerk picks one.
        f.summary.textChanged.connect(self._suggest_nature)
        f.nature.activated.connect(lambda _i: setattr(self, "_nature_manual", True))
        f.petition_differs.toggled.connect(f.petition_on.setEnabled)
        for widget in f.inputs():
            for name in (
                "textChanged",
                "valueChanged",
                "toggled",
                "currentTextChanged",
                "dateChanged",
            ):
                signal = getattr(widget, name, None)
                if signal is not None and hasattr(signal, "connect"):
                    signal.connect(self._touched)

    def _clear_field_errors(self) -> None:
        """An error at a field goes as soon as that field changes (it stayed after the fix).
        身份证号 and 电话 check themselves as they are typed; 集体访 shows a rule, not an error."""
        own = {"id_number", "phone", "collective"}
        for key, widget in self.f.fields.items():
            if key in own or self.f.messages.get(key) is None:
                continue

            def clear(*_args: object, key: str = key, widget: QWidget = widget) -> None:
                message = self.f.message(key)
                if message.isVisible() and not self._loading:
                    message.clear_message()
                    mark_error(widget, False)

            for name in ("textChanged", "currentTextChanged", "dateChanged", "toggled"):
                signal = getattr(widget, name, None)
                if signal is not None and hasattr(signal, "connect"):
                    signal.connect(clear)

    def _touched(self, *_args: object) -> None:
        if not self._loading:
            self.dirty = True
            self._clear_banner()

    def _suggest_nature(self) -> None:
        if self._loading or self._nature_manual:
            return
        text = self.f.summary.toPlainText().strip()
        self.f.nature.set_value(rules.suggest_nature(text) if text else "")

    def _id_changed(self, text: str) -> None:
        f = self.f
        number = ric.compact(text)
        f.message("id_number").clear_message()
        mark_error(f.id_number, False)
        if not number:
            return
        if len(number) < 18 and not (len(number) == 15 and number.isdigit()):
            f.message("id_number").hint(f"已输入 {len(number)} 位")
            return
        try:
            info = check_id_number(number)
        except DomainError as exc:
            f.message("id_number").error(exc.message)
            mark_error(f.id_number, True)
            return
        f.gender.set_value(info.gender)
        details = f"{info.gender}，出生于 {info.birth_date:%Y-%m-%d}" + (
            f"，{info.birthplace}" if info.birthplace else ""
        )
        f.message("id_number").hint(details + (f"。{info.warning}" if info.warning else ""))

    def _phone_changed(self, text: str, final: bool = False) -> None:
        f = self.f
        mark_error(f.phone, False)
        f.message("phone").clear_message()
        digits = "".join(c for c in text if c.isdigit())
        if not text.strip() or (not final and len(digits) < 11):
            return
        try:
            check_phone(text)
        except DomainError as exc:
            f.message("phone").error(exc.message)
            mark_error(f.phone, True)

    def _form_changed(self, form: str) -> None:
        self.f.visit_level.setEnabled(form == VISIT)
        if form != VISIT:
            self.f.visit_level.set_value("")
        self._update_collective()

    def _derived_collective(self) -> bool:
        return rules.derived_collective(self.f.form.value(), self.f.persons.value(), self.threshold)

    def _update_collective(self) -> None:
        if not self._collective_manual:
            self.f.collective.setChecked(self._derived_collective())
        derived = "是" if self._derived_collective() else "否"
        self.f.message("collective").hint(
            f"按规则（来访且≥{self.threshold}人）：{derived}"
            + ("，已手动改" if self._collective_manual else "")
        )

    def _collective_clicked(self) -> None:
        self._collective_manual = self.f.collective.isChecked() != self._derived_collective()
        self._update_collective()

    def _channel_changed(self, channel: str) -> None:
        assigned = channel in ASSIGNED_CHANNELS
        self.f.assigning_org.setEnabled(assigned)
        self.f.assigning_ref.setEnabled(assigned)

    def _category_changed(self, category: str) -> None:
        self.f.subcategory.set_values(self.f.dictionaries.get(f"sub:{category}", []))

    def _repeat_typed(self, text: str) -> None:
        if len(text.strip()) >= 2:
            self.numbers.setStringList(self.service.numbers_like(text))
        if text.strip():
            self.f.repeat.setChecked(True)

    def find_earlier(self) -> None:
        f = self.f
        number = ric.compact(f.id_number.text())
        id_number = number if len(number) == 18 else ""
        phone = f.phone.text().strip()
        name = f.name.text().strip()
        if not (name or id_number or phone):
            self.panel.show_cases([], searched=False)
            return
        found = self.service.earlier_cases(name, id_number, phone, exclude=self.case_id)
        self.panel.show_cases(found, linked=f.repeat_of.text().strip())

    def link_repeat(self, number: str) -> None:
        """标为重复: link the earlier case and copy the person's details the clerk has not typed
        (身份证号, 电话, 住址 …), so the repeat is one click, not a second round of typing."""
        self.f.repeat.setChecked(True)
        self.f.repeat_of.setText(number)
        self.panel.set_linked(number)
        try:
            earlier = self.service.detail(number).input
        except DomainError:
            return
        f = self.f
        for name in ("name", "id_number", "phone", "address", "workplace"):
            edit = getattr(f, name)
            value = getattr(earlier, name)
            if value and not edit.text().strip():
                edit.setText(value)
        if earlier.gender and not f.gender.value():
            f.gender.set_value(earlier.gender)

    def set_dictionaries(self, dictionaries: dict[str, list[str]]) -> None:
        """The office edited a dictionary under 设置: offer the new lists, keep what is typed."""
        self._loading = True
        self.f.set_dictionaries(dictionaries)
        self._loading = False

    # --- new / load / save ---------------------------------------------------------------
    def focus_first(self) -> None:
        self.f.received_on.setFocus()

    def new_case(self) -> None:
        self._clear_banner()
        self.case_id = None
        self.version = None
        self.heading.setText("信访登记")
        self.clear_button.setText("清空")
        self._fill(CaseInput(received_on=clock.today(), form=LETTER))

    def load(self, case_id: int) -> None:
        detail = self.service.detail(case_id)
        self._clear_banner()
        self.case_id = case_id
        self.version = detail.version
        self.heading.setText(f"修改信访件 {detail.number}")
        self.clear_button.setText("取消")
        self._fill(detail.input)
        self._collective_manual = detail.input.collective_override is not None
        self.f.collective.setChecked(detail.collective)
        self._update_collective()
        self.find_earlier()

    def _fill(self, data: CaseInput) -> None:
        self._loading = True
        self._collective_manual = False
        self._nature_manual = bool(data.nature)
        self.f.fill(data)
        for key in self.f.messages:
            self.f.message(key).clear_message()
            mark_error(self.f.field(key), False)
        self._form_changed(data.form)
        self._channel_changed(data.channel)
        self._id_changed(data.id_number)
        self.panel.show_cases([], searched=False)
        self._loading = False
        self.dirty = False

    def collect(self) -> CaseInput:
        data = self.f.collect()
        derived = self._derived_collective()
        checked = self.f.collective.isChecked()
        data.collective_override = (
            checked if self._collective_manual and checked != derived else None
        )
        return data

    def save(self) -> None:
        if self.saving:
            return
        data = self.collect()
        # Refuse at the field before going to the database: the clerk sees the reason at once.
        for key, check in (("id_number", check_id_number), ("phone", check_phone)):
            value = getattr(data, key)
            if value:
                try:
                    check(value)
                except DomainError as exc:
                    self.show_field_error(exc)
                    return
        case_id, version = self.case_id, self.version
        self.saving = True
        self.save_button.setEnabled(False)

        def write(_progress: object) -> tuple[int, str, list[str], int | None]:
            if case_id is None:
                created: Created = self.service.create(data)
                return created.id, created.number, created.warnings, None
            edited = self.service.edit(case_id, data, expected_version=version)
            return case_id, data.number, edited.warnings, edited.version

        if self.runner is None:
            try:
                self._done(write(None))
            except Exception as exc:  # noqa: BLE001 — same path as the worker's errors
                self._failed(exc, "")
        else:
            self.runner.run(write, self._done, self._failed, parent=self)

    def _link(self, href: str) -> None:
        if href.startswith("receipt:"):
            self.print_receipt.emit(href.removeprefix("receipt:"))
        elif href == "reload":
            if self.case_id is not None:
                self.load(self.case_id)
        else:
            self.open_case.emit(int(href))

    def _done(self, result: tuple[int, str, list[str], int | None]) -> None:
        case_id, number, warnings, version = result
        if version is not None:
            self.version = version  # a second 保存 on the same page is not "someone else's"
        self.saving = False
        self.save_button.setEnabled(True)
        self.dirty = False
        new = self.case_id is None
        # A visitor is standing at the desk: offer the receipt straight away.
        visit = new and self.f.form.currentText() == VISIT
        if new:
            self.new_case()
            self.focus_first()
        text = (
            f"已{'登记' if new else '保存'} {number}。"
            + "".join(html.escape(w) for w in warnings)
            + f"　<a href='{case_id}'>查看刚登记的信访件</a>"
            + (f"　<a href='receipt:{number}'>打印来访回执</a>" if visit else "")
        )
        self.banner.setStyleSheet("background: #e6f4ea; color: #137333; padding: 6px;")
        self.banner.setText(text)
        self.saved.emit(case_id, number)

    def _failed(self, exc: BaseException, details: str) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, StaleCase):
            self.show_stale(exc)
        elif isinstance(exc, DomainError):
            self.show_field_error(exc)
        else:
            show_error(self, exc, details)

    def show_stale(self, exc: StaleCase) -> None:
        """Another clerk saved this case after the form was filled: nothing was saved, the
        clerk's typing stays on the form (still unsaved), and one click loads the case as it
        is now (giving up what is typed here)."""
        self.banner.setStyleSheet("background: #fce8e6; color: #c5221f; padding: 6px;")
        self.banner.setText(
            f"没有保存：{html.escape(exc.message)}您的修改仍在本页，尚未保存。"
            "　<a href='reload'>载入最新内容（放弃本页的修改）</a>"
        )

    def show_field_error(self, exc: DomainError) -> None:
        key = exc.field if exc.field in self.f.messages else None
        self.banner.setStyleSheet("background: #fce8e6; color: #c5221f; padding: 6px;")
        self.banner.setText(f"没有保存：{html.escape(exc.message)}")
        if key is not None:
            self.f.message(key).error(exc.message)
            widget = self.f.field(key)
            mark_error(widget, True)
            widget.setFocus()

    def _clear_banner(self) -> None:
        """No message: the area says what must be filled in (§9), in grey."""
        self.banner.setStyleSheet("color: #5f6368; padding: 6px;")
        self.banner.setText(REQUIRED_HINT)

    def _clear_clicked(self) -> None:
        if not self.may_leave():
            return
        if self.case_id is not None:
            self.cancelled.emit(self.case_id)
        else:
            self.new_case()

    def may_leave(self) -> bool:
        """Unsaved changes: ask 保存 / 不保存 / 取消 (保存 stays here until it is saved)."""
        if not self.dirty or self.saving:
            return not self.saving
        answer = QMessageBox.question(
            self,
            "尚未保存",
            "本页有尚未保存的修改。要保存吗？",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Discard:
            if self.case_id is None:
                self.new_case()
            else:
                self.dirty = False
            return True
        if answer == QMessageBox.StandardButton.Save:
            self.save()
        return False

    _loading = False
