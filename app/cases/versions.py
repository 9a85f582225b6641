"""Clerks at the same time (issue 20): the optimistic version of a case.

Every change of a case raises `cases.version` once per transaction (`touch`). A clerk's save
carries the version of the page they saw; a different one is refused with who changed the case
and when (`check`, `stale`). Two saves from the same version cannot both pass, and nothing of
the refused one is written:
- PostgreSQL: the writing transaction loads the case with its row locked (`load_for_write`), so
  the second clerk's load waits for the first commit and then sees the new version;
- SQLite: the first write of the transaction is `UPDATE … WHERE version = <loaded>` (`claim`),
  which takes the one write lock and fails if the version moved since the load;
- and on both, every ORM UPDATE of the row compares the version in its WHERE (the mapper's
  `version_id_col`): a failure rolls the whole transaction back (StaleDataError).
"""

import datetime as dt
import re

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from app import clock
from app.errors import DomainError
from app.models import AuditEntry, Case

STALE = "此件已被{who}于{when}修改，请刷新后再办理。"
# A write of several cases (关联, 合并) or of many (the ledger import) says which one moved.
STALE_NAMED = "信访件 {number} 已被{who}于{when}修改，请刷新后再办理。"


class StaleCase(DomainError):
    """The case changed since the clerk's page was read: nothing was written."""

    def __init__(self, who: str, when: dt.datetime | None, current: int, number: str = "") -> None:
        when_text = f"{when:%Y-%m-%d %H:%M}" if when is not None else "刚才"
        who_text = who or "其他用户"
        if number:
            message = STALE_NAMED.format(number=number, who=who_text, when=when_text)
        else:
            message = STALE.format(who=who_text, when=when_text)
        super().__init__(message)
        self.who, self.when, self.current, self.number = who, when, current, number


class Changed(StaleDataError):
    """`claim` found the case changed since it was loaded: which case, for the refusal."""

    def __init__(self, case_id: int, version: int) -> None:
        super().__init__(f"case {case_id} changed since version {version}")
        self.case_id = case_id


def load_for_write(session: Session, key: int | str) -> Case:
    """The case, its row locked until the transaction ends (PostgreSQL: SELECT … FOR UPDATE;
    SQLite has one writer at a time and omits the clause)."""
    query = select(Case).with_for_update(of=Case).execution_options(populate_existing=True)
    if isinstance(key, int):
        case = session.scalar(query.where(Case.id == key))
    else:
        case = session.scalar(query.where(Case.number == key.strip()))
    if case is None:
        raise DomainError(f"找不到信访件 {key}。")
    return case


def claim(session: Session, case: Case) -> None:
    """SQLite: the transaction's first write, `UPDATE … WHERE version = <loaded>`. It takes the
    one write lock before anything else is written, so the version compared is the latest
    committed one and stays so until this transaction commits; a case another clerk changed
    meanwhile raises StaleDataError here, before any step or audit row could collide with
    theirs. (PostgreSQL holds the row lock from `load_for_write` on.)"""
    if session.get_bind().dialect.name == "postgresql":
        return
    done = session.execute(
        update(Case.__table__)
        .where(Case.__table__.c.id == case.id, Case.__table__.c.version == case.version)
        .values(version=Case.__table__.c.version)
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise Changed(case.id, case.version)


def touch(case: Case, user: str) -> None:
    """Mark the case changed by `user` now and raise its version, once per transaction however
    many flushes write the row (the UPDATE's WHERE keeps comparing the version loaded)."""
    case.updated_at = clock.now()
    case.updated_by = (user or "")[:30] or None
    session = object_session(case)
    if session is None or case.id is None:
        return  # a new case: it starts at version 1
    loaded: dict[int, int] = session.info.setdefault("case_versions", {})
    case.version = loaded.setdefault(case.id, case.version) + 1


def person(label: str) -> str:
    """The name the message gives: the display name of an audit label 'zhangsan(张三)', else
    the label (a user name, 系统, 导入 …)."""
    m = re.fullmatch(r"(.+)\((.+)\)", label or "")
    return m.group(2) if m else (label or "")


def stale(session: Session, case: Case, named: bool = False) -> StaleCase:
    """The refusal for a save from an older version, naming the last change (and, `named`,
    the case: the write was about more than the one page)."""
    who = case.updated_by
    if not who:  # changed before updated_by was kept: the case's newest audit entry
        who = session.scalar(
            select(AuditEntry.user)
            .where(AuditEntry.entity == "case", AuditEntry.entity_id == case.number)
            .order_by(AuditEntry.id.desc())
            .limit(1)
        )
    number = case.number if named else ""
    return StaleCase(person(who or ""), case.updated_at, case.version, number)


def check(session: Session, case: Case, expected: int | None) -> None:
    """Refuse the write when the clerk saw another version; None (the command line, an
    import) acts on the current state."""
    if expected is not None and case.version != expected:
        raise stale(session, case)
