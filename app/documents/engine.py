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
from app.safety import files

# Images the context can hold: name → (png bytes, width in mm).
Images = dict[str, tuple[bytes, float]]


class TemplateProblem(DomainError):
    """The template cannot be used as it is; `result` lists each problem with its paragraph.

    `repairable` is True when every problem is one the program can mend (a tag Word split, smart
    quotes): the clerk is told so and can ask for the repair, which rewrites the office's copy.
    """

    def __init__(self, name: str, result: CheckResult) -> None:
        self.result = result
        self.repairable = result.ok
        if self.repairable:
            message = (
                f"模板“{name}”中有 {len(result.repairs)} 处 Word/WPS 造成的格式问题，可以自动修复："
                "\n"
                + "\n".join(str(p) for p in result.repairs)
                + "\n请在“模板管理”中点“修复模板”，或在命令后加 --repair，修复后再生成。"
            )
        else:
            message = f"模板“{name}”不能使用。\n" + result.summary()
        super().__init__(message)


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


def check(
    path: Path, schema: Schema, name: str = "", repair_to: Path | None = None
) -> tuple[DocxTemplate, CheckResult]:
    """Load and check a template; raise TemplateProblem if it cannot be used as it is.

    With `repair_to`, mendable problems are mended and the mended template is saved there (the
    office's own copy) before rendering; without it they stop the render like errors do.
    """
    tpl = load(path)
    result = check_document(tpl.docx, schema, repair=True)
    if not result.ok or (result.repairs and repair_to is None):
        raise TemplateProblem(name or path.stem, result)
    if result.repairs and repair_to is not None:
        buffer = io.BytesIO()
        tpl.docx.save(buffer)
        write_atomic(repair_to, buffer.getvalue())
        tpl = load(repair_to)
    return tpl, result


def render(
    path: Path,
    schema: Schema,
    build_context: Callable[[set[str]], dict[str, Any]],
    out: Path,
    name: str = "",
    images: Callable[[set[str]], Images] | None = None,
    repair_to: Path | None = None,
) -> Rendered:
    """Check the template at `path`, build the context for the names it uses, write `out`.

    `build_context(names)` gets the top-level variables the template uses, so costly parts
    (a list of every case, a chart) are only built when a template asks for them.
    """
    tpl, result = check(path, schema, name, repair_to)
    context = build_context(result.names)
    for key, (png, width) in (images(result.names) if images else {}).items():
        context[key] = InlineImage(tpl, io.BytesIO(png), width=Mm(width))
    try:
        tpl.render(context, make_env(), autoescape=True)
    except UndefinedError as exc:
        raise DomainError(f"模板“{name or path.stem}”用到了没有的数据：{exc.message}") from None
    except TemplateError as exc:
        raise DomainError(f"模板“{name or path.stem}”填写失败：{exc}") from None
    except RecursionError:
        raise DomainError(f"模板“{name or path.stem}”填写失败：宏无限地调用自身") from None
    except Exception as exc:  # the template's own expressions failed (bad types, huge numbers…)
        raise DomainError(
            f"模板“{name or path.stem}”填写失败：模板中的计算出错（{type(exc).__name__}: {exc}）"
        ) from None
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
