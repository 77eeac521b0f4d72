"""The verification page in a real headless Chromium on a closed network, 375 px wide as on a
phone: the right headline and facts, no request but the page itself, no sideways scrolling,
and the style still applied under the page's own strict Content-Security-Policy.

Set EDUCERT_SAVE_SCREENSHOTS=1 to also write the two screenshots docs/verification.md shows."""

import json
import os
import re
import shutil
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from educert_common.i18n import Language
from educert_common.testing.browser import render, screenshot, serve_pages
from educert_common.verification import (
    VerificationState,
    page_headers,
    render_answer_page,
    render_code_form,
)

from .samples import FACTS, sample_answer
from .test_page import HEADLINES

PHONE_WIDTH, PHONE_HEIGHT = 375, 812
DOCS_IMAGES = Path(__file__).resolve().parents[4] / "docs" / "images"
# Headless Chromium will not make its window narrower than 500 px, so the page is loaded in a
# 375 px wide frame (its own viewport, media queries and all); once the page has loaded, the
# outer page writes what it measured, and the page's DOM, into its own DOM for --dump-dom.
FRAME = """<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>
<iframe id="page" src="/verify?code=x" width="375" height="812"></iframe>
<pre id="layout"></pre><pre id="dom"></pre>
<script>
document.getElementById("page").addEventListener("load", (event) => {
  const doc = event.target.contentDocument;
  const rights = [...doc.querySelectorAll("body *")].map(e => e.getBoundingClientRect().right);
  document.getElementById("layout").textContent = JSON.stringify({
    innerWidth: event.target.contentWindow.innerWidth,
    scrollWidth: doc.documentElement.scrollWidth,
    scrollHeight: doc.documentElement.scrollHeight,
    widest: Math.ceil(Math.max(...rights)),
  });
  document.getElementById("dom").textContent = doc.documentElement.outerHTML;
});
</script></body></html>"""
STATE_COLOURS = {"valid": (0x17, 0x72, 0x3A), "revoked": (0xB1, 0x26, 0x1C)}


def measured(html: str, work_dir: Path) -> tuple[str, list[str], dict[str, int], str]:
    """Load `html` in a 375 px wide frame; return its DOM, the URLs the page requested, the
    layout measured in it, and the page's own URL."""
    with serve_pages({"/frame": (FRAME, {}), "/verify": (html, {})}) as base:
        dom, urls = render(f"{base}/frame", work_dir)
    layout = re.search(r'<pre id="layout">([^<]*)</pre>', dom)
    page = re.search(r'<pre id="dom">([^<]*)</pre>', dom)
    assert layout and page, dom[-2000:]
    assert urls[0] == f"{base}/frame", urls
    return (
        unescape(page.group(1)),
        urls[1:],
        json.loads(unescape(layout.group(1))),
        f"{base}/verify?code=x",
    )


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_page_in_chromium(state: VerificationState, language: Language, tmp_path: Path) -> None:
    answer = sample_answer(state)
    dom, urls, layout, url = measured(render_answer_page(answer, language), tmp_path)

    heading = re.search(r'<h1><span class="mark"[^>]*>[^<]*</span>([^<]*)</h1>', dom)
    assert heading and unescape(heading.group(1)) == HEADLINES[language][state]
    shown = [(k, unescape(v)) for k, v in re.findall(r'<dd data-key="([^"]+)">([^<]*)</dd>', dom)]
    assert shown == ([] if state == "unknown" else [(f.key, f.value) for f in FACTS])
    # The page asked for itself and nothing else.
    assert urls == [url]
    # 375 px wide, as a phone: nothing sticks out, nothing scrolls sideways.
    assert layout["innerWidth"] == PHONE_WIDTH
    assert layout["scrollWidth"] <= PHONE_WIDTH and layout["widest"] <= PHONE_WIDTH, layout


def test_the_code_form_in_chromium(tmp_path: Path) -> None:
    html = render_code_form("zh", action="/verify", error="malformed", code="7K3M-Q9XD-2R8V-HT4U")
    dom, urls, layout, url = measured(html, tmp_path)
    assert 'role="alert">这不是格式正确的验证码' in dom and 'value="7K3M-Q9XD-2R8V-HT4U"' in dom
    assert urls == [url]
    assert layout["scrollWidth"] <= PHONE_WIDTH and layout["widest"] <= PHONE_WIDTH, layout


def test_served_with_its_headers_the_page_asks_for_nothing_else(tmp_path: Path) -> None:
    # Loaded directly, not in a frame: not even /favicon.ico (the page names an empty icon).
    html = render_answer_page(sample_answer("valid"), "zh")
    with serve_pages({"/verify": (html, page_headers())}) as base:
        dom, urls = render(f"{base}/verify?code=x", tmp_path)
    assert urls == [f"{base}/verify?code=x"]
    assert 'data-key="name">张三 ZHANG San</dd>' in dom


def test_the_checks_catch_a_fetch_and_an_overflow(tmp_path: Path) -> None:
    # A control: a page that does fetch something and is too wide fails both checks above.
    html = render_answer_page(sample_answer("valid"), "en").replace(
        "</main>",
        '<img src="http://fonts.example.com/x.png"><div style="width:600px">x</div></main>',
    )
    _, urls, layout, url = measured(html, tmp_path)
    assert urls[0] == url and "http://fonts.example.com/x.png" in urls
    assert layout["scrollWidth"] > PHONE_WIDTH


@pytest.mark.parametrize(("state", "language"), [("valid", "zh"), ("revoked", "en")])
def test_screenshot_under_the_pages_own_policy(
    state: VerificationState, language: Language, tmp_path: Path
) -> None:
    html = render_answer_page(sample_answer(state), language)
    _, _, layout, _ = measured(html, tmp_path / "measure")
    image_path = tmp_path / f"verification-{state}-{language}.png"
    wrong_hash = page_headers() | {
        "Content-Security-Policy": "default-src 'none'; style-src 'sha256-AAAA'"
    }
    with serve_pages({"/ok": (html, page_headers()), "/blocked": (html, wrong_hash)}) as base:
        height = layout["scrollHeight"]
        screenshot(f"{base}/ok", image_path, width=PHONE_WIDTH, height=height)
        screenshot(f"{base}/blocked", tmp_path / "blocked.png", width=PHONE_WIDTH, height=height)

    # The headline band has the state's colour: the policy let the page's own style apply...
    with Image.open(image_path) as image:
        assert image.size == (PHONE_WIDTH, height)
        assert image.convert("RGB").getpixel((PHONE_WIDTH - 30, 60)) == STATE_COLOURS[state]
    # ...and the same page under a policy without its hash is unstyled: the check can fail.
    with Image.open(tmp_path / "blocked.png") as blocked:
        assert blocked.convert("RGB").getpixel((PHONE_WIDTH - 30, 60)) != STATE_COLOURS[state]
    if os.environ.get("EDUCERT_SAVE_SCREENSHOTS"):
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(image_path, DOCS_IMAGES / image_path.name)
