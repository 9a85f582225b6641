"""The three default reports: 信访工作自查报告, 年度信访工作报告 (条例 Art.41), 月度统计表.

Sentences follow what clerks write (seed reports 1 and 5): "截至…共受理各类信访N件…其中市长信箱
N件…处理率N%". A zero figure reads "无……" rather than "0件". Standing text the program cannot
know (制度建设, 保障指标) is written once here and kept by the office in its own copy.
"""

from collections.abc import Callable
from types import ModuleType
from typing import Any

Save = Callable[[Any, str], None]

TOTAL = (
    "截至{{ as_of | cdate }}，{{ period_name }}我单位共受理各类信访{{ stats.total }}件"
    "{{ stats.persons_total }}人次，同比{{ yoy.total }}"
    "{% if stats.carried_over %}，另有上期结转{{ stats.carried_over }}件{% endif %}。"
    "其中来信{{ stats.by_form.来信 }}件，来访{{ stats.visits.batches }}批{{ stats.visits.persons }}"
    "人次，"
    "来电{{ stats.by_form.来电 }}件，网上信访{{ stats.by_form.网上 }}件"
    "{% if stats.by_form.传真 %}，传真{{ stats.by_form.传真 }}件{% endif %}；"
    "按来源分，直接受理{{ stats.by_channel.直接受理 }}件，市长信箱{{ stats.by_channel.市长信箱 }}件"
    "，"
    "书记信箱{{ stats.by_channel.书记信箱 }}件，12345热线{{ stats.by_channel['12345热线'] }}件，"
    "上级交办{{ stats.by_channel.上级交办 }}件，上级转送{{ stats.by_channel.上级转送 }}件"
    "{% for row in channel_rows if row.name not in ('直接受理', '市长信箱', '书记信箱',"
    " '12345热线', '上级交办', '上级转送') and row.count %}"
    "，{{ row.name }}{{ row.count }}件{% endfor %}。"
)
HANDLED = (
    "已受理（含交办）的{{ ratios.closure_rate.denominator }}件中，"
    "已办结{{ ratios.closure_rate.numerator }}件，"
    "办结率{{ stats.closure_rate | pct }}，按期办结率{{ stats.on_time_closure_rate | pct }}，"
    "平均办结用时{{ stats.avg_days_to_close | num }}天；"
    "全部信访事项处理率{{ stats.handled_rate | pct }}，"
    "及时受理率{{ stats.timely_acceptance_rate | pct }}。"
    "已回访{{ ratios.satisfaction_rate.denominator }}件，"
    "群众满意率{{ stats.satisfaction_rate | pct }}。"
    "{% if stats.overdue_open %}截至{{ as_of | cdate }}尚有{{ stats.overdue_open }}件超过办理期限未"
    "办结，正在督促办理。"
    "{% else %}没有超过办理期限未办结的信访事项。{% endif %}"
)


