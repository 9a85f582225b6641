"""Cell values of a 台账 (docs/rules.md, 台账): the columns, header names, dates and value words.

Real ledgers are typed by hand over many years, so one value has many spellings. Everything
here is pure (no database) so the importer's dry run and its tests stay fast.
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.errors import DomainError


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # the export header (docs/rules.md, 台账)
    synonyms: tuple[str, ...] = ()


# The §6 export columns, in order, with the other header names a ledger may use (§6, and "What
# real offices' sheets look like").
COLUMNS = [
    Column("seq", "序号", ("编码序号",)),
    Column(
        "number",
        "编号",
        ("信访编号", "信访件编号", "登记编号", "案件编号", "工单编号", "工单号", "件号"),
    ),
    Column(
        "received_on",
        "登记日期",
        (
            "信访日期",
            "来信来访日期",
            "收件日期",
            "日期",
            "接件时间",
            "接件日期",
            "来访日期",
            "来访时间",
            "来信日期",
            "来电时间",
            "来电日期",
            "创建时间",
            "登记时间",
            "信访时间",
            "接访日期",
        ),
    ),
    Column("form", "信访形式", ("信访方式", "形式", "方式", "来信来访方式")),
    Column("channel", "来源渠道", ("来源", "渠道", "信访来源", "信访渠道", "问题来源")),
    Column(
        "name",
        "信访人",
        (
            "信访人姓名",
            "姓名",
            "来访人",
            "反映人",
            "来访群众姓名",
            "来访人姓名",
            "来电人姓名",
            "来电人",
            "上访人姓名",
            "上访人",
            "群众姓名",
            "诉求人",
            "信访群众",
        ),
    ),
    Column("id_number", "身份证号", ("身份证号码", "证件号码", "公民身份号码", "身份证")),
    Column(
        "phone",
        "联系电话",
        ("电话", "手机", "手机号码", "联系方式", "来电人号码", "来电号码", "电话号码"),
    ),
    Column("address", "住址", ("地址", "家庭住址", "联系地址", "通讯地址", "户籍所在地")),
    Column("persons", "人数", ("信访人数", "来访人数", "来访总人数")),
    Column("collective", "集体访", ("是否集体访", "联名信或集体访", "是否联名或集体访")),
    Column(
        "summary",
        "反映问题",
        (
            "主要问题",
            "问题摘要",
            "内容摘要",
            "信访事项",
            "诉求",
            "概况",
            "群众诉求",
            "主要内容",
            "举报内容",
            "事项内容",
            "标题",
            "反映内容",
            "诉求内容",
            "信访内容",
            "来访事由",
            "问题描述",
        ),
    ),
    Column(
        "category",
        "问题类别",
        ("内容分类", "类别", "问题分类", "分类", "事项类型", "市级一级问题分类", "问题类型"),
    ),
    Column(
        "department",
        "承办单位",
        ("承办科室", "责任单位", "办理单位", "责任科室", "流转单位", "承办部门", "责任部门"),
    ),
    Column("leader", "包案领导", ("责任领导",)),
    Column("accepted_on", "受理日期", ("告知日期", "受理时间")),
    Column("handling_due", "办理期限", ("办结期限",)),
    Column("replied_on", "答复日期", ("回复日期", "答复时间", "回复时间")),
    Column("closed_on", "办结日期", ("结案日期", "办结时间", "结案时间")),
    Column(
        "status",
        "办理状态",
        (
            "状态",
            "办理情况",
            "工单状态",
            "信访件状态",
            "办结情况",
            "答复情况",
            "处理结果",
            "处理情况",
            "办理结果",
        ),
    ),
    Column("rating", "满意度", ("评价", "群众满意度", "是否满意", "满意度评价", "评价结果")),
    Column("repeat", "重复信访", ("是否重复信访", "重复", "是否重复")),
    Column("visit_level", "走访层级", ("上访层级", "走访去向", "来访层级")),
    Column("remark", "备注", ()),
]
# Columns real ledgers have that our export does not write: read on import only.
IMPORT_COLUMNS = [
    # 人数 = 1 + 随行人数 (the petitioner and the people with them).
    Column("companions", "随行人数", ("同行人数",)),
    # Inverted: 否 means this is a repeat petition.
    Column("first_visit", "是否初次来访", ("是否全国初次信访", "是否初次信访", "初次来访")),
    Column("closed_flag", "是否办结", ("是否结案",)),
    Column("skip_level", "是否越级", ("越级访", "是否越级访", "越级")),
    Column("abnormal", "是否非正常访", ("非正常访",)),
    Column("nature", "性质", ("信访目的", "信访性质", "问题性质", "诉求类型", "工单类型")),
    Column("locality", "问题属地", ("属地", "所属地区", "问题发生地")),
    Column("target", "被反映对象", ("被反映人", "被反映单位", "被投诉单位", "被举报人")),
    Column("assigning_org", "交办机关", ("交办单位", "转办机关")),
    Column("assigning_ref", "交办文号", ("文号",)),
    Column("handler", "经办人", ("承办人",)),
    Column("receiving_leader", "接访领导", ("接待领导",)),
    # Kept on the case as written (Case.extra), shown on the case page.
    Column("instruction", "领导批示", ("批示",)),
    Column("proposal", "拟办意见", ()),
    Column("registrar", "登记人", ()),
    Column("registrar_dept", "登记部门", ()),
]
COLUMN_BY_KEY = {c.key: c for c in (*COLUMNS, *IMPORT_COLUMNS)}
# Field keys whose value is kept as written in Case.extra, under the column's title.
EXTRA_KEYS = ("instruction", "proposal", "registrar", "registrar_dept")
DATE_KEYS = ("received_on", "accepted_on", "handling_due", "replied_on", "closed_on")

_HEADER_NAMES = {
    name: c.key for c in (*COLUMNS, *IMPORT_COLUMNS) for name in (c.title, *c.synonyms)
}


def normalise_header(text: Any) -> str:
    """A header cell as one word: no spaces or line breaks, no trailing colon or required mark."""
    s = re.sub(r"\s+", "", str(text or ""))
    return s.strip(":：*＊")


# A hint or unit in brackets: 人数（人）, 是否集体访(是/否), 联系方式(手机号码), 登记日期【必填】.
_HINT = re.compile(r"[（(【\[<《][^）)】\]>》]*[）)】\]>》]")


def header_key(text: Any) -> str | None:
    """The field a header cell names, or None. Tolerates hints, units, line breaks and full-width
    brackets; the name must still be one of the §6 names (a guess would map columns silently)."""
    s = normalise_header(text)
    if s in _HEADER_NAMES:
        return _HEADER_NAMES[s]
    bare = _HINT.sub("", s).strip(":：*＊")
    if bare in _HEADER_NAMES:
        return _HEADER_NAMES[bare]
    # A leading column number: "1.姓名", "（3）登记日期".
    bare = re.sub(r"^\d{1,2}[.、．]", "", bare)
    return _HEADER_NAMES.get(bare)


# ---- value words (docs/rules.md, 台账) ----
FORM_WORDS = {
    "来信": "来信",
    "信件": "来信",
    "书信": "来信",
    "信函": "来信",
    "群众来信": "来信",
    "来访": "来访",
    "走访": "来访",
    "上访": "来访",
    "群众来访": "来访",
    "来电": "来电",
    "电话": "来电",
    "电话信访": "来电",
    "来电信访": "来电",
    "12345转办": "来电",
    "热线": "来电",
    "网上": "网上",
    "网上信访": "网上",
    "网信": "网上",
    "信息网络": "网上",
    "网络": "网上",
    "手机信访": "网上",
    "微信信访": "网上",
    "网上建议": "网上",
    "网络举报": "网上",
    "领导信箱": "网上",
    "市长信箱": "网上",
    "书记信箱": "网上",
    "传真": "传真",
}
# A form cell that also names the channel (12345转办 came through the hotline).
FORM_CHANNELS = {"12345转办": "12345热线", "市长信箱": "市长信箱", "书记信箱": "书记信箱"}
# A sheet without 信访形式 takes the form its channel implies (docs/rules.md, 台账).
CHANNEL_FORMS = {
    "12345热线": "来电",
    "政风行风热线": "来电",
    "市长信箱": "网上",
    "书记信箱": "网上",
    "领导接访": "来访",
}
CHANNEL_WORDS = {
    "12345": "12345热线",
    "12345热线": "12345热线",
    "12345政务服务便民热线": "12345热线",
    "12345转办": "12345热线",
    "12345工单": "12345热线",
    "市长热线": "12345热线",
    "省转办": "上级交办",
    "市交办": "上级交办",
    "上级转交办": "上级交办",
    "省交办": "上级交办",
    "市转办": "上级交办",
    "县交办": "上级交办",
    "区交办": "上级交办",
    "上级转办": "上级交办",
    "上级转送": "上级转送",
    "省转送": "上级转送",
    "市转送": "上级转送",
    # A channel cell holding the form means the office received it itself.
    "来信": "直接受理",
    "来访": "直接受理",
    "走访": "直接受理",
    "来电": "直接受理",
    "群众来信": "直接受理",
    "群众来访": "直接受理",
    "本级受理": "直接受理",
    "自行受理": "直接受理",
    "直接来访": "直接受理",
}
# 一级分类 spellings real sheets use for the §4 names (劳动社保 is 劳动和社会保障).
CATEGORY_WORDS = {
    "劳动社保": "劳动和社会保障",
    "劳动保障": "劳动和社会保障",
    "人力资源和社会保障": "劳动和社会保障",
    "人社": "劳动和社会保障",
    "生态环境": "环境保护",
    "环保": "环境保护",
    "自然资源": "国土资源",
    "国土": "国土资源",
    "教育": "教育文体",
    "文体": "教育文体",
    "城建": "城乡建设",
    "住房城乡建设": "城乡建设",
    "农业农村": "农村农业",
    "三农": "农村农业",
    "农业": "农村农业",
    "卫生": "卫生健康",
    "卫健": "卫生健康",
    "医疗卫生": "卫生健康",
    "交通": "交通运输",
    "纪检": "纪检监察",
    "政法综治": "政法",
    "水务": "水利",
}
RATING_WORDS = {
    "满意": "满意",
    "非常满意": "满意",
    "很满意": "满意",
    "基本满意": "基本满意",
    "比较满意": "基本满意",
    "不满意": "不满意",
    "非常不满意": "不满意",
    # A 是否满意 column.
    "是": "满意",
    "否": "不满意",
    # Not rated.
    "未评价": "",
    "未回访": "",
    "无法联系": "",
    "不评价": "",
    "无": "",
}
YES = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
NO = {"否", "×", "n", "no", "false", "0", "无", ""}
LEVEL_WORDS = {"进京": "进京", "赴省": "赴省", "到市": "到市", "到县": "到县", "本级": "本级"}
TOTAL_WORDS = ("合计", "总计", "小计")


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text(value: Any) -> str:
    """A cell as text: whole floats lose their '.0', dates become ISO."""
    if value is None:
        return ""
    if type(value) is str:  # most cells: skip the checks below (called ~70 times per row)
        return value.strip() if value.isprintable() else _CONTROL.sub("", value).strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        # What Excel shows: it keeps 15 significant digits (a long number ends in zeros).
        return format(Decimal(f"{value:.15g}"), "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    # Control characters are stripped on import (docs/rules.md, 个人信息); line breaks stay.
    return _CONTROL.sub("", str(value)).strip()


def word(value: Any, words: dict[str, str], what: str) -> str:
    """Map a spelling to the program's value; raises DomainError naming the allowed words."""
    s = re.sub(r"\s+", "", text(value))
    if s in words:
        return words[s]
    allowed = "、".join(dict.fromkeys(v for v in words.values() if v))
    raise DomainError(f"{what}“{s}”无法识别，应为：{allowed}。")


