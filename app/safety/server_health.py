"""The server form of the start-up integrity check (issue 20): the server answers, and the
audit chain on it is whole. Run off the GUI thread (ui/tasks.py)."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app import audit
from app.db import Database
from app.errors import DomainError


def unreachable(db: Database, exc: BaseException) -> DomainError:
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:200]
    return DomainError(
        f"无法连接单位服务器 {db.where}（{reason}）。请检查网络，或联系单位的数据库管理员；"
        "连接恢复后可以继续办理，已保存的数据不受影响。"
    )


def ping(db: Database) -> None:
    """`SELECT 1` on the server; a DomainError in Chinese when it cannot be reached."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise unreachable(db, exc) from None


def chain_problem(db: Database) -> str | None:
    """None when the audit chain is whole; else what the clerk is told."""
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            broken = audit.verify_chain(conn)
    except SQLAlchemyError as exc:
        raise unreachable(db, exc) from None
    if broken:
        return (
            f"服务器数据库的审计记录校验链不完整（{broken}）：审计记录可能被改动或删除。"
            "请立即报告单位的数据库管理员，并用 xinfang check 查看详情。"
        )
    return None