def self_check(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}\n关于{{ period_name }}信访工作的自查报告")
    g.to(doc, "县信访局：")
    g.body(
        doc,
        "根据信访工作目标管理考评的有关要求，我单位对{{ period_name }}信访工作各项考核指标进行了认"
        "真自查，"
        "现将有关情况报告如下：",
        TOTAL,
        HANDLED,
    )
    g.h1(doc, "一、工作指标")
    items = [
        (
            "（一）进京上访：",
            "{% if stats.visit_levels.进京 %}{{ period_name }}发生群众进京上"
            "访{{ stats.visit_levels.进京 }}批次，"
            "同比{{ yoy.visit_levels.进京 }}，均已按要求及时处置。{% else %}全年无群众进京上访事件"
            "发生。{% endif %}",
        ),
        (
            "（二）到市上访：",
            "{% if stats.visit_levels.到市 or stats.visit_levels.赴省 %}到市上"
            "访{{ stats.visit_levels.到市 }}批次"
            "{% if stats.visit_levels.赴省 %}，赴省上访{{ stats.visit_levels.赴省 }}批次{% endif %}"
            "，同比{{ yoy.visit_levels.到市 }}。"
            "{% else %}无群众到市集访，无群众到市非正常上访。{% endif %}"
            "{% if stats.abnormal %}非正常上访{{ stats.abnormal }}件。{% endif %}",
        ),
        (
            "（三）到县集访：",
            "{% if stats.visit_levels.到县 %}到县上访{{ stats.visit_levels.到县 }}批次。{% endif %}"
            "{% if stats.collective.batches %}集体访{{ stats.collective.batches }}"
            "批{{ stats.collective.persons }}人次，"
            "同比{{ yoy.collective.batches }}。{% else %}无群众集体上访。{% endif %}",
        ),
        (
            "（四）重复来信：",
            "{% if stats.repeat %}重复信访{{ stats.repeat }}件，"
            "占信访总量的{{ stats.repeat_rate | pct }}，"
            "同比{{ yoy.repeat }}。{% else %}无重复来信来访。{% endif %}",
        ),
        ("（五）群体性事件：", "没有发生群体性事件。"),
        (
            "（六）劝返处置：",
            "{% if stats.skip_level or stats.abnormal %}越级上访{{ stats.skip_level }}件、"
            "非正常上访{{ stats.abnormal }}件，"
            "均已按规定劝返处置，并做好教育疏导工作。{% else %}无群众进京、赴省、到市越级上访，"
            "无劝返处置任务。{% endif %}",
        ),
        (
            "（七）排查调处：",
            "每月定期开展矛盾纠纷排查，{{ period_name }}共开展排查{{ stats.screenings.times }}次，"
            "排查出矛盾纠纷{{ stats.screenings.found }}件，调处化解{{ stats.screenings.resolved }}"
            "件，"
            "调处工作“五个一”责任制落到实处。"
            "{% if stats.leader_receptions.days %}领导接访日{{ stats.leader_receptions.days }}天，"
            "接待群众{{ stats.leader_receptions.batches }}批{{ stats.leader_receptions.persons }}人"
            "次。{% endif %}",
        ),
        (
            "（八）办理交办案件：",
            "上级交办{{ stats.by_channel.上级交办 }}件、转送{{ stats.by_channel.上级转送 }}件，"
            "均已登记在册。"
            "受理事项按期办结{{ ratios.on_time_closure_rate.numerator }}件，按时报结率达"
            "{{ stats.on_time_closure_rate | pct }}，同比{{ yoy.on_time_closure_rate }}，"
            "且质量符合要求。"
            "领导包案{{ stats.leader_cases }}件，办结率{{ stats.leader_closure_rate | pct }}。",
        ),
    ]
    for head, text in items:
        g.mixed(doc, [(g.H2_FONT, head), (g.BODY_FONT, text)])
    g.h1(doc, "二、保障指标")
    standing = [
        (
            "（一）信访稳定工作领导重视、责任落实。",
            "信访稳定工作纳入本年度综合目标管理考核。主要领导每季度定期研究信访稳定工作，针对存在的问题"
            "采取了整改措施。主要负责人信访稳定“第一责任人”和领导班子成员“一岗双责”责任制落实，"
            "信访事项“领导包案”、领导信访接待日、信访稳定责任追究等制度落到实处。",
        ),
        (
            "（二）信访工作制度完善、程序规范、落实到位。",
            "信访事项的登记、转送、交办、督办以及受理告知等工作制度完善，文书格式规范。"
            "制定了集体访及非正常上访处置预案、劝返处置预案和群体性事件处置预案，措施落实。",
        ),
        (
            "（三）机构人员落实。",
            "按照《信访工作条例》要求设置信访工作机构，成立了信访工作领导小组，主要领导任组长，"
            "{% if leaders %}{{ leaders | join('、') }}等同志分别包案，{% endif %}配备了专（兼）职"
            "信访干部。",
        ),
        ("（四）办公设施设备配套。", "配有接待场所和取证设备，能保证信访稳定工作需要。"),
        ("（五）按时报送材料。", "出台了年度工作意见，按时报送工作总结和信访工作动态。"),
    ]
    for head, text in standing:
        g.mixed(doc, [(g.H2_FONT, head), (g.BODY_FONT, text)])
    g.body(doc, "特此报告。")
    g.signature(doc, "{{ office }}", "{{ today | cdate }}")
    save(doc, "信访工作自查报告")


