"""What every sub-command gets: the data folder and the database, opened on first use."""

import datetime as dt
import os

from app import paths
from app.bootstrap import open_database
from app.db import Database
from app.safety.auth import ADMIN, CurrentUser


class UsageError(Exception):
    """The command line itself was wrong (one Chinese line, exit code 2)."""


class Context:
    def __init__(self, data_dir: str | None) -> None:
        if data_dir:
            paths.set_data_dir(data_dir)
        self._db: Database | None = None
        self.user = cli_user()

    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(paths.database_path())
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


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
