"""Templates: sandboxed Jinja2, strict about undefined names, autoescaped for e-mail HTML.

A template is checked when it is saved (syntax, a render with its sample data, the SMS length
bound), so a broken one never reaches the send path.
"""

import asyncio
import functools
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta
from jinja2 import Template as JinjaTemplate

from educert_common.masking import mask_email, mask_mobile
from notification.templates.sandbox import (
    MAX_TEXT,
    RENDER_SECONDS,
    BoundedSandbox,
    RenderTooSlow,
    end_budget,
    start_budget,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_SOURCE_CHARS = 20_000
MAX_SUBJECT_CHARS = 200

MAX_OUTPUT_CHARS = MAX_TEXT
# What a render may take on the event loop: ordinary templates need well under a millisecond;
# anything slower is stopped and rendered again on a render thread with the full budget.
INLINE_SECONDS = 0.005
# A slow template holds a render thread, not every request and event of the process (each
# render is bounded by the sandbox's budget anyway).
_RENDER_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="template-render")

_text_environment = BoundedSandbox(undefined=StrictUndefined, autoescape=False)
_html_environment = BoundedSandbox(undefined=StrictUndefined, autoescape=True)


@dataclass(frozen=True, slots=True)
class TemplateParts:
    channel: str
    subject: str | None
    body: str
    html_body: str | None = None


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    body: str
    html_body: str | None


class TemplateProblem(Exception):
    """A template that cannot be used: names the field and says why."""

    def __init__(self, field: str, code: str, detail: str) -> None:
        super().__init__(f"{field}: {detail}")
        self.field = field
        self.code = code
        self.detail = detail


@functools.lru_cache(maxsize=1024)
def _compile(source: str, html: bool) -> JinjaTemplate:
    environment = _html_environment if html else _text_environment
    return environment.from_string(source)


def compile_source(source: str, *, html: bool, field: str) -> JinjaTemplate:
    if len(source) > MAX_SOURCE_CHARS:
        raise TemplateProblem(field, "template_too_long", f"at most {MAX_SOURCE_CHARS} characters")
    try:
        return _compile(source, html)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            field, "template_syntax", f"line {exc.lineno}: {exc.message or exc}"
        ) from exc


def _render(source: str, context: Mapping[str, Any], *, html: bool, field: str) -> str:
    template = compile_source(source, html=html, field=field)
    try:
        # Rendering streams, so an oversized output stops as soon as it crosses the bound.
        parts: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > MAX_OUTPUT_CHARS:
                raise TemplateProblem(
                    field, "template_too_large", f"renders more than {MAX_OUTPUT_CHARS} characters"
                )
            parts.append(chunk)
        return "".join(parts)
    except RenderTooSlow as exc:
        raise TemplateProblem(field, "template_too_slow", exc.message or str(exc)) from exc
    except TemplateError as exc:  # UndefinedError, SecurityError, ...
        raise TemplateProblem(field, "template_render", exc.message or str(exc)) from exc
    except (
        TypeError,
        ValueError,
        ArithmeticError,
        LookupError,
        AttributeError,
        RecursionError,
    ) as exc:
        raise TemplateProblem(field, "template_render", f"{type(exc).__name__}: {exc}") from exc


def render(
    parts: TemplateParts,
    context: Mapping[str, Any],
    *,
    sms_max_chars: int,
    seconds: float = RENDER_SECONDS,
) -> Rendered:
    """Render all parts of a template for one channel within one time and size budget; raise
    TemplateProblem if any fails. Blocking: from async code use `render_all`."""
    budget = start_budget(seconds)
    try:
        return _render_parts(parts, context, sms_max_chars=sms_max_chars)
    finally:
        end_budget(budget)


def _render_parts(
    parts: TemplateParts, context: Mapping[str, Any], *, sms_max_chars: int
) -> Rendered:
    subject = None
    if parts.subject is not None:
        # A header: one line, no control characters (no header injection through data).
        subject = " ".join(_render(parts.subject, context, html=False, field="subject").split())
        if len(subject) > MAX_SUBJECT_CHARS:
            raise TemplateProblem("subject", "subject_too_long", f"over {MAX_SUBJECT_CHARS}")
    body = _render(parts.body, context, html=False, field="body").strip()
    if not body:
        raise TemplateProblem("body", "template_empty", "renders to an empty text")
    if parts.channel == "sms" and len(body) > sms_max_chars:
        raise TemplateProblem(
            "body", "sms_too_long", f"{len(body)} characters, at most {sms_max_chars}"
        )
    html_body = None
    if parts.html_body is not None:
        html_body = _render(parts.html_body, context, html=True, field="html_body")
    return Rendered(subject, body, html_body)


