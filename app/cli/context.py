"""What every sub-command gets: the data folder and the database, opened on first use."""

import datetime as dt
import os

from app import paths
from app.bootstrap import open_database
from app.db import Database


class UsageError(Exception):
    """The command line itself was wrong (one Chinese line, exit code 2)."""


class Context:
    def __init__(self, data_dir: str | None) -> None:
        if data_dir:
            paths.set_data_dir(data_dir)
        self._db: Database | None = None
        self.user = f"命令行:{os.environ.get('USER') or os.environ.get('USERNAME') or ''}"

    def db(self) -> Database:
        if self._db is None:
            self._db = open_database(paths.database_path())
        return self._db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def parse_date(text: str) -> dt.date:
    """For argparse `type=`: YYYY-MM-DD with a Chinese message."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"日期“{text}”格式不对，应为 YYYY-MM-DD，如 2025-03-05。") from None
