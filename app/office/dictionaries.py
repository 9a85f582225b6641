"""The editable dictionaries (docs/rules.md, 字段, 字典) and their defaults."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import DictEntry

LETTER, VISIT = "来信", "来访"  # the forms the intake form treats specially
FORMS = [LETTER, VISIT, "来电", "网上", "传真"]
NATURES = ["建议意见类", "检举控告类", "申诉求决类"]
VISIT_LEVELS = ["本级", "到县", "到市", "赴省", "进京"]
GENDERS = ["男", "女"]
REPLY_RESULTS = ["支持", "解释说明", "不予支持"]
RATINGS = ["满意", "基本满意", "不满意"]

DEFAULT_CHANNELS = [
    "直接受理",
    "市长信箱",
    "书记信箱",
    "12345热线",
    "上级交办",
    "上级转送",
    "领导接访",
    "人大建议",
    "政协提案",
    "社情民意",
    "政风行风热线",
    "其他",
]
DEFAULT_CATEGORIES = [
    "城乡建设",
    "农村农业",
    "劳动和社会保障",
    "国土资源",
    "水利",
    "教育文体",
    "卫生健康",
    "民政",
    "交通运输",
    "经济管理",
    "组织人事",
    "党务政务",
    "纪检监察",
    "政法",
    "环境保护",
    "其他",
]
DEFAULT_SUBCATEGORIES = {
    "农村农业": ["土地承包", "农民负担", "农村财务", "农村集体资产"],
    "政法": ["涉法涉诉"],
    "民政": ["涉军"],
}
DEFAULT_DEPARTMENTS = ["办公室", "业务科", "法规科", "综合科"]

KINDS = ("channel", "category", "subcategory", "department", "leader")


def seed_defaults(session: Session) -> None:
    """Fill empty dictionaries with the defaults (first run)."""
    have = set(session.scalars(select(DictEntry.kind).distinct()))
    rows: list[DictEntry] = []
    if "channel" not in have:
        rows += [DictEntry(kind="channel", value=v, sort=i) for i, v in enumerate(DEFAULT_CHANNELS)]
    if "category" not in have:
        rows += [
            DictEntry(kind="category", value=v, sort=i) for i, v in enumerate(DEFAULT_CATEGORIES)
        ]
    if "subcategory" not in have:
        for parent, values in DEFAULT_SUBCATEGORIES.items():
            rows += [
                DictEntry(kind="subcategory", parent=parent, value=v, sort=i)
                for i, v in enumerate(values)
            ]
    if "department" not in have:
        rows += [
            DictEntry(kind="department", value=v, sort=i) for i, v in enumerate(DEFAULT_DEPARTMENTS)
        ]
    session.add_all(rows)


def values(session: Session, kind: str, parent: str | None = None) -> list[str]:
    """Active values of one dictionary, in the office's order."""
    query = select(DictEntry.value).where(DictEntry.kind == kind, DictEntry.active.is_(True))
    if parent is not None:
        query = query.where(DictEntry.parent == parent)
    return list(session.scalars(query.order_by(DictEntry.sort, DictEntry.id)))


def add(session: Session, kind: str, value: str, parent: str | None = None) -> bool:
    """Add a value (or re-activate it). Returns True when it was not there before."""
    value = value.strip()
    if kind not in KINDS or not value:
        raise ValueError(kind)
    row = session.scalar(
        select(DictEntry).where(
            DictEntry.kind == kind,
            DictEntry.value == value,
            DictEntry.parent.is_(parent) if parent is None else DictEntry.parent == parent,
        )
    )
    if row is not None:
        was_inactive = not row.active
        row.active = True
        return was_inactive
    last = session.scalar(select(func.max(DictEntry.sort)).where(DictEntry.kind == kind))
    session.add(DictEntry(kind=kind, value=value, parent=parent, sort=(last or 0) + 1))
    session.flush()
    return True


def deactivate(session: Session, kind: str, value: str) -> None:
    """Hide a value from new cases; cases that use it keep it and statistics still count it."""
    for row in session.scalars(
        select(DictEntry).where(DictEntry.kind == kind, DictEntry.value == value)
    ):
        row.active = False
