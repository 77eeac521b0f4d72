"""The verification page as HTML: one distinct headline per state, everything escaped, nothing
fetched from anywhere, only what the answer carries, and the headers it is served with."""

import base64
import hashlib
import re
from html import unescape

import pytest

from educert_common.i18n import Language, preferred_language
from educert_common.verification import (
    Fact,
    Issuer,
    VerificationAnswer,
    VerificationState,
    page_headers,
    render_answer_page,
    render_code_form,
)

from .samples import CODE, FACTS, HIDDEN_ID_NUMBER, STATES, sample_answer

LANGUAGES: tuple[Language, ...] = ("zh", "en")
HEADLINES = {
    "zh": {
        "valid": "有效",
        "not_yet_valid": "尚未生效",
        "expired": "已过期",
        "closed": "已被持有人关闭",
        "revoked": "已撤销",
        "unknown": "未找到该验证码",
    },
    "en": {
        "valid": "Valid",
        "not_yet_valid": "Not yet valid",
        "expired": "Expired",
        "closed": "Closed by the holder",
        "revoked": "Revoked",
        "unknown": "Unknown code",
    },
}
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def headline(html: str) -> str:
    found = re.search(r'<h1><span class="mark"[^>]*>[^<]*</span>([^<]*)</h1>', html)
    assert found, html[:2000]
    return unescape(found.group(1))


def text_of(html: str) -> str:
    """The page's visible text, roughly: tags and the style block removed."""
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", "", html, flags=re.S))
    return re.sub(r"\s+", " ", unescape(text))


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_state_has_its_own_headline(state: VerificationState, language: Language) -> None:
    html = render_answer_page(sample_answer(state), language)
    assert headline(html) == HEADLINES[language][state]
    assert f'data-state="{state}"' in html
    # Never the generic word verifiers complain about.
    assert not re.search(r"\binvalid\b|无效", text_of(html), re.I)


