"""Checks on what the clerk types (docs/rules.md, 个人信息): 身份证号 and 电话."""

import datetime as dt
import functools
import re
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric
from stdnum.exceptions import ValidationError

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
    # GB 11643-1999 asks for 18 characters, a valid birth date and the MOD 11-2 check digit.
    # stdnum's validate() also refuses an area code that did not exist in the birth year, but
    # the code is where the number was issued (often decades later): real numbers fail that,
    # so an unknown area is only a warning here.
    if len(number) != 18:
        raise DomainError(f"身份证号应为18位（现为{len(number)}位）。", field="id_number")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise DomainError("身份证号前17位应为数字，最后一位为数字或X。", field="id_number")
    try:
        birth = ric.get_birth_date(number)
    except ValidationError:
        raise DomainError("身份证号中的出生日期无效。", field="id_number") from None
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise DomainError(
            f"身份证号校验位错误（按前17位应为 {expected}），请核对。", field="id_number"
        )
    if birth > clock.today():
        raise DomainError("身份证号中的出生日期晚于今天。", field="id_number")
    birthplace, warning = _area(number[:6])
    gender = "男" if int(number[16]) % 2 else "女"
    return IdInfo(number, birth, gender, birthplace, warning)


@functools.lru_cache(maxsize=8192)
def _area(code: str) -> tuple[str, str | None]:
    """(birthplace, warning): the place the area code names, in any period it was in use.
    Cached: stdnum walks its whole table per lookup (~0.6 ms), and a ledger's IDs share a few
    hundred codes."""
    results = numdb.get("cn/loc").info(code)
    info = {k: v for _part, props in results for k, v in props.items()}
    if not info:
        return "", "身份证号前6位不是已知的行政区划代码，请核对。"
    # Counties are listed as "[1983-1995]某县,[1995-]某区": show the latest name.
    county = info.get("county", "").split(",")[-1].split("]", 1)[-1]
    return info.get("province", "") + county, None


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
    """1101**********1234 (docs/rules.md, 台账)."""
    if not number:
        return ""
    if len(number) <= 8:
        return number[:2] + "*" * (len(number) - 2)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str | None) -> str:
    """138****8000; a landline keeps its area code: 0531-****8888."""
    if not phone:
        return ""
    area, sep, local = phone.partition("-")
    if sep and area.startswith("0") and len(local) >= 7:
        return f"{area}-{'*' * (len(local) - 4)}{local[-4:]}"
    digits = phone.replace("-", "")
    if len(digits) < 7:
        return phone
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
