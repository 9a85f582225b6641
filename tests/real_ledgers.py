"""Six ledgers shaped like the ones offices really keep (docs/rules.md §6, "What real offices'
sheets look like"), built at test time so no binary file is committed.

Each builder writes its file and returns a `Built`: the path and every data row as the sheet
means it (dates as dates, counts as numbers, texts as written) keyed by the column's plain name,
with the spreadsheet row number under "_row". Tests compute the expected figures from these rows,
never from constants, so a builder change moves the expectations with it.

The cells are written the way clerks and systems write them: mixed date styles (Excel dates,
2025/3/5, 2025.3.5, 2025年3月5日, 20250305, a datetime with its time), ID numbers as text or
missing, phones as numbers or text, a merged title, a 合计 row, stray blank rows. Random choices
come from a seeded generator: the same seed gives the same sheet.

Decision dates are always 0–10 or 30–45 days after the registration date, so whether a decision
was in time does not depend on how the 15-day limit rolls over holidays (§3).
"""

import csv
import datetime as dt
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openpyxl
import xlwt
from openpyxl.styles import Alignment
from stdnum.cn import ric

YEAR = 2025
START = dt.date(YEAR, 1, 2)
END = dt.date(YEAR, 12, 31)  # the tests' pinned today (tests/conftest.py)
RATINGS = ("满意", "基本满意", "不满意")

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
)
_GIVEN_NAMES = (
    "建国 秀英 桂兰 志强 海燕 立新 玉梅 国华 春生 丽娟 德明 红霞 永福 淑珍 金华 小龙 "
    "晓东 文斌 美玲 宏伟 卫东 凤英 建华 秀兰 明辉 丽萍 国强 素芬 长林 雪梅 振华 翠花 "
    "家豪 子涵 一鸣 雨欣 浩然 思远 婷婷 俊杰 爱国 月娥 水根 金凤 保平 德胜 巧云 荣华 "
    "跃进 冬梅"
)
GIVEN = tuple(_GIVEN_NAMES.split())
CLERKS = ("沈佳琪", "方晓燕", "吴俊", "严立群")


@dataclass(frozen=True)
class Place:
    """Where a sheet's petitioners live: the address prefix, its towns and the ID area codes."""

    prefix: str
    towns: tuple[str, ...]
    villages: tuple[str, ...]
    areas: tuple[str, ...]
    landline: str  # area code


XIHU = Place(
    "浙江省杭州市西湖区",
    ("转塘街道", "留下街道", "蒋村街道", "三墩镇", "双浦镇", "西溪街道"),
    ("象山村", "龙坞村", "华家池社区", "振华路社区", "绿城西溪诚园", "金地自在城"),
    ("330106", "330110", "330104", "330782"),
    "0571",
)
DEQING = Place(
    "浙江省湖州市德清县",
    ("武康街道", "乾元镇", "新市镇", "洛舍镇", "钟管镇", "禹越镇"),
    ("城北村", "双溪村", "东衡村", "五四村", "英溪社区", "千秋社区"),
    ("330521", "330624", "330681"),
    "0572",
)
LIXIA = Place(
    "山东省济南市历下区",
    ("解放路街道", "姚家街道", "龙洞街道", "智远街道", "千佛山街道"),
    ("燕山小区", "佛山苑社区", "龙鼎社区", "甸柳一居", "窑头社区"),
    ("370102", "370103", "410105"),
    "0531",
)


@dataclass
class Person:
    name: str
    id_number: str  # "" when the sheet does not record it
    phone: str
    address: str
    gender: str


def id_number(area: str, birth: dt.date, seq: int) -> str:
    """A valid 18-digit 身份证号 (GB 11643-1999, ISO 7064 MOD 11-2 check digit)."""
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # it reads the first 17 of 18


class People:
    """Petitioners of one sheet; `again()` hands back someone seen before (a repeat petition)."""

    def __init__(self, rng: random.Random, place: Place, id_share: float = 0.85) -> None:
        self.rng, self.place, self.id_share = rng, place, id_share
        self.seen: list[Person] = []
        self.seq = 100
        self.used: set[str] = set()  # one 身份证号 is one person

    def new(self) -> Person:
        rng = self.rng
        self.seq += 1
        gender = rng.choice("男女")
        seq = self.seq * 2 + (1 if gender == "男" else 0)  # the 17th digit: odd = 男
        number = ""
        while not number or number in self.used:
            birth = dt.date(rng.randint(1948, 2002), rng.randint(1, 12), rng.randint(1, 28))
            number = id_number(rng.choice(self.place.areas), birth, seq % 1000)
        self.used.add(number)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if rng.random() < 0.2:
            name = name[:2]  # two-character names: 王伟, 李娜
        if rng.random() < 0.85:
            phone = f"1{rng.choice('35789')}{rng.randrange(10)}{rng.randrange(10**8):08d}"
        else:
            phone = f"{self.place.landline}-8{rng.randrange(10**7):07d}"
        town, village = rng.choice(self.place.towns), rng.choice(self.place.villages)
        if village.endswith("村"):
            address = (
                f"{self.place.prefix}{town}{village}{rng.randint(1, 12)}组{rng.randint(1, 80)}号"
            )
        else:
            address = (
                f"{self.place.prefix}{town}{village}{rng.randint(1, 30)}幢"
                f"{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
            )
        person = Person(
            name, number if rng.random() < self.id_share else "", phone, address, gender
        )
        self.seen.append(person)
        return person

    def again(self) -> Person | None:
        return self.rng.choice(self.seen) if self.seen else None


