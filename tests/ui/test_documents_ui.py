"""Report dialog, template manager and the case page's 文书 menu, offscreen."""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from accounts import TESTER
from factories import case_input
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app import paths
from app.cases import demo
from app.cases.service import CaseService
from app.db import Database
from app.documents import catalog
from app.documents.service import DocumentService
from ui import widgets
from ui.cases import case_documents
from ui.reports import report_dialog, template_manager
from ui.tasks import TaskRunner


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Path]]:
    """A data folder of its own; `open_file` records instead of launching Word."""
    paths.set_data_dir(tmp_path / "data")
    # The remembered output folders go to a settings file of the test's own.
    ini = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    monkeypatch.setattr(widgets, "ui_settings", lambda: ini)  # one remembered output folder
    opened: list[Path] = []
    monkeypatch.setattr(report_dialog, "open_file", opened.append)
    monkeypatch.setattr(case_documents, "open_file", opened.append)
    yield opened
    paths.set_data_dir(None)


def _settle(qtbot: QtBot, runner: TaskRunner) -> None:
    for _ in range(3):
        runner.wait()
        qtbot.wait(30)


def test_report_dialog_previews_and_generates(
    qtbot: QtBot, db: Database, runner: TaskRunner, office: list[Path], tmp_path: Path
) -> None:
    demo.generate(db, 300, seed=3, years=(2024, 2025))
    dialog = report_dialog.ReportDialog(
        DocumentService(db, TESTER), runner, template="年度信访工作报告"
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.preset.setCurrentText("本年")
    dialog.refresh_preview()
    _settle(qtbot, runner)
    labels = [
        dialog.preview.itemAt(i).widget().text()
        for i in range(dialog.preview.count())
        if dialog.preview.itemAt(i).widget()
    ]
    assert "信访总量：" in labels and any("人次（同比" in t for t in labels)
    out = tmp_path / "年报.docx"
    dialog.out.setText(str(out))
    dialog.generate()
    _settle(qtbot, runner)
    assert office == [out] and "已生成" in dialog.status.text()
    assert "2025年信访工作情况报告" in docx.Document(out).paragraphs[0].text


# The office folder beside a SQLite file; a server keeps its templates in the database
# (tests/ui/test_template_manager_server.py).
OFFICE_FOLDER = pytest.mark.sqlite_only("the office folder is the single-clerk layout")


@OFFICE_FOLDER
def test_word_split_template_generates_without_asking(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    office: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    d = docx.Document()
    p = d.add_paragraph()
    for text in ("共", "{{ stats.", "total }}", "件"):
        p.add_run(text)
    d.save(paths.templates_dir() / "月度统计表.docx")
    shown: list[str] = []

    def agree(parent: object, exc: report_dialog.TemplateProblem) -> bool:
        shown.append(exc.message)
        return True

    monkeypatch.setattr(report_dialog, "show_problem", agree)
    dialog = report_dialog.ReportDialog(DocumentService(db, TESTER), runner, template="月度统计表")
    qtbot.addWidget(dialog)
    out = tmp_path / "月报.docx"
    dialog.out.setText(str(out))
    dialog.generate()
    _settle(qtbot, runner)
    assert shown == []  # a run split is no problem to show
    assert "自动处理" in dialog.status.text()
    assert office == [out] and docx.Document(out).paragraphs[0].text.startswith("共")


@OFFICE_FOLDER
def test_template_manager_checks_and_restores(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    office: list[Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(template_manager.QDesktopServices, "openUrl", lambda url: True)
    page = template_manager.TemplateManager(DocumentService(db, TESTER), runner)
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    _settle(qtbot, runner)
    assert page.list.rowCount() == len(catalog.SPECS)
    assert page.vars.rowCount() > 50  # the report variables with today's values
    page.list.selectRow(0)  # 信访工作自查报告
    page.edit()  # makes the office's copy
    own = paths.templates_dir() / "信访工作自查报告.docx"
    d = docx.Document(own)
    d.add_paragraph("{{ stats.totl }}")
    d.save(own)
    page.check()
    _settle(qtbot, runner)
    assert "不认识的变量“stats.totl”" in page.result.toPlainText()
    assert page.list.item(0, 2).text() == "本单位修改版"
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    page.restore()
    assert page.list.item(0, 2).text() == "默认模板" and not own.exists()


def test_case_documents_menu(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    office: list[Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cases = CaseService(db, TESTER)
    number = cases.create(
        case_input(
            received_on=dt.date(2025, 12, 1), form="来信", name="李四", summary="反映道路积水"
        )
    ).number
    detail = cases.act(number, "受理", dt.date(2025, 12, 2))
    from PySide6.QtWidgets import QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    menu = case_documents.documents_menu(parent, DocumentService(db, TESTER), runner, detail)
    actions = {a.text(): a for a in menu.actions()}
    assert actions["受理告知书"].isEnabled() and not actions["复核意见书"].isEnabled()
    assert "复核意见" in actions["复核意见书"].toolTip()
    out = tmp_path / "受理告知书.docx"
    monkeypatch.setattr(
        case_documents.QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "")
    )
    actions["受理告知书"].trigger()
    _settle(qtbot, runner)
    assert office == [out] and "李四：" in "\n".join(p.text for p in docx.Document(out).paragraphs)


def test_notes_dialog_saves_and_the_report_warns_about_markers(
    qtbot: QtBot, db: Database, runner: TaskRunner, office: list[Path], tmp_path: Path
) -> None:
    from ui.reports.notes_dialog import NotesDialog

    service = DocumentService(db, TESTER)
    period = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    service.save_report_notes(dt.date(2024, 1, 1), dt.date(2024, 12, 31), {"存在问题": "上年问题"})
    dialog = NotesDialog(service, runner, *period)
    qtbot.addWidget(dialog)
    _settle(qtbot, runner)
    assert dialog.reuse.isEnabled()
    dialog.use_previous()
    assert dialog.edits["存在问题"].toPlainText() == "上年问题"
    dialog.edits["下一步打算"].setPlainText("加强排查")
    dialog.save()
    _settle(qtbot, runner)
    assert service.report_notes(*period).entered == {
        "存在问题": "上年问题",
        "下一步打算": "加强排查",
    }
    report = report_dialog.ReportDialog(service, runner, template="信访工作自查报告")
    qtbot.addWidget(report)
    report.out.setText(str(tmp_path / "自查.docx"))
    report.generate()
    _settle(qtbot, runner)
    assert "【请填写" in report.status.text() and "上年问题" not in report.status.text()
