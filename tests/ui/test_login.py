"""Login, first-start setup, idle lock, one window per folder, backups and the error hook —
driven as a clerk drives them."""

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app import logging_setup, paths
from app.cases import demo
from app.db import Database
from app.safety import auth, backup
from app.safety.auth import AuthService
from ui import errors
from ui.safety.backup_page import BackupPage
from ui.safety.idle_lock import IdleLock
from ui.safety.login_dialog import LoginDialog, SetupAdminDialog
from ui.safety.single_instance import SingleInstance
from ui.tasks import TaskRunner


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path) -> Iterator[None]:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    paths.set_data_dir(tmp_path / "data")
    yield
    paths.set_data_dir(None)


def test_first_start_sets_up_the_administrator(qtbot: QtBot, db: Database) -> None:
    service = AuthService(db, None)
    dialog = SetupAdminDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.password, "secret-1")
    qtbot.keyClicks(dialog.confirm, "secret-2")
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Return)
    assert dialog.error.text() == "两次输入的密码不一致。" and dialog.isVisible()
    dialog.confirm.clear()
    qtbot.keyClicks(dialog.confirm, "secret-1")
    qtbot.keyClick(dialog.confirm, Qt.Key.Key_Return)
    assert dialog.result() == SetupAdminDialog.DialogCode.Accepted
    assert dialog.user == auth.CurrentUser("admin", "admin", auth.ADMIN)
    assert not service.needs_setup()


def test_wrong_passwords_disable_the_button_with_a_countdown(qtbot: QtBot, db: Database) -> None:
    service = AuthService(db, None)
    service.create_first_admin("admin", "secret-1")
    dialog = LoginDialog(service)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.username, "admin")
    for _ in range(3):
        dialog.password.clear()
        qtbot.keyClicks(dialog.password, "wrong-pw")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert "请 5 秒后再试" in dialog.error.text()
    assert not dialog.ok.isEnabled() and dialog.ok.text().startswith("请等待")
    # Pressing Enter again during the wait does nothing (the password is not even checked).
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, "secret-1")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.user is None
    # A new dialog (a restarted program) still waits: the count is in the database.
    again = LoginDialog(service)
    qtbot.addWidget(again)
    assert again.ok.isEnabled()  # no user name yet
    again.username.setText("admin")
    again.username.editingFinished.emit()
    assert not again.ok.isEnabled()
    qtbot.waitUntil(lambda: dialog.ok.isEnabled(), timeout=8000)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    assert dialog.user is not None and dialog.user.role == auth.ADMIN


