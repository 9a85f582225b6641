"""情况说明: the clerk's narrative for one report period (docs/rules.md, 文书).

A default report states a fact only from a figure or from what the clerk entered here for the
period; an item left empty prints a visible 【请填写：…】 marker, which the dialog and the CLI warn
about (`--strict` refuses to write the document). The items are kept in the database (so a backup
carries them) per exact period, and the latest earlier period's text is offered as a starting
point for the next one.
"""

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import audit, clock
from app.errors import DomainError
from app.models import ReportNote

# item → what the marker asks for. The keys are what templates write: {{ notes.存在问题 }}.
ITEMS: dict[str, str] = {
    "存在问题": "本期信访工作存在的问题",
    "下一步打算": "下一步工作打算",
    "群体性事件": "本期是否发生群体性事件及处置情况",
    "劝返处置": "越级上访、非正常上访的劝返处置情况",
    "排查调处": "矛盾纠纷排查调处工作情况",
    "典型案例": "典型案例",
    "建议及采纳情况": "提出改进工作、完善政策、追究责任的建议及采纳情况",
    "保障指标": "领导重视、制度建设、机构人员、设施设备等保障情况",
}
MAX_TEXT = 5000


def marker(item: str) -> str:
    return f"【请填写：{ITEMS.get(item, item)}】"


def _check(item: str, text: str) -> str:
    if item not in ITEMS:
        raise DomainError(f"没有“{item}”这一项情况说明。可填写：{'、'.join(ITEMS)}。")
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(f"“{item}”太长：最多 {MAX_TEXT} 字。")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise DomainError(f"“{item}”中有不能打印的控制字符。")
    return text


def get(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, str]:
    """The period's entered items (only those with text)."""
    rows = session.scalars(
        select(ReportNote).where(ReportNote.date_from == date_from, ReportNote.date_to == date_to)
    )
    return {r.item: r.text for r in rows if r.text}


def previous(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, str]:
    """The latest earlier period of the same length's items: a starting point, never used as
    this period's text until the clerk saves it."""
    length = (date_to - date_from).days
    rows = session.scalars(
        select(ReportNote)
        .where(ReportNote.date_to < date_from, ReportNote.text != "")
        .order_by(ReportNote.date_to.desc(), ReportNote.id)
    ).all()
    out: dict[str, str] = {}
    chosen: tuple[dt.date, dt.date] | None = None
    for r in rows:
        if abs((r.date_to - r.date_from).days - length) > 3:  # months differ by up to 3 days
            continue
        chosen = chosen or (r.date_from, r.date_to)
        if (r.date_from, r.date_to) == chosen:
            out.setdefault(r.item, r.text)
    return out


def put(
    session: Session, date_from: dt.date, date_to: dt.date, items: dict[str, str], user: str
) -> None:
    """Save the given items for the period (an empty text clears one), audited."""
    if date_to < date_from:
        raise DomainError("统计截止日期早于起始日期。")
    for item, text in items.items():
        text = _check(item, text)
        row = session.scalar(
            select(ReportNote).where(
                ReportNote.date_from == date_from,
                ReportNote.date_to == date_to,
                ReportNote.item == item,
            )
        )
        old = row.text if row is not None else ""
        if old == text:
            continue
        if row is None:
            row = ReportNote(date_from=date_from, date_to=date_to, item=item)
            session.add(row)
        row.text, row.updated_at, row.updated_by = text, clock.now(), user
        period = f"{date_from.isoformat()}~{date_to.isoformat()}"
        audit.record(session, user, "情况说明", "report_note", period, item, old or None, text)


def for_report(session: Session, date_from: dt.date, date_to: dt.date) -> dict[str, str]:
    """What a report prints for each item: the clerk's text, or the 【请填写】 marker."""
    entered = get(session, date_from, date_to)
    return {item: entered.get(item) or marker(item) for item in ITEMS}
