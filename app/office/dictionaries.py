"""The editable dictionaries (docs/rules.md, 字段, 字典) and their defaults, and the 单位 names
with their aliases (`canonical_unit`, `same_unit`, `names_unit`)."""

import re
from dataclasses import dataclass

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

# 法律法规依据 the office cites in its 处理意见书 (条例 Art.32): offered on the 答复, editable.
BASIS = "basis"
DEFAULT_BASES = [
    "《信访工作条例》第三十二条",
    "《中华人民共和国民法典》",
    "《中华人民共和国农村土地承包法》",
    "《中华人民共和国劳动合同法》",
    "《保障农民工工资支付条例》",
    "《中华人民共和国土地管理法》",
    "《国有土地上房屋征收与补偿条例》",
    "《物业管理条例》",
    "《中华人民共和国社会保险法》",
    "《中华人民共和国环境保护法》",
]

# 单位 (outside units: 承办单位 outside the office, 被反映对象) and their aliases, stored as
# ("unit_alias", parent = the unit's canonical name, value = the alias) (docs/rules.md, 单位).
UNIT, UNIT_ALIAS = "unit", "unit_alias"
KINDS = (
    "channel",
    "category",
    "subcategory",
    "department",
    "leader",
    UNIT,
    UNIT_ALIAS,
    BASIS,
)


SEEDED = ("channel", "category", "subcategory", "department", BASIS)


def missing_defaults(session: Session) -> bool:
    """Whether a dictionary `seed_defaults` fills is still empty."""
    have = set(session.scalars(select(DictEntry.kind).distinct()))
    return not have.issuperset(SEEDED)


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
    if BASIS not in have:  # also fills it in a database made before the dictionary existed
        rows += [DictEntry(kind=BASIS, value=v, sort=i) for i, v in enumerate(DEFAULT_BASES)]
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


# ---------------------------------------------------------------- 单位 and their aliases

# The standard short forms of government bodies' names (GB/T 2261-style 简称 an office writes
# every day): both sides of a comparison are rewritten to the short form, so 县住房和城乡建设局
# and 县住建局 are one unit even before the clerk enters the alias in the dictionary.
_SHORT_FORMS = [
    ("住房和城乡建设", "住建"),
    ("住房城乡建设", "住建"),
    ("人力资源和社会保障", "人社"),
    ("人力资源社会保障", "人社"),
    ("自然资源和规划", "自然资源"),
    ("市场监督管理", "市场监管"),
    ("交通运输", "交通"),
    ("卫生健康", "卫健"),
    ("卫生和健康", "卫健"),
    ("教育和体育", "教体"),
    ("文化和旅游", "文旅"),
    ("文化旅游", "文旅"),
    ("退役军人事务", "退役军人"),
    ("应急管理", "应急"),
    ("纪律检查委员会", "纪委"),
    ("监察委员会", "监委"),
    ("人民政府", "政府"),
    ("委员会", "委"),
]
_PUNCT = re.compile(r"[\s·•、，,。．.（）()〔〕\[\]【】\-—_/]+")
# Shorter than this, a name is too generic to look for inside a longer one ("县局").
MIN_CONTAINED = 3


def normal_unit(name: str) -> str:
    """A unit name reduced for comparison: no spaces or punctuation, standard short forms."""
    text = _PUNCT.sub("", (name or "").strip())
    for long, short in _SHORT_FORMS:
        text = text.replace(long, short)
    return text


@dataclass(frozen=True)
class Units:
    """The unit dictionary in memory: every name and alias (normalised) → its canonical name."""

    names: dict[str, str]

    def canonical(self, name: str) -> str:
        """The dictionary's name for a unit; an unknown name stays as written (trimmed)."""
        return self.names.get(normal_unit(name), (name or "").strip())

    def spellings(self, name: str) -> set[str]:
        """Every normalised spelling of the unit `name` names (itself when it is not known)."""
        canonical = self.canonical(name)
        found = {k for k, v in self.names.items() if v == canonical}
        return found | {normal_unit(name), normal_unit(canonical)} - {""}

    def same(self, a: str, b: str) -> bool:
        """True when two names are one unit (alias-aware; never a substring test)."""
        if not normal_unit(a) or not normal_unit(b):
            return False
        return bool(self.spellings(a) & self.spellings(b))

    def names_unit(self, text: str, unit: str) -> bool:
        """True when `text` (a 被反映对象 such as "县住建局局长王某") names `unit` or one of the
        unit's sub-bodies, under any of its names."""
        if self.same(text, unit):
            return True
        whole = normal_unit(text)
        for spelling in self.spellings(unit):
            if len(spelling) >= MIN_CONTAINED and spelling in whole:
                return True
        # "县住建局城建股" is a part of 县住建局: writing to it reaches the reported body too.
        return any(
            len(spelling) >= MIN_CONTAINED and spelling in normal_unit(unit)
            for spelling in self.spellings(text)
        )


def units(session: Session) -> Units:
    rows = session.execute(
        select(DictEntry.kind, DictEntry.parent, DictEntry.value).where(
            DictEntry.kind.in_((UNIT, UNIT_ALIAS))
        )
    ).all()
    names: dict[str, str] = {}
    for kind, parent, value in rows:
        canonical = value if kind == UNIT else (parent or value)
        names.setdefault(normal_unit(value), canonical)
    for kind, _, value in rows:  # a unit's own name always maps to itself
        if kind == UNIT:
            names[normal_unit(value)] = value
    return Units(names)
