"""What a per-case 文书 template sees: the case, its petitioner, its timeline (docs/rules.md, 文书).

Personal data rule (条例 Art.30, docs/rules.md, 个人信息): in a 文书 that goes to another body
(转送函, 交办函, 督办单, an office's own 文书) a protected case (检举控告类, or 性质 still blank)
carries no identity of the reporter, not even inside the free text it quotes (`protection`); and
no document to a unit may go to the case's 被反映对象, matched through the unit dictionary and
its aliases, for any case. The context itself withholds and scrubs, so an office's own template
cannot leak them by accident.
"""

from typing import Any

from app import clock
from app.cases.service import CaseDetail, EventView, read_detail
from app.db import Database
from app.documents.catalog import TemplateInfo
from app.documents.protection import Scrubber, is_protected
from app.errors import DomainError
from app.office import settings
from app.office.dictionaries import Units, units

WITHHELD = "（检举控告类事项，信访人信息依规定不予提供）"


def _event(events: list[EventView], kind: str, last: bool = True) -> EventView | None:
    found = [e for e in events if e.kind == kind]
    if not found:
        return None
    return found[-1] if last else found[0]


def _event_dict(ev: EventView | None) -> dict[str, Any]:
    if ev is None:
        return {}
    return {"on": ev.on, **ev.data}


def _petitioner(detail: CaseDetail, withhold: bool) -> dict[str, Any]:
    data = detail.input
    if withhold:
        return {
            "name": "",
            "gender": "",
            "id_number": "",
            "phone": "",
            "address": "",
            "workplace": "",
            "withheld": True,
            "anonymous": data.anonymous,
            "display": WITHHELD,
            "you": "信访人",
        }
    name = "" if data.anonymous else data.name
    display = name or "匿名信访人"
    # 联名 or 集体访: the letter goes to the first-named person "等N人" (docs/rules.md, 文书).
    if name and (data.joint or detail.collective) and data.persons > 1:
        display = f"{name}等{data.persons}人"
    return {
        "name": name,
        "gender": data.gender,
        "id_number": data.id_number,
        "phone": data.phone,
        "address": data.address,
        "workplace": data.workplace,
        "withheld": False,
        "anonymous": data.anonymous,
        "display": display,
        # "你" to one person, "你们" to several: never the clerk-facing "你（你们）".
        "you": "你们" if data.persons > 1 and (data.joint or detail.collective) else "你",
    }


def _case(detail: CaseDetail) -> dict[str, Any]:
    d = detail.input
    return {
        "number": detail.number,
        "received_on": d.received_on,
        "petition_on": d.petition_on,
        "form": d.form,
        "channel": d.channel,
        "assigning_org": d.assigning_org,
        "assigning_ref": d.assigning_ref,
        "persons": d.persons,
        "involved_persons": d.involved_persons,
        "summary": d.summary,
        "category": d.category,
        "subcategory": d.subcategory,
        "nature": d.nature,
        "locality": d.locality,
        "target": d.target,
        "department": d.department,
        "handler": d.handler,
        "leader": d.leader,
        "status": detail.status,
        "collective": detail.collective,
        "repeat": d.repeat or bool(d.repeat_of),
        "visit_level": d.visit_level,
        "decision_kind": detail.decision_kind,
        "decision_on": detail.decision_on,
        "decision_due": detail.decision_due,
        "accepted_on": detail.accepted_on,
        "handling_due": detail.handling_due,
        "extension_days": detail.extension_days,
        "replied_on": detail.replied_on,
        "reply_result": detail.reply_result,
        "closed_on": detail.closed_on,
        "rating": detail.rating,
        "remark": d.remark,
        "joint": d.joint,
        "anonymous": d.anonymous,
    }


def _describe(ev: EventView) -> str:
    parts = [
        str(v)
        for k, v in ev.data.items()
        if k in ("to", "reason", "result", "by", "opinion", "rating", "text")
    ]
    return "；".join(parts)


def recipient(info: TemplateInfo, detail: CaseDetail) -> str:
    """The unit a document to another body is addressed to: the 转送/交办 unit of a 转送函/交办函,
    the unit handling the case for a 督办单 (the latest 交办's unit, else the 承办单位)."""
    kinds = {"转送函": ("转送",), "交办函": ("交办",)}.get(info.name, ("交办", "转送"))
    for ev in reversed(detail.events):
        if ev.kind in kinds and str(ev.data.get("to", "")).strip():
            return str(ev.data["to"]).strip()
    return (detail.input.department or "").strip()


