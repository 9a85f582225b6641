"""The case page: details, deadlines, the actions the status allows, the timeline, the history."""

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import clock
from app.attachments.service import AttachmentService
from app.cases import workflow
from app.cases.service import CaseDetail, CaseService
from app.cases.validation import mask_id, mask_phone
from app.cases.versions import StaleCase
from app.cases.workflow import DATA_LABELS
from app.documents.service import DocumentService
from ui.cases import case_links
from ui.cases.action_dialogs import ActionDialog
from ui.cases.case_attachments import AttachmentsPanel
from ui.cases.unit_states import UnitStatesBox
from ui.tasks import TaskRunner, show_error
from ui.widgets import (
    ERROR_COLOR,
    SOON_BACKGROUND,
    TEXT_ON_LIGHT,
    WARN_COLOR,
    days_left,
    fmt_date,
)

_DATA_NAMES = {**DATA_LABELS, "text": "内容"}
_WARNING_STYLE = {"临期": f"background:{WARN_COLOR};", "超期": f"background:{ERROR_COLOR};"}
# Imported history with gaps (docs/rules.md, 统计): what a 情况不详 case means, for the clerk.
UNKNOWN_NOTICE = "导入台账时没有办理情况，请补录实际办理过程"
INFERRED = "（导入推定）"
DATE_UNKNOWN = "办结日期不详"
# Marks the import writes on an event: said in words by `event_row`, never shown as raw keys.
_MARKS = ("inferred", "date_unknown", "status_unknown")
# What an event kind means when the kind alone does not say it.
_KIND_NOTES = {
    workflow.UNKNOWN: UNKNOWN_NOTICE,
    "退回": "承办单位退回交办/转送",
}
# The unit's steps after a 交办/转送, one 跟踪 ▾ button: the row still fits at 1024 wide.
FOLLOW_UPS = ("签收", "反馈", "退回", "催办")


def event_row(kind: str, on: str, recorded_by: str, data: dict[str, Any]) -> list[str]:
    """One timeline row (日期, 办理, 记录人, 详情), the import's marks said in words."""
    parts = [_KIND_NOTES[kind]] if kind in _KIND_NOTES else []
    if data.get("date_unknown"):
        on = f"{DATE_UNKNOWN}（按 {on} 计）"
    parts += [f"{_DATA_NAMES.get(k, k)}：{v}" for k, v in data.items() if k not in _MARKS]
    label = kind + (INFERRED if data.get("inferred") else "")
    return [on, label, recorded_by, "；".join(parts)]


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setWordWrap(True)
    table.horizontalHeader().setSectionResizeMode(len(headers) - 1, QHeaderView.ResizeMode.Stretch)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)  # the whole 详情 even where the column is narrow
            table.setItem(i, j, item)
    table.resizeColumnsToContents()
    table.resizeRowsToContents()


def offered_actions(d: CaseDetail) -> list[str]:
    """The status's actions less those the rules would refuse whatever the clerk fills in
    (app/cases/workflow.py): a second 延期, 复查申请 without an 答复 or after a 复查意见,
    复核申请 without a 复查意见. A button that is shown can succeed."""
    kinds = {e.kind for e in d.events}
    refused = set()
    if "延期" in kinds:
        refused.add("延期")
    if "答复" not in kinds or "复查意见" in kinds:
        refused.add("复查申请")
    if "复查意见" not in kinds:
        refused.add("复核申请")
    return [a for a in d.allowed_actions if a not in refused]


