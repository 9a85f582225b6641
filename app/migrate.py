"""Bring a database file to the current schema: copy it first, refuse one from a newer version."""

import datetime as dt
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from app import paths
from app.errors import DatabaseTooNew


def alembic_config(db_path: Path) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(paths.bundled("app", "migrations")))
    cfg.set_main_option("sqlalchemy.url", f"sqlite:///{db_path}")
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(Path("x")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(db_path: Path) -> str | None:
    if not db_path.exists():
        return None
    conn = sqlite3.connect(db_path)
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
    try:
        source = sqlite3.connect(src)
        target = sqlite3.connect(tmp)
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
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dest)


def upgrade(db_path: Path) -> Path | None:
    """Upgrade to head. Returns the path of the safety copy made before a schema change."""
    script = ScriptDirectory.from_config(alembic_config(db_path))
    head = script.get_current_head()
    current = current_revision(db_path)
    if current == head:
        return None
    if current is not None and current not in {r.revision for r in script.walk_revisions()}:
        raise DatabaseTooNew(
            f"数据库 {db_path} 由更新版本的信访工作台创建（结构版本 {current}），"
            "本程序无法打开。请安装最新版本；数据未做任何改动。"
        )
    backup: Path | None = None
    if current is not None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = paths.backups_dir(db_path.parent) / f"升级前-{current}-{stamp}.sqlite3"
        copy_database(db_path, backup)
    command.upgrade(alembic_config(db_path), "head")
    return backup


def schema_differences(db_path: Path) -> list[object]:
    """What `alembic check` would report: differences between the models and the database."""
    from alembic.autogenerate import compare_metadata
    from sqlalchemy import create_engine

    from app.models import Base

    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"render_as_batch": True})
            return list(compare_metadata(ctx, Base.metadata))
    finally:
        engine.dispose()