def _breakdown_table(g: ModuleType, doc: Any, rows: str, head: str) -> None:
    g.table(
        doc,
        [head, "件数", "占比", "上年同期", "同比"],
        [
            [f"{{%tr for row in {rows} %}}", "", "", "", ""],
            [
                "{{ row.name }}",
                "{{ row.count }}",
                "{{ row.share | pct }}",
                "{{ row.last | num }}",
                "{{ row.change }}",
            ],
            ["{%tr endfor %}", "", "", "", ""],
            [
                "合计",
                "{{ stats.total }}",
                "{% if stats.total %}100%{% else %}—{% endif %}",
                "{{ yoy.total.last }}",
                "{{ yoy.total }}",
            ],
        ],
        [42, 24, 26, 28, 36],
    )


def annual(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}\n{{ period_name }}信访工作情况报告")
    g.to(doc, "县委、县政府，县信访局：")
    g.body(
        doc,
        "根据《信访工作条例》第四十一条的规定，现将我单位{{ period_name }}"
        "（{{ period }}，统计截至{{ as_of | cdate }}）信访工作情况报告如下。",
    )
    g.h1(doc, "一、信访数据统计")
    g.body(
        doc,
        TOTAL,
        "来访中集体访{{ stats.collective.batches }}批{{ stats.collective.persons }}人次，"
        "同比{{ yoy.collective.batches }}；"
        "重复信访{{ stats.repeat }}件，重复信访率{{ stats.repeat_rate | pct }}；"
        "越级上访{{ stats.skip_level }}件，"
        "非正常上访{{ stats.abnormal }}件。",
        HANDLED,
        "与上年同期相比，及时受理率{{ yoy.timely_acceptance_rate }}，办结率{{ yoy.closure_rate }}，"
        "按期办结率{{ yoy.on_time_closure_rate }}，群众满意率{{ yoy.satisfaction_rate }}。"
        "期末尚未办结{{ stats.open_at_end }}件。",
        "各月信访量见图1。",
    )
    g.image_line(doc, "{{ chart }}")
    g.caption(doc, "图1  {{ period_name }}各月信访量（蓝色为本期，灰色为上年同期；单位：件）")
    g.h1(doc, "二、信访事项涉及的领域")
    g.body(
        doc,
        "从反映的问题看，信访事项主要集中在"
        "{% for row in top_categories %}{{ row.name }}（{{ row.count }}件，"
        "占{{ row.share | pct }}）"
        "{% if not loop.last %}、{% endif %}{% else %}——（本期无信访事项）{% endfor %}等领域，"
        "分类情况见表1。",
    )
    g.caption(doc, "表1  信访事项按问题类别统计")
    _breakdown_table(g, doc, "category_rows", "问题类别")
    g.h1(doc, "三、信访事项较多的承办单位")
    g.body(
        doc,
        "按承办单位统计，信访事项较多的是"
        "{% for row in top_departments %}{{ row.name }}（{{ row.count }}件）{% if not loop.last %}"
        "、{% endif %}"
        "{% else %}——（本期无信访事项）{% endfor %}，各单位情况见表2。对信访事项较多的单位，"
        "已督促其分析原因，从源头上预防和减少信访问题。",
    )
    g.caption(doc, "表2  信访事项按承办单位统计")
    _breakdown_table(g, doc, "department_rows", "承办单位")
    g.h1(doc, "四、转送、交办、督办情况")
    g.body(
        doc,
        "{{ period_name }}收到上级交办信访事项{{ stats.by_channel.上级交办 }}件、"
        "上级转送{{ stats.by_channel.上级转送 }}件，"
        "均已登记在册，按期办结情况见上文。对领导包案的{{ stats.leader_cases }}件信访事项实行一案一"
        "领导、一抓到底，"
        "办结率{{ stats.leader_closure_rate | pct }}。对临近期限和超过期限的信访事项及时督办，"
        "{% if stats.overdue_open %}目前仍有{{ stats.overdue_open }}件超期未结，"
        "已逐件督办。{% else %}目前没有超期未结事项。{% endif %}",
    )
    g.h1(doc, "五、信访人提出的建议及采纳情况")
    g.body(
        doc,
        "{{ period_name }}收到人大代表建议{{ stats.by_channel.人大建议 }}件、"
        "政协委员提案{{ stats.by_channel.政协提案 }}件，"
        "社情民意{{ stats.by_channel.社情民意 }}件，均由专人负责办理，能解决的及时解决，"
        "暂不能解决的向提出人说明原因。对信访人提出的合理化建议，认真研究，积极采纳。",
    )
    g.h1(doc, "六、下一步工作")
    g.body(
        doc,
        "我单位将继续贯彻落实《信访工作条例》，畅通信访渠道，落实领导接访和包案制度，"
        "加强矛盾纠纷排查化解，提高按期办结率和群众满意率，把信访问题解决在基层、化解在萌芽状态。",
        "特此报告。",
    )
    g.signature(doc, "{{ office }}", "{{ today | cdate }}")
    save(doc, "年度信访工作报告")


