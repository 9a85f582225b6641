"""The database engine (a SQLite file, or a shared PostgreSQL server) and the one way to get a
session."""

import os
import platform
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from app import audit
from app.errors import DomainError
from app.periods import guard
from app.safety import crypto
from app.safety.db_lock import DatabaseLock

# How long opening waits for a restore or an upgrade in another process to finish.
OPEN_WAIT_SECONDS = 120.0
# What pg_export_snapshot() returns, e.g. 00000003-0000001B-1.
SNAPSHOT_NAME = re.compile(r"[0-9A-Fa-f]+(-[0-9A-Fa-f]+)+")


def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the GUI read while a write commits; synchronous=FULL makes every committed
    # transaction survive a power cut (NORMAL may lose the last ones), at little cost here.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def make_engine(path: Path) -> Engine:
    # Encryption hook (app/safety/crypto.py): a plain URL, or SQLCipher's dialect with the key
    # this process unlocked for `path`. QueuePool as for a plain file (the SQLCipher dialect
    # would default to one connection per thread).
    # hide_parameters: an error (in a message or the log) never carries the values of the
    # statement — names, ID numbers and phones (issue 16 item 11).
    url = crypto.engine_url(path)
    encrypted = url.startswith("sqlite+pysqlcipher")
    engine = create_engine(
        url,
        future=True,
        hide_parameters=True,
        **({"poolclass": QueuePool} if encrypted else {}),
    )
    event.listen(engine, "connect", _on_connect)
    if encrypted:
        event.listen(engine, "connect", crypto.tune_connection)
    return engine


# --- a shared PostgreSQL server (issue 20) --------------------------------------------------
# Hosts on this computer: the connection never leaves it, so TLS is not required by default.
_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
SERVER_ONLY_SQLITE = (
    "当前连接的是单位服务器数据库（PostgreSQL），此功能只用于单机数据库文件。"
    "服务器数据库的备份、恢复和加密由单位的数据库管理员负责。"
)


class ServerOnlyError(DomainError):
    """A SQLite-file feature (file copy, key file, integrity_check) asked of a server database."""

    def __init__(self) -> None:
        super().__init__(SERVER_ONLY_SQLITE)


def is_server_url(target: object) -> bool:
    """Whether `target` names a PostgreSQL server rather than a database file."""
    return isinstance(target, str) and target.strip().lower().startswith(("postgres", "postgresql"))


def server_url(raw: str) -> URL:
    """`postgresql://user@host:port/db` → the URL SQLAlchemy opens: psycopg 3 as the driver and
    `sslmode=require` unless the host is this computer (a name, a loopback address or a socket
    folder) or the URL already says which sslmode it wants."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise DomainError(
            "服务器地址格式不对，应为 postgresql://账号@服务器:端口/数据库名。"
        ) from None
    if url.get_backend_name() != "postgresql":
        raise DomainError("只支持 PostgreSQL 服务器（地址以 postgresql:// 开头）。")
    url = url.set(drivername="postgresql+psycopg")
    if not url.database:
        raise DomainError("服务器地址缺少数据库名：postgresql://账号@服务器:端口/数据库名。")
    query = dict(url.query)
    host = url.host or str(query.get("host") or "")
    local = host in _LOCAL_HOSTS or host.startswith("/")
    if "sslmode" not in query and not local:
        url = url.update_query_dict({"sslmode": "require"})
    return url


def describe_url(url: URL | str) -> str:
    """For messages and the log: the server and database, never a password."""
    url = make_url(url) if isinstance(url, str) else url
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def computer_tag(computer: str) -> str:
    """The computer's name as PostgreSQL keeps it in application_name, which is ASCII only (a
    Chinese name would read "?????"): non-ASCII names go as punycode with IDNA's xn-- prefix."""
    if computer.isascii():
        return computer
    return "xn--" + computer.encode("punycode").decode("ascii")


