"""Accounts, roles and login (docs/rules.md, 个人信息; issue 7): argon2 hashes, a growing delay
after wrong passwords, and the one permission check every service calls.

Roles: 管理员 may do everything; 登记员 registers and handles cases but touches no settings or
accounts; 查阅 only reads. The check lives in the services (`require`), so the GUI and the CLI
obey the same rules.
"""

import datetime as dt
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import audit, clock
from app.db import Database
from app.errors import DomainError
from app.models import User
from app.office import dictionaries
from app.safety import crypto

# Defined beside the key slots, which throttle wrong passwords too; re-exported here.
from app.safety.crypto import LoginDelayed as LoginDelayed

ADMIN, CLERK, READER = "管理员", "登记员", "查阅"
ROLES = (ADMIN, CLERK, READER)

# What each action means to the clerk (used in "当前账号（查阅）无权修改信访件。").
ACTIONS: dict[str, str] = {
    "view_case": "查看信访件",
    "reveal": "查看完整身份证号和电话",
    "export": "导出台账和报告",
    "edit_case": "修改信访件",
    "import": "导入台账",
    "registers": "修改领导接访和排查登记",
    "backup": "备份数据",
    "restore": "从备份恢复数据",
    "settings": "修改设置和字典",
    "accounts": "管理账号",
}
_READ = {"view_case", "reveal", "export"}
_CLERK = _READ | {"edit_case", "import", "registers", "backup"}
PERMISSIONS: dict[str, frozenset[str]] = {
    ADMIN: frozenset(ACTIONS),
    CLERK: frozenset(_CLERK),
    READER: frozenset(_READ),
}

MIN_PASSWORD = 6
# Wrong passwords that cost nothing (typos happen); after that each one doubles the wait.
FREE_ATTEMPTS = 2
FIRST_DELAY_S = 5
MAX_DELAY_S = 300

# argon2-cffi's defaults (RFC 9106 low-memory profile): ~50 ms per check on an office PC.
_hasher = PasswordHasher()


# Verified against when the user name is unknown, so a wrong name takes as long as a wrong
# password and does not reveal which names exist.
@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import: hashing costs ~50 ms of every start-up otherwise.
    return _hasher.hash("xinfang-no-such-user")


@dataclass(frozen=True)
class CurrentUser:
    username: str
    display_name: str
    role: str
    # A temporary password given when the database was encrypted (§9): change it now.
    must_change_password: bool = False
    # The account's 科室 (§9): with the office setting on, a 登记员 sees only its cases
    # (app/cases/scope.py). "" = none.
    department: str = ""

    @property
    def label(self) -> str:
        """How the audit log names the user: 'zhangsan' or 'zhangsan(张三)'."""
        if self.display_name and self.display_name != self.username:
            return f"{self.username}({self.display_name})"
        return self.username


# Named accounts for callers without a login, always passed explicitly (services have no
# default account): demo mode and the demo data generator, and the program's own checks
# (selftest, benchmarks). The command line builds its own (app/cli/context.py).
DEMO_USER = CurrentUser("演示", "演示", ADMIN)
SYSTEM = CurrentUser("系统", "系统", ADMIN)


@dataclass(frozen=True)
class UserView:
    username: str
    display_name: str
    role: str
    active: bool
    failed_attempts: int
    created_at: dt.datetime
    department: str = ""


def can(role: str, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(action)
    return action in PERMISSIONS.get(role, frozenset())


def require(who: CurrentUser | str, action: str) -> None:
    """Raise DomainError unless the user (or role) may do `action`."""
    role = who.role if isinstance(who, CurrentUser) else who
    if not can(role, action):
        raise DomainError(f"当前账号（{role or '未登录'}）无权{ACTIONS[action]}。")


def delay_after(failed_attempts: int) -> int:
    """Seconds to wait before the next try: 0, 0, 5, 10, 20 … capped at 5 minutes."""
    if failed_attempts <= FREE_ATTEMPTS:
        return 0
    return min(FIRST_DELAY_S * 2 ** (failed_attempts - FREE_ATTEMPTS - 1), MAX_DELAY_S)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"密码至少需要 {MIN_PASSWORD} 位。", field="password")
    if password.strip() != password:
        raise DomainError("密码首尾不能有空格。", field="password")


def _check_username(username: str) -> str:
    name = username.strip()
    if not name:
        raise DomainError("请填写用户名。", field="username")
    if len(name) > 30:
        raise DomainError("用户名最多 30 个字。", field="username")
    return name


