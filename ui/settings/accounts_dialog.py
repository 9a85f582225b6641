"""账号管理 (administrators): add accounts, reset a password, change a role or 科室, disable."""

from collections.abc import Callable

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import DomainError
from app.safety import auth
from app.safety.auth import AuthService, CurrentUser, UserView
from ui.tasks import TaskRunner, show_error

COLUMNS = ["用户名", "姓名", "角色", "科室", "状态", "连续输错", "创建时间"]
NO_DEPARTMENT = "（不属于某个科室）"
DEPARTMENT_HELP = (
    "科室：设置中勾选“登记员只能查看和办理本科室的信访件”后，登记员只看到本科室和尚未分配科室的"
    "信访件；统计和报告仍为全单位。"
)
ROLE_HELP = {
    auth.ADMIN: "管理员：全部功能，包括设置、字典、账号和恢复备份",
    auth.CLERK: "登记员：登记和办理信访件、导入台账、备份；不能改设置和账号",
    auth.READER: "查阅：只能查看、查询和导出，不能修改",
}


class AccountForm(QDialog):
    """New account: name, display name, role, 科室, password twice."""

    def __init__(self, departments: list[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("添加账号")
        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.role = QComboBox()
        for role in auth.ROLES:
            self.role.addItem(ROLE_HELP[role], role)
        self.role.setCurrentIndex(1)
        self.department = department_combo(departments or [])
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(f"至少 {auth.MIN_PASSWORD} 位")
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.addRow("用户名(&U)：", self.username)
        form.addRow("姓名(&N)：", self.display_name)
        form.addRow("角色(&R)：", self.role)
        form.addRow("科室(&K)：", self.department)
        form.addRow("初始密码(&P)：", self.password)
        form.addRow("确认密码(&C)：", self.confirm)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


def department_combo(departments: list[str], current: str = "") -> QComboBox:
    """The 科室 choices; the first is "none" (data "")."""
    combo = QComboBox()
    combo.addItem(NO_DEPARTMENT, "")
    for value in departments:
        combo.addItem(value, value)
    if current and combo.findData(current) < 0:
        combo.addItem(current, current)  # no longer in the dictionary: still shown as it is
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class AccountsDialog(QDialog):
    def __init__(
        self,
        service: AuthService,
        actor: CurrentUser,
        runner: TaskRunner,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        auth.require(actor, "accounts")
        self.service, self.actor, self.runner = service, actor, runner
        self.users: list[UserView] = []
        self.departments = service.departments()
        self.setWindowTitle("账号管理")
        self.resize(760, 420)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        add = QPushButton("添加账号(&A)…")
        add.clicked.connect(self.add)
        reset = QPushButton("重置密码(&P)…")
        reset.clicked.connect(self.reset_password)
        self.role = QComboBox()
        self.role.addItems(list(auth.ROLES))
        set_role = QPushButton("改为此角色(&R)")
        set_role.clicked.connect(self.apply_role)
        set_department = QPushButton("设置科室(&K)…")
        set_department.clicked.connect(self.change_department)
        self.toggle = QPushButton("停用/启用(&D)")
        self.toggle.clicked.connect(self.toggle_active)
        row = QHBoxLayout()
        for w in (add, reset, self.role, set_role, set_department, self.toggle):
            row.addWidget(w)
        row.addStretch(1)
        help_text = QLabel("\n".join([*ROLE_HELP.values(), DEPARTMENT_HELP]))
        help_text.setWordWrap(True)
        help_text.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(help_text)
        self.refresh()

    def refresh(self) -> None:
        self.users = self.service.users()
        self.table.setRowCount(len(self.users))
        for r, u in enumerate(self.users):
            values = [
                u.username,
                u.display_name,
                u.role,
                u.department,
                "可用" if u.active else "已停用",
                str(u.failed_attempts),
                f"{u.created_at:%Y-%m-%d}",
            ]
            for c, text in enumerate(values):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def selected(self) -> UserView | None:
        r = self.table.currentRow()
        return self.users[r] if 0 <= r < len(self.users) else None

    def _do(self, fn: Callable[[], object], on_refused: Callable[[], None] | None = None) -> None:
        """The write runs on the worker (password hashing takes a moment); then the list."""

        def failed(exc: BaseException, details: str) -> None:
            if isinstance(exc, DomainError):
                QMessageBox.warning(self, "账号管理", exc.message)
                if on_refused is not None:
                    on_refused()
            else:
                show_error(self, exc, details)

        self.runner.run(lambda _p: fn(), lambda _r: self.refresh(), failed, parent=self)

    def add(self, form: AccountForm | None = None) -> None:
        form = form or AccountForm(self.departments, self)
        while form.exec() == QDialog.DialogCode.Accepted:
            if form.password.text() != form.confirm.text():
                QMessageBox.warning(self, "添加账号", "两次输入的密码不一致。")
                continue
            self._add(form)
            return

    def _add(self, form: AccountForm) -> None:
        username, password = form.username.text(), form.password.text()
        role, name = form.role.currentData(), form.display_name.text()
        department = str(form.department.currentData() or "")
        self._do(
            lambda: self.service.add_user(username, password, role, name, department),
            lambda: self.add(form),  # refused: the form again, as the clerk filled it
        )

    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        password, ok = QInputDialog.getText(
            self, "重置密码", f"{user.username} 的新密码：", QLineEdit.EchoMode.Password
        )
        if ok:
            self._do(lambda: self.service.set_password(user.username, password))

    def apply_role(self) -> None:
        user = self.selected()
        if user is not None:
            self._do(
                lambda: self.service.set_role(user.username, self.role.currentText(), user.active)
            )

    def change_department(self) -> None:
        user = self.selected()
        if user is None:
            return
        choices = [NO_DEPARTMENT, *self.departments]
        if user.department and user.department not in choices:
            choices.append(user.department)
        current = choices.index(user.department) if user.department else 0
        choice, ok = QInputDialog.getItem(
            self, "设置科室", f"{user.username} 的科室：", choices, current, False
        )
        if ok:
            value = "" if choice == NO_DEPARTMENT else choice
            self._do(lambda: self.service.set_details(user.username, department=value))

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.username == self.actor.username and user.active:
            QMessageBox.warning(self, "账号管理", "不能停用正在使用的账号。")
            return
        self._do(lambda: self.service.set_role(user.username, user.role, not user.active))