def _render_each(
    templates: Sequence[TemplateParts],
    context: Mapping[str, Any],
    sms_max_chars: int,
    seconds: float = RENDER_SECONDS,
) -> list[Rendered | TemplateProblem]:
    results: list[Rendered | TemplateProblem] = []
    for parts in templates:
        try:
            results.append(render(parts, context, sms_max_chars=sms_max_chars, seconds=seconds))
        except TemplateProblem as problem:
            results.append(problem)
    return results


def _too_slow(result: Rendered | TemplateProblem) -> bool:
    return isinstance(result, TemplateProblem) and result.code == "template_too_slow"


async def render_all(
    templates: Sequence[TemplateParts], context: Mapping[str, Any], *, sms_max_chars: int
) -> list[Rendered | TemplateProblem]:
    """Render several templates (one event's channels); each result is the rendering or the
    problem that stopped it. Each gets `INLINE_SECONDS` here; those that need more are rendered
    again on a render thread with the full budget (one hop for all of them)."""
    results = _render_each(templates, context, sms_max_chars, INLINE_SECONDS)
    slow = [i for i, result in enumerate(results) if _too_slow(result)]
    if slow:
        loop = asyncio.get_running_loop()
        again = await loop.run_in_executor(
            _RENDER_THREADS, _render_each, [templates[i] for i in slow], context, sms_max_chars
        )
        for i, result in zip(slow, again, strict=True):
            results[i] = result
    return results


async def check_template_off_loop(
    parts: TemplateParts, sample_data: Mapping[str, Any], *, sms_max_chars: int
) -> Rendered:
    """`check_template` on a render thread (saving and previewing templates: rare, so always
    off the event loop)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(
        _RENDER_THREADS,
        functools.partial(check_template, parts, sample_data, sms_max_chars=sms_max_chars),
    )


def check_template(
    parts: TemplateParts, sample_data: Mapping[str, Any], *, sms_max_chars: int
) -> Rendered:
    """Refuse a template at save time: structure per channel, syntax, a render of the samples."""
    if parts.channel in ("email", "inbox") and not (parts.subject or "").strip():
        raise TemplateProblem("subject", "subject_required", "e-mail and inbox need a subject")
    if parts.channel != "email" and parts.html_body is not None:
        raise TemplateProblem("html_body", "html_not_allowed", "only e-mail has an HTML part")
    if parts.channel == "sms" and parts.subject is not None:
        raise TemplateProblem("subject", "subject_not_allowed", "SMS has no subject")
    return render(parts, template_context(sample_data), sms_max_chars=sms_max_chars)


_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def template_context(
    data: Mapping[str, Any], *, occurred_at: datetime | None = None
) -> dict[str, Any]:
    """The names a template sees: the event's data plus derived, display-ready values.

    `<x>_fen` gets `<x>_yuan` ("360.00"); ISO times get `<x>_local` (Asia/Shanghai, minutes);
    `destination`/`email`/`mobile` get a masked twin; `expires_at` gets `expires_minutes`.
    """
    context: dict[str, Any] = dict(data)
    for key, value in data.items():
        if key.endswith("_fen") and isinstance(value, int):
            context[key[: -len("_fen")] + "_yuan"] = f"{value / 100:.2f}"
        if isinstance(value, str) and _ISO_DATETIME.match(value):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if moment.tzinfo is not None:
                context[key + "_local"] = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
                if key == "expires_at" and occurred_at is not None:
                    minutes = max(1, round((moment - occurred_at).total_seconds() / 60))
                    context["expires_minutes"] = minutes
    for key in ("destination", "email", "mobile"):
        value = data.get(key)
        if isinstance(value, str):
            masked = mask_email(value) if "@" in value else mask_mobile(value)
            context[key + "_masked"] = masked
    if "expires_at" in data and "expires_minutes" not in context:
        context["expires_minutes"] = 5
    return context


@functools.lru_cache(maxsize=1024)
def referenced_names(source: str) -> frozenset[str]:
    """The context names a template reads (what a carrier template declares as parameters)."""
    return frozenset(meta.find_undeclared_variables(_text_environment.parse(source)))