class CasePage(QWidget):
    back = Signal()
    open_case = Signal(int)
    changed = Signal()  # a write happened: lists and figures must be re-read
    edit = Signal(int)
    open_unit = Signal(str)  # a 承办单位's page

    def __init__(
        self,
        service: CaseService,
        runner: TaskRunner | None,
        documents: DocumentService,
        attachments: AttachmentService | None = None,
        supervision: Any = None,  # SupervisionService: 关联信访件 (ui/cases/case_links.py)
    ) -> None:
        super().__init__()
        self.service, self.runner, self.documents = service, runner, documents
        self.detail: CaseDetail | None = None
        self.dialog: ActionDialog | None = None
        self.revealed: set[str] = set()

        back = QPushButton("← 返回台账")
        back.setToolTip("返回信访台账（Esc）")
        back.clicked.connect(self.back)
        self.heading = QLabel()
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.edit_button = QPushButton("修改登记信息")
        self.edit_button.clicked.connect(lambda: self.detail and self.edit.emit(self.detail.id))
        self.undo_button = QPushButton("撤销上一步")
        self.undo_button.clicked.connect(self.undo)
        self.documents_button: QPushButton | None = None
        top = QHBoxLayout()
        top.addWidget(back)
        top.addWidget(self.heading, 1)
        top.addWidget(self.edit_button)
        top.addWidget(self.undo_button)
        self._add_documents_menu(top)

        self.actions_box = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        self.follow_up_actions: dict[str, QAction] = {}
        # A 情况不详 case: what that means and what to do (the decisions are the buttons below).
        self.notice = QLabel(
            f"<b>情况不详</b>：{UNKNOWN_NOTICE}（按实际日期办理受理、不予受理、转送或交办）。"
            "补录前本件只计入信访总量和分类统计，不计入各项比率和未结件。"
        )
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(
            f"background:{SOON_BACKGROUND}; color:{TEXT_ON_LIGHT}; padding:4px;"
        )
        self.notice.hide()
        actions_row = QHBoxLayout()
        actions_row.addWidget(QLabel("办理："))
        actions_row.addLayout(self.actions_box)
        actions_row.addStretch(1)

        self.details = QFormLayout()
        details_box = QGroupBox("登记信息")
        details_box.setLayout(self.details)
        self.deadlines = QLabel()
        self.deadlines.setWordWrap(True)
        self.deadlines.setTextFormat(Qt.TextFormat.RichText)
        deadlines_box = QGroupBox("期限")
        QVBoxLayout(deadlines_box).addWidget(self.deadlines)
        self.links = QLabel()
        self.links.setWordWrap(True)
        self.links.linkActivated.connect(self._link)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(deadlines_box)
        self.unit_states = UnitStatesBox()
        self.unit_states.open_unit.connect(self.open_unit)
        left_layout.addWidget(self.unit_states)
        left_layout.addWidget(self.links)
        self.case_links = case_links.attach(self, left_layout, supervision)
        left_layout.addWidget(details_box)
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(left)

        self.timeline = _table(["日期", "办理", "记录人", "详情"])
        # 计算机: from which desk (issue 20); the values keep the spare width.
        self.history = _table(["时间", "操作人", "操作", "字段", "原值 → 新值", "计算机"])
        header = self.history.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.ResizeToContents)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.timeline, "办理过程")
        self.tabs.addTab(self.history, "修改记录")
        self.attachments_panel = self._add_attachments(attachments, runner)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(self.tabs)
        splitter.setSizes([520, 640])

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.notice)
        layout.addLayout(actions_row)
        layout.addWidget(splitter, 1)
        # A signal is not a callable for QShortcut (TypeError on every Esc): emit it.
        QShortcut(
            QKeySequence("Esc"),
            self,
            self.back.emit,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )

    def _add_attachments(
        self, service: AttachmentService | None, runner: TaskRunner | None
    ) -> AttachmentsPanel | None:
        """The 附件 tab (ui/cases/case_attachments.py): files, previews, 打印卷宗."""
        if service is None:
            return None
        panel = AttachmentsPanel(service, runner)
        index = self.tabs.addTab(panel, "附件")
        panel.counted.connect(
            lambda n: self.tabs.setTabText(index, f"附件（{n}）" if n else "附件")
        )
        panel.changed.connect(self.reload)
        return panel

    def _add_documents_menu(self, row: QHBoxLayout) -> None:
        """文书: the per-case documents (greyed out where the timeline does not support one)."""
        self.documents_button = QPushButton("文书 ▾")
        self.documents_button.setToolTip("生成本件的受理告知书、处理意见书等文书")
        self.documents_button.clicked.connect(self._documents)
        row.addWidget(self.documents_button)

    def _documents(self) -> None:
        if self.detail is None or self.documents_button is None:
            return
        from ui.cases.case_documents import documents_menu  # docx libraries load on first use

        menu = documents_menu(self, self.documents, self.runner, self.detail)  # type: ignore[arg-type]
        menu.exec(self.documents_button.mapToGlobal(self.documents_button.rect().bottomLeft()))

    # --- showing a case ------------------------------------------------------------------
    def show_case(self, case_id: int) -> None:
        self.revealed = set()
        self.set_detail(self.service.detail(case_id))

    def reload(self) -> None:
        if self.detail is not None:
            self.set_detail(self.service.detail(self.detail.id))

    def set_detail(self, d: CaseDetail) -> None:
        self.detail = d
        warning = (
            f" <span style='{_WARNING_STYLE[d.warning]} color:white; padding:2px'>&nbsp;"
            f"{d.warning}&nbsp;</span>"
            if d.warning
            else ""
        )
        name = d.input.name or "（匿名）"
        status = d.status + ("·待重新交办" if d.awaiting_reassignment else "")
        self.heading.setText(
            f"<span style='font-size:17px'><b>{d.number}</b>　{name}　【{status}】</span>{warning}"
        )
        self._buttons(d)
        # The import's 情况不详 step cannot be taken back (workflow.undo_last): 补录 instead.
        self.undo_button.setEnabled(len(d.events) > 1 and d.events[-1].kind != workflow.UNKNOWN)
        self.notice.setVisible(d.status == workflow.UNKNOWN)
        self._details(d)
        self._deadlines(d)
        self.unit_states.set_detail(d)
        self._links(d)
        if self.attachments_panel is not None:
            self.attachments_panel.set_case(d)
        case_links.show(self.case_links, d)
        _fill(
            self.timeline,
            [event_row(e.kind, fmt_date(e.on), e.recorded_by, e.data) for e in d.events],
        )
        _fill(
            self.history,
            [
                [
                    f"{a.at:%Y-%m-%d %H:%M}",
                    a.user,
                    a.action,
                    a.field or "",
                    f"{a.old or ''} → {a.new or ''}" if a.field else "",
                    a.computer or "",
                ]
                for a in d.history
            ],
        )

    def _buttons(self, d: CaseDetail) -> None:
        for button in self.action_buttons.values():
            self.actions_box.removeWidget(button)
            button.deleteLater()
        self.action_buttons = {}
        self.follow_up_actions: dict[str, QAction] = {}
        offered = offered_actions(d)
        follow_ups = [a for a in offered if a in FOLLOW_UPS]
        for action in offered:
            if action in follow_ups:
                if action == follow_ups[0]:
                    self._follow_up_button(follow_ups)
                continue
            button = QPushButton(action)
            if action == "作废":
                button.setStyleSheet(f"color: {ERROR_COLOR};")
            button.clicked.connect(lambda _c=False, a=action: self.start_action(a))
            self.actions_box.addWidget(button)
            self.action_buttons[action] = button

    def _follow_up_button(self, actions: list[str]) -> None:
        button = QPushButton("跟踪 ▾")
        button.setToolTip("承办单位的" + "、".join(actions))
        menu = QMenu(button)
        for action in actions:
            item = menu.addAction(action)
            item.triggered.connect(lambda _c=False, a=action: self.start_action(a))
            self.follow_up_actions[action] = item
        button.setMenu(menu)
        self.actions_box.addWidget(button)
        self.action_buttons["跟踪"] = button

    def _details(self, d: CaseDetail) -> None:
        while self.details.rowCount():
            self.details.removeRow(0)
        i = d.input
        flags = [
            n
            for n, on in (
                ("集体访", d.collective),
                ("重复信访", i.repeat),
                ("越级访", i.skip_level),
                ("非正常访", i.abnormal),
                ("涉法涉诉", i.legal),
                ("重大紧急", i.urgent),
                ("匿名", i.anonymous),
                ("联名", i.joint),
            )
            if on
        ]
        id_text = i.id_number if "id_number" in self.revealed else mask_id(i.id_number)
        phone_text = i.phone if "phone" in self.revealed else mask_phone(i.phone)
        rows = [
            (
                "登记日期",
                fmt_date(i.received_on)
                + (f"（信访日期 {fmt_date(i.petition_on)}）" if i.petition_on else ""),
            ),
            ("信访形式", i.form),
            (
                "来源渠道",
                i.channel + (f"（{i.assigning_org} {i.assigning_ref}）" if i.assigning_org else ""),
            ),
            (
                "信访人",
                " ".join(
                    x
                    for x in (
                        i.name or "（匿名）",
                        i.gender,
                        f"出生 {fmt_date(d.birth_date)}" if d.birth_date else "",
                    )
                    if x
                ),
            ),
            (
                "身份证号",
                id_text
                + (
                    " <a href='reveal:id_number'>显示</a>"
                    if i.id_number and "id_number" not in self.revealed
                    else ""
                ),
            ),
            (
                "联系电话",
                phone_text
                + (
                    " <a href='reveal:phone'>显示</a>"
                    if i.phone and "phone" not in self.revealed
                    else ""
                ),
            ),
            ("住址", i.address),
            ("工作单位", i.workplace),
            (
                "人数",
                f"{i.persons} 人"
                + (f"，涉及 {i.involved_persons} 人" if i.involved_persons else ""),
            ),
            ("内容摘要", i.summary),
            ("问题类别", " / ".join(x for x in (i.category, i.subcategory) if x)),
            ("性质", i.nature),
            ("问题属地", i.locality),
            ("被反映对象", i.target),
            (
                "情形",
                "；".join(
                    x
                    for x in (
                        "、".join(flags),
                        f"走访层级：{i.visit_level}" if i.visit_level else "",
                    )
                    if x
                ),
            ),
            ("承办单位", i.department),
            ("经办人", i.handler),
            ("包案领导", i.leader),
            ("备注", i.remark),
            # The ledger's own columns the import kept as written (领导批示, 拟办意见, 登记人 …).
            *((f"{name}（台账）", str(value)) for name, value in d.extra.items() if value),
        ]
        for label, text in rows:
            value = QLabel(text or "—")
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
            value.linkActivated.connect(self._link)
            self.details.addRow(f"{label}：", value)

    def _deadlines(self, d: CaseDetail) -> None:
        today = clock.today()
        lines = []
        if d.status == workflow.UNKNOWN:
            lines.append(f"情况不详：{UNKNOWN_NOTICE}。补录前不计告知和办理期限。")
        if d.decision_on:
            inferred = INFERRED if d.decision_inferred else ""
            lines.append(
                f"告知（{d.decision_kind}{inferred}）：{fmt_date(d.decision_on)} 已办，期限 "
                f"{fmt_date(d.decision_due)}"
            )
        elif d.decision_due and d.status == workflow.PENDING:
            lines.append(
                f"告知期限：<b>{fmt_date(d.decision_due)}</b>（{days_left(d.decision_due, today)}）"
            )
        if d.handling_due:
            extra = f"，含延期 {d.extension_days} 天" if d.extension_days else ""
            left = (
                f"（{days_left(d.handling_due, today)}）"
                if d.status in (workflow.HANDLING, workflow.REPLIED)
                else ""
            )
            lines.append(f"办理期限：<b>{fmt_date(d.handling_due)}</b>{left}{extra}")
        if d.replied_on:
            lines.append(f"答复：{fmt_date(d.replied_on)}（{d.reply_result or ''}）")
        if d.closed_on and d.closed_date_unknown:
            lines.append(f"办结：{DATE_UNKNOWN}（统计按 {fmt_date(d.closed_on)} 计为已办结）")
        elif d.closed_on:
            lines.append(f"办结：{fmt_date(d.closed_on)}")
        if d.rating:
            lines.append(f"回访满意度：{d.rating}")
        if d.due_estimated:
            lines.append(
                "<span style='color:#b26a00'>期限所在年份的法定节假日安排还没有录入，"
                "暂按周末估算（设置 → 节假日 导入国务院通知后自动重算）。</span>"
            )
        self.deadlines.setText("<br>".join(lines) or "—")

    def _links(self, d: CaseDetail) -> None:
        parts = []
        if d.repeat_of:
            parts.append(f"本件是 <a href='case:{d.repeat_of}'>{d.repeat_of}</a> 的重复信访")
        if d.repeats:
            parts.append("重复信访：" + "、".join(f"<a href='case:{n}'>{n}</a>" for n in d.repeats))
        self.links.setText("<br>".join(parts))
        self.links.setVisible(bool(parts))

    def _link(self, href: str) -> None:
        kind, _sep, value = href.partition(":")
        if kind == "case":
            self.open_case.emit(self.service.detail(value).id)
        elif kind == "reveal" and self.detail is not None:
            # Showing personal data in full is itself written to the audit log (PIPL).
            self.service.reveal(self.detail.id, value)
            self.revealed.add(value)
            self.reload()

    # --- acting --------------------------------------------------------------------------
    def start_action(self, action: str) -> ActionDialog | None:
        if self.detail is None:
            return None
        max_ext = self.service.max_extension_days()
        self.dialog = ActionDialog(self, self.service, self.runner, self.detail, action, max_ext)
        self.dialog.recorded.connect(self._recorded)
        self.dialog.stale.connect(self._recorded)  # the case as another clerk left it
        self.dialog.open()
        return self.dialog

    def _recorded(self, detail: CaseDetail) -> None:
        self.set_detail(detail)
        self.changed.emit()

    def undo(self) -> None:
        d = self.detail
        if d is None or len(d.events) < 2:
            return
        last = d.events[-1]
        answer = QMessageBox.question(
            self, "撤销上一步", f"撤销 {fmt_date(last.on)} 的“{last.kind}”？\n撤销会写入修改记录。"
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.undo_now()

    def undo_now(self) -> None:
        if self.detail is None:
            return
        case_id, version = self.detail.id, self.detail.version

        def write(_p: object) -> CaseDetail:
            return self.service.undo_last(case_id, expected_version=version)

        if self.runner is None:
            try:
                self._recorded(write(None))
            except Exception as exc:  # noqa: BLE001
                self._write_failed(exc, "")
        else:
            self.runner.run(write, self._recorded, self._write_failed, parent=self)

    def _write_failed(self, exc: BaseException, details: str) -> None:
        """A refused write of the page's own (撤销上一步). Another clerk changed the case: the
        message, then the page as it is now, so the clerk decides again on what they see."""
        show_error(self, exc, details)
        if isinstance(exc, StaleCase) and self.detail is not None:
            self.reload()
            self.changed.emit()

    def current(self) -> Any:
        return self.detail
