"""Editing the office dictionaries (docs/rules.md, 字段, 字典): add, rename, reorder,
(de)activate, remove.

Renaming a value that cases use relabels those cases in the same transaction (and audits each
one). A dictionary value names a group of cases: statistics list every dictionary value and
count the cases that carry it, so if old cases kept the old spelling their figures would drop
out of the renamed row, and editing such a case later would fail ("不在字典中"). Renaming onto
a value that already exists would be a merge, which is refused; so is renaming the channels the
rules recognise by name (交办机关 required, deadlines in months).
"""

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, insert, literal, select, update
from sqlalchemy.orm import Session

from app import audit, clock
from app.errors import DomainError
from app.models import AuditEntry, Case, DictEntry, LeaderReception

KIND_NAMES = {
    "channel": "来源渠道",
    "category": "问题类别",
    "subcategory": "二级分类",
    "department": "承办单位",
    "leader": "领导名单",
    "unit": "单位",
    "unit_alias": "单位别名",
    "basis": "法律法规依据",
}
# Kinds whose values belong to a parent value: the 二级分类 under its 一级, an alias under its unit.
_PARENT_KIND = {"subcategory": "category", "unit_alias": "unit"}
# Channels whose name a rule depends on (intake.ASSIGNED_CHANNELS, projection.project's months).
RULE_CHANNELS = frozenset({"上级交办", "上级转送", "人大建议", "政协提案"})
# The case column each dictionary fills, and how long a value may be (the column's width).
_CASE_COLUMN = {
    "channel": Case.channel,
    "category": Case.category,
    "subcategory": Case.subcategory,
    "department": Case.department,
    "leader": Case.leader,
    "unit": Case.target,
    "unit_alias": Case.target,
}
MAX_LENGTH = {
    "channel": 30,
    "category": 30,
    "subcategory": 30,
    "department": 50,
    "leader": 30,
    "unit": 100,
    "unit_alias": 100,
    "basis": 50,
}
# Dictionaries no case column holds (the 依据 is text of a 答复, kept as the document printed it):
# no use counts, and a rename leaves past 答复 as they were.
_NO_CASE_COLUMN = frozenset({"basis"})


@dataclass(frozen=True)
class DictItem:
    value: str
    active: bool
    uses: int  # cases (and, for leaders, 领导接访 rows) that carry the value
    protected: bool  # a rule depends on the name: cannot be renamed or removed


def _audit(
    session: Session,
    user: str,
    action: str,
    kind: str,
    parent: str | None,
    old: str | None,
    new: str | None,
) -> None:
    entity_id = kind if parent is None else f"{kind}:{parent}"
    audit.record(session, user, action, "dictionary", entity_id, None, old, new)


def _check_kind(kind: str, parent: str | None) -> None:
    if kind not in KIND_NAMES:
        raise DomainError(f"未知的字典：{kind}")
    if (kind in _PARENT_KIND) != (parent is not None):
        if kind == "unit_alias":
            raise DomainError("单位别名须指定是哪个单位的别名。")
        raise DomainError(
            "二级分类须指定所属的一级分类。"
            if kind == "subcategory"
            else "只有二级分类和单位别名有所属的上级值。"
        )


def _rows(session: Session, kind: str, parent: str | None) -> list[DictEntry]:
    query = select(DictEntry).where(DictEntry.kind == kind)
    query = query.where(
        DictEntry.parent.is_(None) if parent is None else DictEntry.parent == parent
    )
    return list(session.scalars(query.order_by(DictEntry.sort, DictEntry.id)))


def _row(session: Session, kind: str, value: str, parent: str | None) -> DictEntry:
    for row in _rows(session, kind, parent):
        if row.value == value:
            return row
    raise DomainError(f"{KIND_NAMES[kind]}中没有“{value}”。")


def _case_match(kind: str, value: str, parent: str | None) -> list[ColumnElement[bool]]:
    where = [_CASE_COLUMN[kind] == value]
    if kind == "subcategory":
        where.append(Case.category == parent)
    return where


