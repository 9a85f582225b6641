"""Resource limits of the template sandbox (issue 16 item 9), used by GuardedEnvironment.

The sandbox already limited `*` and range(); these passed: `'%0300000000d' % 1`,
`'{:>300000000}'.format(1)`, `ljust`/`center(N)` (300 MB strings), a loop writing 2,000 ×
199,999 characters (2 GB), a nested loop over `'x' * 200000` (4·10^10 steps, a hang).
Here a width or precision beyond MAX_TEXT is refused *before* the string is made, every
produced string or list is measured, every `for` loop (over anything) draws on one
iteration budget per render, and the whole output of a render is capped.
"""

import re
from collections.abc import Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError

MAX_TEXT = 200_000  # characters or items one expression may produce
MAX_ITERATIONS = 1_000_000  # steps of every loop of one render together
MAX_OUTPUT = 2_000_000  # characters one render may write (a document is a few pages)

ITER_GUARD = "__xinfang_loop_guard"
# Methods whose first argument is the width of the string they make.
_WIDTH_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})
_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_NUMBER = re.compile(r"\d+")


def too_long(what: str = "模板中产生的内容") -> SecurityError:
    return SecurityError(f"{what}过长（超过 {MAX_TEXT} 个字符），请检查模板")


def check_size(value: Any) -> Any:
    if isinstance(value, str | list | tuple | bytes) and len(value) > MAX_TEXT:
        raise too_long()
    return value


def check_percent(template: str, args: Any) -> None:
    """`'%0300000000d' % 1`: widths and precisions in a %-format, before formatting."""
    values = list(args) if isinstance(args, tuple) else [args]
    for m in _PERCENT_SPEC.finditer(template):
        for part in m.groups():
            if part is None:
                continue
            if part == "*":
                number = values.pop(0) if values and isinstance(values[0], int) else 0
            else:
                number = int(part)
            if abs(number) > MAX_TEXT:
                raise too_long("格式中的宽度")


def check_format_spec(template: str) -> None:
    """`'{:>300000000}'.format(1)`: any number inside a replacement field's spec."""
    for field in re.findall(r"\{[^{}]*\}", template):
        _, _, spec = field.partition(":")
        if any(int(n) > MAX_TEXT for n in _FORMAT_NUMBER.findall(spec)):
            raise too_long("格式中的宽度")


def check_call(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Before a method call: str width methods and str.format."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in _WIDTH_METHODS:
        width = args[0] if args else kwargs.get("width", kwargs.get("tabsize", 0))
        if isinstance(width, int) and width > MAX_TEXT:
            raise too_long("宽度")
        if name == "expandtabs" and isinstance(width, int) and width * owner.count("\t") > MAX_TEXT:
            raise too_long("宽度")
    elif name in ("format", "format_map"):
        check_format_spec(owner)


class Budget:
    """The iteration and output budgets of one render."""

    def __init__(self) -> None:
        self.iterations = MAX_ITERATIONS
        self.output = MAX_OUTPUT

    def loop(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self.iterations -= 1
            if self.iterations < 0:
                raise SecurityError(f"模板中的循环次数太多（超过 {MAX_ITERATIONS} 次）")
            yield item

    def written(self, value: Any) -> Any:
        if value is None:
            return ""
        size = len(value) if isinstance(value, str) else len(str(value))
        self.output -= size
        if self.output < 0:
            raise SecurityError(
                f"模板填写出的内容过多（超过 {MAX_OUTPUT} 个字符），请检查模板中的循环"
            )
        return value


def guard_loops(tree: nodes.Template) -> nodes.Template:
    """Every `{% for %}` iterates through the budget: `for x in guard(<iterable>)`."""
    for loop in tree.find_all(nodes.For):
        call = nodes.Call(
            nodes.Name(ITER_GUARD, "load", lineno=loop.lineno), [loop.iter], [], None, None
        )
        call.set_lineno(loop.lineno)
        loop.iter = call
    return tree


def guard_filter(name: str, func: Any) -> Any:
    """A filter whose result is measured; `center`, `indent`, `wordwrap` and `format` refuse
    a width beyond MAX_TEXT first. Jinja's pass_context/pass_environment marks are kept."""
    import functools

    if getattr(func, "_xinfang_guarded", False):
        return func

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        plain = [a for a in args if not _is_jinja_object(a)]
        if name in ("center", "indent", "wordwrap"):
            width = plain[1] if len(plain) > 1 else kwargs.get("width", 0)
            if isinstance(width, int) and width > MAX_TEXT:
                raise too_long("宽度")
        elif name == "format" and plain and isinstance(plain[0], str):
            check_percent(plain[0], tuple(plain[1:]))
        return check_size(func(*args, **kwargs))

    guarded._xinfang_guarded = True  # type: ignore[attr-defined]
    return guarded


def _is_jinja_object(value: Any) -> bool:
    from jinja2 import Environment
    from jinja2.nodes import EvalContext
    from jinja2.runtime import Context

    return isinstance(value, Environment | Context | EvalContext)
