"""Login, first-start administrator setup, and the unlock dialog after idle minutes."""

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.safety.auth import AuthService, CurrentUser, LoginDelayed
from app.safety.unlock import Gate

_LAST_USER_KEY = "login/last_username"


def _error_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet("color: #b00020;")
    label.setWordWrap(True)
    label.setVisible(False)
    return label


class SetupAdminDialog(QDialog):
    """First start: there is no administrator yet, so the clerk sets one up."""

    def __init__(self, auth: "AuthService | Gate", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.auth = auth
        self.user: CurrentUser | None = None
        self.setWindowTitle("首次使用：设置管理员账号")
        self.setMinimumWidth(460)
        intro = QLabel(
            "信访工作台保存着信访人的身份证号和联系方式，需要登录才能使用。\n"
            "请先设置管理员账号。管理员可以添加登记员和查阅账号。请牢记密码。"
        )
        intro.setWordWrap(True)
        self.username = QLineEdit("admin")
        self.display_name = QLineEdit()
        self.display_name.setPlaceholderText("如：张三（可不填）")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("至少 6 位")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("用户名(&U)：", self.username)
        form.addRow("姓名(&N)：", self.display_name)
        form.addRow("密码(&P)：", self.password)
        form.addRow("确认密码(&C)：", self.confirm)
        self.error = _error_label()
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton("创建并登录", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton("退出", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._create)
        buttons.rejected.connect(self.reject)
        self.ok.setDefault(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.password.setFocus()

    def _create(self) -> None:
        if self.password.text() != self.confirm.text():
            self._show("两次输入的密码不一致。")
            self.confirm.selectAll()
            self.confirm.setFocus()
            return
        try:
            self.user = self.auth.create_first_admin(
                self.username.text(), self.password.text(), self.display_name.text()
            )
        except DomainError as exc:
            self._show(exc.message)
            return
        QSettings().setValue(_LAST_USER_KEY, self.user.username)
        self.accept()

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)


class LoginDialog(QDialog):
    """The login at start; with `locked_user` it is the unlock after idle minutes."""

    def __init__(
        self,
        auth: "AuthService | Gate",
        parent: QWidget | None = None,
        locked_user: CurrentUser | None = None,
        idle_minutes: int = 0,
        where: str = "",
    ) -> None:
        super().__init__(parent)
        self.auth = auth
        self.user: CurrentUser | None = None
        self.locked_user = locked_user
        self._wait = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        # Precise: a coarse timer may tick up to 5% early and enable 登录 before the wait is over.
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self.setWindowTitle("信访工作台 — " + ("已锁定" if locked_user else "登录"))
        self.setMinimumWidth(400)
        layout = QVBoxLayout(self)
        if not locked_user:
            title = QLabel("信访工作台")
            title.setStyleSheet("font-size: 20px; font-weight: bold; margin: 6px 0 10px 0;")
            title.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(title)
        if where:  # on the office's server (issue 20): which one, never a password
            server = QLabel(f"单位服务器：{where}")
            server.setAlignment(Qt.AlignmentFlag.AlignCenter)
            server.setStyleSheet("color: #444;")
            layout.addWidget(server)
        if locked_user:
            note = QLabel(
                f"已经 {idle_minutes} 分钟没有操作，信访工作台已锁定，以保护信访人信息。\n"
                f"请输入 {locked_user.label} 的密码解锁。"
            )
            note.setWordWrap(True)
            layout.addWidget(note)
        self.username = QLineEdit(
            locked_user.username if locked_user else str(QSettings().value(_LAST_USER_KEY, ""))
        )
        self.username.setReadOnly(locked_user is not None)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow("用户名(&U)：", self.username)
        form.addRow("密码(&P)：", self.password)
        layout.addLayout(form)
        self.error = _error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.ok: QPushButton = buttons.addButton(
            "解锁" if locked_user else "登录", QDialogButtonBox.ButtonRole.AcceptRole
        )
        buttons.addButton("退出程序", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._login)
        buttons.rejected.connect(self.reject)
        self.ok.setDefault(True)
        layout.addWidget(buttons)
        (self.password if self.username.text() else self.username).setFocus()
        # A wait left over from earlier wrong passwords (even before a restart) still counts.
        self.username.editingFinished.connect(self._check_wait)
        self._check_wait()

    def _check_wait(self) -> None:
        if self.username.text().strip() and self._wait <= 0:
            self._start_wait(self.auth.wait_seconds(self.username.text()))

    def _login(self) -> None:
        if self._wait > 0:
            return
        try:
            user = self.auth.login(self.username.text(), self.password.text())
        except LoginDelayed as exc:
            self._show(exc.message)
            self._start_wait(exc.seconds)
            return
        except DomainError as exc:
            self._show(exc.message)
            self.password.selectAll()
            self.password.setFocus()
            self._start_wait(self.auth.wait_seconds(self.username.text()))
            return
        if self.locked_user and user.username != self.locked_user.username:
            self._show("请用锁定前的账号解锁。")
            return
        self.user = user
        QSettings().setValue(_LAST_USER_KEY, user.username)
        self.accept()

    def _start_wait(self, seconds: int) -> None:
        self._wait = seconds
        if seconds > 0:
            self.ok.setEnabled(False)
            self._tick_text()
            self._timer.start()

    def _tick(self) -> None:
        self._wait -= 1
        if self._wait <= 0:
            self._timer.stop()
            self.ok.setEnabled(True)
            self.ok.setText("解锁" if self.locked_user else "登录")
            self.password.setFocus()
        else:
            self._tick_text()

    def _tick_text(self) -> None:
        self.ok.setText(f"请等待 {self._wait} 秒")

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)


def ask_login(
    auth: "AuthService | Gate", parent: QWidget | None = None, where: str = ""
) -> CurrentUser | None:
    """At start: the first-start setup, or the login. None when the clerk chose 退出."""
    dialog: SetupAdminDialog | LoginDialog = (
        SetupAdminDialog(auth, parent)
        if auth.needs_setup()
        else LoginDialog(auth, parent, where=where)
    )
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.user


class RecoveryKeyDialog(QDialog):
    """Shown once, right after the database was encrypted: the recovery key (and any temporary
    passwords for the other accounts), with a way to save the key to a file of the clerk's
    choosing (a USB stick kept in the safe)."""

    def __init__(
        self, recovery_key: str, temporary: dict[str, str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.recovery_key = recovery_key
        self.setWindowTitle("数据库已加密：请保存恢复密钥")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "数据库已加密，复制走的数据库文件或丢失的备份U盘都无法读出信访人信息。\n"
            "下面的恢复密钥只显示这一次。所有密码都忘记时，只有它能打开数据库。"
            "请抄在纸上或保存到U盘，和电脑分开存放。"
        )
        intro.setWordWrap(True)
        key = QLineEdit(recovery_key)
        key.setReadOnly(True)
        key.setStyleSheet("font-family: monospace; font-size: 15px;")
        layout.addWidget(intro)
        layout.addWidget(key)
        if temporary:
            lines = "\n".join(f"{name}：{pw}" for name, pw in temporary.items())
            note = QLabel(
                "其他账号原来的密码已不能使用，已设为下面的临时密码，请转告本人；"
                f"他们下次登录时须修改：\n{lines}"
            )
            note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            note.setWordWrap(True)
            layout.addWidget(note)
        self.saved = QLabel()
        layout.addWidget(self.saved)
        buttons = QDialogButtonBox()
        save = buttons.addButton("保存到文件(&S)…", QDialogButtonBox.ButtonRole.ActionRole)
        done = buttons.addButton("我已保存好", QDialogButtonBox.ButtonRole.AcceptRole)
        save.clicked.connect(self._save)
        done.clicked.connect(self.accept)
        layout.addWidget(buttons)

    def _save(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        name, _ = QFileDialog.getSaveFileName(
            self, "保存恢复密钥", "信访工作台恢复密钥.txt", "文本文件 (*.txt)"
        )
        if not name:
            return
        try:
            with open(name, "w", encoding="utf-8") as f:
                f.write(f"信访工作台 恢复密钥\n{self.recovery_key}\n")
        except OSError as exc:
            self.saved.setText(f"没有保存成功：{exc.strerror or exc}")
            return
        self.saved.setText(f"已保存到：{name}")


def show_recovery_key(
    recovery_key: str, temporary: dict[str, str], parent: QWidget | None = None
) -> None:
    dialog = RecoveryKeyDialog(recovery_key, temporary, parent)
    dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
    dialog.exec()
