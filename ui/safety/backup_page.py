"""备份与恢复: the list of backups (date, case count), back up now, restore with confirmation,
and the backup folder / how many copies to keep (administrators)."""

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.safety import auth, backup, crypto
from app.safety.backup import BackupInfo
from ui.tasks import Progress, TaskRunner, run_with_progress, show_error

COLUMNS = ["备份时间", "类型", "信访件", "大小", "文件"]


class BackupPage(QWidget):
    def __init__(
        self,
        service: backup.BackupService,
        runner: TaskRunner,
        on_restored: Callable[[backup.RestoreResult], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # The service checks every operation itself; the account only decides what is enabled.
        self.service, self.runner, self.on_restored = service, runner, on_restored
        self.user = user = service.user
        self.backups: list[BackupInfo] = []
        admin = auth.can(user.role, "settings")

        self.folder_label = QLabel()
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        change = QPushButton("更改备份文件夹(&F)…")
        change.setEnabled(admin)
        change.clicked.connect(self._change_folder)
        self.keep = QSpinBox()
        self.keep.setRange(1, 365)
        self.keep.setSuffix(" 份")
        self.keep.setEnabled(admin)
        self.keep.setToolTip("自动备份和手动备份保留最近几份，更早的自动删除")
        self.keep.setValue(self.service.keep())
        self.keep.valueChanged.connect(self._save_keep)
        top = QHBoxLayout()
        top.addWidget(QLabel("备份文件夹："))
        top.addWidget(self.folder_label, 1)
        top.addWidget(change)
        top.addWidget(QLabel("保留"))
        top.addWidget(self.keep)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _i: self.restore_selected())

        self.backup_button = QPushButton("立即备份(&B)")
        self.backup_button.setEnabled(auth.can(user.role, "backup"))
        self.backup_button.clicked.connect(self.backup_now)
        self.restore_button = QPushButton("用选中的备份恢复(&R)…")
        self.restore_file_button = QPushButton("从其他文件恢复(&O)…")
        for b in (self.restore_button, self.restore_file_button):
            b.setEnabled(auth.can(user.role, "restore"))
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file_button.clicked.connect(self._restore_other)
        open_folder = QPushButton("打开备份文件夹")
        open_folder.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))
        )
        buttons = QHBoxLayout()
        for b in (self.backup_button, self.restore_button, self.restore_file_button, open_folder):
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.status = QLabel()
        self.status.setWordWrap(True)
        note = QLabel(
            "程序每天和退出时自动备份一次，备份经过完整性校验。建议把备份文件夹设在U盘或共享盘上，"
            "数据文件夹留在本机硬盘。恢复前，当前数据会先另存为“恢复前-…”。"
        )
        note.setWordWrap(True)
        note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(note)
        self.refresh()

    @property
    def folder(self) -> Path:
        return self.service.folder()

    def refresh(self) -> None:
        folder, service = self.folder, self.service  # the worker must not touch the widget
        self.folder_label.setText(str(folder))
        self.runner.run(lambda _p: service.backups(folder), self._show_list, parent=self)

    def _show_list(self, backups: list[BackupInfo]) -> None:
        self.backups = backups
        self.table.setRowCount(len(backups))
        for row, b in enumerate(backups):
            values = [
                f"{b.made_at:%Y-%m-%d %H:%M}",
                b.kind,
                "无法读取" if b.cases is None else f"{b.cases} 件",
                f"{b.size / 1_048_576:.1f} MB",
                b.path.name,
            ]
            for col, text in enumerate(values):
                item = QTableWidgetItem(text)
                if col in (2, 3):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, col, item)
        if backups:
            self.table.selectRow(0)
        elif not self.status.text():
            self.status.setText("还没有备份。请点“立即备份”。")

    def backup_now(self) -> None:
        auth.require(self.user, "backup")
        self.backup_button.setEnabled(False)

        service = self.service

        def work(_p: Progress) -> BackupInfo:
            return service.make()

        def done(info: BackupInfo) -> None:
            self.backup_button.setEnabled(True)
            self.status.setText(
                f"已备份并校验：{info.path.name}（信访件 {info.cases} 件）。"
                + (f"\n注意：{info.note}" if info.note else "")
            )
            self.refresh()

        def failed(exc: BaseException, details: str) -> None:
            self.backup_button.setEnabled(True)
            self.status.setText("备份没有完成。")
            show_error(self, exc, details)

        self.status.setText("正在备份…")
        self.runner.run(work, done, failed, parent=self)

    def restore_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.backups):
            self.restore_from(self.backups[row].path)

    def _restore_other(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "选择备份文件", str(self.folder), "信访工作台备份 (*.sqlite3);;所有文件 (*)"
        )
        if name:
            self.restore_from(Path(name))

    def restore_from(self, path: Path, confirm: bool = True) -> None:
        auth.require(self.user, "restore")
        try:
            try:
                cases = self.service.check(path)
            except crypto.Locked as locked:
                # Encrypted with another key: a password valid for that backup, or the
                # recovery key, opens it (§9).
                secret, ok = QInputDialog.getText(
                    self,
                    "备份已加密",
                    f"{locked.message}\n\n{self.user.label} 当时的密码，或恢复密钥：",
                    QLineEdit.EchoMode.Password,
                )
                if not ok or not secret:
                    return
                self.service.unlock_backup(path, secret)
                cases = self.service.check(path)
        except DomainError as exc:
            QMessageBox.warning(self, "不能恢复", exc.message)
            return
        info = backup.inspect(path)
        if confirm:
            answer = QMessageBox.question(
                self,
                "确认恢复",
                f"将用 {info.made_at:%Y-%m-%d %H:%M} 的备份（信访件 {cases} 件）替换当前数据。\n\n"
                "此后录入的信访件和办理记录都会回到备份时的状态。当前数据会先另存为"
                "“恢复前-…”，需要时可以再恢复回来。\n\n恢复后程序将重新启动。确定恢复吗？",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Yes:
                return

        # Nothing on the GUI thread may open the database while the file is replaced (on
        # Windows the rename fails while any connection is open): the window takes no input
        # until the program restarts, and the worker waits for every session to end.
        window = self.window()
        window.setEnabled(False)

        def work(_p: Progress) -> backup.RestoreResult:
            return self.service.restore(path)

        def done(result: backup.RestoreResult) -> None:
            self.status.setText(
                f"已从 {result.restored_from.name} 恢复（信访件 {result.cases} 件）。"
            )
            if self.on_restored is not None:
                self.on_restored(result)  # restarts the program
            else:
                self.service.resume()
                window.setEnabled(True)
                self.refresh()

        run_with_progress(
            self.runner, self, "正在恢复…", work, done, on_error=lambda: window.setEnabled(True)
        )

    def _change_folder(self) -> None:
        auth.require(self.user, "settings")
        name = QFileDialog.getExistingDirectory(
            self, "选择备份文件夹（U盘或共享盘）", str(self.folder)
        )
        if not name:
            return
        service = self.service  # validated and audited like every setting, on the worker
        self.runner.run(
            lambda _p: service.set_folder(name), lambda _saved: self.refresh(), parent=self
        )

    def _save_keep(self, value: int) -> None:
        if auth.can(self.user.role, "settings"):
            service = self.service
            self.runner.run(lambda _p: service.set_keep(int(value)), parent=self)


class BackupDialog(QDialog):
    def __init__(self, page: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("备份与恢复")
        self.resize(820, 480)
        self.page = page
        QVBoxLayout(self).addWidget(page)
