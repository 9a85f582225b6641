"""The first-run dialog: 单位名称 and the office's own 科室 list (docs/rules.md, 字典).

The main window shows it while `OfficeService.needs_first_run()` (no 单位名称 yet). The 科室
list replaces the placeholder departments; both can be changed later under 设置.
"""

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.office.service import OfficeService
from app.safety.server_setup import server_url_from, sslmode_text, try_connection, url_parts
from ui.tasks import TaskRunner, show_error
from ui.widgets import ERROR_COLOR, mark_error


class FirstRunDialog(QDialog):
    def __init__(
        self, office: OfficeService, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("欢迎使用信访工作台")
        self.office, self.runner = office, runner
        intro = QLabel(
            "开始之前，请填写本单位的名称和科室。单位名称会出现在报告、文书和台账的标题中；"
            "科室是登记信访件时可选的承办单位。以后可以在“设置”中修改。"
        )
        intro.setWordWrap(True)
        self.name = QLineEdit()
        self.name.setPlaceholderText("如：某某县水务局")
        self.name.setMaxLength(50)
        self.departments = QPlainTextEdit()
        self.departments.setPlaceholderText("每行一个科室，如：\n办公室\n水资源管理科")
        self.departments.setTabChangesFocus(True)  # Tab moves on, as in every other form
        self.departments.setPlainText(
            "\n".join(i.value for i in self.office.dictionary("department") if i.active)
        )
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        form = QFormLayout()
        form.addRow("单位名称", self.name)
        form.addRow("科室（每行一个）", self.departments)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("开始使用")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("以后再说")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(520, 380)

    def department_list(self) -> list[str]:
        return [
            line.strip() for line in self.departments.toPlainText().splitlines() if line.strip()
        ]

    def save(self) -> None:
        name, departments = self.name.text(), self.department_list()
        self.buttons.setEnabled(False)

        def failed(exc: BaseException, details: str) -> None:
            self.buttons.setEnabled(True)
            if isinstance(exc, DomainError):
                field = self.name if exc.field == "office_name" else self.departments
                mark_error(field, True)
                field.setFocus()
                self.message.setText(exc.message)
            else:
                show_error(self, exc, details)

        self.runner.run(
            lambda _p: self.office.first_run(name, departments),
            lambda _r: self.accept(),
            failed,
            self,
        )


# --- 单机使用 / 连接单位服务器 (issue 20) ------------------------------------------------------
# Asked before any database is opened when this computer has neither a database file nor a
# server configured, and from 数据安全 → 单机使用 / 连接单位服务器 later. The server form writes
# server.json (app/paths.py) without a password: the password is typed to test the connection
# and at each start, never stored (no OS keyring package is part of the program).


class ServerSetupDialog(QDialog):
    """连接单位服务器: address, port, database, account; 测试连接 with the password typed."""

    def __init__(self, parent: QWidget | None = None, current: str | None = None) -> None:
        from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSpinBox

        super().__init__(parent)
        self.setWindowTitle("连接单位服务器")
        self.url: str | None = None
        self.password_typed = ""
        self.runner = TaskRunner(self)
        intro = QLabel(
            "多名工作人员同时使用时，数据放在单位的 PostgreSQL 服务器上。请填写数据库管理员告知的"
            "服务器地址、端口、数据库名和账号。密码只用于测试连接和每次登录，程序不保存密码。"
        )
        intro.setWordWrap(True)
        self.host = QLineEdit()
        self.host.setPlaceholderText("如：192.168.1.10 或 db.xfj.local")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database = QLineEdit("xinfang")
        self.account = QLineEdit()
        self.account.setPlaceholderText("数据库账号，如 xfj_clerk")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("只用于测试连接，不保存")
        if current:
            host, port, database, account = url_parts(current)
            self.host.setText(host)
            self.port.setValue(port)
            self.database.setText(database)
            self.account.setText(account)
        form = QFormLayout()
        form.addRow("服务器地址(&H)", self.host)
        form.addRow("端口(&P)", self.port)
        form.addRow("数据库名(&D)", self.database)
        form.addRow("账号(&A)", self.account)
        form.addRow("密码(&W)", self.password)
        self.ssl = QLabel()
        self.ssl.setWordWrap(True)
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setStyleSheet(f"color: {ERROR_COLOR};")
        self.test_button = QPushButton("测试连接(&T)")
        self.test_button.clicked.connect(self.test)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addWidget(self.found, 1)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("保存并连接")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("返回")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.ssl)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for field in (self.host, self.database, self.account):
            field.textChanged.connect(self._describe)
        self._describe()
        self.resize(560, 420)

    def _fields(self) -> dict[str, QWidget]:
        return {"host": self.host, "database": self.database, "account": self.account}

    def current_url(self) -> str:
        for field in self._fields().values():
            mark_error(field, False)
        try:
            return server_url_from(
                self.host.text(), self.port.value(), self.database.text(), self.account.text()
            )
        except DomainError as exc:
            field = self._fields().get(exc.field or "")
            if field is not None:
                mark_error(field, True)
                field.setFocus()
            self.message.setText(exc.message)
            raise

    def _describe(self) -> None:
        try:
            url = server_url_from(
                self.host.text() or "localhost",
                self.port.value(),
                self.database.text() or "x",
                self.account.text() or "x",
            )
            self.ssl.setText(sslmode_text(url))
        except DomainError:
            self.ssl.setText("")

    def test(self) -> None:
        try:
            url = self.current_url()
        except DomainError:
            return
        self.message.setText("")
        self.found.setText("正在连接…")
        self.test_button.setEnabled(False)
        password = self.password.text()

        def done(text: str) -> None:
            self.test_button.setEnabled(True)
            self.found.setText(text)
            self.password_typed = password

        def failed(exc: BaseException, details: str) -> None:
            self.test_button.setEnabled(True)
            self.found.setText("")
            if isinstance(exc, DomainError):
                self.message.setText(exc.message)
            else:
                show_error(self, exc, details)

        self.runner.run(lambda _p: try_connection(url, password), done, failed, self)

    def save(self) -> None:
        from app import paths

        try:
            url = self.current_url()
            paths.write_server_config(url)
        except DomainError as exc:
            self.message.setText(exc.message)
            return
        self.url, self.password_typed = url, self.password.text()
        self.runner.wait(15000)
        self.accept()


