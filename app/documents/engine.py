"""Render a .docx template: check it, fill it, write the result atomically.

The output is written to a temporary file beside the target and renamed over it only when the
whole render succeeded, so a failed render leaves no file and never a half-written one.
"""

import contextlib
import io
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2.exceptions import TemplateError, UndefinedError

from app.documents.template_check import CheckResult, Schema, check_document, make_env
from app.errors import DomainError

# Images the context can hold: name → (png bytes, width in mm).
Images = dict[str, tuple[bytes, float]]


class TemplateProblem(DomainError):
    """The template has errors the clerk must fix in Word/WPS; `result` lists each one."""

    def __init__(self, name: str, result: CheckResult) -> None:
        super().__init__(f"模板“{name}”不能使用。\n" + result.summary())
        self.result = result


@dataclass
class Rendered:
    path: Path
    repairs: list[str] = field(default_factory=list)  # what was mended in the template


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
    return tpl


def check(path: Path, schema: Schema, name: str = "") -> tuple[DocxTemplate, CheckResult]:
    """Load and check a template; raise TemplateProblem if it cannot be used as it is."""
    tpl = load(path)
    result = check_document(tpl.docx, schema, repair=True)
    if not result.ok:
        raise TemplateProblem(name or path.stem, result)
    return tpl, result


def render(
    path: Path,
    schema: Schema,
    build_context: Callable[[set[str]], dict[str, Any]],
    out: Path,
    name: str = "",
    images: Callable[[set[str]], Images] | None = None,
) -> Rendered:
    """Check the template at `path`, build the context for the names it uses, write `out`.

    `build_context(names)` gets the top-level variables the template uses, so costly parts
    (a list of every case, a chart) are only built when a template asks for them.
    """
    tpl, result = check(path, schema, name)
    context = build_context(result.names)
    for key, (png, width) in (images(result.names) if images else {}).items():
        context[key] = InlineImage(tpl, io.BytesIO(png), width=Mm(width))
    try:
        tpl.render(context, make_env(), autoescape=True)
    except UndefinedError as exc:
        raise DomainError(f"模板“{name or path.stem}”用到了没有的数据：{exc.message}") from None
    except TemplateError as exc:
        raise DomainError(f"模板“{name or path.stem}”填写失败：{exc}") from None
    buffer = io.BytesIO()
    tpl.save(buffer)
    write_atomic(out, buffer.getvalue())
    return Rendered(out, [str(p) for p in result.repairs])


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
        os.replace(tmp, out)
    except PermissionError:
        _remove(tmp)
        raise DomainError(
            f"无法写入 {out.name}：文件可能正被 Word/WPS 打开，请关闭后重试。"
        ) from None
    except OSError as exc:
        _remove(tmp)
        raise DomainError(f"无法写入 {out}：{exc.strerror or exc}") from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
