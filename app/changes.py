"""What other clerks (or another process on this computer) changed since the last look
(issue 20): the window polls this every few seconds to refresh what is on screen.

Polling the audit log rather than LISTEN/NOTIFY: every write already leaves audit rows, on
SQLite and PostgreSQL alike, so one query serves both; it needs no connection held open per
window (LISTEN does, and loses notifications across the reconnects pool_pre_ping makes after a
server restart) and no trigger in the write paths. The query is a range on the primary key:
no rows when nothing changed, measured well under a millisecond at 100,000 cases.
"""

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.db import Database
from app.models import AuditEntry

# A burst (a ledger import) is read in one poll up to this many rows; the rest next time.
LIMIT = 2000


@dataclass
class Changes:
    last_id: int
    others: bool = False  # anything written by someone other than `me`
    cases: dict[str, str] = field(default_factory=dict)  # 编号 → who changed it last


def newest_id(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(AuditEntry.id))) or 0)


def since(db: Database, last_id: int, me: str) -> Changes:
    """The audit rows after `last_id`; rows written as `me` (this window's own writes, which
    refresh the screen themselves) are skipped."""
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.id, AuditEntry.user, AuditEntry.entity, AuditEntry.entity_id)
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(LIMIT)
        ).all()
    found = Changes(rows[-1][0] if rows else last_id)
    for _id, user, entity, entity_id in rows:
        if user == me:
            continue
        found.others = True
        if entity == "case" and entity_id:
            found.cases[str(entity_id)] = user
    return found
