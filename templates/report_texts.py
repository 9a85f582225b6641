"""The three default reports: 信访工作自查报告 (seeds 1 and 5), 年度信访工作报告 (条例 Art.41),
月度统计表.

Every sentence is true of the data (docs/rules.md, 文书): a fact comes from a figure or from the
period's 情况说明 (`notes.*`, a 【请填写：…】 marker when the clerk entered nothing); each figure
has its own 同比 beside it; 全年 only for a whole year (`period_word`); a zero reads "无……"; a rate
without a denominator is left out with its sentence; 受理 means accepted, never the total.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

Save = Callable[[Any, str], None]

# The period as the first words of a sentence; "截至" only while the period is not over.
PERIOD = "{{ period_name }}{% if as_of < date_to %}（截至{{ as_of | cdate }}）{% endif %}"
GAPS = (
    "{% if stats.data_gaps.status_unknown %}另有{{ stats.data_gaps.status_unknown }}件情况不详"
    "（导入的历史台账未载明办理情况），计入总量，未计入以下各项比率。{% endif %}"
)
# Beside 上期结转 when the period before is closed (docs/rules.md, 封账): how far the live figure
# has moved since it was reported, "（上期更正+2件）"; nothing when it has not.
CARRY_CORRECTION = (
    "{% if stats.carried_over_correction %}（上期更正"
    "{% if stats.carried_over_correction > 0 %}+{% endif %}{{ stats.carried_over_correction }}件）"
    "{% endif %}"
)
TOTAL = (
    "{% if stats.total %}" + PERIOD + "，我单位共登记各类信访事项{{ stats.total }}件"
    "（{{ yoy.total.clause }}）、{{ stats.persons_total }}人次（{{ yoy.persons_total.clause }}）"
    "{% if stats.carried_over %}，另有上期结转{{ stats.carried_over }}件"
    + CARRY_CORRECTION
    + "{% endif %}。"
    "按信访形式分，"
    "{% for row in form_rows if row.count and row.name != '来访' %}{{ row.name }}"
    "{% if row.name == '网上' %}信访{% endif %}{{ row.count }}件"
    "（{{ yoy.by_form[row.name].clause }}）"
    "{% if not loop.last %}、{% endif %}{% endfor %}"
    "{% if stats.visits.batches %}{% if stats.total > stats.visits.batches %}，{% endif %}"
    "来访{{ stats.visits.batches }}批次（{{ yoy.visits.batches.clause }}）、"
    "{{ stats.visits.persons }}人次（{{ yoy.visits.persons.clause }}）"
    "{% else %}，无来访{% endif %}。"
    "按来源渠道分，"
    "{% for row in channel_rows if row.count %}{{ row.name }}{{ row.count }}件"
    "{% if not loop.last %}、{% endif %}{% endfor %}。"
    "{% else %}" + PERIOD + "，我单位未登记信访事项"
    "{% if stats.carried_over %}，上期结转{{ stats.carried_over }}件"
    + CARRY_CORRECTION
    + "{% endif %}。"
    "{% endif %}" + GAPS
)
HANDLED = (
    "{% if ratios.closure_rate.denominator %}"
    "已受理（含交办）的{{ ratios.closure_rate.denominator }}件中，"
    "已办结{{ ratios.closure_rate.numerator }}件，办结率{{ stats.closure_rate | pct }}"
    "（{{ yoy.closure_rate.clause }}）"
    "{% if stats.on_time_closure_rate is not none %}，按期办结率"
    "{{ stats.on_time_closure_rate | pct }}"
    "（{{ yoy.on_time_closure_rate.clause }}）{% endif %}"
    "{% if stats.avg_days_to_close is not none %}，平均办结用时"
    "{{ stats.avg_days_to_close | num }}天{% endif %}。"
    "{% elif stats.total %}本期登记的信访事项尚无受理（含交办）的。{% endif %}"
    "{% if stats.handled_rate is not none %}全部信访事项处理率{{ stats.handled_rate | pct }}"
    "{% if stats.timely_acceptance_rate is not none %}，及时受理率"
    "{{ stats.timely_acceptance_rate | pct }}（{{ yoy.timely_acceptance_rate.clause }}）"
    "{% endif %}。"
    "{% endif %}"
    "{% if stats.satisfaction_rate is not none %}已办结事项中回访评价"
    "{{ ratios.satisfaction_rate.denominator }}件，群众满意率{{ stats.satisfaction_rate | pct }}"
    "（{{ yoy.satisfaction_rate.clause }}）。{% endif %}"
    "{% if stats.overdue_open %}截至{{ as_of | cdate }}，有{{ stats.overdue_open }}件超过办理期限"
    "尚未办结。{% elif ratios.closure_rate.denominator %}截至{{ as_of | cdate }}，"
    "没有超过办理期限未办结的信访事项。{% endif %}"
)
ASSIGNED = (
    "{% if stats.by_channel.上级交办 or stats.by_channel.上级转送 %}"
    "{{ period_word }}收到上级交办信访事项{{ stats.by_channel.上级交办 }}件"
    "（{{ yoy.by_channel.上级交办.clause }}）、上级转送{{ stats.by_channel.上级转送 }}件"
    "{% set orgs = assigning_rows | selectattr('name', 'ne', '未填写') | list %}"
    "{% if orgs %}，其中{% for row in orgs %}{{ row.name }}{{ row.count }}件"
    "{% if not loop.last %}、{% endif %}{% endfor %}{% endif %}。"
    "{% if stats.assigned_on_time_rate is not none %}办理交办案件按时报结率"
    "{{ stats.assigned_on_time_rate | pct }}（{{ ratios.assigned_on_time_rate.numerator }}/"
    "{{ ratios.assigned_on_time_rate.denominator }}件，{{ yoy.assigned_on_time_rate.clause }}）。"
    "{% endif %}"
    "{% else %}{{ period_word }}无上级交办、转送的信访事项。{% endif %}"
    "{% if stats.incoming_supervisions %}收到上级督办{{ stats.incoming_supervisions }}次。"
    "{% endif %}"
)
OUTGOING = (
    "{% if stats.outgoing.transfers or stats.outgoing.assignments or stats.outgoing.supervisions %}"
    "{{ period_word }}本机关"
    "{% if stats.outgoing.transfers %}转送信访事项{{ stats.outgoing.transfers }}件次"
    "（{{ yoy.outgoing.transfers.clause }}）{% else %}无转送{% endif %}，"
    "{% if stats.outgoing.assignments %}交办{{ stats.outgoing.assignments }}件次"
    "（{{ yoy.outgoing.assignments.clause }}）{% else %}无交办{% endif %}，"
    "{% if stats.outgoing.supervisions %}对{{ stats.outgoing.supervised_cases }}件信访事项"
    "督办{{ stats.outgoing.supervisions }}次（{{ yoy.outgoing.supervisions.clause }}）"
    "{% else %}未发出督办{% endif %}。"
    "{% if stats.outgoing.feedback_overdue %}截至{{ as_of | cdate }}，有"
    "{{ stats.outgoing.feedback_overdue }}件交办事项超过期限未反馈。{% endif %}"
    "{% else %}{{ period_word }}本机关无转送、交办、督办的信访事项。{% endif %}"
)
LEADERS = (
    "{% if stats.leader_cases %}领导包案{{ stats.leader_cases }}件"
    "{% if stats.leader_closure_rate is not none %}，办结率{{ stats.leader_closure_rate | pct }}"
    "{% endif %}。{% endif %}"
    "{% if stats.leader_receptions.days %}领导接访{{ stats.leader_receptions.days }}天，接待群众"
    "{{ stats.leader_receptions.batches }}批次（{{ yoy.leader_receptions.batches.clause }}）、"
    "{{ stats.leader_receptions.persons }}人次（{{ yoy.leader_receptions.persons.clause }}）。"
    "{% endif %}"
)
SIGN = ("{{ office }}", "{{ today | cdate }}")


def self_check(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}\n关于{{ period_name }}信访工作的自查报告")
    g.to(doc, "{{ report_to or '【请填写：主送机关】' }}：")
    g.body(
        doc,
        "根据信访工作目标管理考评的有关要求，我单位对{{ period_name }}信访工作各项考核指标"
        "进行了自查，"
        "现将有关情况报告如下：",
        TOTAL,
        HANDLED,
    )
    g.h1(doc, "一、工作指标")
    items = [
        (
            "（一）进京上访：",
            "{% if stats.visit_levels.进京 %}{{ period_word }}群众进京上访"
            "{{ stats.visit_levels.进京 }}批次（{{ yoy.visit_levels.进京.clause }}）。"
            "{% else %}{{ period_word }}无群众进京上访。{% endif %}",
        ),
        (
            "（二）赴省、到市上访：",
            "{% if stats.visit_levels.赴省 %}赴省上访{{ stats.visit_levels.赴省 }}批次"
            "（{{ yoy.visit_levels.赴省.clause }}）{% else %}无群众赴省上访{% endif %}；"
            "{% if stats.visit_levels.到市 %}到市上访{{ stats.visit_levels.到市 }}批次"
            "（{{ yoy.visit_levels.到市.clause }}）{% else %}无群众到市上访{% endif %}。"
            "{% if stats.abnormal %}非正常上访{{ stats.abnormal }}件"
            "（{{ yoy.abnormal.clause }}）。{% else %}无非正常上访。{% endif %}",
        ),
        (
            "（三）到县集访：",
            "{% if stats.visit_levels.到县 %}到县上访{{ stats.visit_levels.到县 }}批次"
            "（{{ yoy.visit_levels.到县.clause }}）{% else %}无群众到县上访{% endif %}；"
            "{% if stats.collective.batches %}集体访{{ stats.collective.batches }}批次"
            "（{{ yoy.collective.batches.clause }}）、{{ stats.collective.persons }}人次"
            "（{{ yoy.collective.persons.clause }}）。{% else %}无集体访。{% endif %}",
        ),
        (
            "（四）重复来信：",
            "{% if stats.repeat %}重复信访{{ stats.repeat }}件（{{ yoy.repeat.clause }}），"
            "占信访总量的{{ stats.repeat_rate | pct }}。{% else %}无重复信访。{% endif %}",
        ),
        ("（五）群体性事件：", "{{ notes.群体性事件 }}"),
        (
            "（六）劝返处置：",
            "{% if stats.skip_level or stats.abnormal %}"
            "{% if stats.skip_level %}越级上访{{ stats.skip_level }}件"
            "（{{ yoy.skip_level.clause }}）"
            "{% else %}无越级上访{% endif %}，"
            "{% if stats.abnormal %}非正常上访{{ stats.abnormal }}件（{{ yoy.abnormal.clause }}）"
            "{% else %}无非正常上访{% endif %}。"
            "{{ notes.劝返处置 }}"
            "{% else %}无越级上访和非正常上访。{% if notes_entered.劝返处置 %}"
            "{{ notes.劝返处置 }}{% endif %}{% endif %}",
        ),
        (
            "（七）排查调处：",
            "{% if stats.screenings.times %}{{ period_word }}开展矛盾纠纷排查"
            "{{ stats.screenings.times }}次（{{ yoy.screenings.times.clause }}），排查出矛盾纠纷"
            "{{ stats.screenings.found }}件，调处化解{{ stats.screenings.resolved }}件。"
            "{% if notes_entered.排查调处 %}{{ notes.排查调处 }}{% endif %}"
            "{% else %}{{ notes.排查调处 }}{% endif %}",
        ),
        ("（八）办理交办案件：", ASSIGNED + LEADERS),
    ]
    for head, text in items:
        g.mixed(doc, [(g.H2_FONT, head), (g.BODY_FONT, text)])
    g.h1(doc, "二、保障指标")
    g.body(doc, "{{ notes.保障指标 }}")
    g.h1(doc, "三、存在问题")
    g.body(doc, "{{ notes.存在问题 }}")
    g.h1(doc, "四、下一步工作打算")
    g.body(doc, "{{ notes.下一步打算 }}")
    g.body(doc, "特此报告。")
    g.signature(doc, *SIGN)
    save(doc, "信访工作自查报告")


def _breakdown_table(g: ModuleType, doc: Any, rows: str, head: str, total: bool = True) -> None:
    body = [
        [f"{{%tr for row in {rows} %}}", "", "", "", ""],
        [
            "{{ row.name }}",
            "{{ row.count }}",
            "{{ row.share | pct }}",
            "{{ row.last | num }}",
            "{{ row.change }}",
        ],
        ["{%tr endfor %}", "", "", "", ""],
    ]
    if total:
        body.append(
            [
                "合计",
                "{{ stats.total }}",
                "{% if stats.total %}100%{% else %}—{% endif %}",
                "{{ yoy.total.last }}",
                "{{ yoy.total }}",
            ]
        )
    g.table(doc, [head, "件数", "占比", "上年同期", "同比"], body, [42, 24, 26, 28, 36])


def annual(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}\n{{ period_name }}信访工作情况报告")
    g.to(doc, "{{ report_to or '【请填写：主送机关】' }}：")
    g.body(
        doc,
        "根据《信访工作条例》第四十一条的规定，现将我单位{{ period_name }}"
        "（{{ period }}）信访工作情况报告如下。",
    )
    g.h1(doc, "一、信访数据统计")
    g.body(
        doc,
        TOTAL,
        "{% if stats.visits.batches %}来访中，"
        "{% if stats.collective.batches %}集体访{{ stats.collective.batches }}批次"
        "（{{ yoy.collective.batches.clause }}）、{{ stats.collective.persons }}人次"
        "（{{ yoy.collective.persons.clause }}）{% else %}无集体访{% endif %}；"
        "{% for level in ['进京', '赴省', '到市', '到县'] if stats.visit_levels[level] %}"
        "{{ level }}上访{{ stats.visit_levels[level] }}批次（{{ yoy.visit_levels[level].clause }}）"
        "{% if not loop.last %}、{% else %}。{% endif %}"
        "{% else %}无进京、赴省、到市、到县上访。{% endfor %}{% endif %}"
        "{% if stats.total %}"
        "{% if stats.repeat %}重复信访{{ stats.repeat }}件（{{ yoy.repeat.clause }}），"
        "重复信访率{{ stats.repeat_rate | pct }}{% else %}无重复信访{% endif %}；"
        "{% if stats.skip_level %}越级上访{{ stats.skip_level }}件（{{ yoy.skip_level.clause }}）"
        "{% else %}无越级上访{% endif %}；"
        "{% if stats.abnormal %}非正常上访{{ stats.abnormal }}件（{{ yoy.abnormal.clause }}）"
        "{% else %}无非正常上访{% endif %}。{% endif %}",
        HANDLED,
        "{% if stats.open_at_end %}截至{{ as_of | cdate }}，尚未办结的信访事项共"
        "{{ stats.open_at_end }}件（含以前年度）。{% endif %}",
        "{% if stats.total and month_rows | length > 1 %}各月信访量见图1。{% endif %}",
    )
    # A one-month period has no months to compare: no chart, no caption.
    g.body(doc, "{%p if stats.total and month_rows | length > 1 %}")
    g.image_line(doc, "{{ chart }}")
    g.caption(doc, "图1  {{ period_name }}各月信访量（蓝色为本期，灰色为上年同期；单位：件）")
    g.body(doc, "{%p endif %}")
    g.h1(doc, "二、信访事项涉及的领域")
    g.body(
        doc,
        "{% if top_categories %}从反映的问题看，信访事项主要涉及"
        "{% for row in top_categories %}{{ row.name }}（{{ row.count }}件，"
        "占{{ row.share | pct }}）{% if not loop.last %}、{% endif %}{% endfor %}，"
        "分类情况见表1。{% else %}本期未登记信访事项。{% endif %}",
    )
    g.caption(doc, "表1  信访事项按问题类别统计")
    _breakdown_table(g, doc, "category_rows", "问题类别")
    g.h1(doc, "三、被投诉较多的单位")
    g.body(
        doc,
        "{% set named = target_rows | selectattr('name', 'ne', '未填写') | list %}"
        "{% set many = named | selectattr('count', 'gt', 1) | list %}"
        "{% if many %}按被反映对象统计，被投诉较多的单位是"
        "{% for row in many[:5] %}{{ row.name }}（{{ row.count }}件）"
        "{% if not loop.last %}、{% endif %}{% endfor %}，各单位情况见表2。"
        "{% elif named %}按被反映对象统计，涉及{{ named | length }}个单位或个人，"
        "每个被反映对象各1件，没有被投诉较多的单位，情况见表2。"
        "{% elif stats.total %}本期登记的信访事项均未填写被反映对象。"
        "{% else %}本期未登记信访事项。{% endif %}"
        "{% if stats.by_target.未填写 and named %}另有{{ stats.by_target.未填写 }}件"
        "未填写被反映对象。{% endif %}",
    )
    g.caption(doc, "表2  信访事项按被反映对象统计")
    _breakdown_table(g, doc, "target_rows", "被反映对象", total=False)
    g.h1(doc, "四、转送、交办、督办情况")
    g.body(doc, OUTGOING, ASSIGNED, LEADERS)
    g.h1(doc, "五、提出改进工作、完善政策、追究责任的建议及采纳情况")
    g.body(doc, "{{ notes.建议及采纳情况 }}")
    g.h1(doc, "六、存在问题")
    g.body(doc, "{{ notes.存在问题 }}")
    g.h1(doc, "七、下一步工作打算")
    g.body(doc, "{{ notes.下一步打算 }}", "特此报告。")
    g.signature(doc, *SIGN)
    save(doc, "年度信访工作报告")


def monthly(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}信访工作统计表")
    g.caption(doc, "（{{ period_name }}，统计截至{{ as_of | cdate }}）")
    g.caption(doc, "表1  主要指标")
    main = [
        ("信访总量（件）", "stats.total", "yoy.total"),
        ("总人次", "stats.persons_total", "yoy.persons_total"),
        ("来访（批次）", "stats.visits.batches", "yoy.visits.batches"),
        ("来访（人次）", "stats.visits.persons", "yoy.visits.persons"),
        ("集体访（批次）", "stats.collective.batches", "yoy.collective.batches"),
        ("集体访（人次）", "stats.collective.persons", "yoy.collective.persons"),
        ("进京（批次）", "stats.visit_levels.进京", "yoy.visit_levels.进京"),
        ("赴省（批次）", "stats.visit_levels.赴省", "yoy.visit_levels.赴省"),
        ("到市（批次）", "stats.visit_levels.到市", "yoy.visit_levels.到市"),
        ("到县（批次）", "stats.visit_levels.到县", "yoy.visit_levels.到县"),
        ("越级访（件）", "stats.skip_level", "yoy.skip_level"),
        ("非正常访（件）", "stats.abnormal", "yoy.abnormal"),
        ("重复信访（件）", "stats.repeat", "yoy.repeat"),
        ("上期结转（件）", "stats.carried_over", "yoy.carried_over"),
        ("期末未结（件）", "stats.open_at_end", "yoy.open_at_end"),
        ("超期未结（件）", "stats.overdue_open", "yoy.overdue_open"),
        ("领导包案（件）", "stats.leader_cases", "yoy.leader_cases"),
        ("平均办结天数", "stats.avg_days_to_close | num", "yoy.avg_days_to_close"),
        ("转送（件次）", "stats.outgoing.transfers", "yoy.outgoing.transfers"),
        ("交办（件次）", "stats.outgoing.assignments", "yoy.outgoing.assignments"),
        ("督办（次）", "stats.outgoing.supervisions", "yoy.outgoing.supervisions"),
        (
            "交办超期未反馈（件）",
            "stats.outgoing.feedback_overdue",
            "yoy.outgoing.feedback_overdue",
        ),
        ("收到上级督办（次）", "stats.incoming_supervisions", "yoy.incoming_supervisions"),
    ]
    rates = [
        ("重复信访率", "repeat_rate"),
        ("及时受理率", "timely_acceptance_rate"),
        ("办结率", "closure_rate"),
        ("按期办结率", "on_time_closure_rate"),
        ("交办按时报结率", "assigned_on_time_rate"),
        ("处理率", "handled_rate"),
        ("参评率", "evaluation_rate"),
        ("满意率", "satisfaction_rate"),
        ("领导包案办结率", "leader_closure_rate"),
    ]
    rows = [
        [
            label,
            f"{{{{ {value} }}}}" + (CARRY_CORRECTION if value == "stats.carried_over" else ""),
            f"{{{{ {y}.last | num }}}}",
            f"{{{{ {y} }}}}",
        ]
        for label, value, y in main
    ]
    rows += [
        [
            label,
            f"{{{{ stats.{key} | pct }}}}",
            f"{{{{ yoy.{key}.last | pct }}}}",
            f"{{{{ yoy.{key} }}}}",
        ]
        for label, key in rates
    ]
    g.table(doc, ["指标", "本期", "上年同期", "同比"], rows, [52, 28, 28, 48])
    g.caption(
        doc,
        "{% if stats.data_gaps.status_unknown %}注：另有{{ stats.data_gaps.status_unknown }}件"
        "情况不详，计入总量，未计入各项比率。{% endif %}",
    )
    for title, key, head in (
        ("表2  按信访形式统计", "form_rows", "信访形式"),
        ("表3  按来源渠道统计", "channel_rows", "来源渠道"),
        ("表4  按问题类别统计", "category_rows", "问题类别"),
        ("表5  按承办单位统计", "department_rows", "承办单位"),
    ):
        g.caption(doc, title)
        _breakdown_table(g, doc, key, head)
    g.signature(doc, *SIGN)
    save(doc, "月度统计表")
