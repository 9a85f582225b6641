"""Acceptance: the six sheet shapes offices really keep, imported from the raw file through the
real CLI (`xinfang ledger import`, at most one `--set`), then `xinfang stats --json` for the
sheet's period compared with figures computed here from the rows the builder wrote
(docs/rules.md §5, §6 "What real offices' sheets look like", §9; issue 13 "Must show").

Each test reads its rows with the spec's own rules, written out below (人数 = 1 + 随行人数;
是否初次来访 = 否 → 重复; 12345 → 来电; the most advanced progress column wins; 已办结 with no date
is closed, date unknown; no status at all → 情况不详; inferred decisions leave 及时受理率), and
lists every figure that differs, naming the sheet.
"""

import csv
import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from python_calamine import CalamineWorkbook
from real_ledgers import (
    DATE_IN_TEXT,
    RATINGS,
    YEAR,
    Built,
    district_csv,
    hotline_export,
    leader_register,
    provincial_export,
    town_disagreements,
    town_ledger,
    visit_register,
)
from stdnum.cn import ric

from app import paths
from app.cli import main
from app.office.dictionaries import DEFAULT_CATEGORIES, FORMS

PERIOD = ("--from", f"{YEAR}-01-01", "--to", f"{YEAR}-12-31")
AS_OF = dt.date(YEAR, 12, 31)  # min(to, the pinned today)
DECISION_DAYS = 15  # §3; the builders keep decisions 0–10 or 30–45 days out (no rolling doubt)
CLOSED, REPLIED, HANDLING, PENDING = "已办结", "已答复", "办理中", "待受理"
REFUSED, UNKNOWN, REVIEWING = "不予受理", "情况不详", "复查中"


@dataclass
class Expect:
    """One case as the spec reads a ledger row."""

    received: dt.date
    form: str
    persons: int = 1
    collective: bool = False
    repeat: bool = False
    skip_level: bool = False
    status: str = UNKNOWN
    # A decision the sheet dates (受理时间/受理日期); None when there is none or it is inferred.
    decision_on: dt.date | None = None
    rating: str = ""  # a 回访 rating on a closed case
    visit_level: str = ""
    category: str = ""


def collective_of(form: str, persons: int, stated: str = "") -> bool:
    """§2: derived (来访 and ≥ 5 persons) unless the sheet's 集体访 column says otherwise."""
    if stated in ("是", "否"):
        return stated == "是"
    return form == "来访" and persons >= 5


def as_date(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


# ---- running the CLI ----
class Office:
    """One data folder driven through `app.cli.main`, as a clerk's shell would."""

    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str], sheet: str) -> None:
        self.data = root / "data"
        self.capsys = capsys
        self.sheet = sheet

    def run(self, *args: str) -> tuple[int, str]:
        code = main(["--data-dir", str(self.data), *args])
        captured = self.capsys.readouterr()
        return code, captured.out + captured.err

    def ledger_import(self, built: Built, *options: str, dry_run: bool = False) -> str:
        extra = ("--dry-run",) if dry_run else ()
        code, out = self.run("ledger", "import", str(built.path), *options, *extra)
        what = "检查（--dry-run）" if dry_run else "导入"
        assert code == 0, (
            f"{self.sheet}：{what}命令退出码为 {code}，应为 0（原表各行均无错误）。输出末尾：\n"
            f"{out[-4000:]}"
        )
        return out

    def stats(self) -> dict[str, Any]:
        code, out = self.run("stats", "--json", *PERIOD)
        assert code == 0, f"{self.sheet}：stats --json 退出码 {code}：{out[-2000:]}"
        result: dict[str, Any] = json.loads(out)
        return result

    def ratio(self, name: str) -> tuple[int, int] | None:
        """(numerator, denominator) the plain `stats` table prints by a rate: 满意率 75%（3/4）."""
        code, out = self.run("stats", *PERIOD)
        assert code == 0, f"{self.sheet}：stats 退出码 {code}：{out[-2000:]}"
        for line in out.splitlines():
            if line.startswith(name):
                m = re.search(r"（(\d+)/(\d+)）", line)
                return (int(m.group(1)), int(m.group(2))) if m else None
        raise AssertionError(f"{self.sheet}：stats 的表中没有“{name}”一行：\n{out}")

    def count(self, *filters: str) -> int:
        code, out = self.run("case", "list", *filters, "--limit", "1")
        assert code == 0, f"{self.sheet}：case list {' '.join(filters)} 退出码 {code}：{out}"
        m = re.search(r"共 (\d+) 件", out)
        assert m, f"{self.sheet}：case list 的输出没有“共 N 件”：{out}"
        return int(m.group(1))

    def dictionary(self, kind: str, *options: str) -> dict[str, int]:
        """`settings dict list`: value → how many cases use it."""
        code, out = self.run("settings", "dict", "list", kind, *options)
        assert code == 0, f"{self.sheet}：settings dict list {kind} 退出码 {code}：{out}"
        values: dict[str, int] = {}
        for line in out.splitlines():
            value, _, uses = line.rpartition("\t")
            if value and uses.isdigit():
                values[re.sub(r"（.*?）$", "", value)] = int(uses)
        return values

    def case_events(self, number: str) -> list[dict[str, Any]]:
        code, out = self.run("case", "show", number, "--json")
        assert code == 0, f"{self.sheet}：case show {number} 退出码 {code}：{out}"
        events: list[dict[str, Any]] = json.loads(out)["events"]
        return events


