"""条例 Art.30 in documents (docs/rules.md, 个人信息; domain.md §7, §9).

A case is protected when its 性质 is 检举控告类, or blank (an old case the upgrade has not yet
classified is treated as protected until it is). For a protected case an outgoing document (one
addressed to a unit: 转送函, 交办函, 督办单, an office's own 文书) carries no name, ID, phone,
address or workplace of the reporter — not in the petitioner fields, and not inside any free text
it quotes (the summary, 办理意见, 备注): there the name becomes "信访人" and ID and phone numbers
are removed. The context is scrubbed as a whole, so an office's own template cannot leak it.
"""

import re
from typing import Any

from app.cases.rules import ACCUSATION

IN_TEXT_NAME = "信访人"
REMOVED = "（已隐去）"
# ID numbers (18 digits, the last may be X; old 15-digit ones) and phones (mobiles 1[3-9]…, and
# landlines with an area code), as digits written inside free text. Not inside a longer number.
_ID = re.compile(r"(?<![0-9])(?:[1-9]\d{16}[0-9Xx]|[1-9]\d{14})(?![0-9Xx])")
_MOBILE = re.compile(r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])0\d{2,3}[- ]?\d{7,8}(?![0-9])")


def is_protected(nature: str | None) -> bool:
    """检举控告类, or not yet classified (blank): the reporter's identity stays out."""
    return not (nature or "").strip() or nature == ACCUSATION


def scrub_numbers(text: str) -> str:
    """ID and phone numbers typed inside free text, removed."""
    for pattern in (_ID, _MOBILE, _LANDLINE):
        text = pattern.sub(REMOVED, text)
    return text


class Scrubber:
    """Removes one reporter's identity from free text."""

    def __init__(self, name: str, id_number: str, phone: str, address: str, workplace: str) -> None:
        # Longest first: an address that contains the name is removed whole.
        pairs = [(address, REMOVED), (workplace, REMOVED), (id_number, REMOVED)]
        pairs += [(phone, REMOVED), (name, IN_TEXT_NAME)]
        self.pairs = sorted(
            ((v.strip(), by) for v, by in pairs if v and len(v.strip()) >= 2),
            key=lambda p: -len(p[0]),
        )

    def text(self, value: str) -> str:
        for secret, by in self.pairs:
            value = value.replace(secret, by)
        return scrub_numbers(value)

    def tree(self, value: Any) -> Any:
        """Every string inside a context (dicts, lists), scrubbed."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return type(value)({k: self.tree(v) for k, v in value.items()})
        if isinstance(value, list):
            return [self.tree(v) for v in value]
        return value
