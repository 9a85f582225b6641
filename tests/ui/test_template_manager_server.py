"""The template manager on a server (issue 20): no folder to open; 导出模板… and 导入模板… move
the office's template between the clerk's computer and the database, where every clerk sees it."""

from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from accounts import TESTER
from pytestqt.qtbot import QtBot

from app import paths
from app.db import Database
from app.documents import catalog
from app.documents.service import DocumentService
from ui.reports import template_manager
from ui.tasks import TaskRunner

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    r = TaskRunner()
    yield r
    r.wait()


def test_export_and_import_instead_of_the_folder(
    qtbot: QtBot,
    db: Database,
    runner: TaskRunner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    paths.set_data_dir(tmp_path / "data")
    page = template_manager.TemplateManager(DocumentService(db, TESTER), runner)
    qtbot.addWidget(page)
    assert "导入模板…" in page.buttons and "导出模板…" in page.buttons
    assert "打开模板文件夹(&O)" not in page.buttons
    names = [t.name for t in page.templates]
    page.list.selectRow(names.index("月度统计表"))
    exported = tmp_path / "导出" / "月度统计表.docx"
    monkeypatch.setattr(
        template_manager.QFileDialog, "getSaveFileName", lambda *a, **k: (str(exported), "")
    )
    page.export_template()
    assert exported.read_bytes() == (catalog.default_dir() / "月度统计表.docx").read_bytes()
    d = docx.Document(str(exported))
    d.add_paragraph("服务器上改过的月度统计表")
    d.save(str(exported))
    monkeypatch.setattr(
        template_manager.QFileDialog, "getOpenFileName", lambda *a, **k: (str(exported), "")
    )
    page.import_template()
    row = [t for t in page.templates if t.name == "月度统计表"][0]
    assert row.source == "本单位修改版" and "已把" in page.result.toPlainText()
    assert "服务器上改过的月度统计表" in "\n".join(
        p.text for p in docx.Document(str(row.path)).paragraphs
    )
    assert list(paths.templates_dir().glob("*.docx")) == []  # nothing in the data folder
    runner.wait()