@dataclass
class Built:
    path: Path
    sheet: str
    header: list[str]  # the header cells as written (the lower row of a two-row header)
    rows: list[dict[str, Any]] = field(default_factory=list)


# ---- cells ----
TEXT_DATE_STYLES = ("slash", "dot", "cn", "digits_text", "iso")
XLSX_DATE_STYLES = ("excel", "excel", "excel", "slash", "dot", "cn", "digits", "datetime")


def date_cell(rng: random.Random, value: dt.date, styles: Sequence[str]) -> Any:
    """One date as a clerk or a system wrote it."""
    style = rng.choice(styles)
    d = value.date() if isinstance(value, dt.datetime) else value
    when = (
        value
        if isinstance(value, dt.datetime)
        else dt.datetime.combine(
            d, dt.time(rng.randint(8, 17), rng.randrange(60), rng.randrange(60))
        )
    )
    if style == "excel":
        return d
    if style == "datetime":
        return when
    if style == "slash":
        return f"{d.year}/{d.month}/{d.day}"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "digits":
        return int(f"{d:%Y%m%d}")
    if style == "digits_text":
        return f"{d:%Y%m%d}"
    if style == "iso":
        return d.isoformat()
    if style == "iso_time":
        return when.strftime("%Y-%m-%d %H:%M:%S")
    if style == "slash_time":
        return f"{d.year}/{d.month}/{d.day} {when.hour}:{when.minute:02d}"
    raise ValueError(style)


def random_day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def decision_gap(rng: random.Random, received: dt.date, late_share: float = 0.15) -> int:
    """Days from registration to the decision: in time (0–10) or clearly late (30–45)."""
    if rng.random() < late_share and received + dt.timedelta(days=60) <= END:
        return rng.randint(30, 45)
    return rng.randint(0, 10)


def later(rng: random.Random, after: dt.date, low: int, high: int) -> dt.date:
    """A date `low`–`high` days after `after`, never after END."""
    return min(after + dt.timedelta(days=rng.randint(low, high)), END)