def check_allowed(info: TemplateInfo, detail: CaseDetail, units: Units | None = None) -> None:
    """Refuse a 文书 the case's timeline does not support, one with nobody to send it to, or one
    Art.30 forbids (a document addressed to the 被反映对象, whatever the case's 性质)."""
    kinds = {e.kind for e in detail.events}
    if info.requires and not kinds & set(info.requires):
        need = "或".join(f"“{k}”" for k in info.requires)
        raise DomainError(
            f"信访件 {detail.number} 还没有{need}的办理记录，不能生成《{info.name}》。"
        )
    if info.forms and detail.input.form not in info.forms:
        allowed = "、".join(info.forms)
        raise DomainError(
            f"信访件 {detail.number} 的信访形式是“{detail.input.form}”，"
            f"《{info.name}》只用于{allowed}的信访件。"
        )
    if info.to_petitioner and detail.input.anonymous:
        raise DomainError(
            f"信访件 {detail.number} 是匿名信访，没有可以送达的信访人，不生成《{info.name}》"
            "（办理结果记入卷宗即可）。"
        )
    if info.to_other_party:
        to = recipient(info, detail)
        target = (detail.input.target or "").strip()
        if to and target and (units or Units({})).names_unit(target, to):
            raise DomainError(
                f"信访件 {detail.number} 的收件单位“{to}”就是被反映对象“{target}”（或其所属单位），"
                "依《信访工作条例》第三十条不得将信访材料转送、交给被检举控告、被反映的单位，"
                f"不能生成《{info.name}》。请改送有权处理的其他机关。"
            )


def subject(info: TemplateInfo, detail: CaseDetail) -> EventView | None:
    """The step a 文书 is about (the 答复 of a 处理意见书, the latest 督办 of a 督办单 …): its date
    is the document's, its seq keeps the document's 文号 on regeneration."""
    kinds = info.requires or ("登记",)
    found = [e for e in detail.events if e.kind in kinds]
    if not found:
        return None
    # A 受理告知书 is about the first decision; every other document about its latest step.
    return found[0] if info.name == "受理告知书" else found[-1]


def protected(info: TemplateInfo, detail: CaseDetail) -> bool:
    """The reporter's identity stays out of this document (条例 Art.30, docs/rules.md)."""
    return info.to_other_party and is_protected(detail.input.nature)


def build(db: Database, number: str, info: TemplateInfo, doc_no: str = "") -> dict[str, Any]:
    # DocumentService checked the account already (and assigned the 文号, `doc_no`).
    with db.read() as s:
        detail = read_detail(s, number)
        known = units(s)
    check_allowed(info, detail, known)
    with db.read() as s:
        office = str(settings.get(s, "office_name") or "").strip()
        # The office's own limits: a letter must not promise 60 days when the setting says 45.
        limits = {
            k: settings.get(s, k) for k in ("decision_days", "handling_days", "max_extension_days")
        }
        phone = str(settings.get(s, "office_phone") or "").strip()
        orgs = {k: str(settings.get(s, k) or "").strip() for k in ("superior_org", "recheck_org")}
    events = detail.events
    decision = _event(events, detail.decision_kind or "", last=False)
    extension = _event_dict(_event(events, "延期"))
    if extension:
        extension["new_due"] = detail.handling_due
    withhold = protected(info, detail)
    today = clock.today()
    ctx = {
        "office": office or "（单位名称）",
        "today": today,
        "doc_no": doc_no,
        # 复查 goes to the 上一级机关, which issues the 复查意见书; the 复核机关 the 复核意见书.
        "superior_org": orgs["superior_org"] or "【请填写：上一级机关（设置）】",
        "recheck_org": orgs["recheck_org"] or "【请填写：复核机关（设置）】",
        "limits": limits,
        "office_phone": phone,
        # Who registered it (the 登记 step's clerk): the 接待人 on a 来访回执.
        "registered_by": events[0].recorded_by if events else "",
        "case": _case(detail),
        "petitioner": _petitioner(detail, withhold),
        "decision": {"kind": detail.decision_kind, **_event_dict(decision)},
        "extension": extension,
        "reply": _event_dict(_event(events, "答复")),
        "review_request": _event_dict(_event(events, "复查申请")),
        "review": _event_dict(_event(events, "复查意见")),
        "recheck_request": _event_dict(_event(events, "复核申请")),
        "recheck": _event_dict(_event(events, "复核意见")),
        "supervision": _event_dict(_event(events, "督办")),
        "supervisions": [_event_dict(e) for e in events if e.kind == "督办"],
        "events": [
            {"kind": e.kind, "on": e.on, "text": _describe(e)} for e in events if e.kind != "作废"
        ],
        "recipient": recipient(info, detail) if info.to_other_party else "",
    }
    if withhold:
        d = detail.input
        scrub = Scrubber(d.name, d.id_number, d.phone, d.address, d.workplace)
        ctx = {k: v if k in ("office", "petitioner") else scrub.tree(v) for k, v in ctx.items()}
    return ctx


