"""Bring a database file to the current schema: copy it first, refuse one from a newer version."""

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import audit, paths
from app.errors import DatabaseTooNew, DomainError
from app.safety import crypto, files, recovery

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import URL

# The newest revision in app/migrations/versions. Start-up compares the database with this and
# imports Alembic (~0.35 s) only when they differ; tests/test_migrations.py checks it is
# Alembic's head, so a new revision without updating it fails the suite.
SCHEMA_HEAD = "0010_pg_stats"
UPGRADE_PREFIX = "升级前-"
# 升级前 copies kept (item 12): each is a full copy of the personal data.
UPGRADE_COPIES_KEPT = 3


def alembic_config(db_path: "Path | URL") -> "Config":
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(paths.bundled("app", "migrations")))
    if isinstance(db_path, Path):
        # With the key when the file is encrypted (app/safety/crypto.py); `%` never occurs in it.
        cfg.set_main_option("sqlalchemy.url", crypto.engine_url(db_path))
    # A server URL is never put in the config: its password could hold a `%`, and the
    # upgrade always passes its own connection (`upgrade_server`).
    return cfg


def head_revision() -> str:
    """Alembic's own answer (SCHEMA_HEAD is the fast copy of it)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(Path("x"))).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    """Every revision this program knows; a database at any other one is from a newer version."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(Path("x")))
    return {r.revision for r in script.walk_revisions()}


def current_revision(db_path: Path) -> str | None:
    if not db_path.exists():
        return None
    conn = crypto.connect(db_path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "alembic_version" not in tables:
            return None
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def copy_database(
    src: Path, dest: Path, verify: Callable[[sqlite3.Connection], None] | None = None
) -> None:
    """A consistent copy through SQLite's online backup API (safe with WAL).

    Written to a temporary name, checked by `verify` (which may raise to abandon the copy),
    flushed to disk, and only then renamed over `dest`, so `dest` is never half-written.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover from a crash would be opened as the target
    holder = recovery.hold(tmp)  # tells a cleanup elsewhere that this copy is under way
    try:
        # An encrypted source gives a copy encrypted with the same key, its key file beside it.
        source = crypto.connect(src)
        target = crypto.connect(tmp, key=crypto.key_for(src))
        try:
            source.backup(target)
            if verify is not None:
                verify(target)
        finally:
            target.close()
            source.close()
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException:
        holder.close()
        tmp.unlink(missing_ok=True)
        raise
    try:
        crypto.copy_keys(src, dest)
        files.replace(tmp, dest)
    finally:
        holder.close()


def needs_upgrade(db_path: Path) -> bool:
    """Whether `upgrade` has work to do (a cheap read; no Alembic import). A file that
    cannot be read says yes: the exclusive path checks it and gives the clerk the message."""
    try:
        return (
            not db_path.exists()
            or current_revision(db_path) != SCHEMA_HEAD
            or recovery.marker_path(db_path, recovery.UPGRADE_MARKER).exists()
        )
    except (sqlite3.Error, UnicodeDecodeError, DomainError):
        return True  # DomainError: crypto.WrongKey (an encrypted file without its key)
    except crypto.errors():
        return True


def _safety_copy(db_path: Path, current: str) -> Path:
    """The 升级前 copy, made once per upgrade: a start after a killed upgrade reuses the copy
    its marker names instead of writing another full one (item 2)."""
    marker = recovery.marker_path(db_path, recovery.UPGRADE_MARKER)
    data = recovery.read_marker(marker)
    if data and data.get("from") == current and recovery.sound_database(Path(data["copy"])):
        return Path(data["copy"])
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = paths.backups_dir(db_path.parent)
    copy = folder / f"{UPGRADE_PREFIX}{current}-{stamp}.sqlite3"
    n = 2
    while copy.exists():
        copy = folder / f"{UPGRADE_PREFIX}{current}-{stamp}-{n}.sqlite3"
        n += 1
    copy_database(db_path, copy)
    recovery.write_marker(marker, {"from": current, "copy": str(copy)})
    return copy


def _run_in_one_transaction(db_path: Path) -> None:
    """Every pending revision in ONE SQLite transaction, so a kill at any statement leaves the
    database exactly at its old revision (item 2). pysqlite would otherwise commit before
    each DDL statement; SQLAlchemy's documented recipe turns that off and emits BEGIN itself."""
    from alembic import command
    from sqlalchemy import create_engine, event

    # An encrypted file: SQLCipher's dialect with the key held for it (app/safety/crypto.py);
    # it is pysqlite's subclass, so the same recipe gives one transaction there too.
    engine = create_engine(crypto.engine_url(db_path))

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA busy_timeout=5000")

    @event.listens_for(engine, "begin")
    def _begin(conn: object) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    try:
        with engine.connect() as conn, conn.begin():
            cfg = alembic_config(db_path)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            # A revision may write audit rows (0006 records the 性质 it sets): seal them into
            # the hash chain in the same transaction, or `check` reports a broken chain.
            audit.seal(conn)
    finally:
        engine.dispose()


def upgrade(db_path: Path) -> Path | None:
    """Upgrade to head. Returns the path of the safety copy made before a schema change.

    The caller holds the exclusive database lock (bootstrap.open_database)."""
    marker = recovery.marker_path(db_path, recovery.UPGRADE_MARKER)
    current = current_revision(db_path)
    if current == SCHEMA_HEAD:
        if marker.exists():  # the kill came after the commit: nothing left to do
            recovery.remove_marker(marker)
        return None
    if current is not None and current not in known_revisions():
        raise DatabaseTooNew(
            f"数据库 {db_path} 由更新版本的信访工作台创建（结构版本 {current}），"
            "本程序无法打开。请安装最新版本；数据未做任何改动。"
        )
    backup = _safety_copy(db_path, current) if current is not None else None
    _run_in_one_transaction(db_path)
    recovery.remove_marker(marker)
    recovery.rotate_copies(paths.backups_dir(db_path.parent), UPGRADE_PREFIX, UPGRADE_COPIES_KEPT)
    return backup


def _comparison_filter(server: bool) -> Callable[..., bool]:
    """compare_metadata filter: on PostgreSQL, 0008's search indexes (named ix_pg_*) exist on
    the server and not in the models, and the models' ix_cases_text not on the server — on
    purpose (see that revision). On SQLite everything is compared."""

    def include(_obj: object, name: str | None, kind: str, reflected: bool, _other: object) -> bool:
        if not server or kind != "index":
            return True
        if reflected:
            return not (name or "").startswith(PG_INDEX_PREFIX)
        return name not in PG_REPLACED_INDEXES

    return include


def schema_differences(target: "Path | str") -> list[object]:
    """What `alembic check` would report: differences between the models and the database
    (a file, or a server URL)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import Engine, create_engine

    from app.db import is_server_url, make_server_engine, server_url
    from app.models import Base

    engine: Engine
    server = is_server_url(target)
    if server:
        engine = make_server_engine(server_url(str(target)))
    else:
        engine = create_engine(crypto.engine_url(Path(target)))
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"render_as_batch": True, "include_object": _comparison_filter(server)}
            )
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()


# --- a PostgreSQL server (issue 20) ---------------------------------------------------------
# Indexes only the server has (0008: trigram and "C"-collation indexes for the search box).
PG_INDEX_PREFIX = "ix_pg_"
PG_REPLACED_INDEXES = {"ix_cases_text"}
# Several clerks may start the program at once after an update: the first one upgrades, the
# others wait on this advisory lock (held to the end of the upgrade's transaction) and then
# find the schema at head.
_UPGRADE_LOCK_KEY = 0x58494E46  # "XINF"


def lock_server_upgrade(conn: Any) -> None:
    """Wait for any other clerk's upgrade or first seeding; held to the end of the transaction."""
    from sqlalchemy import text

    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _UPGRADE_LOCK_KEY})