def test_idle_lock_fires_once_after_the_minutes_and_activity_resets_it(qtbot: QtBot) -> None:
    now = [1000.0]
    locked: list[bool] = []
    lock = IdleLock(15, lambda: locked.append(True), clock=lambda: now[0])
    widget = QMessageBox()
    qtbot.addWidget(widget)
    widget.show()
    now[0] += 14 * 60
    lock.check()
    assert not locked
    move = QMouseEvent(
        QEvent.Type.MouseMove,
        QPointF(5, 5),
        QPointF(5, 5),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(widget, move)  # the clerk moved the mouse: counting starts again
    now[0] += 14 * 60
    lock.check()
    assert not locked
    now[0] += 60
    lock.check()
    lock.check()
    assert locked == [True]
    lock.unlock()
    assert lock.idle_seconds() == 0
    lock.stop()


def test_a_second_start_is_refused_and_brings_the_first_window_forward(
    qtbot: QtBot, tmp_path: Path
) -> None:
    first = SingleInstance(tmp_path / "data")
    assert first.claim()
    second = SingleInstance(tmp_path / "data")
    with qtbot.waitSignal(first.show_requested, timeout=5000):
        assert not second.claim()
    assert second.forwarded and second.refused is not None
    assert "已经在使用这个数据文件夹" in second.refused.message
    first.release()
    third = SingleInstance(tmp_path / "data")
    assert third.claim()
    third.release()


@pytest.mark.sqlite_only("the file backup page; a server has its own (test_server_window.py)")
def test_backup_page_lists_dates_and_counts_and_backs_up(qtbot: QtBot, db: Database) -> None:
    demo.generate(db, 50, seed=4)
    backup.make_backup(db)
    runner = TaskRunner()
    admin = auth.CurrentUser("admin", "admin", auth.ADMIN)
    page = BackupPage(backup.BackupService(db, admin), runner)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(lambda: page.table.rowCount() == 1)
    count = page.table.item(0, 2).text()
    assert count.endswith(" 件") and int(count.split()[0]) > 40
    page.backup_now()
    qtbot.waitUntil(lambda: page.table.rowCount() == 2, timeout=10000)
    assert "已备份并校验" in page.status.text()
    page.grab().save("/tmp/backup_page.png")
    runner.wait()
    reader = BackupPage(backup.BackupService(db, auth.CurrentUser("r", "r", auth.READER)), runner)
    qtbot.addWidget(reader)
    assert not reader.backup_button.isEnabled() and not reader.restore_button.isEnabled()
    qtbot.waitUntil(lambda: reader.table.rowCount() == 2)  # a 查阅 account sees the list
    runner.wait()


def test_uncaught_exceptions_are_logged_and_shown(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.detailedText()) or 0)
    old_hook, old_thread_hook = sys.excepthook, __import__("threading").excepthook
    try:
        errors.install_excepthook()
        try:
            raise ZeroDivisionError("测试用的意外错误")
        except ZeroDivisionError:
            sys.excepthook(*sys.exc_info())
        qtbot.waitUntil(lambda: bool(shown))
    finally:
        sys.excepthook = old_hook
        __import__("threading").excepthook = old_thread_hook
    assert "ZeroDivisionError" in shown[0] and "日志文件" in shown[0]
    for handler in logging.getLogger("xinfang").handlers:
        handler.flush()
    text = logging_setup.log_file().read_text(encoding="utf-8")
    assert "测试用的意外错误" in text and "Traceback" in text


def test_accounts_dialog_adds_a_reader_and_refuses_a_clerk(
    qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.errors import DomainError
    from ui.settings.accounts_dialog import AccountForm, AccountsDialog

    service = AuthService(db, None)
    admin = service.create_first_admin("admin", "secret-1")
    runner = TaskRunner()
    dialog = AccountsDialog(AuthService(db, admin), admin, runner)
    qtbot.addWidget(dialog)

    def fill(form: AccountForm) -> int:
        form.username.setText("zhao")
        form.display_name.setText("赵查阅")
        form.role.setCurrentIndex(form.role.findData(auth.READER))
        form.password.setText("secret-3")
        form.confirm.setText("secret-3")
        return AccountForm.DialogCode.Accepted

    monkeypatch.setattr(AccountForm, "exec", fill)
    dialog.add()
    runner.wait()  # the new account is written on the worker, then the list is re-read
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    assert dialog.table.rowCount() == 2 and dialog.table.item(1, 2).text() == auth.READER
    dialog.grab().save("/tmp/accounts.png")
    assert service.login("zhao", "secret-3").role == auth.READER
    clerk = auth.CurrentUser("li", "li", auth.CLERK)
    with pytest.raises(DomainError, match="无权管理账号"):
        AccountsDialog(service, clerk, runner)


def test_backup_settings_are_validated_audited_and_written_on_the_worker(
    qtbot: QtBot, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from app.models import AuditEntry
    from app.office.service import OfficeService

    runner = TaskRunner()
    admin = auth.CurrentUser("admin", "admin", auth.ADMIN)
    page = BackupPage(backup.BackupService(db, admin), runner)
    qtbot.addWidget(page)
    page.keep.setValue(5)
    runner.wait()
    qtbot.waitUntil(lambda: OfficeService(db, admin).settings()["backup_keep"] == 5)
    folder = tmp_path / "备份"
    folder.mkdir()
    monkeypatch.setattr(
        "ui.safety.backup_page.QFileDialog.getExistingDirectory", lambda *_a, **_k: str(folder)
    )
    page._change_folder()
    runner.wait()
    qtbot.waitUntil(lambda: page.folder_label.text() == str(folder))
    with db.read() as s:
        logged = set(s.scalars(select(AuditEntry.entity_id).where(AuditEntry.entity == "setting")))
    assert {"backup_keep", "backup_dir"} <= logged
    runner.wait()
