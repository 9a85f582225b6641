"""发文字号 (docs/rules.md, 文号): each outgoing 文书 type has a pattern (setting `doc_no_pattern`,
with {代字} = setting `doc_code`, {类} = the type's code, {年}, {序号}) and a counter per type and
year. The number is kept on the case: regenerating the same document for the same case and event
prints the same number; a new document takes the next one; a number is never reused.
"""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock, counters
from app.errors import DomainError
from app.models import DocCounter, DocNumber
from app.office import settings

# 类 of each default 文书; an office's own 文书 is numbered as 文.
TYPE_CODES = {
    "受理告知书": "受",
    "不予受理告知书": "不受",
    "转送函": "转",
    "交办函": "交",
    "延期办理告知书": "延",
    "信访事项处理意见书": "处",
    "复查意见书": "复查",
    "复核意见书": "复核",
    "督办单": "督",
}
OWN = "文"


def format_number(pattern: str, code: str, kind: str, year: int, seq: int) -> str:
    try:
        return pattern.format(代字=code, 类=kind, 年=year, 序号=seq)
    except (KeyError, IndexError, ValueError):
        raise DomainError(
            f"发文字号格式“{pattern}”有误：只能使用 {{代字}} {{类}} {{年}} {{序号}}。"
        ) from None


def _kept(session: Session, case_id: int, template: str, event_seq: int) -> str | None:
    return session.scalar(
        select(DocNumber.text).where(
            DocNumber.case_id == case_id,
            DocNumber.template == template,
            DocNumber.event_seq == event_seq,
        )
    )


def assign(
    session: Session, case_id: int, template: str, event_seq: int, year: int, user: str
) -> str:
    """The document's 文号: the one it was issued under before, else the next of its counter.

    The counter is locked (app/counters.py) before the next number is taken, and the document
    is looked up again under the lock: two clerks printing at once get consecutive numbers,
    and the same document printed twice at once gets one number, never two."""
    kept = _kept(session, case_id, template, event_seq)
    if kept is not None:
        return kept
    pattern = str(settings.get(session, "doc_no_pattern") or "")
    if "{序号}" not in pattern:
        raise DomainError("发文字号格式中必须有 {序号}，否则文号会重复。请在设置中修改。")
    key = {"template": template, "year": year}
    seq = counters.lock(session, DocCounter.__table__, key) + 1
    kept = _kept(session, case_id, template, event_seq)  # the other clerk's, committed meanwhile
    if kept is not None:
        return kept
    counters.store(session, DocCounter.__table__, key, seq)
    code = str(settings.get(session, "doc_code") or "")
    text = format_number(pattern, code, TYPE_CODES.get(template, OWN), year, seq)
    session.add(
        DocNumber(
            case_id=case_id,
            template=template,
            event_seq=event_seq,
            year=year,
            seq=seq,
            text=text,
            issued_at=clock.now(),
            issued_by=user,
        )
    )
    session.flush()
    return text


def year_of(day: dt.date | None) -> int:
    return (day or clock.today()).year
