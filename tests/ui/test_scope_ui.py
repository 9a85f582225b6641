"""The 科室 of an account in 账号管理, and the scope setting's checkbox on the 设置 page."""

import pytest
from PySide6.QtWidgets import QCheckBox, QInputDialog
from pytestqt.qtbot import QtBot

from app.db import Database
from app.safety import auth
from app.safety.auth import AuthService
from ui.settings.accounts_dialog import AccountForm, AccountsDialog
from ui.settings.settings_page import SettingsForm
from ui.tasks import TaskRunner


def test_accounts_dialog_sets_and_changes_a_department(
    qtbot: QtBot, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = AuthService(db, None)
    admin = service.create_first_admin("admin", "secret-1")
    runner = TaskRunner()
    dialog = AccountsDialog(AuthService(db, admin), admin, runner)
    qtbot.addWidget(dialog)

    def fill(form: AccountForm) -> int:
        form.username.setText("ye")
        form.role.setCurrentIndex(form.role.findData(auth.CLERK))
        form.department.setCurrentIndex(form.department.findData("业务科"))
        form.password.setText("secret-2")
        form.confirm.setText("secret-2")
        return AccountForm.DialogCode.Accepted

    monkeypatch.setattr(AccountForm, "exec", fill)
    dialog.add()
    runner.wait()
    qtbot.waitUntil(lambda: dialog.table.rowCount() == 2)
    assert dialog.table.item(1, 3).text() == "业务科"
    assert service.login("ye", "secret-2").department == "业务科"

    dialog.table.selectRow(1)
    monkeypatch.setattr(QInputDialog, "getItem", lambda *_a, **_k: ("法规科", True))
    dialog.change_department()
    runner.wait()
    qtbot.waitUntil(lambda: dialog.table.item(1, 3).text() == "法规科")
    assert service.login("ye", "secret-2").department == "法规科"


def test_settings_form_has_the_scope_checkbox(qtbot: QtBot) -> None:
    form = SettingsForm()
    qtbot.addWidget(form)
    box = form.widgets["clerk_department_scope"]
    assert isinstance(box, QCheckBox)
    form.set_values({**{k: v for k, v in form.values().items()}, "clerk_department_scope": True})
    assert form.values()["clerk_department_scope"] is True
