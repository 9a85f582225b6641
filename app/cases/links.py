"""Cases about the same matter (docs/rules.md, 关联): links read from both sides, one
petitioner's cases, and merging a case registered twice by mistake.

A link is stored once (smaller id first) and shown on both cases. The 重复信访 mark (a later
case's `repeat_of`) is a link too: the later case shows 前次, the earlier one 此后重复信访.
Merging voids the duplicate with reason 重复登记 (a 作废 event: its events stay, it leaves the
statistics) and links it to the case kept.
"""

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from app import audit, clock
from app.cases import versions, workflow
from app.errors import DomainError
from app.models import Case, CaseLink, Petitioner

SAME_MATTER = "同一事项"
DUPLICATE = "重复登记"


@dataclass(frozen=True)
class LinkView:
    case_id: int
    number: str
    received_on: dt.date
    status: str
    summary: str
    relation: str  # 同一事项 / 重复登记（已合并到此件）/ 重复信访：前次 / 重复信访：此后
    removable: bool  # a link the clerk made (unlink); 重复信访 is changed on the case form


def _pair(a: Case, b: Case) -> tuple[int, int]:
    return (a.id, b.id) if a.id < b.id else (b.id, a.id)


def _find(session: Session, a: Case, b: Case) -> CaseLink | None:
    first, second = _pair(a, b)
    return session.scalar(
        select(CaseLink).where(CaseLink.case_a_id == first, CaseLink.case_b_id == second)
    )


def link(
    session: Session, a: Case, b: Case, user: str, kind: str = SAME_MATTER, note: str = ""
) -> CaseLink:
    if a.id == b.id:
        raise DomainError("不能把信访件与它自己关联。")
    found = _find(session, a, b)
    if found is not None:
        if kind == DUPLICATE and found.kind != DUPLICATE:
            found.kind = kind  # merging two linked cases: the link says so now
            versions.touch(a, user)  # a change of both cases: their versions go up
            versions.touch(b, user)
            return found
        raise DomainError(f"信访件 {a.number} 与 {b.number} 已经关联。")
    versions.touch(a, user)
    versions.touch(b, user)
    first, second = _pair(a, b)
    row = CaseLink(
        case_a_id=first,
        case_b_id=second,
        kind=kind,
        note=note.strip(),
        created_at=clock.now(),
        created_by=user,
    )
    session.add(row)
    audit.record(session, user, "关联", "case", a.number, "link", None, f"{kind}：{b.number}")
    audit.record(session, user, "关联", "case", b.number, "link", None, f"{kind}：{a.number}")
    session.flush()
    return row


def unlink(session: Session, a: Case, b: Case, user: str) -> None:
    found = _find(session, a, b)
    if found is None:
        if a.repeat_of_id == b.id or b.repeat_of_id == a.id:
            raise DomainError("这是登记时填写的“重复信访”关系，请在信访件的登记信息中修改。")
        raise DomainError(f"信访件 {a.number} 与 {b.number} 没有关联。")
    if found.kind == DUPLICATE:
        raise DomainError("这是合并重复登记时建立的关联，不能取消。")
    session.delete(found)
    versions.touch(a, user)
    versions.touch(b, user)
    audit.record(session, user, "取消关联", "case", a.number, "link", b.number, None)
    audit.record(session, user, "取消关联", "case", b.number, "link", a.number, None)
    session.flush()


def links_of(session: Session, case: Case) -> list[LinkView]:
    """Every case linked to this one, whichever side made the link."""
    other = aliased(Case)
    out: list[LinkView] = []
    rows = session.execute(
        select(other, CaseLink.kind, CaseLink.case_a_id)
        .join(
            CaseLink,
            or_(
                and_(CaseLink.case_a_id == case.id, CaseLink.case_b_id == other.id),
                and_(CaseLink.case_b_id == case.id, CaseLink.case_a_id == other.id),
            ),
        )
        .order_by(other.received_on, other.id)
    ).all()
    for o, kind, _ in rows:
        relation = kind
        if kind == DUPLICATE:
            relation = "重复登记（已作废，并入本件）" if o.voided else "重复登记（本件已并入该件）"
        out.append(
            LinkView(
                o.id, o.number, o.received_on, o.status, o.summary, relation, kind != DUPLICATE
            )
        )
    if case.repeat_of is not None:
        o = case.repeat_of
        out.append(
            LinkView(o.id, o.number, o.received_on, o.status, o.summary, "重复信访：前次", False)
        )
    for o in session.scalars(select(Case).where(Case.repeat_of_id == case.id).order_by(Case.id)):
        out.append(
            LinkView(o.id, o.number, o.received_on, o.status, o.summary, "重复信访：此后", False)
        )
    return out


def merge(session: Session, duplicate: Case, keep: Case, user: str) -> None:
    """Void `duplicate` as 重复登记 of `keep` and link the two; its events stay as they were."""
    if duplicate.id == keep.id:
        raise DomainError("请指定两件不同的信访件。")
    if duplicate.voided:
        raise DomainError(f"信访件 {duplicate.number} 已经作废。")
    if keep.voided:
        raise DomainError(f"保留的信访件 {keep.number} 已作废，不能把其他件并入它。")
    # The 作废 goes through the workflow like any other, so the status and statistics follow.
    workflow.act(
        session,
        duplicate,
        "作废",
        clock.today(),
        {"reason": DUPLICATE, "merged_into": keep.number},
        user,
    )
    link(session, duplicate, keep, user, DUPLICATE)
    audit.record(session, user, "合并", "case", duplicate.number, "merged_into", None, keep.number)


def person_case_ids(session: Session, case: Case) -> list[int]:
    """All cases of this case's petitioner: the same ID number, else the same name and phone
    (one of the two without an ID), oldest first. A case without a petitioner has only itself."""
    person = case.petitioner
    if person is None:
        return [case.id]
    q = aliased(Petitioner)
    people = [person.id]
    if person.phone:
        cond = and_(q.name == person.name, q.phone == person.phone, q.id != person.id)
        if person.id_number:
            cond = and_(cond, q.id_number.is_(None))
        people += list(session.scalars(select(q.id).where(cond)))
    return list(
        session.scalars(
            select(Case.id)
            .where(Case.petitioner_id.in_(people))
            .order_by(Case.received_on, Case.id)
        )
    )
