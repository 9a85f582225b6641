"""The case page's 附件 tab (issue 18): add, drop, paste an image, the preview, 移除, 打印卷宗,
and the page at 1024×768."""

import datetime as dt
import os
from pathlib import Path

import docx
import pytest
from accounts import TESTER
from factories import case_input
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from app import paths
from app.attachments.service import AttachmentService
from app.cases.service import CaseService
from app.db import Database
from app.documents.service import DocumentService
from ui.cases.case_page import CasePage


@pytest.fixture
def page(qtbot: QtBot, db: Database, cases: CaseService, tmp_path: Path) -> CasePage:
    paths.set_data_dir(tmp_path / "data")
    created = cases.create(case_input(received_on=dt.date(2025, 11, 3), name="张三"))
    w = CasePage(cases, None, DocumentService(db, TESTER), AttachmentService(db, TESTER))
    qtbot.addWidget(w)
    w.resize(1024, 768)
    w.show()
    w.show_case(created.id)
    return w


def _image(path: Path, color: str = "red") -> Path:
    img = QImage(120, 80, QImage.Format.Format_RGB32)
    img.fill(QColor(color))
    assert img.save(str(path), "PNG")
    return path


def test_add_drop_paste_preview_detach_and_the_case_file(
    page: CasePage, qtbot: QtBot, tmp_path: Path
) -> None:
    panel = page.attachments_panel
    assert panel is not None
    index = page.tabs.indexOf(panel)
    assert page.tabs.tabText(index) == "附件"
    panel.kind.setCurrentText("来信原件")
    letter = tmp_path / "来信.pdf"
    letter.write_bytes(b"%PDF-1.4")
    panel.add_files([letter])
    assert [a.name for a in panel.rows] == ["来信.pdf"]
    assert page.tabs.tabText(index) == "附件（1）"
    # A PDF is not previewed inside the program (QtPdf is not in the bundle).
    assert "用系统程序打开" in panel.preview.text()

    # Dropped from the file manager.
    photo = _image(tmp_path / "现场.png")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    panel.kind.setCurrentText("照片")
    drop = QDropEvent(
        QPoint(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dropEvent(drop)
    assert [(a.name, a.kind) for a in panel.rows][-1] == ("现场.png", "照片")
    # The new one is selected and its image shown inside the program.
    assert panel.selected() is not None and panel.selected().name == "现场.png"  # type: ignore[union-attr]
    assert panel.preview.pixmap() is not None and not panel.preview.pixmap().isNull()

    # Ctrl+V with a screenshot on the clipboard.
    shot = QImage(60, 40, QImage.Format.Format_RGB32)
    shot.fill(QColor("blue"))
    QGuiApplication.clipboard().setImage(shot)
    panel.paste()
    assert panel.rows[-1].name.startswith("粘贴图片-") and panel.rows[-1].kind == "照片"
    assert len(panel.rows) == 3

    # The history tab shows the additions (the page re-read the case).
    assert any("添加附件" in (i.text() if i else "") for i in _column(page, 2))

    out = tmp_path / "卷宗.docx"
    panel.make_case_file(out, open_after=False)
    assert len(docx.Document(str(out)).inline_shapes) == 2

    panel.table.selectRow(0)
    number = panel.number
    panel.service.detach(number, panel.rows[0].id, "重复")
    panel.reload()
    assert [a.name for a in panel.rows][0] == "现场.png"

    if os.environ.get("XINFANG_SCREENSHOT"):
        page.tabs.setCurrentWidget(panel)
        panel.table.selectRow(0)
        page.grab().save(os.environ["XINFANG_SCREENSHOT"])


def _column(page: CasePage, col: int) -> list[object]:
    t = page.history
    return [t.item(r, col) for r in range(t.rowCount())]
