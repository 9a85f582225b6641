"""待办: what the clerk must do next — 待受理, 临期, 超期, 待回访 — as tabs of short case lists."""

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from app.cases.search import CaseFilter
from app.cases.service import CaseService
from app.cases.workflow import PENDING
from ui.cases.case_list import COLUMNS, CaseTable, CaseTableModel
from ui.tasks import TaskRunner

_SHOWN = {"number", "received_on", "form", "name", "summary", "status", "due", "warning"}


TODO_FILTERS = {
    PENDING: CaseFilter(statuses=[PENDING]),
    "临期": CaseFilter(warning="临期"),
    "超期": CaseFilter(warning="超期"),
    "待回访": CaseFilter(awaiting_visit=True),
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
        for title in (PENDING, "临期", "超期", "待回访"):
            model = CaseTableModel(service, runner)
            # Deadlines first: the most urgent case at the top; 待回访 oldest reply first.
            model.sort_key, model.descending = (
                {"临期": "handling_due", "超期": "handling_due", "待回访": "replied_on"}.get(
                    title, "received_on"
                ),
                False,
            )
            model.loaded.connect(lambda n, t=title: self._count(t, n))
            table = CaseTable(model)
            for i, column in enumerate(COLUMNS):
                table.setColumnHidden(i, column.key not in _SHOWN)
            table.setColumnWidth(COLUMNS.index(next(c for c in COLUMNS if c.key == "summary")), 300)
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