class Diffs:
    """Collects every figure that differs, so one run shows the lead all of them."""

    def __init__(self, sheet: str) -> None:
        self.sheet = sheet
        self.lines: list[str] = []

    def same(self, figure: str, got: Any, want: Any) -> None:
        if isinstance(want, Fraction) and isinstance(got, int | float):
            if abs(got - float(want)) < 1e-9:
                return
        elif got == want:
            return
        shown = f"{want}（{float(want):.4f}）" if isinstance(want, Fraction) else repr(want)
        self.lines.append(f"{self.sheet}：{figure} 导入后为 {got!r}，按表中各行应为 {shown}")

    def check(self, figure: str, ok: bool, detail: str) -> None:
        if not ok:
            self.lines.append(f"{self.sheet}：{figure}：{detail}")

    def done(self) -> None:
        assert not self.lines, "\n".join(self.lines)


@pytest.fixture
def office_root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    paths.set_data_dir(None)


def rate(num: int, den: int) -> Fraction | None:
    return Fraction(num, den) if den else None


def timely(cases: list[Expect]) -> Fraction | None:
    """§5 及时受理率 with §9: only decisions the sheet dates count (inferred ones and 情况不详 are
    left out of numerator and denominator); an undecided case counts once its due has passed."""
    gaps = [(d - c.received).days for c in cases if (d := c.decision_on) and d <= AS_OF]
    in_time = [g for g in gaps if g <= DECISION_DAYS]
    overdue_undecided = [
        c
        for c in cases
        if c.status == PENDING and c.received + dt.timedelta(days=DECISION_DAYS) < AS_OF
    ]
    return rate(len(in_time), len(gaps) + len(overdue_undecided))


