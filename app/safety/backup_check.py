"""What makes a file a whole 信访工作台 database (issue 16 item 6), for restore and `check`.

A file with only `cases` and `alembic_version`, or a backup with `users` and `audit_log`
dropped, is a sound SQLite file and used to restore as good. Here every table the program
has had since its first schema must be there (with every column the models name, when the
file is at the current schema), and the audit chain must be whole.
"""

import sqlite3

from app import audit, migrate
from app.models import Base

# The tables of the first schema (0001): any backup of any version has them all.
REQUIRED_TABLES = frozenset(
    {
        "audit_log",
        "cases",
        "dictionary",
        "events",
        "leader_receptions",
        "number_counters",
        "office_holidays",
        "petitioners",
        "screenings",
        "settings",
        "users",
        "alembic_version",
    }
)


def schema_problem(conn: sqlite3.Connection, tables: set[str], revision: str | None) -> str | None:
    """None when the file has the tables (and, at the current schema, the columns) it should."""
    missing = sorted(REQUIRED_TABLES - tables)
    if missing:
        return "缺少数据表 " + "、".join(missing)
    if revision is None:
        return "没有结构版本"
    if revision != migrate.SCHEMA_HEAD:
        return None  # older: the upgrade after the restore brings it to the current schema
    for name, table in Base.metadata.tables.items():
        if name not in tables:
            return f"缺少数据表 {name}"
        have = {r[1] for r in conn.execute(f'PRAGMA table_info("{name}")')}
        lost = sorted(c.name for c in table.columns if c.name not in have)
        if lost:
            return f"数据表 {name} 缺少列 " + "、".join(lost)
    return None


def audit_problem(conn: sqlite3.Connection) -> str | None:
    """Where the audit chain breaks, or None (files from before the chain have no column)."""
    columns = {r[1] for r in conn.execute('PRAGMA table_info("audit_log")')}
    if "chain" not in columns:
        return None
    return audit.verify_chain(conn)


def accounts_problem(conn: sqlite3.Connection) -> str | None:
    """Accounts whose role or state differs from what the audit log last recorded for them:
    `update users set role='管理员'` in a database tool (item 10)."""
    rows = conn.execute(
        "SELECT entity_id, field, new FROM audit_log WHERE entity = 'user' "
        "AND field IN ('role', 'active') ORDER BY id"
    ).fetchall()
    recorded: dict[str, dict[str, str]] = {}
    for name, fld, new in rows:
        recorded.setdefault(name, {"active": "是"})[fld] = new
    for name, role, active in conn.execute("SELECT username, role, active FROM users"):
        seen = recorded.get(name)
        if seen is None or "role" not in seen:
            return f"账号“{name}”没有新建记录"
        if seen["role"] != role or seen["active"] != ("是" if active else "否"):
            return f"账号“{name}”的角色或状态与审计记录不符"
    return None
