"""备份与恢复 on the office's server (issue 20): pg_dump into a folder the administrator
chooses, with progress and 取消; restore refused while other clerks are connected; without the
PostgreSQL tools, what the office's DBA should do instead. The dump holds personal data in
clear (§9), and the page says so."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.safety import auth, pg_backup
from app.safety.pg_backup import ServerBackupInfo, ServerBackupService
from ui.tasks import Progress, TaskRunner, run_with_progress
from ui.widgets import ui_settings

COLUMNS = ["备份时间", "大小", "文件"]
_FOLDER_KEY = "server_backup/folder"  # this computer's last choice (QSettings), not the server's


class ServerBackupPage(QWidget):
    def __init__(
        self,
        service: ServerBackupService,
        runner: TaskRunner,
        on_restored: Callable[[int], None] | None = None,
        parent: QWidget | None = None,
        tools: bool | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.runner, self.on_restored = service, runner, on_restored
        self.user = service.user
        self.backups: list[ServerBackupInfo] = []
        self.tools = service.tools() if tools is None else tools
        layout = QVBoxLayout(self)
        where = QLabel(f"<b>服务器数据库：</b>{service.where}")
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.warning = QLabel("注意：" + pg_backup.CLEAR_TEXT)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(
            "color: #8a3b00; background: #fff4e5; padding: 6px; border: 1px solid #f0c27b;"
        )
        layout.addWidget(self.warning)
        self.status = QLabel()
        self.status.setWordWrap(True)
        if not self.tools:
            self.explain = QLabel(service.no_tools_text())
            self.explain.setWordWrap(True)
            self.explain.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(self.explain)
            layout.addStretch(1)
            return
        saved = str(ui_settings().value(_FOLDER_KEY, "") or "")
        self.folder: Path | None = Path(saved) if saved else None
        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QHBoxLayout()
        top.addWidget(QLabel("备份文件夹："))
        top.addWidget(self.folder_label, 1)
        layout.addLayout(top)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table, 1)
        self.backup_button = QPushButton("立即备份(&B)…")
        self.backup_button.setToolTip("选择备份文件夹，用 pg_dump 备份服务器数据库")
        self.backup_button.setEnabled(auth.can(self.user.role, "backup"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("用选中的备份恢复(&R)…")
        self.restore_file_button = QPushButton("从其他文件恢复(&O)…")
        for b in (self.restore_button, self.restore_file_button):
            b.setEnabled(auth.can(self.user.role, "restore"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self._restore_other)
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.restore_file_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        note = QLabel(
            "服务器数据库没有自动备份：请单位的数据库管理员在服务器上定期备份，这里的备份是补充。"
            "恢复时服务器上的全部数据回到备份时的状态，其他工作人员须先退出信访工作台。"
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout.addWidget(note)
        self.refresh()

    def refresh(self) -> None:
        if self.folder is None:
            self.folder_label.setText("（尚未选择：点“立即备份”时选择）")
            self._show_list([])
            return
        self.folder_label.setText(str(self.folder))
        folder, service = self.folder, self.service
        self.runner.run(lambda _p: service.backups(folder), self._show_list, parent=self)

    def _show_list(self, backups: list[ServerBackupInfo]) -> None:
        self.backups = backups
        self.table.setRowCount(len(backups))
        for row, b in enumerate(backups):
            for col, value in enumerate(
                (f"{b.made_at:%Y-%m-%d %H:%M}", f"{b.size / 1_048_576:.1f} MB", b.path.name)
            ):
                item = QTableWidgetItem(value)
                if col == 1:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        if backups:
            self.table.selectRow(0)

    def choose_folder(self) -> Path | None:
        start = str(self.folder) if self.folder else ""
        name = QFileDialog.getExistingDirectory(self, "选择备份文件夹（加密U盘或备份盘）", start)
        return Path(name) if name else None

    def backup_now(self, folder: Path | None = None) -> None:
        auth.require(self.user, "backup")
        folder = folder or self.choose_folder()
        if folder is None:
            return
        self.folder = folder
        ui_settings().setValue(_FOLDER_KEY, str(folder))
        self.backup_button.setEnabled(False)
        service = self.service

        def work(progress: Progress) -> ServerBackupInfo:
            return service.make(
                folder,
                progress=lambda n, text: progress.update(n, 0, text),
                cancelled=lambda: progress.cancelled,
            )

        def done(info: ServerBackupInfo) -> None:
            self.backup_button.setEnabled(True)
            self.status.setText(
                f"已备份：{info.path}（信访件 {info.cases} 件，{info.size / 1_048_576:.1f} MB）。"
                "请把它存放在安全的地方。"
            )
            self.refresh()

        def failed() -> None:
            self.backup_button.setEnabled(True)
            self.status.setText("备份没有完成，没有留下备份文件。")

        self.status.setText("正在备份…")
        run_with_progress(self.runner, self, "正在备份服务器数据库…", work, done, failed)

    def restore_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.backups):
            self.restore_from(self.backups[row].path)

    def _restore_other(self) -> None:
        start = str(self.folder) if self.folder else ""
        name, _ = QFileDialog.getOpenFileName(
            self, "选择服务器备份文件", start, "服务器备份 (*.dump);;所有文件 (*)"
        )
        if name:
            self.restore_from(Path(name))

    def restore_from(self, path: Path, confirm: bool = True) -> None:
        auth.require(self.user, "restore")
        if confirm:
            answer = QMessageBox.question(
                self,
                "确认恢复服务器数据库",
                f"将用备份 {path.name} 替换服务器数据库 {self.service.where} 中的全部数据。\n\n"
                "所有工作人员此后录入的信访件和办理记录都会回到备份时的状态。"
                "其他电脑上的信访工作台须先退出，否则不会恢复。\n\n恢复后程序将重新启动。确定恢复吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return
        window = self.window()
        window.setEnabled(False)
        service = self.service

        def done(result: pg_backup.ServerRestoreResult) -> None:
            self.status.setText(
                f"已从 {result.restored_from.name} 恢复（信访件 {result.cases} 件）。"
            )
            if self.on_restored is not None:
                self.on_restored(result.cases)  # restarts the program
            else:
                window.setEnabled(True)

        run_with_progress(
            self.runner,
            self,
            "正在恢复服务器数据库…",
            lambda _p: service.restore(path),
            done,
            on_error=lambda: window.setEnabled(True),
        )