def compare_figures(office: Office, cases: list[Expect], diffs: Diffs) -> dict[str, Any]:
    """The Must-show figures: total, persons_total, by_form, visits, collective, repeat,
    skip_level, closed (case list --status 已办结), satisfaction counts, 及时受理率."""
    stats = office.stats()
    visits = [c for c in cases if c.form == "来访"]
    collective = [c for c in visits if c.collective]
    forms = Counter(c.form for c in cases)
    diffs.same("total（信访总量）", stats["total"], len(cases))
    diffs.same("persons_total（总人次）", stats["persons_total"], sum(c.persons for c in cases))
    for form in FORMS:
        diffs.same(f"by_form.{form}", stats["by_form"].get(form, 0), forms[form])
    # Every date style read as the date it is: the month of each 登记日期.
    months = Counter(f"{c.received:%Y-%m}" for c in cases)
    for month in (f"{YEAR}-{m:02d}" for m in range(1, 13)):
        diffs.same(f"by_month.{month}", stats["by_month"].get(month, 0), months[month])
    diffs.same("visits.batches（来访批次）", stats["visits"]["batches"], len(visits))
    diffs.same(
        "visits.persons（来访人次）", stats["visits"]["persons"], sum(c.persons for c in visits)
    )
    diffs.same("collective.batches（集体访批次）", stats["collective"]["batches"], len(collective))
    diffs.same(
        "collective.persons（集体访人次）",
        stats["collective"]["persons"],
        sum(c.persons for c in collective),
    )
    diffs.same("repeat（重复信访）", stats["repeat"], sum(c.repeat for c in cases))
    diffs.same("skip_level（越级访）", stats["skip_level"], sum(c.skip_level for c in cases))
    closed = [c for c in cases if c.status in (CLOSED, REVIEWING)]  # 复查中: its 办结 happened
    diffs.same(
        "已办结件数（case list --status 已办结）",
        office.count("--status", CLOSED),
        sum(c.status == CLOSED for c in cases),
    )
    reviewing = sum(c.status == REVIEWING for c in cases)
    if reviewing:
        diffs.same(
            "复查中件数（case list --status 复查中）",
            office.count("--status", REVIEWING),
            reviewing,
        )
    # §5: E = closed by A with a rating; every closed case here is closed by A (dates ≤ A, and
    # a closed-date-unknown case is dated its 答复/登记日期, §9).
    rated = [c for c in closed if c.rating]
    good = [c for c in rated if c.rating in ("满意", "基本满意")]
    diffs.same(
        "参评（参评率的分子/分母）",
        office.ratio("参评率"),
        (len(rated), len(closed)) if closed else None,
    )
    diffs.same(
        "满意（满意率的分子/分母）",
        office.ratio("满意率"),
        (len(good), len(rated)) if rated else None,
    )
    diffs.same("evaluation_rate（参评率）", stats["evaluation_rate"], rate(len(rated), len(closed)))
    diffs.same(
        "satisfaction_rate（满意率）", stats["satisfaction_rate"], rate(len(good), len(rated))
    )
    diffs.same(
        "timely_acceptance_rate（及时受理率）", stats["timely_acceptance_rate"], timely(cases)
    )
    return stats


def warns_about(output: str, column: str) -> bool:
    """§6: an unused column that looks like a status, a date or a count is a warning naming it
    (beyond the plain list of unused columns, which names every unused column as a 提示)."""
    return any(
        column in line and not line.lstrip().startswith("未使用的列") and "警告" in line
        for line in output.splitlines()
    )


def says_count(output: str, words: tuple[str, ...], n: int, also: tuple[str, ...] = ()) -> bool:
    """Some line names one of `words` and the number n (not as part of a longer number), and
    one of `also` when given."""
    pattern = re.compile(rf"(?<!\d){n}(?!\d)")
    return any(
        any(w in line for w in words)
        and pattern.search(line)
        and (not also or any(w in line for w in also))
        for line in output.splitlines()
    )


def check_closed_date_unknown(
    office: Office, diffs: Diffs, row: dict[str, Any], number: str
) -> None:
    """§9: 已办结 with no 办结/答复 date is a 办结 event marked date_unknown, dated the row's
    登记日期 (there is no 答复日期 to date it by)."""
    received = as_date(row.get("登记日期") or row.get("来电时间"))
    events = office.case_events(number)
    closing = [e for e in events if e["kind"] == "办结"]
    ok = len(closing) == 1 and closing[0]["data"].get("date_unknown") is True
    diffs.check(
        f"第{row['_row']}行（已办结，无办结日期）",
        ok and closing[0]["on"] == f"{received}",
        f"应有一个标为 date_unknown、日期为登记日期 {received} 的办结事件：{events}",
    )


# ---- (a) provincial 信访信息系统 export ----
PROVINCIAL_FORMS = {
    "网上信访": "网上",
    "手机信访": "网上",
    "电话信访": "来电",
    "来访": "来访",
    "来信": "来信",
}
# §6: the 一级 part of "一级-二级" may be a synonym.
CATEGORY_SYNONYMS = {
    "劳动社保": "劳动和社会保障",
    "生态环境": "环境保护",
    "自然资源": "国土资源",
    "教育": "教育文体",
}