def test_headlines_differ_between_states() -> None:
    for language in LANGUAGES:
        seen = {headline(render_answer_page(sample_answer(s), language)) for s in STATES}
        assert len(seen) == len(STATES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_facts_are_a_definition_list_in_order(state: VerificationState, language: Language) -> None:
    html = render_answer_page(sample_answer(state), language)
    shown = re.findall(r"<dt>([^<]*)</dt>\s*<dd data-key=\"([^\"]+)\">([^<]*)</dd>", html)
    if state == "unknown":
        assert shown == [] and "<dl>" not in html
        return
    assert [(unescape(v), k) for _, k, v in shown] == [(f.value, f.key) for f in FACTS]
    labels = [unescape(label) for label, _, _ in shown]
    assert labels == [f.label_zh if language == "zh" else f.label_en for f in FACTS]


def test_a_hidden_fact_appears_nowhere(state: VerificationState) -> None:
    # The record holds the ID number; the holder hid it, so the answer does not carry it.
    for language in LANGUAGES:
        assert HIDDEN_ID_NUMBER not in render_answer_page(sample_answer(state), language)


def test_revoked_says_when_and_why() -> None:
    zh = text_of(render_answer_page(sample_answer("revoked"), "zh"))
    en = text_of(render_answer_page(sample_answer("revoked"), "en"))
    assert "签发机构已于 2026年11月25日 09:05（北京时间） 撤销该文件" in zh
    assert "撤销原因：学籍记录经复查有误，已由学校更正" in zh
    assert "The issuer revoked this document on 25 Nov 2026, 09:05 (Beijing time)." in en
    assert "Reason: The institution found its record wrong on review and corrected it" in en


@pytest.mark.parametrize(
    ("state", "zh", "en"),
    [
        (
            "expired",
            "该文件已于 2026年12月1日 00:00（北京时间） 过期",
            "expired on 1 Dec 2026, 00:00",
        ),
        (
            "closed",
            "持有人已于 2026年11月20日 10:15（北京时间） 关闭",
            "closed online verification",
        ),
        (
            "not_yet_valid",
            "自 2027年1月1日 08:00（北京时间） 起才生效",
            "takes effect only on 1 Jan",
        ),
        ("unknown", f"没有与验证码 {CODE} 对应的文件", f"No document has the code {CODE}."),
    ],
)
def test_each_state_explains_itself(state: VerificationState, zh: str, en: str) -> None:
    assert zh in text_of(render_answer_page(sample_answer(state), "zh"))
    assert en in text_of(render_answer_page(sample_answer(state), "en"))


def test_checked_at_is_shown_in_beijing_time() -> None:
    html = render_answer_page(sample_answer("valid"), "zh")
    assert "查询时间: " in text_of(html) and "2026年12月2日 15:30（北京时间）" in text_of(html)
    assert '<time datetime="2026-12-02T07:30:00+00:00">' in html
    assert "2 Dec 2026, 15:30 (Beijing time)" in render_answer_page(sample_answer("valid"), "en")


@pytest.mark.parametrize(
    ("issuer", "zh", "en"),
    [
        (
            {"registry_status": "merged", "successor_name_zh": "乙大学", "successor_name_en": "B"},
            "该机构已合并入乙大学。",
            "This institution has merged into B.",
        ),
        ({"registry_status": "merged"}, "该机构已合并。", "has merged with another."),
        (
            {"registry_status": "closed", "successor_name_zh": "乙大学", "successor_name_en": "B"},
            "该机构已停办，其档案由乙大学承继。",
            "This institution has closed; B holds its records.",
        ),
        ({"registry_status": "closed"}, "该机构已停办。", "This institution has closed."),
        ({"registry_status": "unknown"}, "无法从机构名录确认", "could not be confirmed"),
    ],
)
def test_the_issuer_shows_its_registry_status(issuer: dict[str, str], zh: str, en: str) -> None:
    base = {"institution_id": "1", "name_zh": "甲学院", "name_en": "A College"}
    answer = sample_answer("valid").model_copy(update={"issuer": Issuer(**base | issuer)})
    assert zh in text_of(render_answer_page(answer, "zh"))
    assert en in text_of(render_answer_page(answer, "en"))
    active = text_of(render_answer_page(sample_answer("valid"), "en"))
    assert "Beijing Example University" in active and "merged" not in active


def test_the_photo_is_inline_only_when_present() -> None:
    answer = sample_answer("valid")
    assert answer.photo is not None
    html = render_answer_page(answer, "zh")
    expected = "data:image/png;base64," + base64.b64encode(answer.photo).decode()
    assert re.findall(r'<img [^>]*src="([^"]+)"', html) == [expected]
    assert "<img" not in render_answer_page(sample_answer("revoked"), "zh")
    # Bytes that are not a JPEG or PNG are left out rather than embedded.
    odd = answer.model_copy(update={"photo": b"GIF89a" + bytes(40)})
    assert "<img" not in render_answer_page(odd, "zh")


def test_everything_from_the_answer_is_escaped() -> None:
    answer = VerificationAnswer(
        state="revoked",
        code=CODE,
        document_type="qualification_report",
        title_zh=HOSTILE,
        title_en=HOSTILE,
        facts=[
            Fact(key='x" onmouseover="alert(1)', label_zh=HOSTILE, label_en=HOSTILE, value=HOSTILE)
        ],
        issuer=Issuer(
            institution_id="1",
            name_zh=HOSTILE,
            name_en=HOSTILE,
            registry_status="merged",
            successor_name_zh=HOSTILE,
            successor_name_en=HOSTILE,
        ),
        state_since=sample_answer("revoked").state_since,
        reason_zh=HOSTILE,
        reason_en=HOSTILE,
        checked_at=sample_answer("revoked").checked_at,
    )
    for language in LANGUAGES:
        html = render_answer_page(answer, language)
        assert "<script" not in html and "<img" not in html and '" onmouseover' not in html
        assert html.count("&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") >= 6
        assert 'data-key="x&#34; onmouseover=&#34;alert(1)"' in html


def test_the_page_refers_to_nothing_outside_itself(state: VerificationState) -> None:
    for language in LANGUAGES:
        html = render_answer_page(sample_answer(state), language)
        assert not re.search(r"(?:https?:)?//|url\(|@import|<script|<iframe|<object", html, re.I)
        # The one link is an empty icon, so the browser does not ask for /favicon.ico.
        assert re.findall(r"<link[^>]*>", html) == ['<link rel="icon" href="data:,">']
        sources = re.findall(r'(?:src|href|action)="([^"]*)"', html)
        assert all(s.startswith(("data:image/", "data:,", "?")) for s in sources), sources


def test_the_language_switch_keeps_the_code() -> None:
    zh = render_answer_page(sample_answer("valid"), "zh")
    assert '<html lang="zh-CN">' in zh and f'href="?code={CODE}&amp;lang=en"' in zh
    en = render_answer_page(
        sample_answer("valid"), "en", switch_href="/v/x?lang=zh", form_href="/v"
    )
    assert '<html lang="en">' in en and 'href="/v/x?lang=zh"' in en and 'href="/v"' in en
    # The caller picks the language from Accept-Language with the shared rule.
    assert preferred_language("en-GB,en;q=0.9,zh;q=0.5") == "en"
    assert preferred_language(None) == "zh"


def test_validity_lists_what_still_matters() -> None:
    valid = text_of(render_answer_page(sample_answer("valid"), "en"))
    assert "Valid from" in valid and "Valid until 1 May 2027" in valid
    revoked = text_of(render_answer_page(sample_answer("revoked"), "en"))
    assert "Revoked on 25 Nov 2026" in revoked and "Valid until" not in revoked
    expired = text_of(render_answer_page(sample_answer("expired"), "zh"))
    assert "过期时间 2026年12月1日 00:00" in expired and "有效期至" not in expired


def test_phone_layout_is_declared() -> None:
    html = render_answer_page(sample_answer("valid"), "zh")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<meta charset="utf-8">' in html


def test_headers_allow_exactly_the_page_style() -> None:
    headers = page_headers()
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'" and policy["img-src"] == "data:"
    assert policy["form-action"] == "'self'" and policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Cache-Control"] == "no-store"
    for html in (render_answer_page(sample_answer("valid"), "en"), render_code_form("zh")):
        (style,) = re.findall(r"<style>(.*?)</style>", html, re.S)
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert policy["style-src"] == f"'sha256-{digest}'"
        assert " style=" not in html  # style attributes would need 'unsafe-hashes'


def test_the_code_form_submits_by_get_with_the_language() -> None:
    html = render_code_form("en", action="/verify")
    assert '<form method="get" action="/verify">' in html
    assert '<input type="hidden" name="lang" value="en">' in html
    assert 'name="code" value=""' in html and 'id="error"' not in html
    assert 'href="?lang=zh"' in html
    assert '<form method="get">' in render_code_form("zh")


@pytest.mark.parametrize(
    ("error", "zh", "en"),
    [
        ("malformed", "这不是格式正确的验证码", "That is not a well-formed code."),
        ("unavailable", "这不代表文件无效", "This says nothing about the document."),
        ("rate_limited", "查询过于频繁", "Too many checks"),
    ],
)
def test_the_code_form_says_what_went_wrong(error: str, zh: str, en: str) -> None:
    assert zh in render_code_form("zh", error=error, code="abc")  # type: ignore[arg-type]
    assert en in render_code_form("en", error=error, code="abc")  # type: ignore[arg-type]


def test_the_code_form_refills_the_typed_code_escaped() -> None:
    html = render_code_form("zh", error="malformed", code='"><script>alert(1)</script>')
    assert "<script" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "lang=en&amp;code=%22%3E%3Cscript%3E" in html
    # A long paste is cut to what the field allows, in the field and in the language link.
    long = render_code_form("en", code="A" * 5000)
    assert f'value="{"A" * 40}"' in long and "A" * 41 not in long
