"""关联信访件 on the case page: the cases linked to this one (both ways), 关联/取消关联,
合并重复登记 and the petitioner's page. Attached to the case page by two calls (`attach`,
`show`), so the page itself stays the outgoing-handling engineer's."""

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QBoxLayout, QInputDialog, QLabel, QMessageBox

from app.cases.links import DUPLICATE, LinkView
from app.cases.search import CaseRow
from app.cases.service import CaseDetail
from app.cases.supervision_service import SupervisionService
from app.cases.versions import StaleCase
from app.errors import DomainError
from ui.cases.person_page import PersonPage
from ui.tasks import TaskRunner, show_error


class CaseLinks(QLabel):
    open_case = Signal(int)
    changed = Signal()

    def __init__(self, service: SupervisionService, runner: TaskRunner | None) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        self.detail: CaseDetail | None = None
        self.found: list[LinkView] = []
        self.setWordWrap(True)
        self.setObjectName("case_links")
        self.linkActivated.connect(self._clicked)

    def _run(self, fn: Any, done: Any, failed: Any = None) -> None:
        failed = failed or (lambda exc, details: show_error(self, exc, details))
        if self.runner is None:  # the case page without a worker (tests): in line
            try:
                done(fn())
            except DomainError as exc:
                failed(exc, "")
            return
        self.runner.run(lambda _p: fn(), done, failed, parent=self)

    def show_for(self, detail: CaseDetail) -> None:
        self.detail = detail
        service = self.service
        self._run(lambda: service.links(detail.id), self._show)

    def _show(self, found: list[LinkView]) -> None:
        self.found = found
        # 重复信访 (前次/此后) is on the page already, from the case itself.
        made = [v for v in found if not v.relation.startswith("重复信访")]
        parts = []
        for i, v in enumerate(made):
            undo = f" <a href='unlink:{i}'>取消</a>" if v.removable else ""
            parts.append(f"<a href='case:{v.case_id}'>{v.number}</a>（{v.relation}）{undo}")
        self.made = made
        line = "关联信访件：" + ("；".join(parts) if parts else "无")
        tools = ["<a href='link'>关联其他信访件…</a>", "<a href='person'>信访人的全部信访件</a>"]
        if self.detail is not None and self.detail.status != "已作废":
            tools.append("<a href='merge'>合并重复登记…</a>")
        self.setText(f"{line}<br>{'　'.join(tools)}")

    def _clicked(self, href: str) -> None:
        d = self.detail
        if d is None:
            return
        kind, _sep, value = href.partition(":")
        service = self.service
        if kind == "case":
            self.open_case.emit(int(value))
        elif kind == "unlink":
            other = self.made[int(value)]
            self._write(lambda: service.unlink(d.id, other.case_id, d.version))
        elif kind == "link":
            number, ok = QInputDialog.getText(
                self, "关联信访件", "与本件反映同一事项的信访件编号："
            )
            if ok and number.strip():
                self._write(lambda: service.link(d.id, number.strip(), "", d.version))
        elif kind == "merge":
            keep, ok = QInputDialog.getText(
                self, "合并重复登记", f"{d.number} 是哪一件的重复登记？保留的信访件编号："
            )
            if not ok or not keep.strip():
                return
            sure = QMessageBox.question(
                self,
                "合并重复登记",
                f"{d.number} 将作废（理由：{DUPLICATE}），并关联到 {keep.strip()}；"
                "它的办理记录保留。确定吗？",
            )
            if sure == QMessageBox.StandardButton.Yes:
                self._write(lambda: service.merge(d.id, keep.strip(), d.version))
        elif kind == "person":
            self._run(lambda: service.person_cases(d.id), self._person)

    def _person(self, rows: list[CaseRow]) -> None:
        name = self.detail.input.name if self.detail is not None else ""
        page = PersonPage(name, rows, self)
        page.open_case.connect(self.open_case)
        page.open()

    def _write(self, fn: Any) -> None:
        """A link, unlink or merge of the case as this page shows it (its version is sent)."""
        self._run(fn, lambda _result: self.changed.emit(), self._write_failed)

    def _write_failed(self, exc: BaseException, details: str) -> None:
        show_error(self, exc, details)
        if isinstance(exc, StaleCase):
            # Another clerk changed the case: the page re-reads it, so the clerk decides again
            # on what is there now (as after a refused 办理 step).
            self.changed.emit()


def attach(page: Any, layout: QBoxLayout, service: SupervisionService | None) -> CaseLinks | None:
    """Put the links under the case page's 重复信访 line; None when the page has no service."""
    if service is None:
        return None
    widget = CaseLinks(service, page.runner)
    widget.open_case.connect(page.open_case)
    # A link or merge changed the case: the page re-reads it and the window its lists.
    widget.changed.connect(page.reload)
    widget.changed.connect(page.changed)
    layout.addWidget(widget)
    return widget


def show(widget: CaseLinks | None, detail: CaseDetail) -> None:
    if widget is not None:
        widget.show_for(detail)
