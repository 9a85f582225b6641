"""Column mappings the clerk made by hand, remembered per header (docs/rules.md, 台账).

An office imports the same kind of sheet again and again (this month's 来访 register, next
month's): what the clerk told the program about one sheet — `--map 接件时间=登记日期`, `--set
信访形式=来访`, a column set to 不导入 in the wizard — is offered for the next sheet whose header
is the same. Only the clerk's own choices are stored (the difference from the header detection),
so a sheet the program reads by itself stores nothing, and a later, better header detection
still applies to every column the clerk did not touch.

Stored in the `settings` table, one row per header signature under `ledger_mapping:<hash>`: the
table already holds JSON office settings, so a backup and a restore carry the mappings with them
and no schema change is needed; `settings.get_all` reads only its own keys, so these rows never
reach the settings page or `settings show`.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from app import audit, clock
from app.ledger.values import COLUMN_BY_KEY
from app.models import Setting

KEY_PREFIX = "ledger_mapping:"


def signature(headers: list[str]) -> str:
    """The header as the program sees it: the normalised header texts, trailing blanks dropped."""
    texts = list(headers)
    while texts and not texts[-1]:
        texts.pop()
    return "\x1f".join(texts)


def setting_key(headers: list[str]) -> str:
    digest = hashlib.sha256(signature(headers).encode("utf-8")).hexdigest()[:24]
    return KEY_PREFIX + digest


@dataclass
class Remembered:
    """The clerk's own choices for one header: columns mapped by hand, fields the clerk chose not
    to import, whole-sheet values."""

    mapped: dict[str, int] = field(default_factory=dict)  # field key → column index
    unmapped: list[str] = field(default_factory=list)  # field keys the clerk dropped
    fixed: dict[str, str] = field(default_factory=dict)  # field key → text
    saved_on: dt.date | None = None

    def __bool__(self) -> bool:
        return bool(self.mapped or self.unmapped or self.fixed)

    def apply(self, auto: dict[str, int], width: int | None = None) -> dict[str, int]:
        """The header detection's mapping with the clerk's changes laid over it."""
        mapping = {k: v for k, v in auto.items() if k not in self.unmapped}
        for key, col in self.mapped.items():
            if key not in COLUMN_BY_KEY or (width is not None and col >= width):
                continue  # a field this version no longer knows, or a column not in this sheet
            mapping = {k: v for k, v in mapping.items() if v != col}  # one column, one field
            mapping[key] = col
        return mapping

    def describe(self, headers: list[str]) -> str:
        """One Chinese line: 接件时间→登记日期；备注→不导入；信访形式=来访."""
        parts = []
        for key, col in self.mapped.items():
            if key in COLUMN_BY_KEY:
                header = headers[col] if col < len(headers) and headers[col] else f"第{col + 1}列"
                parts.append(f"{header}→{COLUMN_BY_KEY[key].title}")
        parts += [f"{COLUMN_BY_KEY[k].title}→不导入" for k in self.unmapped if k in COLUMN_BY_KEY]
        parts += [
            f"{COLUMN_BY_KEY[k].title}={v}" for k, v in self.fixed.items() if k in COLUMN_BY_KEY
        ]
        return "；".join(parts)


def difference(auto: dict[str, int], chosen: dict[str, int], fixed: dict[str, str]) -> Remembered:
    """What the clerk changed: `chosen` against the header detection's `auto`."""
    mapped = {k: c for k, c in chosen.items() if auto.get(k) != c}
    unmapped = [k for k in auto if k not in chosen]
    return Remembered(mapped, unmapped, {k: v for k, v in fixed.items() if v})


def load(session: Session, headers: list[str]) -> Remembered | None:
    row = session.get(Setting, setting_key(headers))
    if row is None or not isinstance(row.value, dict):
        return None
    value: dict[str, Any] = row.value
    # The hash could collide, and an older row could be damaged: trust only a full match.
    if value.get("signature") != signature(headers):
        return None
    saved = value.get("saved_on")
    return Remembered(
        {str(k): int(v) for k, v in dict(value.get("mapped") or {}).items()},
        [str(k) for k in value.get("unmapped") or []],
        {str(k): str(v) for k, v in dict(value.get("fixed") or {}).items()},
        dt.date.fromisoformat(saved) if saved else None,
    )


def save(session: Session, headers: list[str], remembered: Remembered, user: str) -> bool:
    """Store (or, when the clerk changed nothing, forget) the choices for this header. Returns
    whether anything was stored."""
    key = setting_key(headers)
    row = session.get(Setting, key)
    if not remembered:
        if row is not None:
            session.delete(row)
            audit.record(session, user, "删除", "setting", key, "台账导入设置", None, None)
        return False
    value = {
        "signature": signature(headers),
        "mapped": remembered.mapped,
        "unmapped": remembered.unmapped,
        "fixed": remembered.fixed,
        "saved_on": clock.today().isoformat(),
    }
    described = remembered.describe(headers)
    if row is None:
        session.add(Setting(key=key, value=value))
        audit.record(session, user, "新增", "setting", key, "台账导入设置", None, described)
    else:
        old = load(session, headers)
        row.value = value
        before = old.describe(headers) if old else None
        if before != described:
            audit.record(session, user, "修改", "setting", key, "台账导入设置", before, described)
    return True