class StartChoiceDialog(QDialog):
    """单机使用 / 连接单位服务器, before the first database is opened on this computer."""

    LOCAL, SERVER = "local", "server"

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QPushButton

        super().__init__(parent)
        self.setWindowTitle("欢迎使用信访工作台")
        self.choice: str | None = None
        self.url: str | None = None
        self.password = ""
        title = QLabel("<span style='font-size:18px'><b>这台电脑怎样使用信访工作台？</b></span>")
        local = QPushButton("单机使用(&L)")
        local.setDefault(True)
        local_note = QLabel(
            "数据保存在这台电脑上（加密的数据库文件），每天和退出时自动备份。"
            "一名信访专干使用时选这一项；以后可以在“数据安全”菜单中改为连接服务器。"
        )
        server = QPushButton("连接单位服务器(&S)…")
        server_note = QLabel(
            "几名工作人员同时办理同一批信访件：数据放在单位的 PostgreSQL 服务器上，"
            "需要数据库管理员告知服务器地址、数据库名和账号。"
        )
        for note in (local_note, server_note):
            note.setWordWrap(True)
            note.setStyleSheet("color: #444; margin-left: 12px; margin-bottom: 10px;")
        quit_ = QPushButton("退出")
        local.clicked.connect(self._local)
        server.clicked.connect(self._server)
        quit_.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(local)
        layout.addWidget(local_note)
        layout.addWidget(server)
        layout.addWidget(server_note)
        layout.addStretch(1)
        layout.addWidget(quit_)
        self.resize(520, 340)

    def _local(self) -> None:
        self.choice = self.LOCAL
        self.accept()

    def _server(self) -> None:
        dialog = ServerSetupDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.choice, self.url, self.password = self.SERVER, dialog.url, dialog.password_typed
            self.accept()
