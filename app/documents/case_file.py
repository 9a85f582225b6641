"""The 卷宗 of a case (docs/rules.md, 卷宗): cover, 登记表, every step of the timeline, the 文书
issued with their 文号, and the 附件目录 with the image attachments placed in the document.

An internal file for the office and the 复查/复核机关 (domain.md §9, Art.30): exempt from the
withholding of outgoing documents, so the reporter's data is printed in full, and every page
says "内部材料，不得提供给被反映对象". The template (`templates/卷宗.docx`, or the office's own
copy in the templates folder) is checked strictly like every other.
"""

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image
from docx.shared import Mm
from docxtpl import InlineImage
from jinja2.exceptions import TemplateError, UndefinedError
from sqlalchemy import select

from app import clock
from app.attachments.names import is_image, size_text
from app.cases.service import CaseDetail, read_detail
from app.cases.workflow import DATA_LABELS
from app.db import Database
from app.documents import case_context, catalog, engine
from app.documents.filters import cdate
from app.documents.template_check import make_env
from app.documents.variables import schema_from
from app.errors import DomainError
from app.models import Attachment, DocNumber
from app.office import settings

INTERNAL = "内部材料，不得提供给被反映对象"
# The type area of a GB/T 9704 page is 156 × 225 mm: an image keeps room for its caption.
MAX_WIDTH_MM, MAX_HEIGHT_MM = 150.0, 175.0
_MARKS = {
    "inferred": "导入推定",
    "date_unknown": "办结日期不详",
    "status_unknown": "导入时无办理情况",
}

VARIABLES: list[tuple[str, str]] = [
    ("office", "单位名称"),
    ("today", "立卷日期（今天）"),
    ("internal", f"“{INTERNAL}”"),
    ("case.*", "信访件的各项（同文书变量 case.*）"),
    ("petitioner.*", "信访人（卷宗为内部材料，完整显示）"),
    ("register[].label", "登记表：项目"),
    ("register[].value", "登记表：内容"),
    ("events[].seq", "办理过程：序号"),
    ("events[].on", "办理过程：日期"),
    ("events[].kind", "办理过程：步骤"),
    ("events[].by", "办理过程：记录人"),
    ("events[].text", "办理过程：说明"),
    ("documents[].seq", "文书：序号"),
    ("documents[].name", "文书：名称"),
    ("documents[].doc_no", "文书：文号"),
    ("documents[].on", "文书：编号日期"),
    ("documents[].by", "文书：经办人"),
    ("attachments[].seq", "附件目录：序号"),
    ("attachments[].name", "附件目录：文件名"),
    ("attachments[].kind", "附件目录：类别"),
    ("attachments[].doc_no", "附件目录：文号（文书）"),
    ("attachments[].on", "附件目录：添加日期"),
    ("attachments[].by", "附件目录：添加人"),
    ("attachments[].size", "附件目录：大小"),
    ("attachments[].note", "附件目录：说明（图片见第几页之后、不能放入文档的原因）"),
    ("removed[].name", "已移除的附件：文件名"),
    ("removed[].on", "已移除的附件：移除日期"),
    ("removed[].by", "已移除的附件：移除人"),
    ("removed[].reason", "已移除的附件：原因"),
    ("images[].seq", "放入卷宗的图片：附件序号"),
    ("images[].name", "放入卷宗的图片：文件名"),
    ("images[].image", "放入卷宗的图片（按页面缩放）"),
]
SCHEMA = schema_from(VARIABLES)


def _yes(flag: bool) -> str:
    return "是" if flag else ""


def register_rows(d: CaseDetail) -> list[dict[str, str]]:
    """The 登记表 as (项目, 内容) rows: every registration field, in the form's order."""
    i = d.input
    flags = "、".join(
        n
        for n, on in (
            ("集体访", d.collective),
            ("重复信访", i.repeat or bool(i.repeat_of)),
            ("越级访", i.skip_level),
            ("非正常访", i.abnormal),
            ("涉法涉诉", i.legal),
            ("重大紧急", i.urgent),
            ("匿名", i.anonymous),
            ("联名", i.joint),
        )
        if on
    )
    rows = [
        ("信访事项编号", d.number),
        ("登记日期", cdate(i.received_on)),
        ("信访日期", cdate(i.petition_on)),
        ("信访形式", i.form),
        ("来源渠道", i.channel),
        ("交办机关及文号", " ".join(x for x in (i.assigning_org, i.assigning_ref) if x)),
        ("信访人", "（匿名）" if i.anonymous else i.name),
        ("性别", i.gender),
        ("身份证号", i.id_number),
        ("联系电话", i.phone),
        ("住址", i.address),
        ("工作单位", i.workplace),
        ("人数", f"{i.persons}人"),
        ("涉及人数", f"{i.involved_persons}人" if i.involved_persons else ""),
        ("反映问题", i.summary),
        ("问题类别", " / ".join(x for x in (i.category, i.subcategory) if x)),
        ("性质", i.nature),
        ("问题属地", i.locality),
        ("被反映对象", i.target),
        (
            "情形",
            "；".join(
                x for x in (flags, f"走访层级：{i.visit_level}" if i.visit_level else "") if x
            ),
        ),
        ("承办单位", i.department),
        ("经办人", i.handler),
        ("包案领导", i.leader),
        ("办理状态", d.status),
        ("受理日期", cdate(d.accepted_on)),
        (
            "办理期限",
            cdate(d.handling_due) + (f"（含延期{d.extension_days}日）" if d.extension_days else ""),
        ),
        ("答复日期", cdate(d.replied_on) + (f"（{d.reply_result}）" if d.reply_result else "")),
        ("办结日期", cdate(d.closed_on) + ("（日期不详）" if d.closed_date_unknown else "")),
        ("满意度", d.rating or ""),
        ("备注", i.remark),
        *((f"{k}（台账）", str(v)) for k, v in d.extra.items() if v),
    ]
    return [{"label": label, "value": value or "—"} for label, value in rows]


