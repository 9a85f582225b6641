"""The window's login unlocks an encrypted database; the first account encrypts a plain one and
the recovery key is shown once (issue 16 item 13)."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from app import paths
from app.bootstrap import open_database
from app.safety import crypto
from app.safety.unlock import Gate
from ui.safety.login_dialog import LoginDialog, RecoveryKeyDialog, SetupAdminDialog


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path) -> Iterator[None]:
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        QSettings.setPath(fmt, QSettings.Scope.UserScope, str(tmp_path / "qsettings"))
    paths.set_data_dir(tmp_path / "data")
    crypto._keys.clear()
    yield
    crypto._keys.clear()
    paths.set_data_dir(None)


def test_setup_encrypts_and_the_login_unlocks(qtbot: QtBot, tmp_path: Path) -> None:
    path = paths.database_path()
    gate = Gate(path, open_database(path))
    assert gate.needs_setup()
    setup = SetupAdminDialog(gate)
    qtbot.addWidget(setup)
    setup.show()
    qtbot.keyClicks(setup.password, "secret-1")
    qtbot.keyClicks(setup.confirm, "secret-1")
    qtbot.keyClick(setup.confirm, Qt.Key.Key_Return)
    assert setup.result() == SetupAdminDialog.DialogCode.Accepted
    assert gate.recovery_key and crypto.is_encrypted(path)
    shown = RecoveryKeyDialog(gate.recovery_key, {})
    qtbot.addWidget(shown)
    assert any(gate.recovery_key == w.text() for w in shown.findChildren(type(setup.password)))
    assert gate.db is not None
    gate.db.close()
    # The next start: nothing is open and no key is held until the password is typed.
    crypto._keys.clear()
    gate = Gate(path)
    assert not gate.needs_setup() and gate.db is None
    login = LoginDialog(gate)
    qtbot.addWidget(login)
    login.show()
    login.username.setText("admin")
    qtbot.keyClicks(login.password, "wrong-1")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert "不正确" in login.error.text() and gate.db is None
    login.password.clear()
    qtbot.keyClicks(login.password, "secret-1")
    qtbot.keyClick(login.password, Qt.Key.Key_Return)
    assert login.result() == LoginDialog.DialogCode.Accepted
    assert login.user is not None and gate.db is not None
    gate.db.close()
