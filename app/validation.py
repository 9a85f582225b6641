"""Checks on what the clerk types (domain.md §7): 身份证号 and 电话."""

import datetime as dt
import re
from dataclasses import dataclass

from stdnum.cn import ric
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from app import clock
from app.errors import DomainError


@dataclass(frozen=True)
class IdInfo:
    number: str  # normalised: upper-case X, no spaces
    birth_date: dt.date
    gender: str  # 男 / 女
    birthplace: str  # 省 + 县区, '' when unknown
    warning: str | None = None  # e.g. an old 15-digit number


def check_id_number(text: str) -> IdInfo:
    """Validate a 身份证号; raises DomainError (field id_number) with the reason in Chinese."""
    number = ric.compact(text or "")
    if len(number) == 15 and number.isdigit():
        try:
            birth = dt.date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))
        except ValueError:
            raise DomainError("身份证号中的出生日期无效。", field="id_number") from None
        gender = "男" if int(number[14]) % 2 else "女"
        return IdInfo(number, birth, gender, "", "这是15位旧身份证号，请核对后尽量换为18位号码。")
    try:
        ric.validate(number)
    except InvalidLength:
        raise DomainError(f"身份证号应为18位（现为{len(number)}位）。", field="id_number") from None
    except InvalidFormat:
        raise DomainError(
            "身份证号前17位应为数字，最后一位为数字或X。", field="id_number"
        ) from None
    except InvalidChecksum:
        raise DomainError(
            f"身份证号校验位错误（按前17位应为 {ric.calc_check_digit(number)}），请核对。",
            field="id_number",
        ) from None
    except InvalidComponent:
        # Birth date impossible, or an area code that never existed.
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            raise DomainError("身份证号中的出生日期无效。", field="id_number") from None
        raise DomainError("身份证号前6位不是有效的行政区划代码。", field="id_number") from None
    except ValidationError:
        raise DomainError("身份证号无效。", field="id_number") from None
    birth = ric.get_birth_date(number)
    if birth > clock.today():
        raise DomainError("身份证号中的出生日期晚于今天。", field="id_number")
    try:
        place = ric.get_birth_place(number)
        birthplace = place.get("province", "") + place.get("county", "")
    except ValidationError:
        birthplace = ""
    gender = "男" if int(number[16]) % 2 else "女"
    return IdInfo(number, birth, gender, birthplace)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Area code 0xx / 0xxx, then a 7- or 8-digit number, an optional extension.
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def check_phone(text: str) -> str:
    """Normalise and validate a phone number: 11-digit mobile or landline with area code."""
    phone = re.sub(r"[\s()（）]", "", text or "").replace("—", "-").replace("－", "-")
    if phone.startswith("+86"):
        phone = phone[3:]
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return phone
    if phone.isdigit() and len(phone) == 11:
        raise DomainError("手机号应以13–19开头。", field="phone")
    raise DomainError("电话应为11位手机号，或带区号的固定电话（如 0531-86001234）。", field="phone")


def mask_id(number: str | None) -> str:
    """1101**********1234 (domain.md §6)."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:2] + "*" * (len(number) - 2)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****8000."""
    if not phone:
        return ""
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return phone
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