def _same_unit_elsewhere(session: Session, kind: str, value: str, parent: str | None) -> None:
    """A name may belong to one unit only: a unit's name or alias that already names another
    unit would make 县住建局 two units, and the Art.30 check could miss one."""
    if kind not in ("unit", "unit_alias"):
        return
    from app.office.dictionaries import normal_unit, units

    known = units(session)
    owner = known.names.get(normal_unit(value))
    mine = parent if kind == "unit_alias" else value
    if owner is not None and owner != mine:
        raise DomainError(f"“{value}”已是单位“{owner}”的名称或别名。", field="value")


def _uses(session: Session, kind: str, parent: str | None) -> dict[str | None, int]:
    if kind in _NO_CASE_COLUMN:
        return {}
    column = _CASE_COLUMN[kind]
    query = select(column, func.count()).where(column.is_not(None)).group_by(column)
    if kind == "subcategory":
        query = query.where(Case.category == parent)
    counts = {value: n for value, n in session.execute(query).all()}
    if kind == "leader":
        for value, n in session.execute(
            select(LeaderReception.leader, func.count()).group_by(LeaderReception.leader)
        ).all():
            counts[value] = counts.get(value, 0) + n
    return counts


def items(session: Session, kind: str, parent: str | None = None) -> list[DictItem]:
    """Every value of one dictionary (inactive ones too), in the office's order, with its uses."""
    _check_kind(kind, parent)
    uses = _uses(session, kind, parent)
    return [
        DictItem(
            r.value, r.active, uses.get(r.value, 0), kind == "channel" and r.value in RULE_CHANNELS
        )
        for r in _rows(session, kind, parent)
    ]


