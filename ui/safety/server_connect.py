"""Opening the office's server at start (issue 20): the database password when the server
asks for one (typed each start, kept in memory only), and a clear message with 重试 /
改为单机使用 when the server cannot be reached."""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

from app import paths
from app.bootstrap import open_database
from app.db import Database, describe_url
from app.errors import DatabaseTooNew, DomainError

LOCAL = "local"  # the clerk chose 改为单机使用


def with_password(url: str, password: str) -> str:
    """The URL to connect with, the password inside it in memory only (never written)."""
    if not password:
        return url
    return make_url(url).set(password=password).render_as_string(hide_password=False)


def needs_password(message: str) -> bool:
    """libpq's words when the server wants a password it was not given or that was wrong."""
    text = message.lower()
    return "password" in text or "密码" in message


class DatabasePasswordDialog(QDialog):
    def __init__(self, where: str, retry: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("连接单位服务器")
        intro = QLabel(
            f"服务器 {where} 需要数据库密码。"
            + ("\n密码不对，请重新输入。" if retry else "")
            + "\n（密码只在本次运行中使用，程序不保存。）"
        )
        intro.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("数据库密码(&P)：", self.password)
        buttons = QDialogButtonBox()
        buttons.addButton("连接", QDialogButtonBox.ButtonRole.AcceptRole).setDefault(True)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(440)
        self.password.setFocus()


def unreachable_choice(message: str) -> str:
    """重试 / 改为单机使用 / 退出 → "retry", LOCAL, "quit"."""
    box = QMessageBox(QMessageBox.Icon.Critical, "无法连接单位服务器", message)
    box.setInformativeText(
        "可以检查网络后重试；或改为单机使用（使用这台电脑上的数据库文件，与服务器上的数据互不相通）。"
    )
    retry = box.addButton("重试(&R)", QMessageBox.ButtonRole.AcceptRole)
    local = box.addButton("改为单机使用(&L)", QMessageBox.ButtonRole.ActionRole)
    box.addButton("退出", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(retry)
    box.exec()
    if box.clickedButton() is retry:
        return "retry"
    if box.clickedButton() is local:
        return LOCAL
    return "quit"


def connect(url: str, password: str = "") -> Database | str | None:
    """The server database, LOCAL when the clerk switched to 单机使用, None to quit."""
    where = describe_url(url)
    asked = bool(password)
    while True:
        try:
            return open_database(with_password(url, password))
        except DatabaseTooNew as exc:
            QMessageBox.critical(None, "无法打开数据库", exc.message)
            return None
        except DomainError as exc:
            if needs_password(exc.message):
                dialog = DatabasePasswordDialog(where, retry=asked)
                if dialog.exec() != QDialog.DialogCode.Accepted:
                    return None
                password, asked = dialog.password.text(), True
                continue
            choice = unreachable_choice(exc.message)
            if choice == "retry":
                continue
            if choice == LOCAL:
                switch_to_local()
                return LOCAL
            return None


def switch_to_local() -> None:
    """Forget the server for this computer (server.json) and for this run (the variable)."""
    import os

    paths.write_server_config(None)
    os.environ.pop(paths.DATABASE_URL_ENV, None)
