"""The case page's 附件 tab: the case's files, added by button, drag-and-drop or Ctrl+V (an image
from the clipboard), an image preview inside the program, other files opened in the system's
program (PDF too: QtPdf is left out of the bundle), 移除 with a reason, and 打印卷宗.

Every write (add, detach, the 卷宗) runs on the one worker (ui/tasks.py)."""

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, Qt, QUrl, Signal
from PySide6.QtGui import (
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QGuiApplication,
    QImage,
    QKeySequence,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.attachments.names import KINDS
from app.attachments.service import AttachmentService, AttachmentView
from app.cases.service import CaseDetail
from ui.tasks import Progress, TaskRunner, show_error
from ui.widgets import output_folder, remember_output

HINT = "可把文件拖到这里，或按 Ctrl+V 粘贴截图、照片"
COLUMNS = ["名称", "类别", "大小", "添加时间", "添加人"]


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class AttachmentsPanel(QWidget):
    changed = Signal()  # a file was added or detached (the case page re-reads its history)
    counted = Signal(int)  # how many attachments the case has (the tab's title)

    def __init__(self, service: AttachmentService, runner: TaskRunner | None) -> None:
        super().__init__()
        self.service, self.runner = service, runner
        self.number = ""
        self.rows: list[AttachmentView] = []
        self._pixmap: QPixmap | None = None
        self.setAcceptDrops(True)

        self.kind = QComboBox()
        self.kind.addItems(list(KINDS))
        self.kind.setToolTip("新添加的文件记为这一类别")
        self.add_button = QPushButton("添加…")
        self.add_button.clicked.connect(self.choose_files)
        self.open_button = QPushButton("用系统程序打开")
        self.open_button.clicked.connect(self.open_selected)
        self.detach_button = QPushButton("移除…")
        self.detach_button.setToolTip("从本件移除（文件保留，写入修改记录）")
        self.detach_button.clicked.connect(self.detach_selected)
        self.file_button = QPushButton("打印卷宗…")
        self.file_button.setToolTip(
            "生成本件卷宗：封面、登记表、办理过程、文书、附件目录（内部材料）"
        )
        self.file_button.clicked.connect(self.print_case_file)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("类别："))
        bar.addWidget(self.kind)
        bar.addWidget(self.add_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.detach_button)
        bar.addStretch(1)
        bar.addWidget(self.file_button)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._preview)
        self.table.itemDoubleClicked.connect(lambda _i: self.open_selected())
        self.preview = QLabel(HINT)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setWordWrap(True)
        self.preview.setMinimumHeight(120)
        self.preview.setStyleSheet("border:1px dashed #999; color:#555; padding:6px;")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.preview)
        split.setSizes([200, 260])

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        QShortcut(
            QKeySequence.StandardKey.Paste,
            self,
            self.paste,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self._buttons()

    # --- showing ---------------------------------------------------------------------------
    def set_case(self, detail: CaseDetail) -> None:
        self.number = detail.number
        self.reload()

    def reload(self) -> None:
        if not self.number:
            return
        self.rows = self.service.attachments(self.number)
        self.table.setRowCount(len(self.rows))
        for i, a in enumerate(self.rows):
            name = a.name + (f"（{a.doc_no}）" if a.doc_no and a.doc_no not in a.name else "")
            cells = [name, a.kind, a.size_text, f"{a.added_at:%Y-%m-%d %H:%M}", a.added_by]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self._preview()
        self._buttons()
        self.counted.emit(len(self.rows))

    def selected(self) -> AttachmentView | None:
        row = self.table.currentRow()
        if not self.table.selectedItems() or not 0 <= row < len(self.rows):
            return None
        return self.rows[row]

    def _buttons(self) -> None:
        chosen = self.selected() is not None
        self.open_button.setEnabled(chosen)
        self.detach_button.setEnabled(chosen)
        self.file_button.setEnabled(bool(self.number))

    def _preview(self) -> None:
        self._buttons()
        a = self.selected()
        self._pixmap = None
        if a is None:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(HINT if not self.rows else f"选择一个附件预览。{HINT}")
            return
        if a.is_image:
            pixmap = QPixmap()
            if pixmap.loadFromData(self.service.read(a.id)):
                self._pixmap = pixmap
                self._show_pixmap()
                return
        self.preview.setPixmap(QPixmap())
        self.preview.setText(
            f"“{a.name}”（{a.kind}，{a.size_text}）不能在程序内预览。\n"
            "请点“用系统程序打开”（PDF、Word 等用电脑上的阅读或编辑程序打开）。"
        )

    def _show_pixmap(self) -> None:
        if self._pixmap is None:
            return
        size = self.preview.size()
        # Fitted into the preview, never enlarged past its own size (a small scan stays sharp).
        self.preview.setPixmap(
            self._pixmap.scaled(
                max(min(size.width() - 12, self._pixmap.width()), 40),
                max(min(size.height() - 12, self._pixmap.height()), 40),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        )

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        self._show_pixmap()

    # --- adding ----------------------------------------------------------------------------
    def choose_files(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "添加附件", str(output_folder()))
        if names:
            self.add_files([Path(n) for n in names])

    def add_files(self, files: list[Path]) -> None:
        if not self.number or not files:
            return
        number, kind = self.number, self.kind.currentText()
        self._write(lambda _p: self.service.attach(number, files, kind))

    def add_image(self, image: QImage) -> None:
        if not self.number or image.isNull():
            return
        number = self.number
        kind = self.kind.currentText() if self.kind.currentText() != "其他" else "照片"
        name = f"粘贴图片-{dt.datetime.now():%Y%m%d-%H%M%S}.png"
        data = png_bytes(image)
        self._write(lambda _p: self.service.attach_data(number, name, data, kind))

    def paste(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is None:
            return
        if mime.hasUrls() and local_files(mime):
            self.add_files(local_files(mime))
        elif mime.hasImage():
            self.add_image(QImage(QGuiApplication.clipboard().image()))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if (mime.hasUrls() and local_files(mime)) or mime.hasImage():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        mime = event.mimeData()
        if mime.hasUrls() and local_files(mime):
            self.add_files(local_files(mime))
        elif mime.hasImage():
            self.add_image(QImage(mime.imageData()))
        event.acceptProposedAction()

    # --- acting on one -------------------------------------------------------------------
    def open_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        try:
            # A copy under its own name, so the system picks the program by its extension.
            path = self.service.copy_out(a.id, Path(tempfile.mkdtemp(prefix="xinfang-附件-")))
        except Exception as exc:  # noqa: BLE001 — the one error path says what went wrong
            show_error(self, exc)
            return
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))

    def detach_selected(self) -> None:
        a = self.selected()
        if a is None:
            return
        reason, ok = QInputDialog.getText(
            self, "移除附件", f"从本件移除“{a.name}”？文件会保留，并写入修改记录。\n移除原因："
        )
        if not ok:
            return
        number = self.number
        self._write(lambda _p: self.service.detach(number, a.id, reason))

    def print_case_file(self) -> None:
        if not self.number:
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            "保存卷宗",
            str(output_folder() / f"{self.number}卷宗.docx"),
            "Word 文档 (*.docx)",
        )
        if path:
            self.make_case_file(Path(path if path.lower().endswith(".docx") else path + ".docx"))

    def make_case_file(self, out: Path, open_after: bool = True) -> None:
        number = self.number

        def done(result: Any) -> None:
            remember_output(result)
            if open_after:
                QDesktopServices.openUrl(QUrl.fromLocalFile(str(result)))

        self._run(lambda _p: self.service.case_file(number, out), done)

    def _write(self, work: Any) -> None:
        def done(_result: Any) -> None:
            self.reload()
            if self.rows:
                self.table.selectRow(len(self.rows) - 1)
            self.changed.emit()

        self._run(work, done)

    def _run(self, work: Any, done: Any) -> None:
        if self.runner is None:  # tests and a page without a worker: in line
            try:
                done(work(Progress()))
            except Exception as exc:  # noqa: BLE001
                show_error(self, exc)
            return
        self.runner.run(work, done, parent=self)
