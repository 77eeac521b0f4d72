"""The template sandbox: Jinja2's immutable sandbox with bounds on what one render may build
and how long it may run, so an operator's template cannot exhaust memory or a CPU.

Bounded before the work is done (so nothing huge is ever allocated): `*` and `+` on sequences,
`**`, `%` and `str.format` field widths and precisions, `center/ljust/rjust/zfill/expandtabs`
widths, `join`, `replace`, the `center/indent/wordwrap/format/join/replace` filters, `range`.
Bounded right after (each result at most `MAX_TEXT` characters, so a chain of them cannot
grow): every call, filter, operator and `~` concatenation. Every one of those, every loop
iteration and every attribute lookup also checks the render's budget: a deadline and a total
of characters built. A render gets a few milliseconds where it is called; one that needs more
is stopped and rendered again on a render thread with the full budget (`rendering.render_all`),
so the event loop is never held longer than that.
"""

import re
import string
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_PRODUCT_ITEMS = 10_000  # `'x' * n`, `[..] * n`, `range(n)`
MAX_EXPONENT = 64
MAX_INTEGER_BITS = 4_096  # `**` and `*` on integers (a loop of squarings would not stop)
MAX_TEXT = 100_000  # any one string or sequence a template builds
MAX_WIDTH = 1_000  # a formatting width or precision (`%09d`, `{:>20}`, `center(40)`)
MAX_BUILT_CHARS = 1_000_000  # all strings one render builds, together
RENDER_SECONDS = 0.25  # one render call, all parts of a template together


class RenderTooSlow(SecurityError):
    """The render ran past its deadline."""


@dataclass(slots=True)
class RenderBudget:
    deadline: float
    seconds: float
    built: int = 0


_budget: ContextVar[RenderBudget | None] = ContextVar("render_budget", default=None)


def start_budget(seconds: float = RENDER_SECONDS) -> object:
    """Give the renders that follow on this thread a fresh budget; returns a reset token."""
    return _budget.set(RenderBudget(time.monotonic() + seconds, seconds=seconds))


def end_budget(token: object) -> None:
    _budget.reset(token)  # type: ignore[arg-type]


def _tick() -> None:
    budget = _budget.get()
    if budget is not None and time.monotonic() > budget.deadline:
        raise RenderTooSlow(f"the template took longer than {budget.seconds} s to render")


def _charge(value: Any) -> Any:
    """Count what an operation built against the budget; refuse anything oversized."""
    if isinstance(value, str | list | tuple | dict | set):
        size = len(value)
        if size > MAX_TEXT:
            raise SecurityError(f"results longer than {MAX_TEXT} are not allowed")
        budget = _budget.get()
        if budget is not None:
            budget.built += size
            if budget.built > MAX_BUILT_CHARS:
                raise SecurityError(f"a render may build at most {MAX_BUILT_CHARS} characters")
    _tick()
    return value


def _limit(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise SecurityError(f"{what} would be longer than {MAX_TEXT}")


def _width(value: Any, what: str) -> None:
    if isinstance(value, int) and value > MAX_WIDTH:
        raise SecurityError(f"{what} above {MAX_WIDTH} is not allowed")


# printf-style conversions: flags, width, precision (`*` takes them from the arguments).
_PRINTF = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d*))?[hlL]?([a-zA-Z%])")
_SPEC_NUMBERS = re.compile(r"\d+")


def check_printf(pattern: str) -> None:
    """Refuse `%` formats whose width or precision could build a huge string."""
    for width, precision, _ in _PRINTF.findall(pattern):
        for number in (width, precision):
            if number == "*":
                raise SecurityError("`*` widths are not allowed in % formats")
            if number and int(number) > MAX_WIDTH:
                raise SecurityError(f"% format widths above {MAX_WIDTH} are not allowed")


def check_format_string(pattern: str) -> None:
    """Refuse `str.format` fields whose width or precision could build a huge string."""
    try:
        fields = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise SecurityError(f"bad format string: {exc}") from exc
    for _, _, spec, _ in fields:
        if not spec:
            continue
        if "{" in spec:
            raise SecurityError("nested format fields are not allowed")
        if any(int(number) > MAX_WIDTH for number in _SPEC_NUMBERS.findall(spec)):
            raise SecurityError(f"format widths above {MAX_WIDTH} are not allowed")


def _sized(value: Any) -> bool:
    return isinstance(value, str | list | tuple)