def yes_no(value: Any) -> bool:
    s = text(value).lower()
    if s in YES:
        return True
    if s in NO:
        return False
    raise DomainError(f"“{s}”应填“是”或“否”。")


def integer(value: Any, default: int) -> int:
    s = text(value)
    if not s:
        return default
    m = re.fullmatch(r"(\d+)\s*人?", s)
    if not m:
        raise DomainError(f"人数“{s}”应为整数。")
    if len(m.group(1)) > 6:
        raise DomainError(f"人数“{s}”过大，请核对。")
    return int(m.group(1))


# ---- dates ----
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (it counts a 29 Feb 1900 that never was)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_DATE_DIGITS = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
# What ledgers (and our own export) write where a date is not known.
UNKNOWN_DATES = {"不详", "不明", "无", "—", "-", "/", "／", "－"}
DATE_STYLES = "2025-03-05、2025/3/5、2025.3.5、2025年3月5日或20250305"


def _ymd(y: str, m: str, d: str, raw: str) -> dt.date:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        raise DomainError(f"日期“{raw}”不存在。") from None


def parse_date(value: Any) -> dt.date | None:
    """Any §6 date style → a date; blank → None; anything else raises DomainError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise DomainError(f"日期“{text(value)}”无法识别。")
    if isinstance(value, int | float):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            raw = str(int(value))
            return _ymd(raw[:4], raw[4:6], raw[6:], raw)
        # A date cell whose format was lost reads as Excel's day serial (1955–2100).
        if 20000 <= value <= 73050:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise DomainError(f"日期“{text(value)}”无法识别，应为{DATE_STYLES}。")
    raw = str(value).strip()
    if not raw or raw in UNKNOWN_DATES:
        return None
    m = _DATE_TEXT.match(raw) or _DATE_DIGITS.match(raw)
    if m:
        return _ymd(m[1], m[2], m[3], raw)
    raise DomainError(f"日期“{raw}”无法识别，应为{DATE_STYLES}。")


# ---- ID numbers that spreadsheets damaged ----
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")


def id_text(value: Any) -> str:
    """The ID cell as text; raises DomainError when Excel stored it as a number and lost digits.

    Excel keeps 15 significant digits, so an 18-digit ID typed into a number cell comes back
    with its last three digits as zeros (or shown as 1.10105E+17). It cannot be repaired.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = text(value)
        if len(digits) <= 15:
            return digits  # an old 15-digit number survives as a number
        raise DomainError(
            f"身份证号被Excel存成了数字，末几位已丢失（读到 {digits}）。"
            "请在原表中把该列设为“文本”格式后重新录入。"
        )
    s = text(value).replace(" ", "").upper()
    if _SCIENTIFIC.match(s):
        raise DomainError(
            f"身份证号被存成了科学计数法（{s}），后几位已丢失。请在原表中把该列设为“文本”格式后重新录入。"
        )
    return s
