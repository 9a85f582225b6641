"""The variable reference: dotted paths with descriptions → the schema the template check uses.

The schema is strict (docs/rules.md, 文书): under `stats`, `yoy` and `ratios` every key is named,
the breakdowns' keys are the dictionary's values, so `{{ stats.by_form.信件 }}` or
`{{ yoy.totla }}` is an error that names its paragraph instead of a silent 0.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from app.documents.notes import ITEMS
from app.documents.template_check import Schema
from app.office.dictionaries import FORMS
from app.stats.result import RATES


def schema_from(paths: list[tuple[str, str]]) -> Schema:
    """Build a nested schema from "a.b", "a.*" (any key below a) and "rows[].name" paths."""
    root: dict[str, Any] = {}
    for path, _ in paths:
        node: Any = root
        parts = path.split(".")
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            is_list = part.endswith("[]")
            name = part[:-2] if is_list else part
            if name == "*":
                break
            if is_list:
                holder = node.setdefault(name, [{}])
                if not isinstance(holder, list):
                    holder = node[name] = [{}]
                node = holder[0]
                continue
            if last:
                nxt = parts[i + 1] if i + 1 < len(parts) else None
                node.setdefault(name, "*" if nxt in (None, "*") else {})
            else:
                if parts[i + 1] == "*":
                    node[name] = "*"
                    break
                child = node.get(name)
                if not isinstance(child, dict):
                    child = node[name] = {}
                node = child
    return root


def value_at(context: dict[str, Any], path: str) -> Any:
    """Today's value of a reference path (for `report vars`); lists show their first element."""
    node: Any = context
    for part in path.split("."):
        if part == "*":
            return node
        is_list = part.endswith("[]")
        name = part[:-2] if is_list else part
        node = node.get(name) if isinstance(node, dict) else getattr(node, name, None)
        if is_list:
            if not node:
                return None
            node = node[0]
        if node is None:
            return None
    return node


_STATS = [
    ("total", "信访总量（件）"),
    ("persons_total", "总人次"),
    ("by_form.*", "按信访形式的件数，如 stats.by_form.来信"),
    (
        "by_channel.*",
        "按来源渠道的件数，如 stats.by_channel.市长信箱、stats.by_channel['12345热线']",
    ),
    ("by_category.*", "按问题类别（一级）的件数，如 stats.by_category.水利"),
    ("by_department.*", "按承办单位的件数"),
    ("by_month.*", "按月件数，如 stats.by_month['2025-03']"),
    ("visits.batches", "来访批次"),
    ("visits.persons", "来访人次"),
    ("collective.batches", "集体访批次"),
    ("collective.persons", "集体访人次"),
    ("visit_levels.进京", "进京上访批次"),
    ("visit_levels.赴省", "赴省上访批次"),
    ("visit_levels.到市", "到市上访批次"),
    ("visit_levels.到县", "到县上访批次"),
    ("skip_level", "越级访件数"),
    ("abnormal", "非正常访件数"),
    ("repeat", "重复信访件数"),
    ("repeat_rate", "重复信访率（用 | pct）"),
    ("timely_acceptance_rate", "及时受理率（用 | pct）"),
    ("closure_rate", "办结率（用 | pct）"),
    ("on_time_closure_rate", "按期办结率（用 | pct）"),
    ("overdue_open", "超期未结件数"),
    ("avg_days_to_close", "平均办结天数（用 | num）"),
    ("handled_rate", "处理率（用 | pct）"),
    ("evaluation_rate", "参评率（用 | pct）"),
    ("satisfaction_rate", "满意率（用 | pct）"),
    ("carried_over", "上期结转件数"),
    ("carried_over_correction", "上期更正件数：上期已封账时，上期结转的最新数减封账数（否则为空）"),
    ("open_at_end", "期末未结件数"),
    ("leader_cases", "领导包案件数"),
    ("leader_closure_rate", "领导包案办结率（用 | pct）"),
    ("leader_receptions.days", "领导接访天数"),
    ("leader_receptions.batches", "领导接访批次"),
    ("leader_receptions.persons", "领导接访人次"),
    ("screenings.times", "矛盾纠纷排查次数"),
    ("screenings.found", "排查出矛盾纠纷件数"),
    ("screenings.resolved", "调处化解件数"),
    ("by_target.*", "按被反映对象（单位名称合并别名）的件数，由多到少"),
    ("outgoing.transfers", "本期转送件次（本机关发出）"),
    ("outgoing.assignments", "本期交办件次"),
    ("outgoing.supervisions", "本期督办次数"),
    ("outgoing.supervised_cases", "本期督办的信访件数"),
    ("outgoing.feedback_overdue", "交办超过期限未反馈的件数"),
    ("by_assigning_org.*", "上级交办、转送的件数，按交办机关"),
    ("assigned_on_time_rate", "办理交办案件按时报结率（上级交办件的按期办结率，用 | pct）"),
    ("incoming_supervisions", "收到上级督办的次数"),
    ("data_gaps.status_unknown", "情况不详（导入时无办理信息）的件数，不计入各项比率"),
    ("data_gaps.closed_date_unknown", "办结日期不详的件数"),
    ("data_gaps.decision_inferred", "受理日期由导入推定的件数"),
    ("yoy.*", "同比原始数据 {this, last, change}（写同比句子请用 yoy.xxx）"),
]
# Groups whose keys come from a dictionary or the data (the schema lists them per database).
BREAKDOWN_GROUPS = ("by_form", "by_channel", "by_category", "by_department")
RANKED_GROUPS = ("by_target", "by_assigning_org")
NESTED_GROUPS = {
    "visits": ["batches", "persons"],
    "collective": ["batches", "persons"],
    "visit_levels": ["进京", "赴省", "到市", "到县"],
    "leader_receptions": ["days", "batches", "persons"],
    "screenings": ["times", "found", "resolved"],
    "outgoing": [
        "transfers",
        "assignments",
        "supervisions",
        "supervised_cases",
        "feedback_overdue",
    ],
}
_NO_YOY = {"by_month", "data_gaps"}
_YOY_LEAF = {"this": "*", "last": "*", "change": "*", "up": "*", "down": "*", "clause": "*"}
_RATE_KEYS = [
    "repeat_rate",
    "timely_acceptance_rate",
    "closure_rate",
    "on_time_closure_rate",
    "handled_rate",
    "evaluation_rate",
    "satisfaction_rate",
    "leader_closure_rate",
    "assigned_on_time_rate",
]
_ROW = [
    ("name", "名称"),
    ("count", "件数"),
    ("share", "占总量比例（用 | pct）"),
    ("last", "上年同期件数"),
    ("change", "同比措辞"),
]