CASE_VARIABLES: list[tuple[str, str]] = [
    ("office", "单位名称（设置中填写）"),
    ("today", "今天（成文日期），用 | cdate 写成“2025年12月1日”"),
    ("doc_no", "发文字号，如“县水信受〔2025〕3号”（按文书种类和年份编号，重新生成不变）"),
    ("superior_org", "上一级机关（设置）：复查机关"),
    ("recheck_org", "复核机关（设置）"),
    ("limits.decision_days", "受理告知期限天数（设置，默认15日）"),
    ("limits.handling_days", "办理期限天数（设置，默认60日）"),
    ("office_phone", "查询电话（设置）"),
    ("registered_by", "登记人（接待人）"),
    ("limits.max_extension_days", "延期最多天数（设置，默认30日）"),
    ("case.number", "信访件编号"),
    ("case.received_on", "登记日期"),
    ("case.petition_on", "信访日期"),
    ("case.form", "信访形式"),
    ("case.channel", "来源渠道"),
    ("case.assigning_org", "交办/转送机关"),
    ("case.assigning_ref", "交办/转送文号"),
    ("case.persons", "人数"),
    ("case.involved_persons", "涉及人数"),
    ("case.summary", "反映问题（内容摘要）"),
    ("case.category", "问题类别（一级）"),
    ("case.subcategory", "问题类别（二级）"),
    ("case.nature", "性质：建议意见类/检举控告类/申诉求决类"),
    ("case.locality", "问题属地"),
    ("case.target", "被反映对象"),
    ("case.department", "承办单位"),
    ("case.handler", "经办人"),
    ("case.leader", "包案领导"),
    ("case.status", "办理状态"),
    ("case.collective", "是否集体访"),
    ("case.repeat", "是否重复信访"),
    ("case.visit_level", "走访层级"),
    ("case.decision_kind", "受理决定：受理/不予受理/转送/交办"),
    ("case.decision_on", "受理决定日期"),
    ("case.decision_due", "受理告知期限"),
    ("case.accepted_on", "受理日期"),
    ("case.handling_due", "办理期限（含延期）"),
    ("case.extension_days", "延期天数"),
    ("case.replied_on", "答复日期"),
    ("case.reply_result", "答复结果：支持/解释说明/不予支持"),
    ("case.closed_on", "办结日期"),
    ("case.rating", "满意度"),
    ("case.remark", "备注"),
    ("case.joint", "是否联名信"),
    ("case.anonymous", "是否匿名"),
    ("petitioner.display", "信访人称呼（匿名、联名、依规不提供时自动写法）"),
    ("petitioner.name", "信访人姓名（检举控告类事项的转送函、交办函、督办单中为空）"),
    ("petitioner.gender", "性别"),
    ("petitioner.id_number", "身份证号"),
    ("petitioner.phone", "联系电话"),
    ("petitioner.address", "住址"),
    ("petitioner.workplace", "工作单位"),
    ("petitioner.withheld", "是否依规不提供信访人信息（条例第三十条）"),
    ("petitioner.anonymous", "是否匿名"),
    ("petitioner.you", "称呼：一人为“你”，联名或集体访为“你们”"),
    ("recipient", "收件单位（转送函、交办函、督办单）"),
    ("decision.kind", "受理决定种类"),
    ("decision.on", "受理决定日期"),
    ("decision.reason", "不予受理理由"),
    ("decision.route", "不予受理时告知的正确途径"),
    ("decision.to", "转送/交办单位"),
    ("decision.deadline", "交办期限"),
    ("extension.on", "延期日期"),
    ("extension.reason", "延期理由"),
    ("extension.approver", "批准人"),
    ("extension.days", "延期天数"),
    ("extension.new_due", "延期后的办理期限"),
    ("reply.on", "答复日期"),
    ("reply.result", "答复结果"),
    ("reply.text", "答复内容（事实、理由和处理意见）"),
    ("reply.basis", "处理意见的法律法规依据"),
    ("review_request.on", "复查申请日期"),
    ("review.on", "复查意见日期"),
    ("review.opinion", "复查意见"),
    ("review.text", "复查意见说明"),
    ("recheck_request.on", "复核申请日期"),
    ("recheck.on", "复核意见日期"),
    ("recheck.opinion", "复核意见"),
    ("recheck.text", "复核意见说明"),
    ("supervision.on", "最近一次督办日期"),
    ("supervision.by", "督办单位或领导"),
    ("supervision.note", "督办意见"),
    ("supervisions[].on", "每次督办：日期（用于 {% for s in supervisions %}）"),
    ("supervisions[].by", "每次督办：督办单位或领导"),
    ("supervisions[].note", "每次督办：督办意见"),
    ("events[].kind", "办理过程：步骤"),
    ("events[].on", "办理过程：日期"),
    ("events[].text", "办理过程：说明"),
]