def _weighted(rng: random.Random, options: dict[str, int]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _rating(rng: random.Random) -> str:
    return _weighted(rng, {"满意": 55, "基本满意": 20, "不满意": 10, "未评价": 15})


def _phone_cell(rng: random.Random, phone: str) -> Any:
    # A mobile typed into a number cell survives (11 digits < 15); landlines stay text.
    return int(phone) if phone.isdigit() and rng.random() < 0.4 else phone


# ---- writing ----
def _write_xlsx(
    path: Path,
    sheet: str,
    top: list[list[Any]],
    body: list[list[Any] | None],
    merges: Sequence[tuple[int, int, int, int]] = (),
    wrap_rows: Sequence[int] = (),
) -> None:
    """`top` rows (title, notes, header rows) then the body; None in the body is a blank row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in top:
        ws.append(row)
    for b in body:
        ws.append(b if b is not None else [])
    for r1, c1, r2, c2 in merges:
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for r in wrap_rows:
        for cell in ws[r]:
            cell.alignment = Alignment(wrap_text=True)
    wb.save(path)


def _place_rows(
    rng: random.Random,
    first_row: int,
    records: list[tuple[dict[str, Any], list[Any]]],
    blank: float,
) -> list[list[Any] | None]:
    """The body with a few stray blank rows; records learn their spreadsheet row number."""
    body: list[list[Any] | None] = []
    row = first_row
    for record, cells in records:
        if body and rng.random() < blank:
            body.append(None)
            row += 1
        record["_row"] = row
        body.append(cells)
        row += 1
    return body


# ---- (a) a provincial 信访信息系统 export ----
PROVINCIAL_HEADER = [
    "序号",
    "信访件编号",
    "登记时间",
    "信访方式",
    "信访目的",
    "姓名",
    "证件号码",
    "联系电话",
    "通讯地址",
    "信访人数",
    "问题属地",
    "市级一级问题分类",
    "标题",
    "概况",
    "是否全国初次信访",
    "信访件状态",
    "责任单位",
    "受理时间",
    "办结时间",
    "满意度",
    "登记人",
    "登记部门",
    "最后操作时间",
]
PROVINCIAL_FORMS = {"网上信访": 35, "手机信访": 15, "电话信访": 15, "来访": 25, "来信": 10}
PROVINCIAL_CATEGORIES = {
    "城乡建设-物业管理": ("区住建局", "反映小区物业公司服务不到位，电梯长期故障无人维修"),
    "城乡建设-住房保障": ("区住建局", "申请公租房，询问审核进度"),
    "劳动社保-社会保险": ("区人社局", "反映养老保险补缴无法办理"),
    "劳动社保-劳资纠纷": ("区人社局", "反映某建筑公司拖欠农民工工资"),
    "农村农业-土地承包": ("区农业农村局", "反映土地承包经营权被他人占用"),
    "生态环境-噪声污染": ("区生态环境分局", "反映夜间施工噪声扰民"),
    "自然资源-土地征收": ("区规划资源分局", "反映征地补偿款发放不到位"),
    "教育-义务教育": ("区教育局", "反映子女入学划片问题"),
    "卫生健康-医疗纠纷": ("区卫健局", "反映在社区卫生服务中心就诊时的医疗纠纷"),
    "交通运输-道路建设": ("区交通运输局", "反映村道破损，要求尽快修复"),
}
PROVINCIAL_PURPOSES = {"求决": 55, "申诉": 15, "意见建议": 20, "揭发控告": 10}
# The 信访件状态 texts a provincial system writes, with how often they occur.
PROVINCIAL_STATES = {
    "closed_text_date": 20,
    "closed": 25,
    "replied": 10,
    "pending": 8,
    "refused": 7,
    "assigned": 12,
    "handling": 18,
    "review": 3,  # 已答复，…申请复查 → 复查中 (its 办结 happened, §3)
}


def provincial_export(path: Path, rows: int = 120, seed: int = 1) -> Built:
    """Header on row 1, 23 columns, no title; statuses as the system's sentences."""
    rng = random.Random(seed)
    people = People(rng, XIHU)
    built = Built(path, "信访件列表", list(PROVINCIAL_HEADER))
    records: list[tuple[dict[str, Any], list[Any]]] = []
    for i in range(1, rows + 1):
        received_day = random_day(rng, START, dt.date(YEAR, 11, 20))
        received = dt.datetime.combine(
            received_day, dt.time(rng.randint(8, 17), rng.randrange(60), rng.randrange(60))
        )
        form = _weighted(rng, PROVINCIAL_FORMS)
        persons = rng.choice([1, 1, 1, 1, 1, 2, 3, 5, 6, 9]) if form == "来访" else 1
        again = people.again() if rng.random() < 0.2 else None
        person = again or people.new()
        category = rng.choice(list(PROVINCIAL_CATEGORIES))
        unit, summary = PROVINCIAL_CATEGORIES[category]
        state = _weighted(rng, PROVINCIAL_STATES)
        if state not in ("pending", "refused") and received_day > dt.date(YEAR, 10, 31):
            state = "handling"
        decided: dt.date | None = received_day + dt.timedelta(days=decision_gap(rng, received_day))
        closed: dt.date | None = None
        closed_cell: Any = None
        if state == "pending":
            decided = None
            status = "受理申请审查中"
        elif state == "refused":
            status = rng.choice(["不予受理（属诉讼程序）", "不予受理（属仲裁程序）"])
        else:
            if rng.random() < 0.3:
                decided = None  # the export left 受理时间 blank
            if state in ("closed", "closed_text_date"):
                closed = later(rng, decided or received_day, 8, 45)
            if state == "closed_text_date":
                assert closed is not None
                status = f"已办结（{closed.year}年{closed.month}月{closed.day}日）"
                if rng.random() < 0.5:
                    closed_cell = date_cell(rng, closed, ("datetime", "iso_time"))
            elif state == "closed":
                status = rng.choice(["已办结", "已办结", "审核认定办结"])
                assert closed is not None
                closed_cell = date_cell(rng, closed, ("datetime", "iso_time", "slash_time"))
            elif state == "replied":
                status = "已作出处理意见"
            elif state == "review":
                status = "已答复，信访人不服，已申请复查"
            elif state == "assigned":
                unit = rng.choice(["区住建局", "区人社局", "区城管局"])
                status = f"已转{unit}办理"
            else:
                status = rng.choice(["正在办理", "处理中"])
        rating = _rating(rng) if closed else rng.choice(["", "未评价"])
        last_event = closed or decided or received_day
        touched = dt.datetime.combine(
            later(rng, last_event, 0, 5), dt.time(rng.randint(8, 20), rng.randrange(60))
        )
        record: dict[str, Any] = {
            "序号": i,
            "信访件编号": f"3301062025{received_day:%m%d}{i:05d}",
            "登记时间": received,
            "信访方式": form,
            "信访目的": _weighted(rng, PROVINCIAL_PURPOSES),
            "姓名": person.name,
            "证件号码": person.id_number,
            "联系电话": person.phone,
            "通讯地址": person.address,
            "信访人数": persons,
            "问题属地": f"西湖区{rng.choice(XIHU.towns)}",
            "市级一级问题分类": category,
            "标题": summary[:12],
            "概况": f"{person.name}{summary}。",
            "是否全国初次信访": "否" if again else "是",
            "信访件状态": status,
            "责任单位": unit,
            "受理时间": decided,
            "办结时间": closed_cell,
            "满意度": rating,
            "登记人": rng.choice(CLERKS),
            "登记部门": "西湖区信访局",
            "最后操作时间": touched,
        }
        cells = [
            record["序号"],
            record["信访件编号"],
            date_cell(rng, received, ("datetime", "datetime", "iso_time", "slash_time")),
            form,
            record["信访目的"],
            person.name,
            person.id_number or None,
            person.phone,
            person.address,
            persons,
            record["问题属地"],
            category,
            record["标题"],
            record["概况"],
            record["是否全国初次信访"],
            status,
            unit,
            date_cell(rng, decided, ("datetime", "iso_time")) if decided else None,
            closed_cell,
            rating or None,
            record["登记人"],
            record["登记部门"],
            touched,
        ]
        record["办结时间"] = closed if closed_cell is not None else None
        record["_closed_on"] = closed  # the date the status text or 办结时间 gives
        records.append((record, cells))
    # A system export has no blank rows and no totals.
    body = _place_rows(rng, 2, records, blank=0.0)
    _write_xlsx(path, built.sheet, [list(PROVINCIAL_HEADER)], body)
    built.rows = [r for r, _ in records]
    return built


# ---- (b) a 综治中心 来访 register ----
VISIT_HEADER = [
    "序号",
    "接件时间",
    "来访群众姓名",
    "性别",
    "身份证号码",
    "联系电话",
    "家庭住址",
    "随行人数",
    "是否初次来访",
    "是否越级",
    "联名信或集体访",
    "问题类型",
    "群众诉求",
    "拟办意见",
    "登记人",
]
VISIT_MATTERS = {
    "城乡建设": ("反映安置房迟迟未交付", "转县住建局调查处理"),
    "劳动和社会保障": ("反映企业欠薪，要求协调支付", "转县人社局依法处理"),
    "农村农业": ("反映村集体土地流转收益分配不公", "交所在镇政府核查答复"),
    "国土资源": ("反映宅基地审批久拖不决", "转县自然资源局办理"),
    "民政": ("申请低保，反映审核不公", "转县民政局核实"),
    "政法": ("反映邻里纠纷，要求调解", "由县矛调中心组织调解"),
}


def visit_register(path: Path, rows: int = 90, seed: int = 2) -> Built:
    """Title, no 信访形式 and no status column: every row is a visit whose outcome the sheet
    does not say."""
    rng = random.Random(seed)
    people = People(rng, DEQING, id_share=0.8)
    built = Built(path, "来访登记", list(VISIT_HEADER))
    records: list[tuple[dict[str, Any], list[Any]]] = []
    flips = {7, 23, 41}  # rows whose 联名信或集体访 disagrees with the head count (an override)
    for i in range(1, rows + 1):
        received = random_day(rng, START, dt.date(YEAR, 12, 30))
        again = people.again() if rng.random() < 0.25 else None
        person = again or people.new()
        companions = rng.choice([0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 7, 11])
        persons = 1 + companions
        collective = persons >= 5
        if i in flips:
            collective = not collective
        matter = rng.choice(list(VISIT_MATTERS))
        summary, proposal = VISIT_MATTERS[matter]
        skip = rng.random() < 0.12
        first = "否" if again else rng.choice(["是", "是", "是", ""]) or ""
        companions_cell: Any = companions if companions or rng.random() < 0.5 else None
        record: dict[str, Any] = {
            "序号": i,
            "接件时间": received,
            "来访群众姓名": person.name,
            "性别": person.gender,
            "身份证号码": person.id_number,
            "联系电话": person.phone,
            "家庭住址": person.address,
            "随行人数": companions_cell,
            "是否初次来访": first,
            "是否越级": "是" if skip else "否",
            "联名信或集体访": "是" if collective else "否",
            "问题类型": matter,
            "群众诉求": summary,
            "拟办意见": proposal,
            "登记人": rng.choice(CLERKS),
        }
        cells = [
            i,
            date_cell(rng, received, XLSX_DATE_STYLES),
            person.name,
            person.gender,
            person.id_number or None,
            _phone_cell(rng, person.phone),
            person.address,
            companions_cell,
            first or None,
            record["是否越级"],
            record["联名信或集体访"],
            matter,
            summary,
            proposal,
            record["登记人"],
        ]
        records.append((record, cells))
    top = [
        ["德清县社会矛盾纠纷调处化解中心来访登记台账（2025年）"],
        ["登记单位：县综治中心接待大厅", None, None, None, None, None, "单位：批、人"],
        [],
        list(VISIT_HEADER),
    ]
    body = _place_rows(rng, len(top) + 1, records, blank=0.04)
    companions_total = sum(r["随行人数"] or 0 for r, _ in records)
    body += [None, ["合计", None, f"{rows}批", None, None, None, None, companions_total]]
    _write_xlsx(path, built.sheet, top, body, merges=[(1, 1, 1, len(VISIT_HEADER))])
    built.rows = [r for r, _ in records]
    return built


# ---- (c) a 镇街 办理台账 with a two-row header ----
# (group header or None, column name as written, plain name the rows are keyed by)
TOWN_COLUMNS: list[tuple[str | None, str, str]] = [
    (None, "序号", "序号"),
    (None, "登记日期", "登记日期"),
    ("信访人基本情况", "姓名", "姓名"),
    ("信访人基本情况", "身份证号码", "身份证号码"),
    ("信访人基本情况", "联系方式(手机号码)", "联系方式"),
    ("信访人基本情况", "家庭住址", "家庭住址"),
    ("信访人基本情况", "人数（人）", "人数"),
    (None, "信访形式", "信访形式"),
    (None, "反映问题", "反映问题"),
    (None, "问题类别", "问题类别"),
    (None, "是否集体访\n(是/否)", "是否集体访"),
    (None, "是否重复信访\n（是/否）", "是否重复信访"),
    ("办理情况", "责任单位", "责任单位"),
    ("办理情况", "受理日期", "受理日期"),
    ("办理情况", "是否办结", "是否办结"),
    ("办理情况", "办结情况", "办结情况"),
    ("办理情况", "办结时间", "办结时间"),
    ("办理情况", "群众满意度", "群众满意度"),
    (None, "包案领导", "包案领导"),
    (None, "备注", "备注"),
]
TOWN_FORMS = {
    "来信": 10,
    "信件": 8,
    "来访": 22,
    "走访": 12,
    "来电": 15,
    "电话": 8,
    "网上": 15,
    "网信": 10,
}
TOWN_MATTERS = {
    "农村农业": ("反映土地流转租金未按期支付", "镇农业农村办"),
    "城乡建设": ("反映农房改造补助未到位", "镇村建办"),
    "环境保护": ("反映养殖场异味扰民", "镇生态办"),
    "民政": ("反映残疾人补贴发放问题", "镇社会事务办"),
    "政法": ("反映相邻权纠纷，要求调解", "镇司法所"),
    "交通运输": ("反映村道路灯损坏", "镇城管中队"),
}
# How the three progress columns (是否办结, 办结情况, 办结时间) were filled. Several disagree, as
# they do in real ledgers: the most advanced state any of them supports is the truth (§6).
TOWN_PROGRESS = {
    "closed": 40,  # 是 / 已办结 / a date
    "closed_by_date": 8,  # 否 / 正在办理 or blank / a date            (disagree)
    "closed_by_flag": 6,  # 是 / 已答复 or 已作出处理意见 / no date    (disagree)
    "closed_by_text": 4,  # 否 / 已办结 / no date                      (disagree)
    "replied": 10,  # 否 / 已答复 / no date
    "handling": 20,  # 否 / 正在办理 or 在办 / no date
    "pending": 5,  # blank / 待受理 or 未受理 / no date, no 受理日期
    "dated_only": 5,  # blank / blank / no date, but a 受理日期
}
TOWN_LEADERS = ("钱卫东", "潘晓明", "俞海峰")


def town_ledger(path: Path, rows: int = 110, seed: int = 3) -> Built:
    """A merged title and note, a two-row header (信访人基本情况 and 办理情况 over the real names),
    a row of column numbers, hints and units in header cells, a 合计 row."""
    rng = random.Random(seed)
    people = People(rng, DEQING, id_share=0.75)
    header = [written for _, written, _ in TOWN_COLUMNS]
    built = Built(path, "2025年", header)
    records: list[tuple[dict[str, Any], list[Any]]] = []
    for i in range(1, rows + 1):
        received = random_day(rng, START, dt.date(YEAR, 11, 25))
        form = _weighted(rng, TOWN_FORMS)
        visit = form in ("来访", "走访")
        persons = rng.choice([1, 1, 1, 1, 2, 3, 4, 5, 6, 8, 15]) if visit else 1
        collective = visit and persons >= 5
        if visit and rng.random() < 0.08:
            collective = not collective  # the clerk's own judgement: an override
        again = people.again() if rng.random() < 0.18 else None
        person = again or people.new()
        if i == 9:
            # An old 15-digit number, typed into a number cell: it survives as a number.
            person = Person(
                "沈阿根",
                f"330521{rng.randint(40, 60)}0304{rng.randint(100, 999)}",
                person.phone,
                person.address,
                "男",
            )
        matter = rng.choice(list(TOWN_MATTERS))
        summary, unit = TOWN_MATTERS[matter]
        progress = _weighted(rng, TOWN_PROGRESS)
        if progress.startswith("closed") and received > dt.date(YEAR, 10, 31):
            progress = "handling"
        decided: dt.date | None = received + dt.timedelta(days=decision_gap(rng, received))
        if progress == "pending" or (progress != "dated_only" and rng.random() < 0.3):
            decided = None
        closed: dt.date | None = None
        if progress in ("closed", "closed_by_date"):
            closed = later(rng, decided or received, 7, 50)
        flag, text = {
            "closed": ("是", "已办结"),
            "closed_by_date": ("否", rng.choice(["正在办理", ""])),
            "closed_by_flag": ("是", rng.choice(["已答复", "已作出处理意见"])),
            "closed_by_text": ("否", "已办结"),
            "replied": ("否", "已答复"),
            "handling": ("否", rng.choice(["正在办理", "在办"])),
            "pending": ("", rng.choice(["待受理", "未受理"])),
            "dated_only": ("", ""),
        }[progress]
        rating = _rating(rng) if closed else ""
        record: dict[str, Any] = {
            "序号": i,
            "登记日期": received,
            "姓名": person.name,
            "身份证号码": person.id_number,
            "联系方式": person.phone,
            "家庭住址": person.address,
            "人数": persons,
            "信访形式": form,
            "反映问题": summary,
            "问题类别": matter,
            "是否集体访": ("是" if collective else "否") if visit else "",
            "是否重复信访": "是" if again else "否",
            "责任单位": unit,
            "受理日期": decided,
            "是否办结": flag,
            "办结情况": text,
            "办结时间": closed,
            "群众满意度": rating,
            "包案领导": rng.choice(TOWN_LEADERS) if rng.random() < 0.4 else "",
            "备注": "",
            "_progress": progress,
        }
        cells = [
            i,
            date_cell(rng, received, XLSX_DATE_STYLES),
            person.name,
            (int(person.id_number) if len(person.id_number) == 15 else person.id_number) or None,
            _phone_cell(rng, person.phone),
            person.address,
            persons,
            form,
            summary,
            matter,
            record["是否集体访"] or None,
            record["是否重复信访"],
            unit,
            date_cell(rng, decided, XLSX_DATE_STYLES) if decided else None,
            flag or None,
            text or None,
            date_cell(rng, closed, XLSX_DATE_STYLES) if closed else None,
            rating or None,
            record["包案领导"] or None,
            None,
        ]
        records.append((record, cells))
    width = len(TOWN_COLUMNS)
    groups = [g for g, _, _ in TOWN_COLUMNS]
    upper = [g if g else written for g, written, _ in TOWN_COLUMNS]
    # A merged group header keeps its text in the first cell only, as Excel stores it.
    for c in range(1, width):
        if groups[c] and groups[c] == groups[c - 1]:
            upper[c] = None
    lower = [written if g else None for g, written, _ in TOWN_COLUMNS]
    top = [
        ["乾元镇2025年信访事项办理台账"],
        [
            "填报单位：乾元镇人民政府（盖章）",
            None,
            None,
            None,
            None,
            None,
            None,
            "填报日期：2025年12月30日",
        ],
        upper,
        lower,
        list(range(1, width + 1)),  # the column numbers printed under the header
    ]
    merges: list[tuple[int, int, int, int]] = [(1, 1, 1, width)]
    c = 0
    while c < width:
        g = groups[c]
        if g is None:
            merges.append((3, c + 1, 4, c + 1))  # a name spanning both header rows
            c += 1
            continue
        end = c
        while end + 1 < width and groups[end + 1] == g:
            end += 1
        merges.append((3, c + 1, 3, end + 1))
        c = end + 1
    body = _place_rows(rng, len(top) + 1, records, blank=0.03)
    body.append(["合计", None, f"{rows}件", None, None, None, sum(r["人数"] for r, _ in records)])
    _write_xlsx(path, built.sheet, top, body, merges=merges, wrap_rows=(3, 4))
    built.rows = [r for r, _ in records]
    return built


def town_disagreements(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows whose progress columns contradict each other (the dry run must list them)."""
    return [
        r for r in rows if r["_progress"] in ("closed_by_date", "closed_by_flag", "closed_by_text")
    ]


# ---- (d) a 12345 工单 export (.xls) ----
def hotline_header(variant: str) -> list[str]:
    source = "信访来源" if variant == "channel" else "信访方式"
    return [
        "工单编号",
        "来电时间",
        "来电人姓名",
        "来电人号码",
        "性别",
        "联系地址",
        source,
        "工单类型",
        "问题分类",
        "标题",
        "诉求内容",
        "承办单位",
        "工单状态",
        "办结时间",
        "满意度",
        "是否重复",
        "审核状态",
    ]


HOTLINE_MATTERS = {
    "城乡建设": ("小区停车位被占用", "反映小区地面停车位长期被外来车辆占用", "历下区住建局"),
    "交通运输": ("公交站台破损", "反映公交站台顶棚破损，雨天无法候车", "济南公交历下分公司"),
    "环境保护": ("餐饮油烟扰民", "反映楼下餐馆油烟直排，影响居民生活", "历下区生态环境分局"),
    "劳动和社会保障": ("拖欠工资", "反映用人单位拖欠三个月工资", "历下区人社局"),
    "卫生健康": ("医院挂号难", "反映社区医院挂号系统经常无法使用", "历下区卫健局"),
    "教育文体": ("校外培训退费", "反映校外培训机构停业后拒不退费", "历下区教体局"),
}
HOTLINE_STATES = {"已办结": 35, "已回访": 30, "处理中": 25, "已退单": 10}


def hotline_export(path: Path, rows: int = 130, seed: int = 4, variant: str = "channel") -> Built:
    """A legacy .xls from a 12345 system: header on row 1, no 信访形式 column. `variant`
    "channel": a 信访来源 column says 12345 (so the form is 来电); "form": 信访方式 = 12345转办."""
    rng = random.Random(seed)
    people = People(rng, LIXIA, id_share=0.0)  # a hotline does not ask for ID numbers
    header = hotline_header(variant)
    built = Built(path, "工单列表", header)
    records: list[tuple[dict[str, Any], list[Any]]] = []
    for i in range(1, rows + 1):
        received_day = random_day(rng, START, dt.date(YEAR, 12, 20))
        received = dt.datetime.combine(
            received_day, dt.time(rng.randint(7, 22), rng.randrange(60), rng.randrange(60))
        )
        again = people.again() if rng.random() < 0.1 else None
        person = again or people.new()
        anonymous = rng.random() < 0.12
        matter = rng.choice(list(HOTLINE_MATTERS))
        title, summary, unit = HOTLINE_MATTERS[matter]
        state = _weighted(rng, HOTLINE_STATES)
        if state in ("已办结", "已回访") and received_day > dt.date(YEAR, 12, 10):
            state = "处理中"
        closed: dt.date | None = None
        if state == "已回访" or (state == "已办结" and rng.random() < 0.8):
            closed = later(rng, received_day, 2, 20)
        rating = ""
        if state == "已回访":
            rating = rng.choice(["满意", "满意", "满意", "基本满意", "不满意"])
        elif closed and rng.random() < 0.4:
            rating = rng.choice(["满意", "基本满意", "不满意"])
        source = "12345政务服务便民热线" if variant == "channel" else "12345转办"
        record: dict[str, Any] = {
            "工单编号": f"JN{received_day:%Y%m%d}{i:06d}",
            "来电时间": received,
            "来电人姓名": "匿名" if anonymous else person.name,
            "来电人号码": person.phone,
            "性别": person.gender,
            "联系地址": person.address,
            header[6]: source,
            "工单类型": rng.choice(["投诉", "求助", "咨询", "建议", "举报"]),
            "问题分类": matter,
            "标题": title,
            "诉求内容": f"市民来电{summary}，请相关部门处理。",
            "承办单位": unit,
            "工单状态": state,
            "办结时间": closed,
            "满意度": rating,
            "是否重复": "是" if again else "否",
            "审核状态": rng.choice(["已审核", "已审核", "待审核"]),
        }
        records.append((record, [record[h] for h in header]))
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet(built.sheet)
    date_time = xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM:SS")
    for c, name in enumerate(header):
        ws.write(0, c, name)
    for r, (record, cells) in enumerate(records, start=1):
        record["_row"] = r + 1
        for c, value in enumerate(cells):
            if isinstance(value, dt.datetime):
                if rng.random() < 0.8:
                    ws.write(r, c, value, date_time)
                else:
                    ws.write(r, c, value.strftime("%Y-%m-%d %H:%M:%S"))
            elif isinstance(value, dt.date):
                ws.write(r, c, dt.datetime.combine(value, dt.time(17, 30)), date_time)
            elif value not in (None, ""):
                ws.write(r, c, value)
    book.save(str(path))
    built.rows = [r for r, _ in records]
    return built


# ---- (e) a district ledger saved as GBK .csv ----
DISTRICT_HEADER = [
    "序号",
    "编号",
    "登记日期",
    "方式",
    "来源渠道",
    "信访人",
    "身份证号",
    "联系电话",
    "住址",
    "人数",
    "集体访",
    "反映问题",
    "问题类别",
    "承办单位",
    "包案领导",
    "受理日期",
    "答复日期",
    "办结日期",
    "是否办结",
    "满意度",
    "重复",
    "走访层级",
    "是否越级",
    "备注",
]
DISTRICT_FORMS = {"信件": 25, "走访": 30, "电话": 20, "网络": 25}
DISTRICT_CHANNEL = {"信件": "直接受理", "走访": "直接受理", "电话": "12345", "网络": "市长信箱"}
DISTRICT_MATTERS = {
    "城乡建设": ("反映老旧小区加装电梯意见不一", "区住建局"),
    "劳动和社会保障": ("反映工伤认定进度缓慢", "区人社局"),
    "国土资源": ("反映征迁安置补偿标准", "区征迁办"),
    "教育文体": ("反映学校周边交通安全隐患", "区教育局"),
    "卫生健康": ("反映医保报销比例", "区医保分局"),
    "经济管理": ("反映预付卡商家跑路", "区市场监管局"),
}


def district_csv(path: Path, rows: int = 100, seed: int = 5) -> Built:
    """§6's own column names with real spellings, saved from Excel as GBK CSV: a title line,
    a blank line, the header, text dates in every style, a 合计 line."""
    rng = random.Random(seed)
    people = People(rng, LIXIA, id_share=0.8)
    built = Built(path, path.stem, list(DISTRICT_HEADER))
    records: list[tuple[dict[str, Any], list[Any]]] = []
    no_dates_closed = {11, 47, 83}  # 是否办结 = 是 and not one date: closed, date unknown
    no_status = {29, 66}  # nothing about progress at all: 情况不详
    for i in range(1, rows + 1):
        received = random_day(rng, START, dt.date(YEAR, 11, 25))
        form = _weighted(rng, DISTRICT_FORMS)
        visit = form == "走访"
        channel = DISTRICT_CHANNEL[form]
        if visit and rng.random() < 0.15:
            channel = "领导接访"
        persons = rng.choice([1, 1, 1, 2, 3, 5, 7, 12]) if visit else 1
        collective = visit and persons >= 5
        level, skip = "", False
        if visit:
            level = _weighted(rng, {"": 30, "本级": 30, "到市": 20, "赴省": 12, "进京": 8})
            skip = level in ("赴省", "进京") or (level == "到市" and rng.random() < 0.5)
        again = people.again() if rng.random() < 0.2 else None
        person = again or people.new()
        matter = rng.choice(list(DISTRICT_MATTERS))
        summary, unit = DISTRICT_MATTERS[matter]
        accepted = replied = closed = None
        if i in no_dates_closed:
            flag = "是"
        elif i in no_status:
            flag = ""
        else:
            p = _weighted(rng, {"closed": 45, "closed_reply": 8, "replied": 12, "handling": 35})
            if p != "handling" and received > dt.date(YEAR, 10, 31):
                p = "handling"
            flag = "是" if p.startswith("closed") else "否"
            if rng.random() < 0.8 or p != "handling":
                accepted = received + dt.timedelta(days=decision_gap(rng, received))
                if rng.random() < 0.1 and p != "handling":
                    accepted = None  # 受理日期 not written down
            if p in ("closed", "closed_reply", "replied"):
                replied = later(rng, accepted or received, 5, 40)
            if p == "closed":
                assert replied is not None
                closed = later(rng, replied, 0, 10)
        rating = _rating(rng) if flag == "是" and (closed or replied) else ""
        record: dict[str, Any] = {
            "序号": i,
            "编号": f"LX2025-{i:04d}",
            "登记日期": received,
            "方式": form,
            "来源渠道": channel,
            "信访人": person.name,
            "身份证号": person.id_number,
            "联系电话": person.phone,
            "住址": person.address,
            "人数": persons,
            "集体访": "是" if collective else "否",
            "反映问题": summary,
            "问题类别": matter,
            "承办单位": unit,
            "包案领导": rng.choice(["李副区长", "孙主任", ""]) if rng.random() < 0.3 else "",
            "受理日期": accepted,
            "答复日期": replied,
            "办结日期": closed,
            "是否办结": flag,
            "满意度": rating,
            "重复": "是" if again else "否",
            "走访层级": level,
            "是否越级": "是" if skip else ("否" if visit else ""),
            "备注": "",
        }
        cells = [
            date_cell(rng, v, TEXT_DATE_STYLES) if isinstance(v, dt.date) else v
            for v in (record[h] for h in DISTRICT_HEADER)
        ]
        records.append((record, cells))
    top: list[list[Any]] = [["历下区信访局2025年信访事项登记台账"], [], list(DISTRICT_HEADER)]
    body = _place_rows(rng, len(top) + 1, records, blank=0.03)
    total = ["合计", f"{rows}件", *[""] * 7, sum(r["人数"] for r, _ in records)]
    body += [total]
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        for row in [*top, *body]:
            writer.writerow(["" if v is None else v for v in (row or [])])
    built.rows = [r for r, _ in records]
    return built


# ---- (f) a 领导接访 register ----
LEADER_HEADER = [
    "序号",
    "日期",
    "接访领导",
    "来访群众姓名",
    "来访人数",
    "群众诉求",
    "办理情况",
    "领导批示",
]
RECEIVING_LEADERS = ("陈立军", "刘海涛", "周文华", "蒋红梅")
LEADER_MATTERS = (
    ("反映拆迁安置房面积认定", "已转县住建局办理", "请住建局一周内拿出意见"),
    ("反映企业欠薪", "已交办", "人社局牵头，限期解决"),
    ("反映村务不公开", "正在办理", "请纪委、乾元镇调查核实"),
    ("咨询退役军人优待政策", "已答复", "按政策当场解释"),
    ("反映养殖污染", "已办结", "生态环境分局督促整改"),
)


def leader_register(path: Path, days: int = 28, seed: int = 6) -> Built:
    """One row per visit; several visits per day and leader; a merged title and a 合计 row."""
    rng = random.Random(seed)
    people = People(rng, DEQING, id_share=0.0)
    built = Built(path, "领导接访", list(LEADER_HEADER))
    chosen = sorted(rng.sample(range((END - START).days), days))
    records: list[tuple[dict[str, Any], list[Any]]] = []
    n = 0
    for offset in chosen:
        on = START + dt.timedelta(days=offset)
        for leader in rng.sample(RECEIVING_LEADERS, rng.choice([1, 1, 2])):
            for _ in range(rng.randint(1, 4)):
                n += 1
                person = people.new()
                matter, handling, instruction = rng.choice(LEADER_MATTERS)
                persons = rng.choice([1, 1, 1, 2, 3, 6])
                record = {
                    "序号": n,
                    "日期": on,
                    "接访领导": leader,
                    "来访群众姓名": person.name,
                    "来访人数": persons,
                    "群众诉求": matter,
                    "办理情况": handling,
                    "领导批示": instruction,
                }
                cells = [
                    n,
                    date_cell(rng, on, XLSX_DATE_STYLES),
                    leader,
                    person.name,
                    persons,
                    matter,
                    handling,
                    instruction,
                ]
                records.append((record, cells))
    top = [["德清县2025年县领导接访登记表"], list(LEADER_HEADER)]
    body = _place_rows(rng, len(top) + 1, records, blank=0.03)
    body.append(["合计", None, None, f"{n}批", sum(r["来访人数"] for r, _ in records)])
    _write_xlsx(path, built.sheet, top, body, merges=[(1, 1, 1, len(LEADER_HEADER))])
    built.rows = [r for r, _ in records]
    return built


DATE_IN_TEXT = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