def _check_str_method(text: str, name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    arguments = [*args, *kwargs.values()]
    if name in ("center", "ljust", "rjust", "zfill") and arguments:
        _width(arguments[0], f"{name} width")
    elif name == "expandtabs":
        size = arguments[0] if arguments and isinstance(arguments[0], int) else 8
        _limit(len(text) + text.count("\t") * size, "expandtabs")
    elif name == "replace" and len(arguments) >= 2:
        old, new = arguments[0], arguments[1]
        if isinstance(old, str) and isinstance(new, str):
            hits = len(text) + 1 if old == "" else text.count(old)
            _limit(len(text) + hits * len(new), "replace")
    elif name in ("translate", "maketrans"):
        raise SecurityError(f"str.{name} is not allowed in templates")


def _joined_size(separator: str, items: list[Any]) -> int:
    return len(separator) * max(0, len(items) - 1) + sum(len(str(item)) for item in items)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment (no list.append, dict.update, ...) with the bounds above."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.code_generator_class = _BoundedCodeGenerator
        self.globals["range"] = _bounded_range
        self.globals.pop("lipsum", None)  # lipsum(n) builds as many paragraphs as asked
        self.filters = {name: _bounded_filter(name, f) for name, f in self.filters.items()}
        self.filters["bounded_iter"] = _bounded_iter

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Every `for` iterates through `bounded_iter`, which checks the budget on each item: a
        # loop that calls nothing (nested empty loops) would otherwise never meet a hook.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, "bounded_iter", [], [], None, None)
            loop.iter.set_lineno(loop.lineno)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _tick()
        if operator == "**" and isinstance(right, int | float) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"exponents above {MAX_EXPONENT} are not allowed")
        if isinstance(left, int) and isinstance(right, int) and operator in ("*", "**"):
            bits = (
                left.bit_length() * abs(right)
                if operator == "**"
                else (left.bit_length() + right.bit_length())
            )
            if bits > MAX_INTEGER_BITS:
                raise SecurityError(f"numbers above {MAX_INTEGER_BITS} bits are not allowed")
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if (
                    _sized(sequence)
                    and isinstance(times, int)
                    and len(sequence) * times > MAX_PRODUCT_ITEMS
                ):
                    raise SecurityError(f"results longer than {MAX_PRODUCT_ITEMS} are not allowed")
        if operator == "%" and isinstance(left, str):
            check_printf(left)
        if operator == "+" and _sized(left) and _sized(right):
            _limit(len(left) + len(right), "the sum")
        return _charge(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _tick()
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str):
            if name == "join" and args:
                items = list(args[0])
                _limit(_joined_size(owner, items), "the joined text")
                args = (items, *args[1:])
            else:
                _check_str_method(owner, name, args, kwargs)
        return _charge(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        check_format_string(value.__self__)

        def bounded(*args: Any, **kwargs: Any) -> str:
            _tick()
            return _charge(wrapped(*args, **kwargs))  # type: ignore[no-any-return]

        return bounded

    def bounded_concat(self, value: Any) -> Any:
        """The result of `a ~ b ~ ...` (the parts are each bounded already)."""
        return _charge(value)


class _BoundedCodeGenerator(CodeGenerator):
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_PRODUCT_ITEMS:
        raise SecurityError(f"ranges longer than {MAX_PRODUCT_ITEMS} are not allowed")
    return numbers


@pass_context
def _bounded_iter(context: Context, iterable: Iterable[Any]) -> Iterator[Any]:
    # pass_context: never evaluated at compile time (the loop must stay a loop).
    for count, item in enumerate(iterable, start=1):
        if count > MAX_PRODUCT_ITEMS:
            raise SecurityError(f"loops over more than {MAX_PRODUCT_ITEMS} items are not allowed")
        _tick()
        yield item


def _check_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    arguments = [*args, *kwargs.values()]
    if name == "center" and arguments:
        _width(arguments[0], "center width")
    elif name == "format" and isinstance(value, str):
        check_printf(value)
    elif name == "indent" and isinstance(value, str):
        width = kwargs.get("width", args[0] if args else 4)
        pad = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _limit(len(value) + (value.count("\n") + 1) * pad, "the indented text")
    elif name == "wordwrap" and isinstance(value, str):
        width = kwargs.get("width", args[0] if args else 79)
        wrapper = kwargs.get("wrapstring", args[2] if len(args) > 2 else "\n") or "\n"
        lines = len(value) // max(1, width if isinstance(width, int) else 1) + 1
        _limit(len(value) + lines * len(str(wrapper)), "the wrapped text")
    elif name == "replace" and isinstance(value, str) and len(args) >= 2:
        _check_str_method(value, "replace", args[:2], {})
    elif name == "join" and not isinstance(value, str | dict):
        separator = kwargs.get("d", args[0] if args else "")
        _limit(_joined_size(str(separator), list(value)), "the joined text")


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that checks its arguments first and its result after (the same pass_* kind)."""

    def bounded(*args: Any, **kwargs: Any) -> Any:
        _tick()
        offset = 1 if hasattr(function, "jinja_pass_arg") else 0
        if len(args) > offset:
            value = args[offset]
            if name == "join" and not isinstance(value, str | dict):
                value = list(value)  # checked and joined from the same materialised items
                args = (*args[:offset], value, *args[offset + 1 :])
            _check_filter(name, value, args[offset + 1 :], kwargs)
        return _charge(function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):
        bounded.jinja_pass_arg = function.jinja_pass_arg  # type: ignore[attr-defined]
    bounded.__name__ = getattr(function, "__name__", name)
    return bounded
