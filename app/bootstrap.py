"""Open a database file ready for use: migrated (with a safety copy first) and seeded."""

import logging
import sqlite3
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from app import migrate, paths
from app.db import OPEN_WAIT_SECONDS, Database, describe_url, is_server_url, server_url
from app.errors import DomainError
from app.office import dictionaries
from app.safety import encrypt, integrity, recovery
from app.safety.db_lock import DatabaseLock

log = logging.getLogger("xinfang.bootstrap")

UPGRADE_BUSY = (
    "数据库需要升级（或需要完成上次被中断的恢复），但另一个程序（信访工作台窗口或命令）"
    "正在使用它。请关闭其他信访工作台窗口和命令后再打开。数据未做任何改动。"
)


def _prepare_alone(path: Path) -> None:
    """Under the exclusive lock: finish a killed restore, encryption or upgrade, then upgrade."""
    # An encryption killed between its two renames is undone first (app/safety/encrypt.py):
    # otherwise a missing file would become a new, empty database.
    encrypt.recover(path)
    done = recovery.finish_restore(path)
    if done:
        log.info("上次被中断的恢复已处理：%s", done)
    # A damaged or foreign file gets a Chinese message with the way to restore, not a traceback.
    integrity.ensure_usable(path)
    try:
        migrate.upgrade(path)
    except (sqlite3.Error, SQLAlchemyError) as exc:
        # The upgrade ran in one transaction, so the file is as it was before it.
        log.error("数据库结构升级失败：%s", type(exc).__name__)
        raise DomainError(_upgrade_failed(path, exc)) from None


def _upgrade_failed(path: Path, exc: Exception) -> str:
    copies = sorted(paths.backups_dir(path.parent).glob(f"{migrate.UPGRADE_PREFIX}*.sqlite3"))
    where = f"升级前的副本：{copies[-1]}。" if copies else ""
    return (
        f"数据库结构升级没有完成（{type(exc).__name__}），数据库保持升级前的状态，没有改动。"
        f"{where}请把这条信息和日志文件交给技术支持；也可以用 xinfang restore 恢复备份。"
    )


def _pending(path: Path) -> bool:
    return recovery.pending(path) or encrypt.pending(path) or migrate.needs_upgrade(path)


def finish_interrupted(path: Path) -> None:
    """A killed restore or encryption finished before the file is unlocked (app/safety/
    unlock.py): the key file read to unlock must be the one of the file that stays."""
    path = Path(path)
    if not (recovery.pending(path) or encrypt.pending(path)):
        return
    lock = DatabaseLock(path)
    lock.acquire(exclusive=True, timeout=OPEN_WAIT_SECONDS, message=UPGRADE_BUSY)
    try:
        encrypt.recover(path)
        done = recovery.finish_restore(path)
        if done:
            log.info("上次被中断的恢复已处理：%s", done)
    finally:
        lock.release()


def open_server(raw_url: str) -> Database:
    """Upgrade (when needed) and open a PostgreSQL server database (issue 20). The file-only
    steps (interrupted restores, encryption, integrity_check, the 升级前 copy) do not apply."""
    url = server_url(raw_url)
    try:
        migrate.upgrade_server(url)
    except SQLAlchemyError as exc:
        log.error("连接或升级服务器数据库失败：%s", type(exc).__name__)
        raise DomainError(_server_failed(url, exc)) from None
    db = Database(raw_url)
    with db.session() as session:
        # Two clerks starting at once on a new database must not both seed the dictionaries.
        migrate.lock_server_upgrade(session.connection())
        dictionaries.seed_defaults(session)
    return db


def _server_failed(url: object, exc: Exception) -> str:
    # The driver's own first line says why (refused, no such database, password); it names
    # the server and account, never the password, and no case data.
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return (
        f"无法打开服务器数据库 {describe_url(str(url))}：{reason}。"
        "请检查服务器地址、账号和网络，或联系单位的数据库管理员；数据未做任何改动。"
    )


def open_database(path: Path | str) -> Database:
    """Create or upgrade the database at `path` (a file, or a postgresql:// URL); raises
    DatabaseTooNew for a newer schema."""
    if is_server_url(path):
        return open_server(str(path))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = DatabaseLock(path)
    try:
        # Decided without a lock, re-checked under it: the lock is exclusive only when there
        # is something to finish or upgrade, so the GUI and a command normally share it.
        for _ in range(5):
            if _pending(path):
                lock.acquire(exclusive=True, timeout=OPEN_WAIT_SECONDS, message=UPGRADE_BUSY)
                _prepare_alone(path)
                lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
            else:
                lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
            # Switching modes releases for a moment: another process may have started a restore.
            if not _pending(path):
                break
        integrity.ensure_usable(path)
        for folder in (path.parent, paths.backups_dir(path.parent)):
            recovery.remove_stale_temporaries(folder)
        db = Database(path, lock=lock)
    except BaseException:
        lock.release()
        raise
    # Usually every dictionary is there: a read answers that, and the write transaction (the
    # file's write lock and a commit, ~30 ms of every start at 100,000 cases) is only taken
    # when one is missing.
    with db.read() as session:
        missing = dictionaries.missing_defaults(session)
    if missing:
        with db.session() as session:
            dictionaries.seed_defaults(session)
    return db
