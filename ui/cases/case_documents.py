"""The 文书 menu of the case page: every per-case template, greyed out (with the reason as a tip)
when the case's timeline does not support it; choosing one asks where to save, generates the
document on the worker and opens it in Word/WPS."""

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from app.cases.service import CaseDetail
from app.documents.engine import Rendered, TemplateProblem
from app.documents.service import DocumentService
from app.errors import DomainError
from ui.reports.report_dialog import open_file, show_problem
from ui.tasks import Progress, TaskRunner, show_error
from ui.widgets import output_folder, remember_output


def default_path(number: str, name: str) -> Path:
    return output_folder() / f"{number}{name}.docx"


def generate(
    parent: QWidget | None,
    service: DocumentService,
    runner: TaskRunner,
    number: str,
    name: str,
    out: Path,
    repair: bool = False,
    open_after: bool = True,
) -> None:

    def work(_p: Progress) -> Any:
        try:
            return service.case_document(number, name, out, repair)
        except TemplateProblem as exc:
            return exc

    def done(result: Rendered | TemplateProblem) -> None:
        if isinstance(result, TemplateProblem):
            if show_problem(parent, result):
                generate(parent, service, runner, number, name, out, True, open_after)
            return
        remember_output(result.path)
        if open_after:
            open_file(result.path)

    runner.run(work, done, parent=parent)


def documents_menu(
    parent: QWidget, service: DocumentService, runner: TaskRunner, detail: CaseDetail
) -> QMenu:
    """The menu the case page shows under its “文书” button."""
    menu = QMenu("文书", parent)
    try:
        choices = service.case_documents(detail.number)
    except DomainError as exc:
        show_error(parent, exc)
        return menu
    for info, why in choices:
        action = menu.addAction(info.name + ("" if info.source == "默认模板" else "（本单位）"))
        action.setEnabled(not why)
        action.setToolTip(why or info.description)
        action.setStatusTip(why or info.description)

        def chosen(_checked: bool = False, name: str = info.name) -> None:
            path, _ = QFileDialog.getSaveFileName(
                parent, f"保存{name}", str(default_path(detail.number, name)), "Word 文档 (*.docx)"
            )
            if path:
                out = Path(path if path.lower().endswith(".docx") else path + ".docx")
                generate(parent, service, runner, detail.number, name, out)

        action.triggered.connect(chosen)
    menu.setToolTipsVisible(True)
    return menu