def _view(u: User) -> UserView:
    return UserView(
        u.username,
        u.display_name,
        u.role,
        u.active,
        u.failed_attempts,
        u.created_at,
        u.department or "",
    )


def _check_department(s: Session, department: str) -> str | None:
    """A 科室 of the office's dictionary, or None for "" (the account is not limited)."""
    value = department.strip()
    if not value:
        return None
    known = dictionaries.values(s, "department")
    if value not in known:
        hint = f"现有：{'、'.join(known)}" if known else "字典中还没有科室"
        raise DomainError(
            f"科室“{value}”不在科室字典中（{hint}）；请先在“设置 → 字典 → 科室”中添加。",
            field="department",
        )
    return value


class AuthService:
    """Login and account management. `user` is the signed-in account; None (passed explicitly)
    before anyone has logged in: login and the first administrator need no account, managing
    accounts needs `accounts`."""

    def __init__(self, db: Database, user: CurrentUser | None) -> None:
        self.db = db
        self.user = user

    def _actor(self, action: str) -> CurrentUser:
        if self.user is None:
            raise DomainError(f"当前账号（未登录）无权{ACTIONS[action]}。")
        require(self.user, action)
        return self.user

    def needs_setup(self) -> bool:
        """True on first start: no active administrator yet, so the program asks for one."""
        with self.db.read() as s:
            admins = s.scalar(select(func.count()).where(User.role == ADMIN, User.active.is_(True)))
            return not admins

    def create_first_admin(
        self, username: str, password: str, display_name: str = ""
    ) -> CurrentUser:
        """First start only: refused once an administrator exists."""
        name = _check_username(username)
        _check_password(password)
        with self.db.session() as s:
            if s.scalar(select(func.count()).where(User.role == ADMIN, User.active.is_(True))):
                raise DomainError("已经设置过管理员账号，请用管理员账号登录后再添加账号。")
            self._insert(s, name, password, ADMIN, display_name)
            audit.record(s, name, "新建账号", "user", name, "role", None, ADMIN)
        return CurrentUser(name, display_name or name, ADMIN)

    def login(self, username: str, password: str, now: dt.datetime | None = None) -> CurrentUser:
        """Check a password. Wrong ones are counted on the account and make the next try wait."""
        now = now or clock.now()
        name = username.strip()
        with self.db.session() as s:
            user = s.scalar(select(User).where(User.username == name))
            if user is None or not user.active:
                # Same work and same message as a wrong password.
                _verify(_dummy_hash(), password)
                raise DomainError("用户名或密码不正确。")
            wait = _remaining_wait(user, now)
            if wait > 0:
                # Refused without looking at the password, so guessing gains nothing.
                raise LoginDelayed(wait)
            if not _verify(user.password_hash, password):
                user.failed_attempts += 1
                user.last_failed_at = now
                audit.record(
                    s, name, "登录失败", "user", name, "failed_attempts", None, user.failed_attempts
                )
                delay = delay_after(user.failed_attempts)
                hint = f"请 {delay} 秒后再试。" if delay else "请重试。"
                failed = DomainError(f"用户名或密码不正确，{hint}")
            else:
                failed = None
                if user.failed_attempts:
                    user.failed_attempts = 0
                    user.last_failed_at = None
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = _hasher.hash(password)
                audit.record(s, name, "登录", "user", name)
                result = CurrentUser(
                    user.username,
                    user.display_name or user.username,
                    user.role,
                    bool(user.must_change_password),
                    user.department or "",
                )
        # Raised outside the transaction so the failed attempt is committed, not rolled back.
        if failed is not None:
            raise failed
        return result

    def wait_seconds(self, username: str, now: dt.datetime | None = None) -> int:
        """How long the login dialog must wait before it may try this account again."""
        with self.db.read() as s:
            user = s.scalar(select(User).where(User.username == username.strip()))
            return _remaining_wait(user, now or clock.now()) if user else 0

    def departments(self) -> list[str]:
        """The 科室 an account may belong to (the office's 科室 dictionary)."""
        self._actor("accounts")
        with self.db.read() as s:
            return dictionaries.values(s, "department")

    def users(self) -> list[UserView]:
        self._actor("accounts")
        with self.db.read() as s:
            return [_view(u) for u in s.scalars(select(User).order_by(User.id))]

    def add_user(
        self,
        username: str,
        password: str,
        role: str,
        display_name: str = "",
        department: str = "",
    ) -> UserView:
        actor = self._actor("accounts")
        name = _check_username(username)
        _check_password(password)
        if role not in ROLES:
            raise DomainError(f"角色应为 {'、'.join(ROLES)} 之一。", field="role")
        with self.db.session() as s:
            if s.scalar(select(User).where(User.username == name)) is not None:
                raise DomainError(f"用户名“{name}”已存在。", field="username")
            user = self._insert(s, name, password, role, display_name)
            user.department = _check_department(s, department)
            audit.record(s, actor.label, "新建账号", "user", name, "role", None, role)
            if user.department:
                audit.record(
                    s, actor.label, "修改账号", "user", name, "department", None, user.department
                )
            view = _view(user)
        # Encrypted database: the new password gets its own key slot (app/safety/crypto.py).
        # A server database has no key file (its encryption at rest is the server's).
        if not self.db.is_server:
            crypto.set_password_slot(self.db.path, name, password)
        return view

    def set_password(self, username: str, password: str) -> None:
        """An administrator resets anyone's password; everyone may change their own."""
        actor = self.user
        if actor is None or actor.username != username:
            actor = self._actor("accounts")
        _check_password(password)
        # Encrypted database: re-wrap the key under the new password first (never re-encrypt);
        # the old key file comes back if the database refuses the change.
        before = None
        if not self.db.is_server:
            before = crypto.read_keys(self.db.path) if crypto.key_for(self.db.path) else None
            crypto.set_password_slot(self.db.path, username.strip(), password)
        try:
            with self.db.session() as s:
                user = self._get(s, username)
                user.password_hash = _hasher.hash(password)
                user.failed_attempts = 0
                user.last_failed_at = None
                # Changing one's own password ends a temporary one.
                if actor.username == user.username:
                    user.must_change_password = False
                audit.record(s, actor.label, "修改密码", "user", user.username)
        except BaseException:
            if before is not None:
                crypto.write_keys(self.db.path, before)
            raise

    def set_role(self, username: str, role: str, active: bool = True) -> None:
        actor = self._actor("accounts")
        if role not in ROLES:
            raise DomainError(f"角色应为 {'、'.join(ROLES)} 之一。", field="role")
        with self.db.session() as s:
            user = self._get(s, username)
            if user.role == ADMIN and (role != ADMIN or not active):
                others = s.scalar(
                    select(func.count()).where(
                        User.role == ADMIN, User.active.is_(True), User.id != user.id
                    )
                )
                if not others:
                    raise DomainError("至少要保留一个可用的管理员账号。")
            if user.role != role:
                audit.record(
                    s, actor.label, "修改账号", "user", user.username, "role", user.role, role
                )
                user.role = role
            if user.active != active:
                audit.record(
                    s, actor.label, "修改账号", "user", user.username, "active", user.active, active
                )
                user.active = active
        if not active and not self.db.is_server:
            # A disabled account's password must no longer open the encrypted file.
            crypto.drop_password_slot(self.db.path, username.strip())

    def set_details(
        self, username: str, department: str | None = None, display_name: str | None = None
    ) -> UserView:
        """An administrator changes an account's 科室 ("" = none) or 姓名; None leaves it."""
        actor = self._actor("accounts")
        with self.db.session() as s:
            user = self._get(s, username)
            if department is not None:
                value = _check_department(s, department)
                if value != user.department:
                    audit.record(
                        s,
                        actor.label,
                        "修改账号",
                        "user",
                        user.username,
                        "department",
                        user.department,
                        value,
                    )
                    user.department = value
            if display_name is not None:
                name = display_name.strip() or user.username
                if len(name) > 30:
                    raise DomainError("姓名最多 30 个字。", field="display_name")
                if name != user.display_name:
                    audit.record(
                        s,
                        actor.label,
                        "修改账号",
                        "user",
                        user.username,
                        "display_name",
                        user.display_name,
                        name,
                    )
                    user.display_name = name
            return _view(user)

    @staticmethod
    def _get(s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise DomainError(f"找不到账号“{username}”。")
        return user

    @staticmethod
    def _insert(s: Session, name: str, password: str, role: str, display_name: str) -> User:
        user = User(
            username=name,
            display_name=display_name.strip() or name,
            password_hash=_hasher.hash(password),
            role=role,
            active=True,
            failed_attempts=0,
            created_at=clock.now(),
        )
        s.add(user)
        s.flush()
        return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _remaining_wait(user: User, now: dt.datetime) -> int:
    if not user.last_failed_at:
        return 0
    delay = delay_after(user.failed_attempts)
    until = user.last_failed_at + dt.timedelta(seconds=delay)
    # Never longer than the delay itself: a clock set back (a dead CMOS battery, a wrong time
    # zone) used to make the last failure lie in the future and lock the account for a year.
    return min(delay, max(0, int((until - now).total_seconds() + 0.999)))
