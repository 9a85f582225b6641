"""The start-up and exit path of ui/data_safety: one window per folder, the damaged-file
message, the backup on exit, and the idle lock hiding the window until the password."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QMainWindow, QMessageBox
from pytestqt.qtbot import QtBot

from app import paths
from app.bootstrap import open_database
from app.safety import auth, backup
from app.safety.auth import AuthService
from ui.safety import data_safety
from ui.safety.data_safety import DataSafety


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    paths.set_data_dir(tmp_path / "data")
    monkeypatch.setattr(data_safety.errors, "install_excepthook", lambda: None)
    yield
    paths.set_data_dir(None)


def test_a_second_start_is_told_and_the_first_comes_forward(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    first = DataSafety()
    assert first.start()
    window = QMainWindow()
    qtbot.addWidget(window)
    first.single.bring_forward(window)
    second = DataSafety()
    assert not second.start()
    assert "已经在使用这个数据文件夹" in told[0] and "已切换到已经打开的窗口" in told[0]
    qtbot.waitUntil(window.isVisible)  # the first window was shown and raised
    first.single.release()


def test_a_damaged_database_gets_the_message_and_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    path = paths.database_path()
    path.write_bytes(b"this is not a database" * 100)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    assert DataSafety().check_database(path) is False
    assert "不是信访工作台的数据库文件" in shown[0] and "xinfang restore" in shown[0]


def test_exit_makes_a_verified_backup_and_demo_does_not(qtbot: QtBot) -> None:
    db = open_database(paths.database_path())
    safety = DataSafety()
    assert safety.start()
    window = QMainWindow()
    qtbot.addWidget(window)
    safety.attach(window, db)
    safety.finish(db)
    copies = backup.list_backups(paths.backups_dir())
    assert len(copies) == 1 and copies[0].kind == "备份" and copies[0].cases == 0
    demo = DataSafety(demo=True)
    demo.attach(window, db)
    demo.finish(db)
    assert len(backup.list_backups(paths.backups_dir())) == 1
    db.close()


def test_lock_hides_the_window_until_the_password(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(paths.database_path())
    service = AuthService(db, None)
    safety = DataSafety()
    safety.user = service.create_first_admin("admin", "secret-1")
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    safety.attach(window, db)
    seen: list[bool] = []

    def unlock(dialog: QDialog) -> int:
        seen.append(window.isVisible())
        dialog.password.setText("secret-1")  # type: ignore[attr-defined]
        dialog._login()  # type: ignore[attr-defined]
        return dialog.result()

    monkeypatch.setattr(data_safety.LoginDialog, "exec", unlock)
    safety.lock()
    assert seen == [False] and window.isVisible()
    assert safety.user.role == auth.ADMIN
    safety.finish(db)
    db.close()
