"""What every sub-command gets: the data folder and the database, opened on first use."""

import datetime as dt
import getpass
import os
import sys

from app import paths
from app.bootstrap import open_database
from app.db import Database
from app.safety import crypto
from app.safety.auth import ADMIN, CurrentUser


class UsageError(Exception):
    """The command line itself was wrong (one Chinese line, exit code 2)."""


class Context:
    def __init__(
        self, data_dir: str | None, username: str | None = None, database_url: str | None = None
    ) -> None:
        if data_dir:
            paths.set_data_dir(data_dir)
        # A PostgreSQL server (issue 20): --database-url, XINFANG_DATABASE_URL or the data
        # folder's server.json; None = the database file in the data folder.
        self.database_url = paths.database_url(database_url)
        self._db: Database | None = None
        # Encryption (app/safety/unlock.py): `--user NAME` or XINFANG_USER signs in as that
        # account, its role applies; on an encrypted database that is the only way in.
        self.username = (username or os.environ.get("XINFANG_USER") or "").strip() or None
        self._user: CurrentUser | None = None
        self.notices: list[str] = []  # shown once after the sign-in (recovery key …)

    @property
    def is_server(self) -> bool:
        return self.database_url is not None

    @property
    def user(self) -> CurrentUser:
        if self._user is None:
            if self.username:
                self._sign_in(self.username)
            elif self.is_server:
                # §9: no account-less administrator on a server, where anyone may run this.
                raise UsageError(
                    "连接单位服务器数据库时命令行需要账号：xinfang --user 账号名 …（或环境变量 "
                    "XINFANG_USER；密码在提示时输入，或用 XINFANG_PASSWORD）。"
                )
            else:
                if crypto.is_encrypted(paths.database_path()):
                    raise UsageError(
                        "数据库已加密，命令行需要账号：xinfang --user 账号名 …（或环境变量 "
                        "XINFANG_USER；密码在提示时输入，或用 XINFANG_PASSWORD）。"
                    )
                self._user = cli_user()
        assert self._user is not None
        return self._user

    @user.setter
    def user(self, value: CurrentUser) -> None:
        self._user = value

    def _sign_in(self, username: str) -> None:
        from app.safety import unlock

        if self.database_url is not None:
            from app.safety.auth import AuthService

            self._db = self._db or open_database(self.database_url)
            self._user = AuthService(self._db, None).login(username, account_password())
            if self._user.must_change_password:
                print(
                    "你的密码是临时密码，请用 xinfang --user 账号名 user passwd 修改。",
                    file=sys.stderr,
                )
            return

        done = unlock.sign_in(paths.database_path(), username, account_password())
        self._db, self._user = done.db, done.user
        if done.recovery_key:
            self.notices.append(recovery_notice(done.recovery_key))
            for name, temp in done.temporary.items():
                self.notices.append(f"账号 {name} 的临时密码：{temp}（下次登录时须修改）")
        if done.user.must_change_password:
            self.notices.append("你的密码是临时密码，请用 xinfang --user 账号名 user passwd 修改。")
        for line in self.notices:
            print(line, file=sys.stderr)

    def db(self) -> Database:
        if self._db is None:
            _ = self.user  # signs in (and unlocks) first when an account is named
        if self._db is None:
            self._db = open_database(self.database_url or paths.database_path())
        return self._db

    def open_for_setup(self) -> Database:
        """The database without signing in: only for creating a server's first administrator
        (`user add` while it has none)."""
        if self._db is None:
            self._db = open_database(self.database_url or paths.database_path())
        return self._db

    def release_db(self) -> None:
        """Close this process's connections (before a restore replaces the file)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def account_password() -> str:
    """XINFANG_PASSWORD, else a prompt without echo (a script without a terminal must set it)."""
    password = os.environ.get("XINFANG_PASSWORD")
    if password is not None:
        return password
    if not sys.stdin.isatty():
        raise UsageError("需要账号密码：请在终端中运行以便输入，或设置环境变量 XINFANG_PASSWORD。")
    return getpass.getpass("密码：")


def recovery_notice(recovery_key: str) -> str:
    return (
        "数据库已加密。恢复密钥（只显示这一次，请抄下或保存到U盘，所有密码都忘记时用它找回）：\n"
        f"  {recovery_key}"
    )


def cli_user() -> CurrentUser:
    """The account the command line acts as. Whoever can run commands on this PC can read the
    database file anyway, so it is an administrator named after the OS user (audit log:
    `命令行:zhangsan`); a later issue adds a login to the command line."""
    name = f"命令行:{os.environ.get('USER') or os.environ.get('USERNAME') or ''}"
    return CurrentUser(name, name, ADMIN)


def parse_date(text: str) -> dt.date:
    """For argparse `type=`: YYYY-MM-DD with a Chinese message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"日期“{text}”格式不对，应为 YYYY-MM-DD，如 2025-03-05。") from None


# 更正说明 for a write into a closed period (docs/rules.md, 封账). Every write command takes it,
# written anywhere on the line (`xinfang case add … --correction-reason "补录漏登"`): `main` takes
# it out before argparse sees the line, so a sub-command added later needs nothing of its own.
CORRECTION_FLAG = "--correction-reason"


def take_correction_reason(argv: list[str]) -> tuple[list[str], str | None]:
    """(the command line without the option, its reason or None)."""
    rest: list[str] = []
    reason: str | None = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":  # everything after is a value, never an option
            rest += argv[i:]
            break
        if arg == CORRECTION_FLAG:
            if i + 1 >= len(argv) or not argv[i + 1].strip():
                raise UsageError(
                    f'{CORRECTION_FLAG} 后面要写更正说明，如 {CORRECTION_FLAG} "补录漏登件"'
                )
            reason = argv[i + 1]
            i += 2
            continue
        if arg.startswith(CORRECTION_FLAG + "="):
            reason = arg.split("=", 1)[1]
            if not reason.strip():
                raise UsageError(f"{CORRECTION_FLAG} 后面要写更正说明。")
            i += 1
            continue
        rest.append(arg)
        i += 1
    return rest, reason
