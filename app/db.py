"""The SQLite engine and the one way to get a session."""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from app import audit
from app.errors import DomainError
from app.periods import guard
from app.safety import crypto
from app.safety.db_lock import DatabaseLock

# How long opening waits for a restore or an upgrade in another process to finish.
OPEN_WAIT_SECONDS = 120.0


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


class Database:
    """An open database file. Services take one and open a short session per operation."""

    def __init__(self, path: Path, lock: DatabaseLock | None = None) -> None:
        self.path = Path(path)
        # Held shared while this object may touch the file, so a restore or an upgrade in
        # another process waits for it (app/safety/db_lock.py).
        self.lock = lock or DatabaseLock(self.path)
        if not self.lock.held:
            self.lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
        self.engine = make_engine(self.path)
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
        self.lock.release()  # the restore takes it exclusively

    def resume(self) -> None:
        """Accept sessions again after `quiesce` (the restore failed, or the file was replaced
        and the same process goes on with it)."""
        if not self.lock.held:
            self.lock.acquire(exclusive=False, timeout=OPEN_WAIT_SECONDS)
        with self._state:
            self._quiesced = False

    def rebind(self) -> None:
        """Reconnect with the key now held for this file (after it was encrypted or unlocked
        in place); call while quiesced. The database lock is left as it is (`resume` takes
        it again)."""
        self.engine.dispose()
        self.engine = make_engine(self.path)
        self._sessions.configure(bind=self.engine)

    def close(self) -> None:
        self.engine.dispose()
        self.lock.release()
