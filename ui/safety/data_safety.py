"""Data safety at start, while running, and on exit — the calls `ui/main.py` makes.

Start: the unexpected-exception hook and log; one program per data folder (a second start
brings the first window forward); a network-drive warning; the quick integrity check with a
way to restore; the login (not in demo mode). Running: idle lock, the 数据安全 menu, a daily
backup. Exit: an automatic backup.
"""

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
)

from app import logging_setup, paths
from app.db import Database
from app.errors import DomainError
from app.office import settings
from app.safety import auth, backup, crypto, integrity, network_drive
from app.safety.auth import AuthService, CurrentUser
from app.safety.integrity import DatabaseDamaged
from app.safety.unlock import Gate
from ui import errors
from ui.safety.backup_page import BackupDialog, BackupPage
from ui.safety.idle_lock import IdleLock
from ui.safety.login_dialog import LoginDialog, ask_login, show_recovery_key
from ui.safety.single_instance import SingleInstance
from ui.settings.accounts_dialog import AccountsDialog

DAILY_CHECK_MS = 30 * 60 * 1000  # look every half hour whether today's backup is made


class DataSafety(QObject):
    def __init__(
        self, demo: bool = False, parent: QObject | None = None, server: bool = False
    ) -> None:
        super().__init__(parent)
        self.demo = demo
        # On the office's server (issue 20) the file steps have server forms: no integrity_check
        # of a file, no file backups on close, no encryption (the server's); the login goes
        # through AuthService on the server, the audit chain is verified after the start.
        self.server = server
        self.data_dir = paths.data_dir()
        self.single = SingleInstance(self.data_dir, self)
        self.user: CurrentUser = auth.DEMO_USER
        self.window: QMainWindow | None = None
        self.db: Database | None = None
        self.idle: IdleLock | None = None
        self.restarting = False
        self._daily = QTimer(self)

    # --- before the database ------------------------------------------------------------
    def start(self) -> bool:
        """False when another program has this data folder (it was brought forward)."""
        errors.install_excepthook()
        if not self.single.claim():
            assert self.single.refused is not None
            text = self.single.refused.message
            if self.single.forwarded:
                text += "\n\n已切换到已经打开的窗口。"
            QMessageBox.information(None, "信访工作台已在运行", text)
            return False
        warning = network_drive.warning(self.data_dir)
        if warning:
            QMessageBox.warning(None, "数据文件夹在网络驱动器上", warning)
        return True

    def check_database(self, db_path: Path) -> bool:
        """The quick check at start. A damaged file: the message, and a restore if the clerk
        picks a backup. False = do not go on (the message was shown)."""
        while True:
            try:
                integrity.ensure_usable(db_path, quick=True)
                return True
            except crypto.Locked:
                # Encrypted: the login unlocks it; the same check runs right after (login_gate).
                self._check_after_unlock = db_path
                return True
            except DatabaseDamaged as exc:
                box = QMessageBox(QMessageBox.Icon.Critical, "数据库已损坏", exc.message)
                restore = box.addButton("从备份恢复(&R)…", QMessageBox.ButtonRole.AcceptRole)
                box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
                box.exec()
                if box.clickedButton() is not restore or not self._restore_at_start(db_path):
                    return False
            except DomainError as exc:
                QMessageBox.critical(None, "无法打开数据库", exc.message)
                return False

    def _restore_at_start(self, db_path: Path) -> bool:
        name, _ = QFileDialog.getOpenFileName(
            None,
            "选择备份文件",
            str(paths.backups_dir(db_path.parent)),
            "信访工作台备份 (*.sqlite3);;所有文件 (*)",
        )
        if not name:
            return False
        try:
            result = backup.restore(db_path, Path(name))
        except DomainError as exc:
            QMessageBox.warning(None, "不能恢复", exc.message)
            return True  # back to the damaged-file message, to pick another backup
        QMessageBox.information(
            None,
            "已恢复",
            f"已从备份恢复（信访件 {result.cases} 件）。\n损坏的文件已另存为：{result.kept_aside}",
        )
        return True

    # --- login --------------------------------------------------------------------------
    def login(self, db: Database) -> CurrentUser | None:
        """The demo mode needs none; None = the clerk chose 退出."""
        self.db = db
        if self.demo:
            self.user = auth.DEMO_USER
            return self.user
        return self.login_gate(Gate(db.path, db))

    def login_gate(self, gate: Gate) -> CurrentUser | None:
        """The login through the encryption gate (app/safety/unlock.py): it unlocks an encrypted
        file, and the first account or administrator login encrypts a plain one; the recovery
        key is then shown once. A temporary password is changed at once."""
        user = ask_login(gate)
        if user is None:
            return None
        if getattr(self, "_check_after_unlock", None) is not None:
            self._check_after_unlock = None
            assert gate.db is not None
            gate.db.close()  # no connection of ours open while a restore may replace the file
            if not self.check_database(gate.path):
                return None
            gate.db.rebind()  # a restored file may come with another key
        self.db, self.user = gate.db, user
        if gate.recovery_key:
            show_recovery_key(gate.recovery_key, gate.temporary)
        if user.must_change_password:
            QMessageBox.information(
                None, "修改密码", "你的密码是管理员设置的临时密码，请现在设置自己的密码。"
            )
            self.change_password()
        return user

    def login_server(self, db: Database) -> CurrentUser | None:
        """The login on a server: its own accounts (the first administrator is set up when the
        server database has none); never the account-less administrator (§9)."""
        self.db = db
        user = ask_login(AuthService(db, None), where=db.where)
        if user is None:
            return None
        self.user = user
        if user.must_change_password:
            QMessageBox.information(
                None, "修改密码", "你的密码是管理员设置的临时密码，请现在设置自己的密码。"
            )
            self.change_password()
        return user

    def check_server(self) -> None:
        """The server form of the integrity check, off the GUI thread after the window shows:
        the audit chain verified on the server; a failure to reach it is said in Chinese."""
        db, window = self.db, self.window
        runner = getattr(window, "runner", None)
        if db is None or runner is None:
            return
        from app.safety.server_health import chain_problem

        def done(problem: str | None) -> None:
            if problem:
                QMessageBox.warning(window, "审计记录校验未通过", problem)

        def failed(exc: BaseException, _details: str) -> None:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            QMessageBox.warning(window, "无法检查服务器数据库", message)

        runner.run(lambda _p: chain_problem(db), done, failed, window)

    # --- while running ------------------------------------------------------------------
    def attach(self, window: QMainWindow, db: Database) -> None:
        self.window, self.db = window, db
        self.single.bring_forward(window)
        self._menu(window)
        if self.server:
            QTimer.singleShot(2000, self.check_server)
        if not self.demo:
            with db.read() as s:
                minutes = float(settings.get(s, "idle_lock_minutes") or 0)
            self.idle = IdleLock(minutes, self.lock, parent=self)
        if not self.demo and not self.server:  # a server's backups are made on demand
            self._daily.setInterval(DAILY_CHECK_MS)
            self._daily.timeout.connect(self._daily_backup)
            self._daily.start()
            QTimer.singleShot(60_000, self._daily_backup)

    def _menu(self, window: QMainWindow) -> None:
        bar = window.menuBar()
        menu = QMenu("数据安全(&S)", bar)
        # Before 帮助, which stays the last menu as everywhere else.
        help_menu = getattr(window, "help_menu", None)
        if help_menu is not None:
            bar.insertMenu(help_menu.menuAction(), menu)
        else:
            bar.addMenu(menu)
        menu.addAction("备份与恢复(&B)…", self.show_backups)
        menu.addAction("修改密码(&P)…", self.change_password).setEnabled(not self.demo)
        if not self.demo and auth.can(self.user.role, "accounts"):
            menu.addAction("账号管理(&A)…", self.show_accounts)
        if not self.demo:
            lock = menu.addAction("锁定(&L)", self.lock)
            lock.setShortcut(QKeySequence("Ctrl+L"))
        menu.addSeparator()
        switch = menu.addAction("单机使用 / 连接单位服务器(&D)…", self.choose_database)
        switch.setEnabled(not self.demo and auth.can(self.user.role, "settings"))
        menu.addAction("日志文件夹…", lambda: _open_folder(paths.logs_dir()))

    def choose_database(self) -> None:
        """Switch this computer between 单机使用 and the office's server; takes effect at the
        next start (the program offers to restart now)."""
        from ui.settings.first_run import ServerSetupDialog

        box = QMessageBox(
            QMessageBox.Icon.Question,
            "单机使用 / 连接单位服务器",
            (f"当前连接：单位服务器 {self.db.where}" if self.server else "当前：单机使用")
            if self.db is not None
            else "",
            parent=self.window,
        )
        server = box.addButton("连接单位服务器…", QMessageBox.ButtonRole.AcceptRole)
        local = box.addButton("改为单机使用", QMessageBox.ButtonRole.ActionRole)
        box.addButton("取消", QMessageBox.ButtonRole.RejectRole)
        local.setEnabled(self.server)
        box.exec()
        if box.clickedButton() is server:
            current = paths.configured_database_url() if self.server else None
            dialog = ServerSetupDialog(self.window, current=current)
            if dialog.exec() != ServerSetupDialog.DialogCode.Accepted:
                return
        elif box.clickedButton() is local:
            paths.write_server_config(None)
        else:
            return
        answer = QMessageBox.question(
            self.window,
            "重新启动",
            "已保存。重新启动信访工作台后生效。现在重新启动吗？",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer == QMessageBox.StandardButton.Yes and self.window is not None:
            self.restarting = self.window.close()
            if self.restarting:
                self.restart()

    def show_backups(self) -> None:
        assert self.db is not None and self.window is not None
        runner = getattr(self.window, "runner", None)
        if runner is None:
            from ui.tasks import TaskRunner

            runner = TaskRunner(self)
        if self.server:
            from app.safety.pg_backup import ServerBackupService
            from ui.safety.server_backup_page import ServerBackupPage

            server_page = ServerBackupPage(
                ServerBackupService(self.db, self.user), runner, self._restored_server
            )
            BackupDialog(server_page, self.window).exec()
            return
        page = BackupPage(backup.BackupService(self.db, self.user), runner, self._restored)
        BackupDialog(page, self.window).exec()

    def show_accounts(self) -> None:
        assert self.db is not None
        runner = getattr(self.window, "runner", None)
        if runner is None:
            from ui.tasks import TaskRunner

            runner = TaskRunner(self)
        AccountsDialog(AuthService(self.db, self.user), self.user, runner, self.window).exec()

    def change_password(self) -> None:
        assert self.db is not None
        password, ok = QInputDialog.getText(
            self.window,
            "修改密码",
            f"{self.user.label} 的新密码（至少 6 位）：",
            QLineEdit.EchoMode.Password,
        )
        if not ok:
            return
        again, ok = QInputDialog.getText(
            self.window, "修改密码", "再输入一次：", QLineEdit.EchoMode.Password
        )
        if not ok:
            return
        if password != again:
            QMessageBox.warning(self.window, "修改密码", "两次输入的密码不一致，密码未修改。")
            return
        try:
            AuthService(self.db, self.user).set_password(self.user.username, password)
        except DomainError as exc:
            QMessageBox.warning(self.window, "修改密码", exc.message)
            return
        QMessageBox.information(self.window, "修改密码", "密码已修改。")

    def lock(self) -> None:
        """Hide every window and ask for the password; 退出程序 quits."""
        if self.demo or self.db is None:
            return
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        hidden = [w for w in app.topLevelWidgets() if w.isVisible()]
        for w in hidden:
            w.hide()
        if self.idle is not None:
            self.idle.locked = True
        dialog = LoginDialog(
            AuthService(self.db, None),
            locked_user=self.user,
            idle_minutes=int(self.idle.minutes) if self.idle else 0,
        )
        if dialog.exec() != LoginDialog.DialogCode.Accepted:
            app.quit()
            return
        for w in hidden:
            w.show()
        if self.idle is not None:
            self.idle.unlock()

    def _daily_backup(self) -> None:
        if self.db is None or self.restarting or self.server or not backup.daily_due(self.db):
            return
        runner = getattr(self.window, "runner", None)
        db = self.db
        if runner is not None:
            # Off the GUI thread; a failure is logged, never a dialog in the clerk's way.
            runner.run(lambda _p: backup.auto_backup(db), None, _log_backup_failure)

    def _restored(self, result: backup.RestoreResult) -> None:
        QMessageBox.information(
            self.window,
            "已恢复",
            f"已从备份恢复（信访件 {result.cases} 件）。\n恢复前的数据已另存为："
            f"{result.kept_aside}\n\n"
            "程序将重新启动。",
        )
        self.restart()

    def _restored_server(self, cases: int) -> None:
        QMessageBox.information(
            self.window,
            "已恢复",
            f"服务器数据库已从备份恢复（信访件 {cases} 件）。\n\n程序将重新启动。",
        )
        self.restart()

    def restart(self) -> None:
        self.restarting = True
        self.single.release()
        # The same command line again: the bundled exe, or `python -m app` from source.
        frozen = getattr(sys, "frozen", False)
        args = sys.argv[1:] if frozen else ["-m", "app", *sys.argv[1:]]
        QProcess.startDetached(sys.executable, args)
        QApplication.quit()

    # --- exit ---------------------------------------------------------------------------
    def finish(self, db: Database) -> None:
        """On exit: the automatic backup (not for demo data, not after a restore)."""
        self._daily.stop()
        if self.idle is not None:
            self.idle.stop()
        if not self.demo and not self.restarting and not self.server:
            try:
                backup.auto_backup(db)
            except Exception as exc:  # noqa: BLE001 (exit must not fail; logged instead)
                _log_backup_failure(exc, "")
        self.single.release()


def _log_backup_failure(exc: BaseException, details: str) -> None:
    logging_setup.setup_logging()
    logging.getLogger("xinfang").error("自动备份失败：%s\n%s", exc, details)


def _open_folder(folder: Path) -> None:
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
