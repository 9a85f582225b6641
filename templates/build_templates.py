"""Build the default templates in this folder: `uv run python templates/build_templates.py`.

The .docx files are generated, not hand-edited, so they stay reproducible and every one has the
GB/T 9704 settings of `gbt9704.py`. The wording is a clerk's: plain sentences with the figures
in them, "无……" when a figure is zero, the office's standing text where the program cannot know
the facts (the clerk edits that in Word once, in the office's own copy).
Variables: `xinfang report vars`. Filters: pct (95.2%), yoy (上升12.5%), cdate (2025年12月1日).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gbt9704 as g  # noqa: E402
import report_texts  # noqa: E402

SIGN = ("{{ office }}", "{{ today | cdate }}")


def _save(doc: g.Document, name: str) -> None:
    core = doc.core_properties
    core.title, core.author, core.comments = (
        name,
        "信访工作台",
        "默认模板；变量说明见 xinfang report vars",
    )
    core.last_modified_by = "信访工作台"
    doc.save(HERE / f"{name}.docx")


def _numbered(doc: g.Document) -> None:
    # 发文字号 (counter per 文书 type and year), then the case's own 编号 for reference.
    doc.add_paragraph("{{ doc_no }}", style="文号")


def _case_ref(doc: g.Document) -> None:
    # Kept with the last body paragraph before it, as the signature is with both (GB/T 9704):
    # the 署名 never stands on a page with only this line above it.
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    g.body(doc, "（信访事项编号：{{ case.number }}）")


def acceptance() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项受理告知书")
    _numbered(doc)
    g.to(doc, "{{ petitioner.display }}：")
    g.body(
        doc,
        "{{ petitioner.you }}于{{ (case.petition_on or case.received_on) | cdate }}"
        "以{{ case.form }}形式反映的"
        "“{{ case.summary }}”的信访事项收悉。",
        "根据《信访工作条例》第二十三条的规定，经审查，该信访事项属于本机关职权范围，"
        "本机关决定予以受理{% if decision.kind == '交办' %}，"
        "并已交由{{ decision.to }}办理{% endif %}。"
        "本机关将{% if case.channel == '人大建议' or case.channel == '政协提案' %}在规定期限内办结"
        "{% else %}自受理之日（{{ case.accepted_on | cdate }}）起{{ limits.handling_days }}日内办"
        "结{% endif %}"
        "（办理期限至{{ case.handling_due | cdate }}）；情况复杂的，经本机关负责人批准，"
        "可以适当延长办理期限，延长期限不超过{{ limits.max_extension_days }}日，并告知延期理由。",
        "特此告知。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ case.decision_on | cdate }}")
    _save(doc, "受理告知书")


def refusal() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项不予受理告知书")
    _numbered(doc)
    g.to(doc, "{{ petitioner.display }}：")
    g.body(
        doc,
        "{{ petitioner.you }}于{{ (case.petition_on or case.received_on) | cdate }}"
        "以{{ case.form }}形式反映的"
        "“{{ case.summary }}”的信访事项收悉。",
        "经审查，{{ decision.reason }}。根据《信访工作条例》的有关规定，本机关决定不予受理。",
        "{% if decision.route %}请{{ petitioner.you }}{{ decision.route }}。{% endif %}",
        "特此告知。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ decision.on | cdate }}")
    _save(doc, "不予受理告知书")


def _who(kind: str) -> str:
    # 条例 Art.30: for a protected case the context empties the petitioner fields and scrubs the
    # reporter's name, ID and phone out of the summary, so the matter can still be described.
    return (
        "{% if petitioner.withheld %}本机关于{{ case.received_on | cdate }}收到的"
        "{% if case.nature == '检举控告类' %}一件检举控告类信访事项{% else %}一件信访事项"
        "{% endif %}（反映“{{ case.summary }}”）"
        "{% else %}{{ petitioner.display }}于{{ case.received_on | cdate }}以{{ case.form }}形式反"
        "映的“{{ case.summary }}”的信访事项{% endif %}"
    )


def forward() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项转送函")
    _numbered(doc)
    g.to(doc, "{{ decision.to }}：")
    g.body(
        doc,
        "现将" + _who("转送") + "转送你单位。根据《信访工作条例》第二十一条、第二十三条的规定，"
        "该事项属于你单位职权范围，请依法依规处理，并按规定直接告知信访人。",
        "{%p if petitioner.withheld %}",
        "{% if case.nature == '检举控告类' %}该事项属检举控告类。{% endif %}"
        "根据《信访工作条例》第三十条的规定，信访人的个人信息不在本函中提供；请严格保密，"
        "不得将检举控告材料及有关情况透露或者转给被检举控告的人员和单位。",
        "{%p else %}",
        "信访人联系方式：{{ petitioner.phone or '无' }}；地址：{{ petitioner.address or '无' }}。",
        "{%p endif %}",
        "特此函告。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ decision.on | cdate }}")
    _save(doc, "转送函")


def assign() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项交办函")
    _numbered(doc)
    g.to(doc, "{{ decision.to }}：")
    g.body(
        doc,
        "现将" + _who("交办") + "交由你单位办理。",
        "请你单位高度重视，认真调查核实，依法依规妥善处理，"
        "{% if decision.deadline %}于{{ decision.deadline | cdate }}前{% else %}"
        "于{{ case.handling_due | cdate }}前{% endif %}办结，"
        "并将办理结果和答复信访人的情况书面报送本机关。",
        "{%p if petitioner.withheld %}",
        "{% if case.nature == '检举控告类' %}该事项属检举控告类。{% endif %}"
        "根据《信访工作条例》第三十条的规定，信访人的个人信息不在本函中提供；请严格保密，"
        "不得将检举控告材料及有关情况透露或者转给被检举控告的人员和单位。",
        "{%p endif %}",
        "特此函告。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ decision.on | cdate }}")
    _save(doc, "交办函")


def extension() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项延期办理告知书")
    _numbered(doc)
    g.to(doc, "{{ petitioner.display }}：")
    g.body(
        doc,
        "{{ petitioner.you }}反映的“{{ case.summary }}”的信访事项，"
        "本机关已于{{ case.accepted_on | cdate }}受理。",
        "因{{ extension.reason }}，该事项不能在规定期限内办结。"
        "根据《信访工作条例》第三十四条的规定，"
        "经本机关负责人批准，办理期限延长{{ extension.days }}日，"
        "延长后的办理期限至{{ extension.new_due | cdate }}。",
        "特此告知。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ extension.on | cdate }}")
    _save(doc, "延期办理告知书")


def opinion() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项处理意见书")
    _numbered(doc)
    g.to(doc, "{{ petitioner.display }}：")
    g.body(
        doc,
        "{{ petitioner.you }}于{{ (case.petition_on or case.received_on) | cdate }}"
        "以{{ case.form }}形式提出的信访事项，本机关已于{{ case.accepted_on | cdate }}受理。"
        "现将处理意见告知如下：",
    )
    g.h1(doc, "一、信访人的请求")
    g.body(doc, "{{ case.summary }}")
    g.h1(doc, "二、事实和理由")
    g.body(doc, "{{ reply.text or '【请填写：经调查核实的事实和理由】' }}")
    g.h1(doc, "三、处理意见及其法律法规依据")
    g.body(
        doc,
        "{% if reply.result == '支持' %}经研究，{{ petitioner.you }}的信访请求事实清楚，符合法律、"
        "法规、规章或者其他有关规定，本机关予以支持。{% elif reply.result == '不予支持' %}经研究，"
        "{{ petitioner.you }}的信访请求缺乏事实根据或者不符合法律、法规、规章或者其他有关规定，"
        "本机关不予支持。{% else %}经研究，{{ petitioner.you }}的信访请求合理但缺乏法律依据，"
        "本机关作出解释说明。{% endif %}",
        "依据：{{ reply.basis or '【请填写：处理意见的法律法规依据】' }}；"
        "《信访工作条例》第三十二条。",
    )
    g.h1(doc, "四、复查途径")
    g.body(
        doc,
        "如对本处理意见不服，可以自收到本意见书之日起30日内向{{ superior_org }}请求复查"
        "（《信访工作条例》第三十五条）。",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ reply.on | cdate }}")
    _save(doc, "信访事项处理意见书")


def review(kind: str) -> None:
    """复查/复核意见书: issued in the name of the 复查机关 (the 上一级机关) or the 复核机关, with
    their own facts and reasons (docs/rules.md, 文书)."""
    doc = g.new_document()
    key, request = (
        ("review", "review_request") if kind == "复查" else ("recheck", "recheck_request")
    )
    organ = "superior_org" if kind == "复查" else "recheck_org"
    g.title(doc, f"信访事项{kind}意见书")
    _numbered(doc)
    g.to(doc, "{{ petitioner.display }}：")
    prior = "处理意见" if kind == "复查" else "复查意见"
    g.body(
        doc,
        f"{{{{ petitioner.you }}}}对“{{{{ case.summary }}}}”的信访事项的{prior}不服，"
        f"于{{{{ {request}.on | cdate }}}}提出{kind}请求。本机关依据《信访工作条例》第"
        + ("三十五" if kind == "复查" else "三十六")
        + f"条的规定进行了{kind}。",
    )
    g.h1(doc, f"一、{kind}认定的事实和理由")
    g.body(doc, f"{{{{ {key}.text or '【请填写：{kind}认定的事实和理由】' }}}}")
    g.h1(doc, f"二、{kind}意见")
    g.body(doc, f"{{{{ {key}.opinion }}}}")
    if kind == "复查":
        g.body(
            doc,
            "如对本复查意见不服，可以自收到本意见书之日起30日内向{{ recheck_org }}请求复核"
            "（《信访工作条例》第三十六条）。",
        )
    else:
        g.body(
            doc,
            "本复核意见为终结意见。信访人对复核意见不服，仍然以同一事实和理由提出投诉请求的，"
            "各级党委和政府信访部门和其他机关、单位不再受理。",
        )
    _case_ref(doc)
    g.signature(doc, f"{{{{ {organ} }}}}", f"{{{{ {key}.on | cdate }}}}")
    _save(doc, f"{kind}意见书")


def supervision() -> None:
    doc = g.new_document()
    g.title(doc, "信访事项督办单")
    _numbered(doc)
    rows = [
        ["信访事项编号", "{{ case.number }}", "登记日期", "{{ case.received_on | cdate }}"],
        [
            "信访人",
            "{% if petitioner.withheld %}依规不提供{% else %}{{ petitioner.display }}{% endif %}",
            "来源渠道",
            "{{ case.channel }}",
        ],
        [
            "承办单位",
            "{{ case.department or decision.to }}",
            "受理日期",
            "{{ case.accepted_on | cdate }}",
        ],
        ["办理期限", "{{ case.handling_due | cdate }}", "督办日期", "{{ supervision.on | cdate }}"],
    ]
    t = g.table(doc, ["项目", "内容", "项目", "内容"], rows, [42, 42, 28, 44])
    t.rows[0]._tr.getparent().remove(t.rows[0]._tr)  # this form has no header row
    for label, text in (
        (
            "反映问题",
            "{{ case.summary }}",
        ),
        ("督办单位（领导）", "{{ supervision.by }}"),
        ("督办意见", "{{ supervision.note or '请抓紧办理，按期办结，并将办理结果报送本机关。' }}"),
    ):
        row = t.add_row()
        merged = row.cells[1].merge(row.cells[3])
        row.cells[0].paragraphs[0].style = doc.styles["表格文字"]
        row.cells[0].paragraphs[0].add_run(label)
        merged.paragraphs[0].style = doc.styles["表格文字"]
        merged.paragraphs[0].add_run(text)
    g.body(
        doc,
        "",
        "请承办单位高度重视，于办理期限内办结，并将办理结果书面报送本机关。"
        "{% if petitioner.withheld %}本单不提供信访人个人信息，"
        "请严格保密（《信访工作条例》第三十条）。{% endif %}",
    )
    _case_ref(doc)
    g.signature(doc, "{{ office }}", "{{ supervision.on | cdate }}")
    _save(doc, "督办单")


def _form_table(doc: g.Document, rows: list[tuple[str, str, str, str] | tuple[str, str]]) -> None:
    """A four-column 项目/内容 form; a two-item row spans the three right-hand cells."""
    t = g.table(doc, ["", "", "", ""], [], [28, 52, 32, 44])
    t.rows[0]._tr.getparent().remove(t.rows[0]._tr)  # a form has no header row
    for items in rows:
        row = t.add_row()
        cells = list(row.cells)
        if len(items) == 2:
            cells = [cells[0], cells[1].merge(cells[3])]
        for cell, text in zip(cells, items, strict=True):
            p = cell.paragraphs[0]
            p.style = doc.styles["表格文字"]
            p.add_run(text)


def registration_form() -> None:
    """信访事项登记表: the whole registration on one page, for the paper file (internal)."""
    doc = g.new_document()
    g.title(doc, "信访事项登记表")
    doc.add_paragraph("登记单位：{{ office }}", style="文号")
    doc.add_paragraph(
        "编号：{{ case.number }}　　登记日期：{{ case.received_on | cdate }}", style="文号"
    )
    who = (
        "{{ petitioner.name or '匿名' }}"
        "{% if case.joint %}（联名，{{ case.persons }}人）{% endif %}"
    )
    _form_table(
        doc,
        [
            ("信访人", who, "性别", "{{ petitioner.gender }}"),
            ("身份证号", "{{ petitioner.id_number }}", "联系电话", "{{ petitioner.phone }}"),
            ("住址", "{{ petitioner.address }}"),
            ("工作单位", "{{ petitioner.workplace }}"),
            ("信访形式", "{{ case.form }}", "来源渠道", "{{ case.channel }}"),
            (
                "信访日期",
                "{{ (case.petition_on or case.received_on) | cdate }}",
                "人数",
                "{{ case.persons }}人{% if case.collective %}（集体访）{% endif %}",
            ),
            ("交办机关", "{{ case.assigning_org }}", "交办文号", "{{ case.assigning_ref }}"),
            (
                "问题类别",
                "{{ case.category }}{% if case.subcategory %}—{{ case.subcategory }}{% endif %}",
                "性质",
                "{{ case.nature }}",
            ),
            ("问题属地", "{{ case.locality }}", "被反映对象", "{{ case.target }}"),
            ("反映问题", "{{ case.summary }}"),
            ("承办单位", "{{ case.department }}", "经办人", "{{ case.handler }}"),
            (
                "包案领导",
                "{{ case.leader }}",
                "重复信访",
                "{% if case.repeat %}是{% else %}否{% endif %}",
            ),
            (
                "办理状态",
                "{{ case.status }}",
                "受理告知期限",
                "{{ case.decision_due | cdate }}",
            ),
            ("备注", "{{ case.remark }}"),
            ("登记人", "{{ registered_by }}", "打印日期", "{{ today | cdate }}"),
        ],
    )
    # In the table's own small type, so the form stays on one page with a long 反映问题.
    doc.add_paragraph(
        "本表为内部登记材料，信访人个人信息依《信访工作条例》第三十条保密。", style="表格文字"
    )
    _save(doc, "信访事项登记表")


def visit_receipt() -> None:
    """来访回执: handed to the visitor — the 编号 to ask by, and when the decision is due."""
    doc = g.new_document()
    g.title(doc, "来访登记回执")
    doc.add_paragraph("登记编号：{{ case.number }}", style="文号")
    g.to(doc, "{{ petitioner.display }}：")
    g.body(
        doc,
        "{{ petitioner.you }}于{{ (case.petition_on or case.received_on) | cdate }}来访反映的"
        "“{{ case.summary }}”事项，本机关已登记，登记编号为{{ case.number }}。",
        "根据《信访工作条例》第二十三条的规定，本机关将自收到之日起{{ limits.decision_days }}日内"
        "（{{ case.decision_due | cdate }}前）决定是否受理并告知{{ petitioner.you }}。"
        "{{ petitioner.you }}可凭本回执和登记编号查询办理情况"
        "{% if office_phone %}（查询电话：{{ office_phone }}）{% endif %}。",
        "接待人：{{ registered_by }}",
    )
    g.signature(doc, "{{ office }}", "{{ case.received_on | cdate }}")
    _save(doc, "来访回执")


def _internal_header(doc: g.Document) -> None:
    """Every page of the 卷宗 says what it is (domain.md §9: an internal file, Art.30 exempt)."""
    section = doc.sections[0]
    for header in (section.header, section.even_page_header):
        header.is_linked_to_previous = False
        p = header.paragraphs[0]
        p.alignment = g.ALIGN.RIGHT
        run = p.add_run("{{ internal }}")
        g.set_fonts(run._r.get_or_add_rPr(), g.H1_FONT, size=10.5)


def _no_header_row(t: object) -> None:
    first = t.rows[0]._tr  # type: ignore[attr-defined]
    first.getparent().remove(first)


def case_file() -> None:
    """卷宗: cover, 登记表, 办理过程, 文书 with 文号, 附件目录 with the images placed in it."""
    doc = g.new_document()
    _internal_header(doc)
    g.title(doc, "信访事项卷宗")
    doc.add_paragraph("（{{ internal }}）", style="文号")
    cover = [
        ["编　　号", "{{ case.number }}"],
        ["信 访 人", "{{ petitioner.display }}"],
        ["事　　项", "{{ case.summary }}"],
        ["登记日期", "{{ case.received_on | cdate }}"],
        [
            "办结日期",
            "{% if case.closed_on %}{{ case.closed_on | cdate }}{% else %}尚未办结{% endif %}",
        ],
        ["办理状态", "{{ case.status }}"],
        ["立卷单位", "{{ office }}"],
        ["立卷日期", "{{ today | cdate }}"],
    ]
    _no_header_row(g.table(doc, ["项目", "内容"], cover, [36, 110]))

    g.h1(doc, "一、登记表")
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    reg = [
        ["{%tr for row in register %}", ""],
        ["{{ row.label }}", "{{ row.value }}"],
        ["{%tr endfor %}", ""],
    ]
    g.table(doc, ["项目", "内容"], reg, [40, 116])

    g.h1(doc, "二、办理过程")
    doc.paragraphs[-1].paragraph_format.page_break_before = True
    steps = [
        ["{%tr for e in events %}", "", "", "", ""],
        ["{{ e.seq }}", "{{ e.on | cdate }}", "{{ e.kind }}", "{{ e.by }}", "{{ e.text }}"],
        ["{%tr endfor %}", "", "", "", ""],
    ]
    g.table(doc, ["序号", "日期", "办理", "记录人", "说明"], steps, [14, 36, 18, 24, 64])

    g.h1(doc, "三、制发文书")
    g.body(doc, "{%p if not documents %}", "本件未制发文书。", "{%p endif %}")
    issued = [
        ["{%tr for d in documents %}", "", "", "", ""],
        ["{{ d.seq }}", "{{ d.name }}", "{{ d.doc_no }}", "{{ d.on | cdate }}", "{{ d.by }}"],
        ["{%tr endfor %}", "", "", "", ""],
    ]
    g.table(doc, ["序号", "文书", "文号", "编号日期", "经办人"], issued, [14, 40, 44, 36, 22])

    g.h1(doc, "四、附件目录")
    g.body(doc, "{%p if not attachments %}", "本件没有附件。", "{%p endif %}")
    listing = [
        ["{%tr for a in attachments %}", "", "", "", "", ""],
        [
            "{{ a.seq }}",
            "{{ a.name }}",
            "{{ a.kind }}",
            "{{ a.on | cdate }}",
            "{{ a.size }}",
            "{{ a.note }}",
        ],
        ["{%tr endfor %}", "", "", "", "", ""],
    ]
    head = ["序号", "名称", "类别", "添加日期", "大小", "说明"]
    g.table(doc, head, listing, [14, 44, 22, 36, 18, 22])
    g.body(
        doc,
        "{%p if removed %}",
        "已移除的附件（文件仍保留）："
        "{% for r in removed %}{{ r.name }}（{{ r.on | cdate }}，{{ r.by }}，{{ r.reason }}）"
        "{% if not loop.last %}；{% endif %}{% endfor %}。",
        "{%p endif %}",
    )
    # The caption above its image and kept with it (表题 keeps with the next paragraph), so a
    # page break never parts them.
    g.body(doc, "{%p for img in images %}")
    g.caption(doc, "附件{{ img.seq }}　{{ img.name }}")
    g.image_line(doc, "{{ img.image }}")
    g.body(doc, "{%p endfor %}")
    _save(doc, "卷宗")


def main() -> None:
    acceptance()
    refusal()
    forward()
    assign()
    extension()
    opinion()
    review("复查")
    review("复核")
    supervision()
    registration_form()
    visit_receipt()
    case_file()
    report_texts.self_check(g, _save)
    report_texts.annual(g, _save)
    report_texts.monthly(g, _save)
    print(f"已生成默认模板：{HERE}")


if __name__ == "__main__":
    main()
