"""Check an office's .docx template before rendering it, and repair what can be repaired.

Word breaks a `{{ 变量 }}` typed by a clerk into several runs (spell check, a change of font,
an edit in the middle) and turns straight quotes into “smart” ones; a Chinese input method
types ｛｛ instead of {{. Jinja then fails with a message about XML no clerk can read. Here the
template is read paragraph by paragraph as the clerk sees it, every problem is reported with
the paragraph's own text, split tags and wrong quotes are mended in place (and said so), and
syntax errors, unknown variables and unknown filters are errors that stop the render.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from jinja2 import StrictUndefined, nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from app.documents import filters, limits

ERROR = "错误"
# Word/WPS/LibreOffice split a tag into runs, or typed smart quotes or full-width braces into it:
# mended in memory at every render, so the clerk is not asked; `--repair` also saves the mend.
REPAIRED = "提示"

_W_P, _W_T = qn("w:p"), qn("w:t")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_OPEN = re.compile(r"\{\{|\{%|\{#")
# docxtpl's row/cell/paragraph/run forms ({%tr for %}, {{r x }}) read as plain Jinja here.
_DOCXTPL_PREFIX = re.compile(r"(\{[{%#])(?:tr|tc|p|r)(?=\s)")
_QUOTES = {"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "\u00a0": " ", "\u3000": " "}
_FULLWIDTH = {"｛｛": "{{", "｝｝": "}}", "｛％": "{%", "％｝": "%}", "｛%": "{%", "%｝": "%}"}
# Methods a template may call on a mapping (`stats.by_form.items()`).
_DICT_METHODS = {"items", "keys", "values", "get"}


@dataclass(frozen=True)
class Problem:
    severity: str  # ERROR or REPAIRED
    where: str  # 正文 / 页眉 / 页脚
    paragraph: str
    message: str

    def __str__(self) -> str:
        text = self.paragraph if len(self.paragraph) <= 60 else self.paragraph[:57] + "…"
        return f"【{self.severity}】{self.where}段落“{text}”：{self.message}"


@dataclass
class CheckResult:
    problems: list[Problem] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # top-level variables the template uses

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def repairs(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == REPAIRED]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, saved: bool = False) -> str:
        """What the check found, in words that are true: it says the template file was changed
        only when `saved` (the mend was written to the office's copy)."""
        if not self.problems:
            return "模板检查通过，没有发现问题。"
        if self.errors:
            head = f"模板有 {len(self.errors)} 处错误，需要在 Word/WPS 中改正后再生成："
        elif saved:
            head = (
                f"模板检查通过。已把 {len(self.repairs)} 处 Word/WPS 造成的格式差异整理好，"
                "并保存为本单位的模板："
            )
        else:
            head = (
                f"模板检查通过。有 {len(self.repairs)} 处 Word/WPS 造成的格式差异，生成时自动处理，"
                "模板文件未改动，不需要修复："
            )
        return "\n".join([head, *(str(p) for p in self.problems)])


# Limits a template cannot pass: a document is a few pages, so anything near these is a mistake
# (or an attack) that would otherwise hang the program or exhaust memory.
MAX_TEXT = 200_000  # characters or items one expression may produce
MAX_LOOP = 1_000_000  # range() items in one render, all loops together
MAX_EXPONENT = 64


class GuardedEnvironment(SandboxedEnvironment):
    """The sandbox, plus limits on arithmetic and loops; each breach is a SecurityError (a
    TemplateError) with a Chinese message, so the render stops with a sentence, not a traceback."""

    intercepted_binops = frozenset(["*", "**", "/", "//", "%"])

    def __init__(self, strict: bool = False) -> None:
        # Iterations of every loop and characters written, per render (app/documents/limits).
        self._budget = limits.Budget()
        # Strict at render: a name or key the data does not have stops the render instead of
        # printing nothing (the check has named the paragraph already; this is the last guard).
        kwargs: dict[str, Any] = {"undefined": StrictUndefined} if strict else {}
        super().__init__(finalize=self._budget.written, **kwargs)
        self.filters.update(filters.FILTERS)
        self.filters = {k: limits.guard_filter(k, f) for k, f in self.filters.items()}
        self.globals["range"] = self._range
        self.globals[limits.ITER_GUARD] = self._budget.loop
        self._loop_budget = MAX_LOOP

    def _generate(self, source: Any, *args: Any, **kwargs: Any) -> Any:
        # Every {% for %} (over a range, a string, a list) draws on the iteration budget.
        if isinstance(source, nodes.Template):
            source = limits.guard_loops(source)
        return super()._generate(source, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            limits.check_format_spec(owner)  # '{:>300000000}' is refused before formatting
        return super().wrap_str_format(value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        limits.check_call(__obj, args, kwargs)  # widths are refused before the string exists
        return limits.check_size(super().call(__context, __obj, *args, **kwargs))

    def _range(self, *args: int) -> range:
        numbers = range(*args)
        self._loop_budget -= len(numbers)
        if self._loop_budget < 0:
            raise SecurityError(f"模板中的循环次数太多（超过 {MAX_LOOP} 次）")
        return numbers

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator in ("/", "//", "%") and isinstance(right, int | float) and right == 0:
            raise SecurityError("模板中有除以 0 的计算")
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"模板中的乘方过大（指数超过 {MAX_EXPONENT}）")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_TEXT:
                    raise SecurityError("模板中的重复（*）产生的内容过长")
        if operator == "%" and isinstance(left, str):
            limits.check_percent(left, right)
        return limits.check_size(super().call_binop(context, operator, left, right))


def make_env(strict: bool = False) -> SandboxedEnvironment:
    """A fresh environment for one check or render (the loop budget is per render)."""
    return GuardedEnvironment(strict)


# ---------------------------------------------------------------- paragraphs of a part


@dataclass
class _Para:
    texts: list[Any]  # the w:t elements, in order

    @property
    def text(self) -> str:
        return "".join(t.text or "" for t in self.texts)


def _paragraphs(root: Any) -> list[_Para]:
    """Text-bearing paragraphs in document order; text-box paragraphs are their own."""
    paras: dict[Any, _Para] = {}
    for t in root.iter(_W_T):
        p = next((a for a in t.iterancestors(_W_P)), None)
        if p is None:
            continue
        paras.setdefault(p, _Para([])).texts.append(t)
    return list(paras.values())


def _parts(doc: DocxDocument) -> Iterator[tuple[str, Any]]:
    yield "正文", doc.element.body
    seen: set[int] = set()
    for section in doc.sections:
        for where, items in (
            ("页眉", (section.header, section.first_page_header, section.even_page_header)),
            ("页脚", (section.footer, section.first_page_footer, section.even_page_footer)),
        ):
            for hf in items:
                if hf.is_linked_to_previous:
                    continue
                part = hf.part
                if id(part) in seen:
                    continue
                seen.add(id(part))
                yield where, part.element


def _set_text(t: Any, text: str) -> None:
    t.text = text
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")


def _repair_paragraph(para: _Para, where: str, problems: list[Problem]) -> None:
    """Mend full-width braces, smart quotes and tags split across runs, in place."""
    original = para.text
    for t in para.texts:
        text = t.text or ""
        fixed = text
        for bad, good in _FULLWIDTH.items():
            fixed = fixed.replace(bad, good)
        if fixed != text:
            _set_text(t, fixed)
            problems.append(
                Problem(REPAIRED, where, original, "全角括号“｛ ｝ ％”，按半角括号处理")
            )
    # Merge each tag into the run where it starts. Offsets are recomputed after every merge.
    while True:
        text = para.text
        bounds, pos = [], 0
        for t in para.texts:
            bounds.append((pos, pos + len(t.text or "")))
            pos += len(t.text or "")
        split = None
        for m in _TAG.finditer(text):
            first = next(i for i, (a, b) in enumerate(bounds) if a <= m.start() < b)
            last = next(i for i, (a, b) in enumerate(bounds) if a < m.end() <= b)
            if first != last:
                split = (m, first, last)
                break
        if split is None:
            break
        m, first, last = split
        a0 = bounds[first][0]
        head = para.texts[first].text or ""
        _set_text(para.texts[first], head[: m.start() - a0] + m.group(0))
        for i in range(first + 1, last):
            _set_text(para.texts[i], "")
        tail = para.texts[last].text or ""
        _set_text(para.texts[last], tail[m.end() - bounds[last][0] :])
        problems.append(
            Problem(REPAIRED, where, original, f"标签“{m.group(0)}”被 Word 拆成了几段，按一段处理")
        )
    for t in para.texts:
        text = t.text or ""
        fixed = _TAG.sub(lambda m: _plain_quotes(m.group(0)), text)
        if fixed != text:
            _set_text(t, fixed)
            problems.append(
                Problem(
                    REPAIRED, where, original, "标签里的中文引号或全角空格，按英文引号、空格处理"
                )
            )


def _plain_quotes(tag: str) -> str:
    for bad, good in _QUOTES.items():
        tag = tag.replace(bad, good)
    return tag


# ---------------------------------------------------------------- jinja checks

_MESSAGES = [
    (
        re.compile(
            r"unexpected end of template.*looking for the following tags: .*'(end\w+)'", re.S | re.I
        ),
        lambda m: f"缺少结束标签 {{% {m.group(1)} %}}",
    ),
    (
        re.compile(
            r"Encountered unknown tag '(\w+)'.*looking for the following tags: '([\w' or]+)'", re.S
        ),
        lambda m: f"标签“{m.group(1)}”出现的位置不对（此处应为 {m.group(2)}）",
    ),
    (re.compile(r"Encountered unknown tag '(\w+)'"), lambda m: f"不认识的标签“{m.group(1)}”"),
    (
        re.compile(r"expected token 'end of print statement', got '(.+)'"),
        lambda m: f"变量标签 {{{{ }}}} 里有多余的内容“{m.group(1)}”（多个变量请分别写）",
    ),
    (
        re.compile(r"expected token '(.+?)', got '(.+?)'"),
        lambda m: f"此处应为“{m.group(1)}”，却是“{m.group(2)}”",
    ),
    (re.compile(r"unexpected '(.+?)'"), lambda m: f"多余或不配对的符号“{m.group(1)}”"),
    (re.compile(r"unexpected char '(.+?)'"), lambda m: f"标签里有不能识别的字符“{m.group(1)}”"),
]


def explain(message: str) -> str:
    """A Jinja error message in words a clerk can act on."""
    for pattern, say in _MESSAGES:
        m = pattern.search(message)
        if m:
            return "模板语法错误：" + say(m)
    return f"模板语法错误（{message}）"


Schema = dict[str, Any]  # name → None (a value), "*" (anything below), dict, or [element schema]


class _Walker:
    """Finds variables and filters the engine does not know, with the line (paragraph) of each."""

    def __init__(self, env: SandboxedEnvironment, schema: Schema) -> None:
        self.env, self.schema = env, schema
        self.unknown: list[tuple[int, str]] = []
        self.used: set[str] = set()

    def walk(self, node: nodes.Node, scope: dict[str, Any]) -> None:
        if isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
            tag = type(node).__name__.lower().replace("fromimport", "from … import")
            self.unknown.append((node.lineno, f"模板中不能使用 {{% {tag} %}}（不能引用其他文件）"))
            return
        if isinstance(node, nodes.For):
            self.walk(node.iter, scope)
            elem = self.resolve(node.iter, scope)
            inner = dict(scope, loop="*")
            targets = [node.target] if isinstance(node.target, nodes.Name) else []
            if isinstance(node.target, nodes.Tuple):
                inner.update({n.name: "*" for n in node.target.find_all(nodes.Name)})
            for t in targets:
                inner[t.name] = elem[0] if isinstance(elem, list) and elem else "*"
            for child in [*node.body, *([node.test] if node.test else [])]:
                self.walk(child, inner)
            for child in node.else_:
                self.walk(child, scope)
            return
        if isinstance(node, nodes.Assign | nodes.AssignBlock):
            # find_all looks below the target only: `{% set x = … %}` is the Name itself.
            names = [node.target] if isinstance(node.target, nodes.Name) else []
            for n in [*names, *node.target.find_all(nodes.Name)]:
                scope[n.name] = "*"
        if isinstance(node, nodes.Macro):
            scope[node.name] = "*"
        if isinstance(node, nodes.Macro | nodes.CallBlock):
            inner = dict(scope, **{a.name: "*" for a in node.args}, caller="*", varargs="*")
            for child in node.body:
                self.walk(child, inner)
            return
        if isinstance(node, nodes.Filter | nodes.Test):
            table = self.env.filters if isinstance(node, nodes.Filter) else self.env.tests
            if node.name not in table:
                kind = "过滤器" if isinstance(node, nodes.Filter) else "判断"
                self.unknown.append((node.lineno, f"不认识的{kind}“{node.name}”"))
        if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem):
            self.resolve(node, scope, report=True)
            if not isinstance(node, nodes.Name):
                for child in node.iter_child_nodes():
                    if not isinstance(child, nodes.Name | nodes.Getattr | nodes.Getitem):
                        self.walk(child, scope)
                return
        for child in node.iter_child_nodes():
            self.walk(child, scope)

    def resolve(self, node: nodes.Node, scope: dict[str, Any], report: bool = False) -> Any:
        """The schema of an expression; unknown names and keys are recorded once."""
        if isinstance(node, nodes.Name):
            if node.ctx != "load":
                return "*"
            if node.name in scope:
                return scope[node.name]
            if node.name in self.schema:
                self.used.add(node.name)
                return self.schema[node.name]
            if node.name in self.env.globals:
                return "*"
            if report:
                self.unknown.append((node.lineno, f"不认识的变量“{node.name}”"))
            return "*"
        if isinstance(node, nodes.Getattr | nodes.Getitem):
            key = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
            base = self.resolve(node.node, scope, report)
            if key is None or base == "*":
                return "*"
            if isinstance(base, dict):
                if key in base:
                    return base[key]
                if key in _DICT_METHODS:
                    return "*"
            if isinstance(base, list) and key in ("first", "last"):
                return base[0] if base else "*"
            if report:
                known = "、".join(k for k in base if isinstance(base, dict))[:80]
                where = f"（{_dotted(node.node)} 下有：{known}）" if known else ""
                self.unknown.append((node.lineno, f"不认识的变量“{_dotted(node)}”{where}"))
            return "*"
        return "*"


def _const(node: nodes.Node) -> str | None:
    return str(node.value) if isinstance(node, nodes.Const) else None


def _dotted(node: nodes.Node) -> str:
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_dotted(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        key = _const(node.arg)
        return f'{_dotted(node.node)}["{key}"]' if key is not None else f"{_dotted(node.node)}[…]"
    return "…"


def _check_source(
    lines: list[str], where: str, env: SandboxedEnvironment, schema: Schema, result: CheckResult
) -> None:
    source = "\n".join(_DOCXTPL_PREFIX.sub(r"\1", line) for line in lines)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        line = lines[min(max((exc.lineno or 1) - 1, 0), len(lines) - 1)] if lines else ""
        result.problems.append(Problem(ERROR, where, line, explain(exc.message or "")))
        return
    walker = _Walker(env, schema)
    walker.walk(tree, {})
    result.names |= walker.used
    for lineno, message in walker.unknown:
        line = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
        hint = "（见“xinfang report vars”）" if message.startswith("不认识的") else ""
        result.problems.append(Problem(ERROR, where, line, message + hint))


def check_document(doc: DocxDocument, schema: Schema, repair: bool = True) -> CheckResult:
    """Check every part of a template; with `repair`, mend split tags and quotes in `doc`."""
    env = make_env()
    result = CheckResult()
    for where, root in _parts(doc):
        paras = _paragraphs(root)
        lines = []
        for para in paras:
            if repair:
                _repair_paragraph(para, where, result.problems)
            text = para.text
            # A tag opened and not closed in its paragraph cannot be mended: Word put the rest
            # elsewhere (a new paragraph, a table cell).
            leftover = _TAG.sub("", text)
            if _OPEN.search(leftover) or re.search(r"\}\}|%\}", leftover):
                result.problems.append(
                    Problem(ERROR, where, text, "标签没有在同一段落内写完整（缺少配对的括号）")
                )
                text = ""  # reported once here, kept out of the syntax check
            lines.append(text.replace("\n", " "))
        _check_source(lines, where, env, schema, result)
    return result


def leftover_tags(doc: DocxDocument) -> list[str]:
    """Template tags still present in a generated document (there should be none)."""
    found: list[str] = []
    for _, root in _parts(doc):
        for para in _paragraphs(root):
            found += _OPEN.findall(para.text)
    return found
