"""A deterministic generator of realistic demo cases (for a first look, tests and benchmarks).

Rows are built in memory and written with bulk inserts; each case's status and deadlines come
from the same `projection.project()` the program uses, so demo cases behave like real ones.
"""

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app import clock
from app.cases.intake import pinyin_keys
from app.cases.projection import project, work_calendar
from app.db import Database
from app.dialect import advance_id_sequences
from app.models import Case, Event, LeaderReception, NumberCounter, Petitioner, Screening
from app.office import dictionaries, settings

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍建国建华志强"
    "文春梅海燕红梅桂兰凤英德福永刚宏伟金凤淑珍玉珍国庆秀云小红俊杰浩然子涵欣怡"
)
# Area codes that python-stdnum knows, so generated ID numbers validate.
AREAS = {
    "370102": "山东省济南市历下区",
    "370702": "山东省潍坊市潍城区",
    "370781": "山东省青州市",
    "370784": "山东省安丘市",
    "320102": "江苏省南京市玄武区",
    "320703": "江苏省连云港市连云区",
    "110105": "北京市朝阳区",
    "410102": "河南省郑州市中原区",
    "130102": "河北省石家庄市长安区",
    "420102": "湖北省武汉市江岸区",
}
VILLAGES = [
    "东关村",
    "西王庄",
    "南河村",
    "北岭村",
    "前进社区",
    "幸福小区",
    "新华街道",
    "城关镇",
    "柳树屯",
    "大营村",
]
LEADERS = ["王建国", "李志强", "张海燕", "刘德福"]
SUMMARIES = {
    "城乡建设": [
        "反映小区物业管理混乱，电梯长期停运",
        "反映老旧小区改造施工扰民",
        "反映房屋漏水开发商不予维修",
        "反映拆迁安置房迟迟未交付",
    ],
    "农村农业": [
        "反映土地承包经营权被村委会收回",
        "反映村集体财务不公开",
        "反映土地流转费用拖欠未付",
        "反映农村集体资产被低价出租",
    ],
    "劳动和社会保障": [
        "反映工程项目拖欠农民工工资",
        "反映单位未依法缴纳养老保险",
        "咨询灵活就业人员社保缴费政策",
        "反映工伤认定迟迟未办理",
    ],
    "国土资源": [
        "反映宅基地审批问题",
        "反映邻居违法占用耕地建房",
        "反映土地征收补偿标准过低",
    ],
    "水利": [
        "反映村内饮用水水质浑浊",
        "反映河道采砂破坏堤坝",
        "反映灌溉渠道年久失修无法使用",
        "反映农村自来水经常停水",
        "建议修建村内排水沟",
    ],
    "教育文体": ["反映学校乱收费问题", "反映子女入学划片不合理"],
    "卫生健康": ["反映医疗纠纷处理不公", "反映诊所无证行医"],
    "民政": [
        "申请低保被拒反映不公",
        "反映退役军人待遇落实问题",
        "反映养老院服务质量差",
    ],
    "交通运输": ["反映村道破损严重", "反映公交线路调整不便出行"],
    "经济管理": ["反映企业欠款不还", "反映市场价格欺诈"],
    "组织人事": ["反映招聘考试不公平", "反映职称评定问题"],
    "党务政务": ["建议公开政务服务办理流程", "反映窗口工作人员服务态度差"],
    "纪检监察": ["举报村干部优亲厚友", "检举某站所工作人员吃拿卡要"],
    "政法": ["反映法院判决执行不到位", "反映邻里纠纷派出所处理不公"],
    "环境保护": ["反映养殖场污水直排河道", "反映工厂夜间噪声扰民", "反映垃圾焚烧异味"],
    "其他": ["咨询相关政策", "其他诉求"],
}
CATEGORY_WEIGHTS = {
    "城乡建设": 14,
    "农村农业": 16,
    "劳动和社会保障": 14,
    "国土资源": 8,
    "水利": 12,
    "教育文体": 4,
    "卫生健康": 4,
    "民政": 6,
    "交通运输": 4,
    "经济管理": 3,
    "组织人事": 2,
    "党务政务": 3,
    "纪检监察": 3,
    "政法": 4,
    "环境保护": 7,
    "其他": 2,
}
FORM_WEIGHTS = {"来信": 20, "来访": 30, "来电": 20, "网上": 28, "传真": 2}
CHANNEL_WEIGHTS = {
    "直接受理": 30,
    "市长信箱": 10,
    "书记信箱": 5,
    "12345热线": 25,
    "上级交办": 9,
    "上级转送": 5,
    "领导接访": 3,
    "人大建议": 1,
    "政协提案": 1,
    "社情民意": 3,
    "政风行风热线": 5,
    "其他": 3,
}
NATURE_WEIGHTS = {"建议意见类": 10, "检举控告类": 5, "申诉求决类": 85}
LEVEL_WEIGHTS = {"本级": 85, "到县": 8, "到市": 4, "赴省": 2, "进京": 1}


