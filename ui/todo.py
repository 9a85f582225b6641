"""待办: what the clerk must do next — 待受理, 临期, 超期, 待回访 — as tabs of short case lists."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget
from sqlalchemy import select

from app.cases import CaseService
from app.models import Case
from app.search import CaseFilter
from app.workflow import CLOSED, PENDING, REPLIED
from ui.case_list import COLUMNS, CaseTable, CaseTableModel
from ui.tasks import TaskRunner

_SHOWN = {"number", "received_on", "form", "name", "summary", "status", "due", "warning"}


def awaiting_visit_ids(service: CaseService) -> list[int]:
    """待回访: answered or closed, not voided, no 回访 rating yet (oldest reply first)."""
    with service.db.read() as s:
        return list(
            s.scalars(
                select(Case.id)
                .where(
                    Case.status.in_((REPLIED, CLOSED)),
                    Case.rating.is_(None),
                    Case.voided.is_(False),
                )
                .order_by(Case.replied_on, Case.id)
            )
        )


TODO_FILTERS = {
    "待受理": CaseFilter(statuses=[PENDING]),
    "临期": CaseFilter(warning="临期"),
    "超期": CaseFilter(warning="超期"),
    "待回访": CaseFilter(),  # its ids come from awaiting_visit_ids
}


class TodoPanel(QWidget):
    """Four tabs; each title carries its count, each row opens the case."""

    open_case = Signal(int)
    show_all = Signal(str, object)  # (title, CaseFilter) → the full case list

    def __init__(self, service: CaseService, runner: TaskRunner | None = None) -> None:
        super().__init__()
        self.service = service
        self.tabs = QTabWidget()
        self.models: dict[str, CaseTableModel] = {}
        for title in ("待受理", "临期", "超期", "待回访"):
            source = (lambda: awaiting_visit_ids(service)) if title == "待回访" else None
            model = CaseTableModel(service, runner, source)
            # Deadlines first: the most urgent case at the top.
            model.sort_key, model.descending = ("handling_due", False) if title in ("临期", "超期") else ("received_on", False)  # fmt: skip
            model.loaded.connect(lambda n, t=title: self._count(t, n))
            table = CaseTable(model)
            for i, column in enumerate(COLUMNS):
                table.setColumnHidden(i, column.key not in _SHOWN)
            table.setColumnWidth(COLUMNS.index(next(c for c in COLUMNS if c.key == "summary")), 300)  # fmt: skip
            table.open_case.connect(self.open_case)
            self.models[title] = model
            self.tabs.addTab(table, title)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def refresh(self) -> None:
        # The four lists load on the worker, off the GUI thread.
        for title, f in TODO_FILTERS.items():
            self.models[title].set_filter(f)

    def counts(self) -> dict[str, int]:
        return {title: model.rowCount() for title, model in self.models.items()}

    def _count(self, title: str, n: int) -> None:
        index = list(self.models).index(title)
        self.tabs.setTabText(index, f"{title}（{n}）")