def _clean(kind: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{KIND_NAMES[kind]}的名称。", field="value")
    if len(value) > MAX_LENGTH[kind]:
        raise DomainError(
            f"名称太长：{KIND_NAMES[kind]}最多 {MAX_LENGTH[kind]} 个字。", field="value"
        )
    if any(ch in value for ch in "\t\r\n"):
        raise DomainError("名称中不能有换行或制表符。", field="value")
    return value


def add(session: Session, kind: str, value: str, parent: str | None = None, user: str = "") -> str:
    """Add a value at the end of its list (or re-activate it). Returns the cleaned value."""
    _check_kind(kind, parent)
    value = _clean(kind, value)
    if parent is not None:
        _row(session, _PARENT_KIND[kind], parent, None)  # the 一级 (or the unit) must exist
    _same_unit_elsewhere(session, kind, value, parent)
    rows = _rows(session, kind, parent)
    for row in rows:
        if row.value == value:
            if row.active:
                raise DomainError(f"{KIND_NAMES[kind]}中已有“{value}”。", field="value")
            row.active = True
            _audit(session, user, "启用", kind, parent, None, value)
            return value
    sort = max((r.sort for r in rows), default=-1) + 1
    session.add(DictEntry(kind=kind, value=value, parent=parent, sort=sort, active=True))
    _audit(session, user, "新增", kind, parent, None, value)
    session.flush()
    return value


def rename(
    session: Session, kind: str, old: str, new: str, parent: str | None = None, user: str = ""
) -> int:
    """Rename a value and relabel every case that carries it. Returns the cases relabelled."""
    _check_kind(kind, parent)
    row = _row(session, kind, old, parent)
    new = _clean(kind, new)
    if new == old:
        return 0
    if kind == "channel" and old in RULE_CHANNELS:
        raise DomainError(
            f"“{old}”关系到办理规则（交办机关、办理期限），不能改名；不用时可以停用。"
        )
    if kind == "channel" and new in RULE_CHANNELS:
        raise DomainError(f"“{new}”是有专门办理规则的渠道名称，不能用作其他渠道的新名称。")
    if any(r.value == new for r in _rows(session, kind, parent)):
        raise DomainError(
            f"{KIND_NAMES[kind]}中已有“{new}”，不能把“{old}”改成同名（那样会把两类合并）。"
            f"如果两者确是一回事，请停用“{old}”。",
            field="value",
        )
    _same_unit_elsewhere(session, kind, new, parent)
    row.value = new
    _audit(session, user, "改名", kind, parent, old, new)
    if kind in _NO_CASE_COLUMN:
        return 0
    column = _CASE_COLUMN[kind]
    where = _case_match(kind, old, parent)
    # One audit line per case, written in SQL: a popular category can be 30,000 cases.
    session.execute(
        insert(AuditEntry).from_select(
            ["at", "user", "action", "entity", "entity_id", "field", "old", "new"],
            select(
                literal(clock.now()),
                literal(user),
                literal("字典改名"),
                literal("case"),
                Case.number,
                literal(column.key),
                literal(old),
                literal(new),
            ).where(*where),
        )
    )
    relabelled = cast(
        CursorResult[Any], session.execute(update(Case).where(*where).values({column.key: new}))
    ).rowcount
    for parent_kind, child_kind in (("category", "subcategory"), ("unit", "unit_alias")):
        if kind == parent_kind:
            session.execute(
                update(DictEntry)
                .where(DictEntry.kind == child_kind, DictEntry.parent == old)
                .values(parent=new)
            )
    if kind == "leader":
        session.execute(
            update(LeaderReception).where(LeaderReception.leader == old).values(leader=new)
        )
    session.expire_all()
    return int(relabelled or 0)


def move(session: Session, kind: str, value: str, offset: int, parent: str | None = None) -> None:
    """Move a value up (offset < 0) or down in the list the forms show."""
    _check_kind(kind, parent)
    rows = _rows(session, kind, parent)
    index = next((i for i, r in enumerate(rows) if r.value == value), None)
    if index is None:
        raise DomainError(f"{KIND_NAMES[kind]}中没有“{value}”。")
    target = max(0, min(len(rows) - 1, index + offset))
    rows.insert(target, rows.pop(index))
    for i, row in enumerate(rows):
        row.sort = i


def set_active(
    session: Session, kind: str, value: str, active: bool, parent: str | None = None, user: str = ""
) -> None:
    """Stop offering a value for new cases (cases that carry it keep it and are still counted)."""
    _check_kind(kind, parent)
    row = _row(session, kind, value, parent)
    if row.active == active:
        return
    if (
        not active
        and sum(r.active for r in _rows(session, kind, parent)) <= 1
        and kind not in ("subcategory", "unit", "unit_alias")
    ):
        raise DomainError(f"{KIND_NAMES[kind]}至少要保留一个启用的值。")
    row.active = active
    _audit(session, user, "启用" if active else "停用", kind, parent, None, value)


def remove(
    session: Session, kind: str, value: str, parent: str | None = None, user: str = ""
) -> None:
    """Delete a value nobody uses (a slip of the keyboard); used values can only be stopped."""
    _check_kind(kind, parent)
    row = _row(session, kind, value, parent)
    if kind == "channel" and value in RULE_CHANNELS:
        raise DomainError(f"“{value}”关系到办理规则，不能删除；不用时可以停用。")
    uses = _uses(session, kind, parent).get(value, 0)
    if uses:
        raise DomainError(
            f"已有 {uses} 条记录使用“{value}”，不能删除，可以停用（停用后不再出现在登记表的选项中，"
            "原有记录和统计不受影响）。"
        )
    if kind == "category" and _rows(session, "subcategory", value):
        raise DomainError(f"“{value}”下还有二级分类，请先删除或停用它们。")
    if kind == "unit" and _rows(session, "unit_alias", value):
        raise DomainError(f"单位“{value}”还有别名，请先删除它们。")
    session.delete(row)
    _audit(session, user, "删除", kind, parent, value, None)
