"""Rules of a case that several paths apply (intake, settings, ledger dry run and import, the GUI
form): each written once here. See docs/rules.md, 集体访."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case
from sqlalchemy.sql.elements import ColumnElement

from app.models import Case

VISIT = "来访"
# 性质 (docs/rules.md, 字段): what a summary or a ledger's 信访目的/性质 cell says, and the default.
ACCUSATION = "检举控告类"
REQUEST = "申诉求决类"
SUGGESTION = "建议意见类"
_ACCUSATION_WORDS = ("检举", "举报", "控告", "揭发")
_NATURE_WORDS = {
    "求决": REQUEST,
    "申诉": REQUEST,
    "申诉求决": REQUEST,
    "意见建议": SUGGESTION,
    "建议意见": SUGGESTION,
    "建议": SUGGESTION,
    "意见": SUGGESTION,
    "揭发控告": ACCUSATION,
    "检举控告": ACCUSATION,
    # A 12345 工单's 诉求类型.
    "投诉": REQUEST,
    "求助": REQUEST,
    "咨询": REQUEST,
    "诉求": REQUEST,
}


def nature_word(text: str) -> str | None:
    """A 性质 or 信访目的 cell as a 性质 (求决 → 申诉求决类, 揭发控告 → 检举控告类), else None."""
    s = "".join(text.split())
    if s in (ACCUSATION, REQUEST, SUGGESTION):
        return s
    if s.endswith("类"):
        s = s[:-1]
    if s in _NATURE_WORDS:
        return _NATURE_WORDS[s]
    if any(w in s for w in _ACCUSATION_WORDS):
        return ACCUSATION
    return None


def suggest_nature(*texts: str) -> str:
    """The 性质 the form and the import suggest: 检举控告类 when any text says 检举, 举报, 控告 or
    揭发 (the identity then stays out of outgoing documents, 条例 Art.30), else 申诉求决类."""
    if any(w in (t or "") for t in texts for w in _ACCUSATION_WORDS):
        return ACCUSATION
    return REQUEST


def derived_collective(form: str, persons: int, threshold: int) -> bool:
    """集体访 as the rule derives it: a 来访 with at least `threshold` persons (default 5)."""
    return form == VISIT and persons >= threshold


def collective(form: str, persons: int, threshold: int, override: bool | None) -> bool:
    """The stored 集体访 flag: the clerk's override when there is one, else the derived rule."""
    if override is not None:
        return override
    return derived_collective(form, persons, threshold)


def derived_collective_sql(threshold: int) -> ColumnElement[Any]:
    """derived_collective as an SQL expression over the Case table (for a bulk re-derivation)."""
    return case((and_(Case.form == VISIT, Case.persons >= threshold), True), else_=False)