def server_revision(conn: Any) -> str | None:
    from sqlalchemy import inspect, text

    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


# pg_trgm created by the database's owner (a trusted extension from 13), GiST indexes with
# INCLUDE columns (12): the oldest server the revisions run on.
OLDEST_SERVER = 13


def require_server_version(conn: Any) -> None:
    """Refuse, in Chinese and before any change, a server older than OLDEST_SERVER."""
    number = int(conn.exec_driver_sql("SHOW server_version_num").scalar())
    if number < OLDEST_SERVER * 10000:
        shown = conn.exec_driver_sql("SHOW server_version").scalar()
        raise DomainError(
            f"服务器是 PostgreSQL {shown}，信访工作台需要 PostgreSQL {OLDEST_SERVER} 或更高版本。"
            "请单位升级数据库服务器；数据未做任何改动。"
        )


def upgrade_server(url: "URL") -> bool:
    """Bring the server database to head in one transaction (PostgreSQL's DDL is
    transactional: a failure leaves it at its old revision). No safety copy here: the
    server's backups are the office's (docs/rules.md, 多人使用). Returns whether it upgraded."""
    from app.db import describe_url, make_server_engine

    engine = make_server_engine(url)
    try:
        with engine.connect() as conn, conn.begin():
            lock_server_upgrade(conn)
            current = server_revision(conn)
            if current == SCHEMA_HEAD:
                return False
            require_server_version(conn)
            if current is not None and current not in known_revisions():
                raise DatabaseTooNew(
                    f"服务器数据库 {describe_url(url)} 由更新版本的信访工作台升级过（结构版本 "
                    f"{current}），本程序无法打开。请安装最新版本；数据未做任何改动。"
                )
            from alembic import command  # ~0.35 s: only when there is something to do

            cfg = alembic_config(Path("x"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            audit.seal(conn)
        return True
    finally:
        engine.dispose()