def _event_text(data: dict[str, Any]) -> str:
    parts = [_MARKS[k] for k in _MARKS if data.get(k)]
    parts += [
        f"{DATA_LABELS.get(k, k)}：{v}"
        for k, v in data.items()
        if k not in _MARKS and v not in ("", None)
    ]
    return "；".join(parts)


def _placed(blob: bytes) -> float | None:
    """The width (mm) an image is placed at, scaled to the page; None when Word cannot hold
    the format (WebP, HEIC …): it is listed, not placed."""
    try:
        img = Image.from_blob(blob)
    except (UnrecognizedImageError, ValueError, KeyError, IndexError):
        return None
    if not img.px_width or not img.px_height:
        return None
    # The image's own size at its dpi, never enlarged past it, then fitted into the page.
    natural = img.px_width / (img.horz_dpi or 96) * 25.4
    width = min(natural, MAX_WIDTH_MM, MAX_HEIGHT_MM * img.px_width / img.px_height)
    return max(width, 20.0)


def build(
    db: Database, number: str, open_file: Callable[[str], BinaryIO]
) -> tuple[dict[str, Any], list[tuple[int, bytes, float]]]:
    """The 卷宗 context and the images to place: (附件序号, bytes, width in mm)."""
    with db.read() as s:
        detail = read_detail(s, number)
        office = str(settings.get(s, "office_name") or "").strip()
        docs = list(
            s.scalars(
                select(DocNumber)
                .where(DocNumber.case_id == detail.id)
                .order_by(DocNumber.issued_at, DocNumber.id)
            )
        )
        rows = list(
            s.scalars(
                select(Attachment).where(Attachment.case_id == detail.id).order_by(Attachment.id)
            )
        )
        for r in [*docs, *rows]:
            s.expunge(r)
    images: list[tuple[int, bytes, float]] = []
    listed, removed = [], []
    seq = 0
    for a in rows:
        if a.detached_at is not None:
            removed.append(
                {
                    "name": a.name,
                    "on": a.detached_at.date(),
                    "by": a.detached_by or "",
                    "reason": a.detached_reason or "",
                }
            )
            continue
        seq += 1
        note = ""
        if is_image(a.name):
            with open_file(a.sha256) as f:
                blob = f.read()
            width = _placed(blob)
            if width is None:
                note = "图片格式不能放入文档，见原件"
            else:
                images.append((seq, blob, width))
                note = "图片附后"
        listed.append(
            {
                "seq": seq,
                "name": a.name,
                "kind": a.kind,
                "doc_no": a.doc_no or "",
                "on": a.added_at.date(),
                "by": a.added_by,
                "size": size_text(a.size),
                "note": note,
            }
        )
    names = {x["seq"]: x["name"] for x in listed}
    ctx: dict[str, Any] = {
        "office": office or "（单位名称）",
        "today": clock.today(),
        "internal": INTERNAL,
        "case": case_context._case(detail),
        # Internal file (Art.30 exempt): the petitioner in full, never withheld.
        "petitioner": case_context._petitioner(detail, withhold=False),
        "register": register_rows(detail),
        "events": [
            {"seq": n, "on": e.on, "kind": e.kind, "by": e.recorded_by, "text": _event_text(e.data)}
            for n, e in enumerate(detail.events, 1)
        ],
        "documents": [
            {
                "seq": n,
                "name": d.template,
                "doc_no": d.text,
                "on": d.issued_at.date(),
                "by": d.issued_by,
            }
            for n, d in enumerate(docs, 1)
        ],
        "attachments": listed,
        "removed": removed,
        "images": [{"seq": n, "name": names[n], "image": ""} for n, _b, _w in images],
    }
    return ctx, images


def render(db: Database, number: str, out: Path, open_file: Callable[[str], BinaryIO]) -> Path:
    """Write the 卷宗 of case `number` to `out` (.docx), atomically."""
    info = catalog.case_file_template(db)
    tpl, _result = engine.check(info.path, SCHEMA, info.name)
    ctx, images = build(db, number, open_file)
    engine.complete(ctx, SCHEMA)
    for entry, (_seq, blob, width) in zip(ctx["images"], images, strict=True):
        entry["image"] = InlineImage(tpl, io.BytesIO(blob), width=Mm(width))
    try:
        tpl.render(ctx, make_env(strict=True), autoescape=True)
    except UndefinedError as exc:
        raise DomainError(f"模板“{info.name}”用到了数据中没有的内容：{exc.message}") from None
    except TemplateError as exc:
        raise DomainError(f"模板“{info.name}”填写失败：{exc}") from None
    buffer = io.BytesIO()
    tpl.save(buffer)
    engine.write_atomic(out, buffer.getvalue())
    return out
