"""Rules of a case that several paths apply (intake, settings, ledger dry run and import, the GUI
form): each written once here. See docs/rules.md, 集体访."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, case
from sqlalchemy.sql.elements import ColumnElement

from app.models import Case

VISIT = "来访"


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
