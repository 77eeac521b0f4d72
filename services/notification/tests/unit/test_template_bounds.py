"""Templates cannot make a render build huge strings or run for long (issue 8 §4.9).

Each payload is refused at render time quickly and without allocating much; the same payloads
are refused when a template is saved (tests/e2e/test_journeys.py)."""

import asyncio
import time
import tracemalloc

import pytest

from notification.templates.rendering import (
    Rendered,
    TemplateParts,
    TemplateProblem,
    render,
    render_all,
)
from notification.templates.sandbox import RENDER_SECONDS

# Each builds tens of MB (or runs for minutes) in an unbounded Jinja2 sandbox.
PAYLOADS = {
    "printf_width": "{{ '%09999999d' % 1 }}",
    "printf_precision": "{{ '%.9999999f' % 1 }}",
    "format_filter": "{{ '%09999999d'|format(1) }}",
    "str_format": "{{ '{:>9999999}'.format(1) }}",
    "center_filter": "{{ 'x'|center(99999999) }}",
    "center_method": "{{ 'x'.center(99999999) }}",
    "ljust": "{{ 'x'.ljust(99999999) }}",
    "rjust": "{{ 'x'.rjust(99999999) }}",
    "zfill": "{{ '1'.zfill(99999999) }}",
    "tilde_doubling": "{% set ns = namespace(s='x' * 10000) %}{% for i in range(20) %}"
    "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "plus_doubling": "{% set ns = namespace(s='x' * 10000) %}{% for i in range(20) %}"
    "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
    "join_filter": "{{ (['x' * 10000] * 10000)|join }}",
    "join_method": "{{ ''.join(['x' * 10000] * 10000) }}",
    "replace": "{{ ('x' * 10000).replace('x', 'y' * 10000) }}",
    "indent": "{{ ('x\n' * 5000)|indent(99999) }}",
    "lipsum": "{{ lipsum(100000) }}",
    "integer_squaring": "{% set ns = namespace(n=3) %}{% for i in range(27) %}"
    "{% set ns.n = ns.n * ns.n %}{% endfor %}{{ ns.n > 1 }}",
    "nested_loops": "{% for a in range(1000) %}{% for b in range(1000) %}"
    "{% for c in range(1000) %}{% endfor %}{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("source", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_a_render_is_bounded_in_time_and_memory(source: str) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateProblem) as raised:
            render(TemplateParts("email", "Subject", source), {}, sms_max_chars=300)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raised.value.field == "body"
    assert elapsed < 2.0  # the budget is 0.25 s; tracing makes it slower
    assert peak < 8_000_000  # bytes: the bound is 100k characters per value, 1M per render


def test_ordinary_templates_still_render() -> None:
    source = (
        "{{ '%05d'|format(42) }} {{ '{:>6}'.format('ab') }} {{ 'x'|center(9) }} "
        "{{ ['a', 'b']|join(', ') }} {{ 'a-b'.replace('-', '+') }} {{ 'n' ~ 1 }} "
        "{% for c in 'abc' %}{{ c }}{% endfor %} {{ 2 ** 10 }} {{ '%.2f' % 3.14159 }}"
    )
    rendered = render(TemplateParts("sms", None, source), {}, sms_max_chars=300)
    assert rendered.body == "00042     ab     x     a, b a+b n1 abc 1024 3.14"


async def test_a_slow_render_moves_off_the_event_loop_and_is_stopped() -> None:
    slow = TemplateParts("email", "Subject", PAYLOADS["nested_loops"])
    fast = TemplateParts("sms", None, "{{ code }}")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    running = asyncio.create_task(ticker())
    started = time.perf_counter()
    try:
        results = await render_all([slow, fast], {"code": "1234"}, sms_max_chars=300)
    finally:
        running.cancel()
    elapsed = time.perf_counter() - started
    problem, rendered = results
    assert isinstance(problem, TemplateProblem) and problem.code == "template_too_slow"
    assert isinstance(rendered, Rendered) and rendered.body == "1234"
    assert RENDER_SECONDS <= elapsed < 2.0  # the full budget, spent on the render thread
    assert ticks >= 5  # the event loop kept running meanwhile