def provincial_status(text: str) -> str:
    """§6 status words seen: the system's sentences as statuses."""
    if text.startswith("已答复") and "申请复查" in text:
        return REVIEWING
    if text.startswith("已办结") or text == "审核认定办结":
        return CLOSED
    if text == "已作出处理意见":
        return REPLIED
    if text == "受理申请审查中":
        return PENDING
    if text.startswith("不予受理"):
        return REFUSED
    if re.fullmatch(r"已转.+办理", text) or text in ("正在办理", "处理中"):
        return HANDLING  # 已转…办理 is a 交办: accepted
    raise AssertionError(f"builder wrote a status the test cannot read: {text}")


def read_provincial(row: dict[str, Any]) -> Expect:
    form = PROVINCIAL_FORMS[row["信访方式"]]
    status = provincial_status(row["信访件状态"])
    first = row["市级一级问题分类"].split("-")[0]
    return Expect(
        received=as_date(row["登记时间"]),  # type: ignore[arg-type]
        form=form,
        persons=row["信访人数"],
        collective=collective_of(form, row["信访人数"]),
        repeat=row["是否全国初次信访"] == "否",  # inverted flag
        status=status,
        decision_on=row["受理时间"],
        rating=row["满意度"] if status == CLOSED and row["满意度"] in RATINGS else "",
        category=CATEGORY_SYNONYMS.get(first, first),
    )