def monthly(g: ModuleType, save: Save) -> None:
    doc = g.new_document()
    g.title(doc, "{{ office }}信访工作统计表")
    g.caption(doc, "（{{ period_name }}，统计截至{{ as_of | cdate }}）")
    g.caption(doc, "表1  主要指标")
    main = [
        ("信访总量（件）", "stats.total", "yoy.total"),
        ("总人次", "stats.persons_total", "yoy.persons_total"),
        ("来访（批）", "stats.visits.batches", "yoy.visits.batches"),
        ("来访（人次）", "stats.visits.persons", "yoy.visits.persons"),
        ("集体访（批）", "stats.collective.batches", "yoy.collective.batches"),
        ("集体访（人次）", "stats.collective.persons", "yoy.collective.persons"),
        ("进京（批）", "stats.visit_levels.进京", "yoy.visit_levels.进京"),
        ("赴省（批）", "stats.visit_levels.赴省", "yoy.visit_levels.赴省"),
        ("到市（批）", "stats.visit_levels.到市", "yoy.visit_levels.到市"),
        ("到县（批）", "stats.visit_levels.到县", "yoy.visit_levels.到县"),
        ("越级访（件）", "stats.skip_level", "yoy.skip_level"),
        ("非正常访（件）", "stats.abnormal", "yoy.abnormal"),
        ("重复信访（件）", "stats.repeat", "yoy.repeat"),
        ("上期结转（件）", "stats.carried_over", "yoy.carried_over"),
        ("期末未结（件）", "stats.open_at_end", "yoy.open_at_end"),
        ("超期未结（件）", "stats.overdue_open", "yoy.overdue_open"),
        ("领导包案（件）", "stats.leader_cases", "yoy.leader_cases"),
        ("平均办结天数", "stats.avg_days_to_close | num", "yoy.avg_days_to_close"),
    ]
    rates = [
        ("重复信访率", "repeat_rate"),
        ("及时受理率", "timely_acceptance_rate"),
        ("办结率", "closure_rate"),
        ("按期办结率", "on_time_closure_rate"),
        ("处理率", "handled_rate"),
        ("参评率", "evaluation_rate"),
        ("满意率", "satisfaction_rate"),
        ("领导包案办结率", "leader_closure_rate"),
    ]
    rows = [
        [label, f"{{{{ {value} }}}}", f"{{{{ {y}.last | num }}}}", f"{{{{ {y} }}}}"]
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
    g.table(doc, ["指标", "本期", "上年同期", "同比"], rows, [48, 30, 30, 48])
    for title, key, head in (
        ("表2  按信访形式统计", "form_rows", "信访形式"),
        ("表3  按来源渠道统计", "channel_rows", "来源渠道"),
        ("表4  按问题类别统计", "category_rows", "问题类别"),
        ("表5  按承办单位统计", "department_rows", "承办单位"),
    ):
        g.caption(doc, title)
        _breakdown_table(g, doc, key, head)
    g.signature(doc, "{{ office }}", "{{ today | cdate }}")
    save(doc, "月度统计表")