def computer_from_tag(tag: str) -> str:
    if tag.startswith("xn--"):
        try:
            return tag[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return tag
    return tag


def make_server_engine(url: URL) -> Engine:
    from app.models import postgresql_options

    postgresql_options()
    # pool_pre_ping: a server restarted overnight must not give the clerk a dead connection.
    # application_name: the server's own views (pg_stat_activity) show which program and PC.
    computer = os.environ.get("COMPUTERNAME") or platform.node()
    engine = create_engine(
        url,
        hide_parameters=True,
        pool_pre_ping=True,
        connect_args={
            "application_name": f"xinfang:{computer_tag(computer)}"[:63],
            "connect_timeout": 10,
        },
    )
    event.listen(engine, "connect", _on_server_connect)
    return engine


def _on_server_connect(dbapi_conn: Any, _record: object) -> None:
    # No JIT: compiling a statistics scan costs more than it saves at an office's size
    # (measured at 100,000 cases: a year's statistics 443 → 233 ms).
    # random_page_cost 1.1 (PostgreSQL's default 4 is for spinning disks): a year's 交办 or
    # 反馈 are a few thousand events, and with the default the planner hashes them against a
    # scan of every case instead of looking each case up by its key — 42 → 8 ms at 100,000
    # cases, and the scan grows with the whole database (docs/rules.md, 多人使用).
    # Committed, or the rollback SQLAlchemy does when the connection first goes back to the
    # pool would undo them.
    dbapi_conn.execute("SET jit = off")
    dbapi_conn.execute("SET random_page_cost = 1.1")
    dbapi_conn.commit()


class Database:
    """An open database: a file, or a PostgreSQL server (`target` is then its URL). Services
    take one and open a short session per operation."""

    def __init__(self, target: Path | str, lock: DatabaseLock | None = None) -> None:
        self.url: URL | None = None
        self._path: Path | None = None
        self.lock: DatabaseLock | None = None
        if is_server_url(target):
            # Several clerks share the server; the server serialises what must be, so no file
            # lock: a restore or an upgrade there is the administrator's job (docs/rules.md).
            self.url = server_url(str(target))
            self.engine = make_server_engine(self.url)
        else:
            self._path = Path(target)
            # Held shared while this object may touch the file, so a restore or an upgrade in
            # another process waits for it (app/safety/db_lock.py).
            self.lock = lock or DatabaseLock(self._path)
            if not self.lock.held:
                self.lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
            self.engine = make_engine(self._path)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Closed periods (封账): every flush is checked once here, whatever service writes; the
        # corrections are recorded before the audit chain seals the transaction.
        event.listen(self._sessions, "before_flush", guard.before_flush)
        event.listen(self._sessions, "before_commit", guard.before_commit)
        event.listen(self._sessions, "after_rollback", guard.after_rollback)
        # Every write transaction seals the audit rows it wrote into the hash chain (item 10).
        event.listen(self._sessions, "before_commit", audit.seal_session)
        # Sessions under way, so a restore can wait for them and refuse new ones (`quiesce`).
        self._active = 0
        self._quiesced = False
        self._state = threading.Condition()

    @property
    def is_server(self) -> bool:
        return self.url is not None

    @property
    def dialect(self) -> str:
        """The SQLAlchemy dialect's name: sqlite or postgresql."""
        return self.engine.dialect.name

    @property
    def path(self) -> Path:
        """The database file. A server database has none: the SQLite-only features (file
        backups, key files, integrity_check) get the Chinese message instead of a crash."""
        if self._path is None:
            raise ServerOnlyError()
        return self._path

    @property
    def where(self) -> str:
        """The file, or the server without its password, for messages and the status bar."""
        return describe_url(self.url) if self.url is not None else str(self._path)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._state:
            if self._quiesced:
                raise DomainError("数据库正在恢复或已关闭，请稍候再操作。")
            self._active += 1
        try:
            yield
        finally:
            with self._state:
                self._active -= 1
                self._state.notify_all()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: commits when the block ends, rolls everything back on any error."""
        with self._counted(), self._sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (never commits)."""
        with self._counted(), self._sessions() as session:
            yield session

    @contextmanager
    def read_snapshot(self) -> Iterator[tuple[Session, str | None]]:
        """A read-only session whose every statement sees the same state of the database, and
        on PostgreSQL that state's name for `read_at`, so a second connection can read the
        very same state at the same time (a report's 同比 half beside its own). PostgreSQL's
        default (READ COMMITTED) gives each statement a newer state; SQLite's read transaction
        is one state already, but one no other connection can share: None."""
        with self._counted(), self._sessions() as session:
            if not self.is_server:
                yield session, None
                return
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session, session.scalar(text("SELECT pg_export_snapshot()"))

    @contextmanager
    def read_at(self, snapshot: str) -> Iterator[Session]:
        """A read-only session on the state `read_snapshot` named (PostgreSQL), valid while
        that session is open."""
        if not SNAPSHOT_NAME.fullmatch(snapshot):
            raise ValueError(snapshot)
        with self._counted(), self._sessions() as session:
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            # A utility statement takes no parameters; the name was checked above.
            session.execute(text(f"SET TRANSACTION SNAPSHOT '{snapshot}'"))
            yield session

    def quiesce(self, timeout: float = 30.0) -> None:
        """Refuse new sessions, wait for those under way, then close every pooled connection.

        Before a restore replaces the file: on Windows a rename fails while any connection,
        on any thread, still has the file open; elsewhere a late write would go to the
        replaced file and be lost.
        """
        with self._state:
            self._quiesced = True
            if not self._state.wait_for(lambda: self._active == 0, timeout):
                self._quiesced = False
                raise DomainError("仍有操作在进行，暂时不能恢复。请等它完成后再试。")
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()  # the restore takes it exclusively

    def resume(self) -> None:
        """Accept sessions again after `quiesce` (the restore failed, or the file was replaced
        and the same process goes on with it)."""
        if self.lock is not None and not self.lock.held:
            self.lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
        with self._state:
            self._quiesced = False

    def rebind(self) -> None:
        """Reconnect with the key now held for this file (after it was encrypted or unlocked
        in place); call while quiesced. The database lock is left as it is (`resume` takes
        it again)."""
        self.engine.dispose()
        self.engine = make_server_engine(self.url) if self.url else make_engine(self.path)
        self._sessions.configure(bind=self.engine)

    def close(self) -> None:
        self.engine.dispose()
        if self.lock is not None:
            self.lock.release()