def test_provincial_export(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(a) 省信访信息系统导出"
    built = provincial_export(tmp_path / "信访件列表.xlsx")
    office = Office(office_root, capsys, sheet)
    dry = office.ledger_import(built, "--add-unknown", dry_run=True)
    office.ledger_import(built, "--add-unknown")
    cases = [read_provincial(r) for r in built.rows]
    diffs = Diffs(sheet)
    stats = compare_figures(office, cases, diffs)
    # 一级-二级 split on the dash, 一级 synonyms mapped; --add-unknown never adds a new 一级.
    want = Counter(c.category for c in cases)
    for category in sorted(set(want) | set(stats["by_category"])):
        diffs.same(f"by_category.{category}", stats["by_category"].get(category, 0), want[category])
    extra = set(stats["by_category"]) - set(DEFAULT_CATEGORIES) - {"未填写"}
    diffs.check("by_category", not extra, f"出现了字典外的一级分类 {sorted(extra)}")
    diffs.check(
        "未使用的日期列",
        warns_about(dry, "最后操作时间"),
        "检查结果没有就未使用的“最后操作时间”列给出警告",
    )
    # A status text carries its own event: 已办结（date） closes on that date, 不予受理（reason）
    # keeps the reason, 已转X办理 is a 交办 to X (§6).
    dated = next(
        r for r in built.rows if DATE_IN_TEXT.search(r["信访件状态"]) and not r["办结时间"]
    )
    m = DATE_IN_TEXT.search(dated["信访件状态"])
    assert m
    day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    closing = [e for e in office.case_events(dated["信访件编号"]) if e["kind"] == "办结"]
    diffs.check(
        f"第{dated['_row']}行“{dated['信访件状态']}”",
        [e["on"] for e in closing] == [day.isoformat()],
        f"办结事件应为 {day}，导入为 {closing}",
    )
    refused = next(r for r in built.rows if r["信访件状态"].startswith("不予受理"))
    reason = refused["信访件状态"][len("不予受理") :].strip("（）()")
    events = office.case_events(refused["信访件编号"])
    kept = [
        e for e in events if e["kind"] == "不予受理" and reason in json.dumps(e, ensure_ascii=False)
    ]
    diffs.check(
        f"第{refused['_row']}行“{refused['信访件状态']}”",
        bool(kept),
        f"不予受理的理由“{reason}”未保留：{events}",
    )
    assigned = next(r for r in built.rows if re.fullmatch(r"已转.+办理", r["信访件状态"]))
    unit = assigned["信访件状态"][2:-2]
    events = office.case_events(assigned["信访件编号"])
    to = [e for e in events if e["kind"] == "交办" and unit in json.dumps(e, ensure_ascii=False)]
    diffs.check(
        f"第{assigned['_row']}行“{assigned['信访件状态']}”", bool(to), f"应为交办给{unit}：{events}"
    )
    diffs.done()


# ---- (b) 综治中心 来访 register ----
# What 情况不详 means for the figures (§5): the dry run says it next to the count.
IMPACT = ("不计入", "比率", "办结率", "统计")


def read_visit(row: dict[str, Any]) -> Expect:
    persons = 1 + (row["随行人数"] or 0)  # §6: 人数 = 1 + 随行人数
    return Expect(
        received=as_date(row["接件时间"]),  # type: ignore[arg-type]
        form="来访",  # --set 信访形式=来访
        persons=persons,
        collective=collective_of("来访", persons, row["联名信或集体访"]),
        repeat=row["是否初次来访"] == "否",  # inverted flag
        skip_level=row["是否越级"] == "是",
        status=UNKNOWN,  # no status column, no 受理/答复/办结 date (§9)
    )


def test_visit_register_without_status(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(b) 综治中心来访登记"
    built = visit_register(tmp_path / "来访登记.xlsx")
    office = Office(office_root, capsys, sheet)
    n = len(built.rows)
    dry = office.ledger_import(built, "--set", "信访形式=来访", dry_run=True)
    diffs = Diffs(sheet)
    diffs.check(
        "检查结果",
        says_count(dry, ("情况不详",), n, IMPACT),
        f"检查结果应说明 {n} 行将导入为“情况不详”及其对统计的影响：\n{dry}",
    )
    diffs.check(
        "检查结果",
        says_count(dry, ("信访形式",), n),
        f"小结应说明 {n} 行的信访形式由 --set 统一填写为“来访”",
    )
    done = office.ledger_import(built, "--set", "信访形式=来访")
    diffs.check(
        "导入结果",
        says_count(done, ("情况不详",), n),
        f"导入后的小结应再说明 {n} 行为“情况不详”：\n{done}",
    )
    cases = [read_visit(r) for r in built.rows]
    stats = compare_figures(office, cases, diffs)
    # 情况不详 never floods the to-do lists and leaves every rate but repeat_rate (§5, §9).
    diffs.same("情况不详件数（case list --status 情况不详）", office.count("--status", UNKNOWN), n)
    diffs.same("待受理列表（case list --status 待受理）", office.count("--status", PENDING), 0)
    diffs.same("超期列表（case list --warning 超期）", office.count("--warning", "超期"), 0)
    diffs.same("临期列表（case list --warning 临期）", office.count("--warning", "临期"), 0)
    diffs.same("overdue_open（超期未办结）", stats["overdue_open"], 0)
    diffs.same("open_at_end（期末未结）", stats["open_at_end"], 0)
    diffs.same("closure_rate（办结率）", stats["closure_rate"], None)
    diffs.same("handled_rate（处理率）", stats["handled_rate"], None)
    diffs.same(
        "repeat_rate（重复信访率）", stats["repeat_rate"], rate(sum(c.repeat for c in cases), n)
    )
    diffs.done()


# ---- (c) 镇街 办理台账 with a two-row header ----
TOWN_FORMS = {
    "来信": "来信",
    "信件": "来信",
    "来访": "来访",
    "走访": "来访",
    "来电": "来电",
    "电话": "来电",
    "网上": "网上",
    "网信": "网上",
}


def town_status(row: dict[str, Any]) -> str:
    """§6: several columns speak about progress; the most advanced state any supports wins
    (a 办结时间 beats 是否办结 = 否; 是否办结 = 是 beats 已答复)."""
    flag, text = row["是否办结"], row["办结情况"]
    if row["办结时间"] or flag == "是" or text == "已办结":
        return CLOSED
    if text in ("已答复", "已作出处理意见"):
        return REPLIED
    if flag == "否" or text in ("正在办理", "在办") or row["受理日期"]:
        return HANDLING
    if text in ("待受理", "未受理"):
        return PENDING
    return UNKNOWN


def read_town(row: dict[str, Any]) -> Expect:
    form = TOWN_FORMS[row["信访形式"]]
    status = town_status(row)
    return Expect(
        received=row["登记日期"],
        form=form,
        persons=row["人数"],
        collective=collective_of(form, row["人数"], row["是否集体访"]),
        repeat=row["是否重复信访"] == "是",
        status=status,
        decision_on=row["受理日期"],
        rating=row["群众满意度"] if status == CLOSED and row["群众满意度"] in RATINGS else "",
    )


def test_town_ledger_two_row_header(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(c) 镇街办理台账（两行表头）"
    built = town_ledger(tmp_path / "乾元镇信访台账.xlsx")
    office = Office(office_root, capsys, sheet)
    dry = office.ledger_import(built, dry_run=True)
    office.ledger_import(built)
    diffs = Diffs(sheet)
    cases = [read_town(r) for r in built.rows]
    compare_figures(office, cases, diffs)
    # Every row whose progress columns disagree is listed in the dry run (§6).
    words = ("是否办结", "办结情况", "办结时间", "不一致", "不符", "矛盾")
    for row in town_disagreements(built.rows):
        where = f"第{row['_row']}行"
        listed = any(where in line and any(w in line for w in words) for line in dry.splitlines())
        diffs.check(
            f"{where}（是否办结“{row['是否办结']}”、办结情况“{row['办结情况']}”、"
            f"办结时间 {row['办结时间']}）",
            listed,
            "各列说法不一致，检查结果应列出这一行",
        )
    diffs.done()


# ---- (d) 12345 工单 export ----
def read_hotline(row: dict[str, Any]) -> Expect:
    status = (
        CLOSED if row["工单状态"] in ("已办结", "已回访") else HANDLING
    )  # 已退单 → 退回 of a 交办
    closed_known = row["办结时间"] is not None
    return Expect(
        received=as_date(row["来电时间"]),  # type: ignore[arg-type]
        form="来电",  # 12345 → 来电 (§6)
        repeat=row["是否重复"] == "是",
        status=status,
        decision_on=None,  # no 受理 column: every decision is inferred (§9)
        rating=row["满意度"]
        if status == CLOSED and closed_known and row["满意度"] in RATINGS
        else "",
    )


@pytest.mark.parametrize("variant", ["channel", "form"])
def test_hotline_export(
    variant: str, office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = "信访来源=12345" if variant == "channel" else "信访方式=12345转办"
    sheet = f"(d) 12345工单导出（{source}，.xls）"
    built = hotline_export(tmp_path / "工单.xls", variant=variant)
    office = Office(office_root, capsys, sheet)
    dry = office.ledger_import(built, dry_run=True)
    office.ledger_import(built)
    diffs = Diffs(sheet)
    cases = [read_hotline(r) for r in built.rows]
    stats = compare_figures(office, cases, diffs)
    diffs.same("by_channel.12345热线", stats["by_channel"].get("12345热线", 0), len(cases))
    if variant == "channel":
        diffs.check(
            "检查结果",
            says_count(dry, ("来电",), len(cases)),
            f"小结应说明 {len(cases)} 行的信访形式按来源渠道 12345热线 推定为“来电”",
        )
    handling = sum(r["工单状态"] in ("处理中", "已退单") for r in built.rows)
    diffs.same("办理中件数（处理中、已退单）", office.count("--status", HANDLING), handling)
    # §9: an imported 已退单 is a 退回 of an implied (inferred) 交办 to the unit.
    returned = next(r for r in built.rows if r["工单状态"] == "已退单")
    events = office.case_events(returned["工单编号"])
    kinds = [e["kind"] for e in events]
    assigned = [e for e in events if e["kind"] == "交办"]
    diffs.check(
        f"第{returned['_row']}行“已退单”",
        kinds[-2:] == ["交办", "退回"]
        and assigned[0]["data"].get("inferred") is True
        and assigned[0]["data"].get("to") == returned["承办单位"],
        f"应为推定的交办（给{returned['承办单位']}）之后的退回：{events}",
    )
    unknown = next(r for r in built.rows if r["工单状态"] == "已办结" and not r["办结时间"])
    check_closed_date_unknown(office, diffs, unknown, unknown["工单编号"])
    diffs.check(
        "未使用的状态列", warns_about(dry, "审核状态"), "检查结果没有就未使用的“审核状态”列给出警告"
    )
    diffs.done()


# ---- (e) district ledger as GBK CSV ----
DISTRICT_FORMS = {"信件": "来信", "走访": "来访", "电话": "来电", "网络": "网上"}


def district_status(row: dict[str, Any]) -> str:
    if row["是否办结"] == "是":
        return CLOSED  # with no date at all: closed, date unknown (§6, §9)
    if row["是否办结"] == "否":
        return REPLIED if row["答复日期"] else HANDLING
    if not (row["受理日期"] or row["答复日期"] or row["办结日期"]):
        return UNKNOWN
    raise AssertionError("builder wrote a row the test cannot read")


def read_district(row: dict[str, Any]) -> Expect:
    form = DISTRICT_FORMS[row["方式"]]
    status = district_status(row)
    return Expect(
        received=row["登记日期"],
        form=form,
        persons=row["人数"],
        collective=collective_of(form, row["人数"], row["集体访"]),
        repeat=row["重复"] == "是",
        skip_level=row["是否越级"] == "是",
        status=status,
        decision_on=row["受理日期"],
        rating=row["满意度"] if status == CLOSED and row["满意度"] in RATINGS else "",
        visit_level=row["走访层级"] if form == "来访" else "",
    )


def test_district_gbk_csv(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(e) 区信访台账（GBK CSV）"
    built = district_csv(tmp_path / "历下区信访台账.csv")
    office = Office(office_root, capsys, sheet)
    dry = office.ledger_import(built, dry_run=True)
    office.ledger_import(built)
    diffs = Diffs(sheet)
    cases = [read_district(r) for r in built.rows]
    stats = compare_figures(office, cases, diffs)
    channels = Counter(
        "12345热线" if r["来源渠道"] == "12345" else r["来源渠道"] for r in built.rows
    )
    for channel, n in sorted(channels.items()):
        diffs.same(f"by_channel.{channel}", stats["by_channel"].get(channel, 0), n)
    levels = Counter(c.visit_level for c in cases if c.form == "来访")
    for level in ("进京", "赴省", "到市", "到县"):
        diffs.same(f"visit_levels.{level}", stats["visit_levels"][level], levels[level])
    unknown_date = [
        r for r in built.rows if r["是否办结"] == "是" and not (r["办结日期"] or r["答复日期"])
    ]
    diffs.check(
        "检查结果",
        says_count(dry, ("日期不详", "日期未知"), len(unknown_date)),
        f"小结应说明 {len(unknown_date)} 行已办结但办结日期不详（第"
        f"{'、'.join(str(r['_row']) for r in unknown_date)}行）",
    )
    for row in unknown_date:
        check_closed_date_unknown(office, diffs, row, row["编号"])
    no_status = sum(c.status == UNKNOWN for c in cases)
    diffs.same(
        "情况不详件数（case list --status 情况不详）", office.count("--status", UNKNOWN), no_status
    )
    diffs.done()


# ---- (f) 领导接访 register ----
def test_leader_register_into_register(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(f) 领导接访登记表（--into 领导接访）"
    built = leader_register(tmp_path / "领导接访.xlsx")
    office = Office(office_root, capsys, sheet)
    office.ledger_import(built, "--into", "领导接访", dry_run=True)
    office.ledger_import(built, "--into", "领导接访")
    stats = office.stats()
    diffs = Diffs(sheet)
    # §5: days = distinct reception days; one register row per day and leader holds that
    # leader's 批次 (one per visit row) and 人次.
    got = stats["leader_receptions"]
    diffs.same(
        "leader_receptions.days（接访天数）", got["days"], len({r["日期"] for r in built.rows})
    )
    diffs.same("leader_receptions.batches（接访批次）", got["batches"], len(built.rows))
    diffs.same(
        "leader_receptions.persons（接访人次）",
        got["persons"],
        sum(r["来访人数"] for r in built.rows),
    )
    diffs.same("total（未要求 --also-cases，不应建信访件）", stats["total"], 0)
    diffs.done()


def test_leader_register_also_cases(
    office_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = "(f) 领导接访登记表（--into 领导接访 --also-cases）"
    built = leader_register(tmp_path / "领导接访.xlsx")
    office = Office(office_root, capsys, sheet)
    office.ledger_import(built, "--into", "领导接访", "--also-cases")
    stats = office.stats()
    diffs = Diffs(sheet)
    persons = sum(r["来访人数"] for r in built.rows)
    diffs.same("total（信访总量）", stats["total"], len(built.rows))
    diffs.same("by_form.来访", stats["by_form"].get("来访", 0), len(built.rows))
    diffs.same("visits.persons（来访人次）", stats["visits"]["persons"], persons)
    diffs.same(
        "leader_receptions.batches（接访批次）",
        stats["leader_receptions"]["batches"],
        len(built.rows),
    )
    diffs.same(
        "leader_receptions.persons（接访人次）", stats["leader_receptions"]["persons"], persons
    )
    diffs.done()


# ---- the builders themselves ----
def _styles(cells: list[Any]) -> set[str]:
    """Which date styles a column's raw cells use (as a reader sees them)."""
    found: set[str] = set()
    for v in cells:
        if isinstance(v, dt.datetime):
            found.add("datetime" if v.time() != dt.time() else "excel")
        elif isinstance(v, dt.date):
            found.add("excel")
        elif isinstance(v, float | int) and 19000101 <= v <= 21001231:
            found.add("20250305")
        elif isinstance(v, str):
            for style, pattern in (
                ("2025/3/5", r"\d{4}/\d{1,2}/\d{1,2}"),
                ("2025.3.5", r"\d{4}\.\d{1,2}\.\d{1,2}"),
                ("2025年3月5日", r"\d{4}年\d{1,2}月\d{1,2}日"),
                ("20250305", r"\d{8}"),
                ("2025-03-05", r"\d{4}-\d{2}-\d{2}"),
            ):
                if re.fullmatch(pattern + r"( \d{1,2}:\d{2}(:\d{2})?)?", v):
                    found.add(style)
    return found


@pytest.mark.parametrize("shape", ["a", "b", "c", "d", "e", "f"])
def test_builders_write_what_they_promise(shape: str, tmp_path: Path) -> None:
    """Valid ID numbers (GB 11643 check digit), 40–150 rows, mixed date styles, a 合计 row and a
    merged title where such sheets have them: the acceptance material is what the issue asks."""
    builders = {
        "a": (provincial_export, "a.xlsx", "登记时间", None),
        "b": (visit_register, "b.xlsx", "接件时间", "身份证号码"),
        "c": (town_ledger, "c.xlsx", "登记日期", "身份证号码"),
        "d": (hotline_export, "d.xls", "来电时间", None),
        "e": (district_csv, "e.csv", "登记日期", "身份证号"),
        "f": (leader_register, "f.xlsx", "日期", None),
    }
    build, name, date_column, id_column = builders[shape]
    built = build(tmp_path / name)
    assert 40 <= len(built.rows) <= 150, f"({shape}) 应有 40–150 行，实有 {len(built.rows)} 行"
    ids = [r[id_column or "证件号码"] for r in built.rows if r.get(id_column or "证件号码")]
    if shape in "abce":
        bad = [
            i for i in ids if len(i) != 15 and (len(i) != 18 or ric.calc_check_digit(i) != i[-1])
        ]
        assert ids and not bad, f"({shape}) 身份证号校验位错误：{bad}"
        assert len(ids) < len(built.rows), f"({shape}) 应有缺身份证号的行"
    if name.endswith(".csv"):
        with built.path.open(encoding="gbk", newline="") as f:
            raw = list(csv.reader(f))
    else:
        book = CalamineWorkbook.from_path(str(built.path))
        raw = [list(r) for r in book.get_sheet_by_name(built.sheet).to_python()]
    header_at = next(i for i, row in enumerate(raw) if date_column in [str(c) for c in row])
    col = [str(c) for c in raw[header_at]].index(date_column)
    styles = _styles([raw[r["_row"] - 1][col] for r in built.rows])
    assert len(styles) >= (2 if shape in "ad" else 4), f"({shape}) 日期写法太少：{styles}"
    has_total = any(str(row[0]).startswith("合计") for row in raw if row)
    assert has_total == (shape in "bcef"), f"({shape}) 合计行"
    if name.endswith(".xlsx"):
        ws = openpyxl.load_workbook(built.path).active
        merged_title = any(m.min_row == 1 and m.max_col > 3 for m in ws.merged_cells.ranges)
        assert merged_title == (shape in "bcf"), f"({shape}) 合并的标题行"
