"""Render a .docx template: check it, fill it, write the result atomically.

The output is written to a temporary file beside the target and renamed over it only when the
whole render succeeded, so a failed render leaves no file and never a half-written one.
"""

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.exceptions import TemplateError, UndefinedError

from app.documents.template_check import (
    CheckResult,
    Schema,
    _paragraphs,
    _parts,
    check_document,
    make_env,
)
from app.errors import DomainError
from app.safety import files

# Images the context can hold: name → (png bytes, width in mm).
Images = dict[str, tuple[bytes, float]]


class TemplateProblem(DomainError):
    """The template cannot be used as it is; `result` lists each error with its paragraph.

    Only errors stop a render: what Word, WPS or LibreOffice do to a tag (split runs, smart
    quotes) is mended in memory every time, so such a template generates without asking.
    """

    def __init__(self, name: str, result: CheckResult) -> None:
        self.result = result
        self.repairable = False  # nothing the program can mend stops a render any more
        super().__init__(f"模板“{name}”不能使用。\n" + result.summary())


@dataclass
class Rendered:
    path: Path
    repairs: list[str] = field(default_factory=list)  # what was mended (in memory, or saved)
    saved: bool = False  # the mended template was written to the office's copy
    markers: list[str] = field(default_factory=list)  # 【请填写：…】 left in the document


def load(path: Path) -> DocxTemplate:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"无法读取模板文件 {path}：{exc.strerror or exc}") from None
    tpl = DocxTemplate(io.BytesIO(data))
    try:
        tpl.init_docx()
    except Exception:  # python-docx raises several kinds for a file that is not a .docx
        raise DomainError(
            f"模板文件 {path.name} 不是有效的 Word 文档（.docx）。"
            "如果是 .doc 或 .wps 格式，请在 Word/WPS 中另存为 .docx。"
        ) from None
    _drop_foreign_core_properties(tpl)
    return tpl


def _drop_foreign_core_properties(tpl: DocxTemplate) -> None:
    """LibreOffice names the core-properties part with a relationship type python-docx does not
    know (…/officedocument/2006/relationships/metadata/core-properties). docxtpl then adds its
    own /docProps/core.xml beside it and the saved file holds that name twice, which Word
    reports as damaged. The foreign one is dropped; the document's properties are rewritten."""
    rels = tpl.docx.part.package.rels
    for r_id, rel in list(rels.items()):
        if rel.reltype.endswith("/metadata/core-properties") and rel.reltype != RT.CORE_PROPERTIES:
            del rels[r_id]


def check(
    path: Path, schema: Schema, name: str = "", repair_to: Path | None = None
) -> tuple[DocxTemplate, CheckResult]:
    """Load and check a template; raise TemplateProblem if it has errors.

    Mendable differences (a tag Word split, smart quotes) are mended in the loaded copy, so the
    render goes ahead; with `repair_to` the mended template is also saved there (the office's
    own copy). The merged tag keeps the formatting of the run it starts in (the clerk's bold,
    colour and font apply to the filled-in value).
    """
    tpl = load(path)
    result = check_document(tpl.docx, schema, repair=True)
    if not result.ok:
        raise TemplateProblem(name or path.stem, result)
    if result.repairs and repair_to is not None:
        buffer = io.BytesIO()
        tpl.docx.save(buffer)
        write_atomic(repair_to, buffer.getvalue())
        tpl = load(repair_to)
    return tpl, result


def complete(context: Any, schema: Any) -> None:
    """Give every key the schema names a value in the context's plain dicts (None for a value,
    {} filled again for a group), so a strict render fails only on what the check let through
    by mistake, never on an event the case simply does not have (`reply.text` with no 答复)."""
    if not isinstance(schema, dict) or type(context) is not dict:
        if isinstance(schema, list) and schema and isinstance(context, list):
            for item in context:
                complete(item, schema[0])
        return
    for key, sub in schema.items():
        if key not in context:
            context[key] = {} if isinstance(sub, dict) else ([] if isinstance(sub, list) else None)
        complete(context[key], sub)


def render(
    path: Path,
    schema: Schema,
    build_context: Callable[[set[str]], dict[str, Any]],
    out: Path,
    name: str = "",
    images: Callable[[set[str]], Images] | None = None,
    repair_to: Path | None = None,
    strict: bool = False,
) -> Rendered:
    """Check the template at `path`, build the context for the names it uses, write `out`.
    With `strict`, a document that still carries 【请填写：…】 markers is not written.

    `build_context(names)` gets the top-level variables the template uses, so costly parts
    (a list of every case, a chart) are only built when a template asks for them.
    """
    tpl, result = check(path, schema, name, repair_to)
    context = build_context(result.names)
    complete(context, schema)
    for key, (png, width) in (images(result.names) if images else {}).items():
        context[key] = InlineImage(tpl, io.BytesIO(png), width=Mm(width))
    label = name or path.stem
    try:
        tpl.render(context, make_env(strict=True), autoescape=True)
    except UndefinedError as exc:
        raise DomainError(f"模板“{label}”用到了数据中没有的内容：{exc.message}") from None
    except TemplateError as exc:
        raise DomainError(f"模板“{label}”填写失败：{exc}") from None
    except RecursionError:
        raise DomainError(f"模板“{label}”填写失败：宏无限地调用自身") from None
    except Exception as exc:  # the template's own expressions failed (bad types, huge numbers…)
        raise DomainError(
            f"模板“{label}”填写失败：模板中的计算出错（{type(exc).__name__}: {exc}）"
        ) from None
    buffer = io.BytesIO()
    tpl.save(buffer)
    markers = find_markers(tpl.docx)
    if strict and markers:
        raise DomainError(
            f"《{label}》中还有 {len(markers)} 处需要填写的内容，未生成文件：\n"
            + "\n".join(dict.fromkeys(markers))
            + "\n请先填写本期情况说明（xinfang report notes，或报告对话框中的“情况说明”）；"
            "主送机关在设置中填写（report_to）。"
        )
    write_atomic(out, buffer.getvalue())
    return Rendered(out, [str(p) for p in result.repairs], repair_to is not None, markers)


MARKER = re.compile(r"【请填写：[^】]*】")


def find_markers(doc: Any) -> list[str]:
    """The 【请填写：…】 markers a generated document still carries, in order."""
    found: list[str] = []
    for _, root in _parts(doc):
        for para in _paragraphs(root):
            found += MARKER.findall(para.text)
    return found


def write_atomic(out: Path, data: bytes) -> None:
    """Write `data` to `out` through a temporary file and a rename."""
    out = Path(out)
    if out.suffix.lower() != ".docx":
        raise DomainError(f"输出文件应以 .docx 结尾：{out.name}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", suffix=".tmp", dir=out.parent)
    except OSError as exc:
        raise DomainError(f"无法在 {out.parent} 写文件：{exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        files.replace(tmp, out)
    except PermissionError:
        _remove(tmp)
        raise DomainError(f"无法写入 {out.name}：{files.BUSY_HINT}。请关闭后重试。") from None
    except OSError as exc:
        _remove(tmp)
        raise DomainError(f"无法写入 {out}：{exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
