"""`xinfang check` and the backup page on a PostgreSQL server (issue 20).

The file checks (integrity_check, the key file, copies beside the file) do not apply there;
what the program can check is that it reaches the server, the schema is its own, the audit
chain is whole, and the attachments and templates kept in the database are what was stored
(stored_check.py). Backups of the server are the office's (docs/rules.md, 多人使用).
"""

from pathlib import Path

from sqlalchemy import func, select

from app import audit, migrate
from app.db import Database, describe_url
from app.models import Case
from app.safety import stored_check
from app.safety.integrity import BAD, NOTE, OK, Health

SERVER_BACKUP = (
    "服务器数据库的备份由单位负责：请单位的数据库管理员在服务器上用 pg_dump 定期备份"
    "（例如每天一次：pg_dump -Fc -f 信访-日期.dump 数据库名），并把备份文件存放在安全的地方。"
    "备份文件中的个人信息没有加密，只能交给管理员指定的位置。本程序的备份和恢复只用于单机数据库文件。"
)


def health(db: Database) -> Health:
    assert db.url is not None
    report = Health(Path(describe_url(db.url)))
    report.add("服务器数据库", describe_url(db.url))
    with db.engine.connect() as conn:
        version = conn.exec_driver_sql("SHOW server_version").scalar()
        report.add("PostgreSQL 版本", str(version))
        revision = migrate.server_revision(conn)
        if revision == migrate.SCHEMA_HEAD:
            report.add("结构版本", f"{revision}（最新）")
        else:
            report.add("结构版本", f"{revision}，应为 {migrate.SCHEMA_HEAD}", BAD)
        cases = conn.execute(select(func.count()).select_from(Case)).scalar() or 0
        report.add("信访件", f"{cases} 件")
        broken = audit.verify_chain(conn)
        report.add("审计记录校验链", broken or "完整", BAD if broken else OK)
        if revision == migrate.SCHEMA_HEAD:  # another schema may lack stored_files
            for label, value, sound in stored_check.items(conn):
                report.add(label, value, OK if sound else BAD)
    report.add("备份", SERVER_BACKUP, NOTE)
    return report