REPORT_VARIABLES: list[tuple[str, str]] = [
    ("office", "单位名称（设置中填写）"),
    ("report_to", "报告主送机关（设置中填写）"),
    ("today", "今天（成文日期），用 | cdate"),
    ("date_from", "统计起始日期"),
    ("date_to", "统计截止日期"),
    ("as_of", "统计时点（截至哪一天）"),
    ("year", "统计起始年份"),
    ("period", "统计期间，如“2025年1月1日至2025年12月31日”"),
    ("period_name", "期间的简称：2025年 / 2025年12月 / 2025年第四季度 / 2025年上半年"),
    ("period_word", "行文中的期间用语：全年（整年）/ 本月 / 本季度 / 上半年 / 下半年 / 本期"),
    ("whole_year", "统计期间是否为整年（1月1日至12月31日）"),
    *[(f"notes.{k}", f"情况说明：{d}（未填写时为【请填写】提示）") for k, d in ITEMS.items()],
    *[(f"notes_entered.{k}", f"是否已填写情况说明“{k}”") for k in ITEMS],
    *[(f"stats.{k}", d) for k, d in _STATS],
    (
        "yoy.*",
        "同比措辞，直接写 {{ yoy.total }} 得到“上升12.5%”；比率得到“上升2.3个百分点”；"
        "也有 .clause（“同比上升12.5%”，上年为0时“上年同期为0”）.this（本期）.last（上年同期）"
        ".change（变化）",
    ),
    *[(f"ratios.{k}.numerator", f"{d.split('（')[0]}的分子") for k, d in _STATS if k in _RATE_KEYS],
    *[
        (f"ratios.{k}.denominator", f"{d.split('（')[0]}的分母")
        for k, d in _STATS
        if k in _RATE_KEYS
    ],
    ("last_ratios.*", "上年同期比率的分子分母（同 ratios）"),
    *[(f"form_rows[].{k}", f"按信访形式表格的每一行：{d}") for k, d in _ROW],
    *[(f"target_rows[].{k}", f"被反映对象（由多到少）：{d}") for k, d in _ROW],
    *[(f"assigning_rows[].{k}", f"上级交办、转送按交办机关：{d}") for k, d in _ROW],
    *[(f"channel_rows[].{k}", f"按来源渠道表格的每一行：{d}") for k, d in _ROW],
    *[(f"category_rows[].{k}", f"按问题类别表格的每一行：{d}") for k, d in _ROW],
    *[(f"department_rows[].{k}", f"按承办单位表格的每一行：{d}") for k, d in _ROW],
    *[(f"top_categories[].{k}", f"件数最多的前5个问题类别：{d}") for k, d in _ROW],
    *[(f"top_departments[].{k}", f"件数最多的前5个承办单位：{d}") for k, d in _ROW],
    ("month_rows[].month", "各月：月份“2025-03”（用 | cmonth）"),
    ("month_rows[].count", "各月：件数"),
    ("leaders", "包案领导名单（列表，可用 | join('、')）"),
    ("chart", "各月信访量柱状图（单独一段写 {{ chart }}）"),
    *[
        (f"cases[].{k}", f"本期信访件清单（不含个人信息）：{d}")
        for k, d in (
            ("number", "编号"),
            ("received_on", "登记日期"),
            ("form", "信访形式"),
            ("channel", "来源渠道"),
            ("category", "问题类别"),
            ("summary", "反映问题"),
            ("department", "承办单位"),
            ("status", "办理状态"),
            ("closed_on", "办结日期"),
            ("rating", "满意度"),
        )
    ],
]


def report_schema(values: Mapping[str, Iterable[str]]) -> Schema:
    """The strict report schema. `values`: the keys each dictionary breakdown may have (every
    value the dictionary ever held, and 未填写)."""
    schema = schema_from(REPORT_VARIABLES)
    stats: dict[str, Any] = schema["stats"]
    groups = {"by_form": list(FORMS), **{k: list(v) for k, v in values.items()}}
    for key in BREAKDOWN_GROUPS:
        stats[key] = {v: "*" for v in [*groups.get(key, []), "未填写"]}
    # The data's own keys (units, organs; months of the period): "*" here, a missing one then
    # fails the strict render.
    yoy: dict[str, Any] = {}
    for key, sub in stats.items():
        if key in _NO_YOY or key == "yoy":
            continue
        if isinstance(sub, dict):
            yoy[key] = {part: dict(_YOY_LEAF) for part in sub}
        elif key in RANKED_GROUPS:
            yoy[key] = "*"
        else:
            yoy[key] = dict(_YOY_LEAF)
    stats["yoy"] = yoy
    schema["yoy"] = yoy
    rates = {k: {"numerator": "*", "denominator": "*"} for k in RATES}
    schema["ratios"] = rates
    schema["last_ratios"] = rates
    return schema