_CASE_COLUMNS = list(Case.__table__.columns)


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _nature(rng: random.Random, summary: str) -> str:
    """检举控告 for a report against someone (Art.30 then hides the reporter), else by weight."""
    if summary.startswith(("举报", "检举")):
        return "检举控告类"
    if summary.startswith("建议"):
        return "建议意见类"
    return _pick(rng, NATURE_WEIGHTS)


def make_id_number(rng: random.Random, area: str, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(0, 50) * 2 + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{rng.randrange(0, 10)}{seq:02d}"
    total = sum(int(c) * (2 ** (17 - i) % 11) for i, c in enumerate(body))
    check = "10X98765432"[total % 11]
    return body + check


@dataclass
class DemoResult:
    cases: int
    petitioners: int
    events: int
    seconds: float


def generate(
    db: Database,
    cases: int,
    seed: int = 1,
    years: tuple[int, int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DemoResult:
    """Add `cases` demo cases received in `years` (inclusive; default: the last three years)."""
    import time

    started = time.perf_counter()
    rng = random.Random(seed)
    today = clock.today()
    first_year, last_year = years or (today.year - 2, today.year)
    start = dt.date(first_year, 1, 1)
    end = min(dt.date(last_year, 12, 31), today)
    if end < start:
        raise ValueError("年份范围无效")
    span = (end - start).days

    with db.session() as s:
        for leader in LEADERS:
            dictionaries.add(s, "leader", leader)
        for unit in dict.fromkeys([*FORWARD_UNITS, *ASSIGN_UNITS]):  # the 承办单位 register's
            dictionaries.add(s, dictionaries.UNIT, unit)
        departments = dictionaries.values(s, "department")
        cfg = settings.get_all(s)
        cal = work_calendar(s)
        prefix = str(cfg["number_prefix"])
        next_pid = (s.scalar(select(func.max(Petitioner.id))) or 0) + 1
        next_cid = (s.scalar(select(func.max(Case.id))) or 0) + 1
        counters = {
            c.year: c
            for c in s.scalars(select(NumberCounter).where(NumberCounter.prefix == prefix))
        }
        used_ids = set(
            s.scalars(select(Petitioner.id_number).where(Petitioner.id_number.is_not(None)))
        )
    threshold = int(cfg["collective_threshold"])
    days = sorted(start + dt.timedelta(days=rng.randrange(span + 1)) for _ in range(cases))
    people: list[tuple[int, str]] = []  # (petitioner id, name) for repeat petitioners
    last_case_of: dict[int, tuple[int, str]] = {}
    batch_p: list[dict[str, object]] = []
    batch_c: list[dict[str, object]] = []
    batch_e: list[dict[str, object]] = []
    now = clock.now()
    n_events = n_people = 0

    def flush() -> None:
        with db.session() as s:
            # Core executemany: one statement per table and batch, no ORM objects.
            if batch_p:
                s.execute(insert(Petitioner.__table__), batch_p)
            s.execute(insert(Case.__table__), batch_c)
            s.execute(insert(Event.__table__), batch_e)
        for batch in (batch_p, batch_c, batch_e):
            batch.clear()

    for i, received in enumerate(days):
        cid = next_cid + i
        # ---- the petitioner: a new person, or (15%) someone who wrote before ----
        pid: int | None
        repeat_of: int | None = None
        if people and rng.random() < 0.15:
            pid, _name = people[rng.randrange(max(0, len(people) - 2000), len(people))]
            repeat_of = last_case_of.get(pid, (None, ""))[0]
        elif rng.random() < 0.03:
            pid = None  # anonymous
        else:
            pid = next_pid
            next_pid += 1
            male = rng.random() < 0.6
            name = rng.choice(SURNAMES) + "".join(
                rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
            )
            area = rng.choice(list(AREAS))
            birth = dt.date(rng.randrange(1940, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
            idn: str | None = make_id_number(rng, area, birth, male)
            if idn in used_ids or rng.random() < 0.2:
                idn = None  # callers and letters often give no ID number
            else:
                used_ids.add(idn)
            initials, full = pinyin_keys(name)
            batch_p.append(
                dict(
                    id=pid,
                    name=name,
                    name_initials=initials,
                    name_pinyin=full,
                    gender="男" if male else "女",
                    id_number=idn,
                    birth_date=birth if idn else None,
                    phone=f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}",
                    address=AREAS[area] + rng.choice(VILLAGES) + f"{rng.randrange(1, 200)}号",
                    workplace=None,
                    created_at=now,
                )
            )
            people.append((pid, name))
            n_people += 1

        form = _pick(rng, FORM_WEIGHTS)
        channel = _pick(rng, CHANNEL_WEIGHTS)
        category = _pick(rng, CATEGORY_WEIGHTS)
        persons = 1
        level = None
        if form == "来访":
            level = _pick(rng, LEVEL_WEIGHTS)
            if rng.random() < 0.06:
                persons = rng.randrange(threshold, 40)
            elif rng.random() < 0.15:
                persons = rng.randrange(2, threshold)
        summary = rng.choice(SUMMARIES[category])
        counter = counters.get(received.year)
        if counter is None:
            counter = counters[received.year] = NumberCounter(
                prefix=prefix, year=received.year, last=0
            )
        counter.last += 1
        case = SimpleNamespace(
            id=cid,
            number=f"{prefix}{received.year}-{counter.last:04d}",
            received_on=received,
            petition_on=None,
            form=form,
            channel=channel,
            assigning_org="市信访局" if channel in ("上级交办", "上级转送") else None,
            assigning_ref=f"市信交〔{received.year}〕{rng.randrange(1, 300)}号"
            if channel == "上级交办"
            else None,
            petitioner_id=pid,
            anonymous=pid is None,
            joint=persons > 1 and rng.random() < 0.5,
            persons=persons,
            involved_persons=persons if persons > 1 else None,
            summary=summary,
            category=category,
            subcategory=None,
            nature=_nature(rng, summary),
            locality=rng.choice(VILLAGES),
            target=None,
            collective_override=None,
            collective=form == "来访" and persons >= threshold,
            repeat=repeat_of is not None,
            repeat_of_id=repeat_of,
            visit_level=level,
            skip_level=level in ("到市", "赴省", "进京") and rng.random() < 0.5,
            abnormal=level == "进京" and rng.random() < 0.3,
            legal=category == "政法",
            urgent=rng.random() < 0.01,
            department=rng.choice(departments),
            handler=rng.choice(["小王", "小李", "小赵"]),
            leader=rng.choice(LEADERS) if rng.random() < 0.08 else None,
            remark=None,
            extra=None,
            created_at=now,
            created_by="演示",
            updated_at=now,
            updated_by="演示",
            version=1,
        )
        events = _events(rng, case, today)
        for seq, ev in enumerate(events, start=1):
            ev.seq = seq
        project(case, events, cfg, cal)  # type: ignore[arg-type]  # duck-typed rows
        if pid is not None:
            last_case_of[pid] = (cid, case.number)
        row = {c.key: getattr(case, c.key) for c in _CASE_COLUMNS}
        batch_c.append(row)
        for ev in events:
            batch_e.append(
                dict(
                    case_id=cid,
                    seq=ev.seq,
                    kind=ev.kind,
                    on=ev.on,
                    data=ev.data,
                    recorded_by="演示",
                    recorded_at=now,
                )
            )
        n_events += len(events)
        if len(batch_c) >= 5000:
            flush()
            if progress:
                progress(i + 1, cases)
    if batch_c:
        flush()
    with db.session() as s:
        for counter in counters.values():
            existing = s.get(NumberCounter, (counter.prefix, counter.year))
            if existing is None:
                s.add(NumberCounter(prefix=counter.prefix, year=counter.year, last=counter.last))
            else:
                existing.last = max(existing.last, counter.last)
        # Ids were given above: PostgreSQL's sequences must move past them.
        advance_id_sequences(s.connection(), "petitioners", "cases")
        _registers(s, rng, start, end)
    if progress:
        progress(cases, cases)
    return DemoResult(cases, n_people, n_events, time.perf_counter() - started)


# Where the demo office sends cases: outside units (转送) and the units it assigns to (交办).
FORWARD_UNITS = ["县人社局", "县自然资源局", "镇政府"]
ASSIGN_UNITS = ["镇政府", "街道办事处", "县住建局", "县人社局", "县自然资源局"]
Step = Callable[..., bool]


def _assignment(rng: random.Random, unit: str, delay: int, used: int) -> dict[str, object]:
    """A 交办's data: most carry a 期限 of 15–30 days, always inside the statutory 60 (`used`:
    days of the handling period already gone when a returned case is assigned again)."""
    data: dict[str, object] = {"to": unit}
    if rng.random() < 0.8:
        data["deadline_days"] = min(rng.choice([15, 20, 30]), 55 - used)
    return data


def _forward_follow_up(rng: random.Random, step: Step, unit: str) -> bool:
    """After a 转送: 签收 (60%), the unit's 反馈 (35%) or its 退回 (6%). True = sent back."""
    if rng.random() < 0.6 and not step("签收", rng.randrange(1, 6), {"unit": unit}):
        return False
    r = rng.random()
    if r < 0.06:
        return step("退回", rng.randrange(2, 10), {"unit": unit, "reason": "不属本单位职责"})
    if r < 0.41:
        step("反馈", rng.randrange(10, 40), {"unit": unit, "text": "已按职责办理。"})
    return False


def _assign_follow_up(
    rng: random.Random, step: Step, unit: str, may_return: bool = True
) -> bool | None:
    """After a 交办: 签收 (85%), 催办 (12%), then 反馈 (most, some past the 期限) or 退回 (5%).
    True = answered, False = sent back, None = the timeline stops here (today reached, or a
    recent case still waiting for the unit)."""
    if rng.random() < 0.85 and not step("签收", rng.randrange(0, 4), {"unit": unit}):
        return None
    if may_return and rng.random() < 0.05:
        ok = step("退回", rng.randrange(2, 10), {"unit": unit, "reason": "不属本单位职责"})
        return False if ok else None
    if rng.random() < 0.12 and not step(
        "催办", rng.randrange(10, 25), {"unit": unit, "note": "请抓紧办理并反馈"}
    ):
        return None
    if rng.random() < 0.04:
        return None  # the unit has not answered yet: past its 期限 once that passes
    if not step("反馈", rng.randrange(5, 30), {"unit": unit, "text": "已调查处理，情况属实。"}):
        return None
    return True


def _events(rng: random.Random, case: SimpleNamespace, today: dt.date) -> list[SimpleNamespace]:
    """A plausible timeline, cut off at today."""
    day = case.received_on
    out = [SimpleNamespace(kind="登记", on=day, data={}, seq=0)]

    sent_to = ""  # the unit of the latest 交办/转送: what a 督办 supervises
    accepted: dt.date | None = None

    def step(kind: str, delay: int, data: dict[str, object] | None = None) -> bool:
        nonlocal day, sent_to, accepted
        when = day + dt.timedelta(days=delay)
        if when > today:
            return False
        if kind == "延期" and accepted and when > accepted + dt.timedelta(days=58):
            return False  # an expired limit cannot be extended (§3): the demo does not try
        day = when
        data = dict(data or {})
        for key in ("deadline", "due"):  # a 期限 counted from the step's own date
            if f"{key}_days" in data:
                days = int(str(data.pop(f"{key}_days")))
                data[key] = (when + dt.timedelta(days=days)).isoformat()
        if kind in ("交办", "转送"):
            sent_to = str(data["to"])
        if kind in ("受理", "交办") and accepted is None:
            accepted = when
        if kind == "督办":
            data["due"] = (when + dt.timedelta(days=10)).isoformat()
            if sent_to:
                data["to"] = sent_to
        out.append(SimpleNamespace(kind=kind, on=when, data=data, seq=0))
        return True

    if rng.random() < 0.005:
        step("作废", rng.randrange(0, 5), {"reason": "重复登记"})
        return out
    r = rng.random()
    decision_delay = (
        rng.choice([0, 1, 1, 2, 3, 5, 7, 10, 14]) if rng.random() < 0.95 else rng.randrange(15, 25)
    )
    if r < 0.05:
        step(
            "不予受理",
            decision_delay,
            {"reason": "属于诉讼程序解决的事项", "route": "向人民法院提起诉讼"},
        )
        return out
    if r < 0.12:
        unit = rng.choice(FORWARD_UNITS)
        if not step("转送", decision_delay, {"to": unit}) or not _forward_follow_up(
            rng, step, unit
        ):
            return out
        # Sent back (退回): 待受理 again, and the office now handles it itself.
        if not step("受理", rng.randrange(1, 5)):
            return out
    elif r < 0.32:
        unit = rng.choice(ASSIGN_UNITS)
        if not step("交办", decision_delay, _assignment(rng, unit, decision_delay, 0)):
            return out
        assigned = day
        answered = _assign_follow_up(rng, step, unit)
        if answered is None:
            return out
        if not answered:  # sent back: 待重新交办, then a new 交办 to another unit
            other = rng.choice([u for u in ASSIGN_UNITS if u != unit])
            used = (day - assigned).days + 1
            if not step("交办", 1, _assignment(rng, other, 0, used)):
                return out
            if _assign_follow_up(rng, step, other, may_return=False) is None:
                return out
    elif not step("受理", decision_delay):
        return out
    # Supervision the office receives from the organ that sent the case (§9, 上级督办).
    if (
        case.channel in ("上级交办", "上级转送")
        and rng.random() < 0.15
        and not step(
            "上级督办",
            rng.randrange(5, 25),
            {
                "by": "市信访局",
                "ref": f"市信督〔{day.year}〕{rng.randrange(1, 120)}号",
                "due_days": rng.choice([10, 15]),
            },
        )
    ):
        return out
    if rng.random() < 0.05 and not step(
        "督办",
        rng.randrange(10, 40),
        {"by": "分管局领导", "note": "请加快办理"},
    ):
        return out
    if rng.random() < 0.03 and (today - case.received_on).days < 180:
        return out  # a recent case stalled: still 办理中, overdue once its limit passes
    reply_delay = rng.randrange(5, 55)
    if rng.random() < 0.05:
        if not step(
            "延期",
            rng.randrange(20, 50),
            {
                "reason": "情况复杂需进一步调查",
                "approver": rng.choice(LEADERS),
                "days": rng.choice([15, 30]),
            },
        ):
            return out
        reply_delay = rng.randrange(5, 40)
    if rng.random() < 0.04:
        reply_delay += rng.randrange(20, 60)  # a few run late
    if not step(
        "答复",
        reply_delay,
        {
            "result": rng.choices(["支持", "解释说明", "不予支持"], [40, 50, 10])[0],
            "text": "经调查核实，已按政策办理。",
        },
    ):
        return out
    rated = rng.random() < 0.7
    rating = rng.choices(["满意", "基本满意", "不满意"], [75, 18, 7])[0]
    if not step("办结", rng.randrange(0, 10)):
        return out
    if rated and not step("回访", rng.randrange(1, 10), {"rating": rating}):
        return out
    if rng.random() < 0.02 and step("复查申请", rng.randrange(1, 15)):
        step("复查意见", rng.randrange(10, 30), {"opinion": "维持原处理意见"})
    return out


def _registers(s: Session, rng: random.Random, start: dt.date, end: dt.date) -> None:
    """Leader reception days (twice a month) and monthly screenings."""
    receptions, screenings = [], []
    day = start
    while day <= end:
        if day.day in (5, 20):
            batches = rng.randrange(0, 6)
            persons = batches + rng.randrange(0, 4) if batches else 0  # no batch, nobody received
            receptions.append(
                dict(on=day, leader=rng.choice(LEADERS), batches=batches, persons=persons, note="")
            )
        if day.day == 25:
            found = rng.randrange(0, 5)
            screenings.append(
                dict(
                    on=day,
                    found=found,
                    resolved=rng.randrange(0, found + 1),
                    note="月度矛盾纠纷排查",
                )
            )
        day += dt.timedelta(days=1)
    if receptions:
        s.execute(insert(LeaderReception), receptions)
    if screenings:
        s.execute(insert(Screening), screenings)
