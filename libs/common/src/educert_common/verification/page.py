"""The public verification page: one answer rendered as a self-contained HTML document.

No asset comes from any URL (the style is inline and allowed by its hash, the photo is a
data: URI), so the page works on a verifier's phone with nothing but our server reachable."""

import base64
import hashlib
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

import filetype
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from educert_common.clock import BEIJING

# China has kept UTC+8 without daylight saving since 1991; no tz database needed.
from educert_common.i18n import Language
from educert_common.verification import texts
from educert_common.verification.answer import Fact, Issuer, VerificationAnswer
from educert_common.verification.texts import FormError

# Only formats every phone browser shows; anything else is left out rather than embedded.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})

_TEMPLATES = Path(__file__).parent / "templates"
_ENV = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
# The page's one style block, included verbatim by base.html; the CSP allows exactly this
# text by its hash, so an injected <style> would not apply either.
_CSS = _ENV.get_template("page.css").render()
_CSS_HASH = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
_HTML_LANG = {"zh": "zh-CN", "en": "en"}


def page_headers() -> dict[str, str]:
    """Return the response headers the verification page and code form are served with."""
    policy = "; ".join(
        [
            "default-src 'none'",
            "img-src data:",
            f"style-src 'sha256-{_CSS_HASH}'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
    }


def render_answer_page(
    answer: VerificationAnswer,
    language: Language,
    *,
    switch_href: str | None = None,
    form_href: str | None = None,
) -> str:
    """Render the answer as a full HTML page in `language`.

    `switch_href` links to the same answer in the other language (default: `?code=…&lang=…`
    relative to the current URL); `form_href`, when given, links to the code form."""
    other = _other(language)
    state = answer.state
    headline = texts.HEADLINES[language][state]
    return _ENV.get_template("answer.html").render(
        **_chrome(language, headline),
        switch_href=switch_href or "?" + urlencode({"code": answer.code, "lang": other}),
        form_href=form_href,
        answer=answer,
        mark=texts.MARKS[state],
        headline=headline,
        explanation=_explanation(answer, language),
        title=answer.title_zh if language == "zh" else answer.title_en,
        facts_heading=_facts_heading(answer, language),
        fact_label=lambda fact: _fact_label(fact, language),
        fact_value=lambda fact: _fact_value(fact, language),
        photo_uri=_photo_uri(answer.photo),
        issuer_name=_issuer_name(answer.issuer, language),
        registry_note=_registry_note(answer.issuer, language),
        validity=_validity(answer, language),
        checked_at=local_moment(answer.checked_at, language),
    )


def render_code_form(
    language: Language,
    *,
    action: str | None = None,
    error: FormError | None = None,
    code: str = "",
) -> str:
    """Render the page where a verifier types a code; it submits `code` and `lang` by GET.

    `action` is the URL the form submits to (None: the page's own URL); `error` says why the
    last code was not looked up; `code` refills the field with what was typed."""
    chrome = _chrome(language, texts.CHROME[language]["form_title"])
    code = code[:40]  # what the field allows; a longer echo only serves an attacker
    query = {"lang": _other(language)} | ({"code": code} if code else {})
    return _ENV.get_template("form.html").render(
        **chrome,
        switch_href="?" + urlencode(query),
        action=action,
        error_text=texts.FORM_ERRORS[language][error] if error else None,
        code=code,
    )


def local_moment(moment: datetime, language: Language) -> str:
    """Return `moment` as people in China read it: Beijing time, said so."""
    local = moment.astimezone(BEIJING)
    if language == "zh":
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}（北京时间）"
    return f"{local.day} {local:%b} {local.year}, {local:%H:%M} (Beijing time)"


def _other(language: Language) -> Language:
    return "en" if language == "zh" else "zh"


def _chrome(language: Language, headline: str) -> dict[str, object]:
    chrome = texts.CHROME[language]
    return {
        "t": chrome,
        "language": language,
        "html_lang": _HTML_LANG[language],
        "other_language": _other(language),
        "other_html_lang": _HTML_LANG[_other(language)],
        "page_title": f"{headline} · {chrome['site']}",
    }


def _explanation(answer: VerificationAnswer, language: Language) -> list[str]:
    since = local_moment(answer.state_since, language) if answer.state_since else ""
    valid_from = local_moment(answer.valid_from, language) if answer.valid_from else ""
    lines = [
        texts.EXPLANATIONS[language][answer.state].format(
            since=since, valid_from=valid_from, code=answer.code
        )
    ]
    reason = answer.reason_zh if language == "zh" else answer.reason_en
    reason = reason or answer.reason_en or answer.reason_zh
    if reason:
        lines.append(texts.REASON[language].format(reason=reason))
    return lines


def _facts_heading(answer: VerificationAnswer, language: Language) -> str:
    headings = texts.FACTS_HEADINGS[language]
    if answer.state == "revoked":
        return headings["revoked"]
    if answer.state in ("expired", "closed"):
        return headings["former"]
    return headings["current"]


def _fact_label(fact: Fact, language: Language) -> str:
    return (fact.label_zh if language == "zh" else fact.label_en) or fact.label_en or fact.label_zh


def _fact_value(fact: Fact, language: Language) -> str:
    return fact.value_en if language == "en" and fact.value_en else fact.value


def _photo_uri(photo: bytes | None) -> str | None:
    if not photo:
        return None
    mime = filetype.guess_mime(photo)
    if mime not in PHOTO_TYPES:
        return None
    return f"data:{mime};base64,{base64.b64encode(photo).decode()}"


def _issuer_name(issuer: Issuer | None, language: Language) -> str:
    if issuer is None:
        return ""
    return issuer.name_zh if language == "zh" else issuer.name_en or issuer.name_zh


def _registry_note(issuer: Issuer | None, language: Language) -> str | None:
    if issuer is None or issuer.registry_status == "active":
        return None
    notes = texts.REGISTRY_NOTES[language]
    successor = issuer.successor_name_zh if language == "zh" else issuer.successor_name_en
    successor = successor or issuer.successor_name_en or issuer.successor_name_zh
    if issuer.registry_status == "merged":
        return notes["merged_into"].format(successor=successor) if successor else notes["merged"]
    if issuer.registry_status == "closed":
        key = "closed_successor" if successor else "closed"
        return notes[key].format(successor=successor)
    return notes["unknown"]


def _validity(answer: VerificationAnswer, language: Language) -> list[tuple[str, str]]:
    chrome = texts.CHROME[language]
    rows = []
    if answer.valid_from:
        rows.append((chrome["valid_from"], local_moment(answer.valid_from, language)))
    # Once revoked, closed or expired, the end of the planned validity would only mislead.
    if answer.valid_until and answer.state in ("valid", "not_yet_valid"):
        rows.append((chrome["valid_until"], local_moment(answer.valid_until, language)))
    if answer.state_since and answer.state in texts.SINCE_LABELS[language]:
        label = texts.SINCE_LABELS[language][answer.state]
        rows.append((label, local_moment(answer.state_since, language)))
    return rows
