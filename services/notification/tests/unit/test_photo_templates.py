"""The photo upload notices (migration notification_0009): every template passes the
save-time check with its sample, every route has zh and en templates for each channel, and
the registry result and the rejection read as they should."""

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from educert_common.events.catalogue import CATALOGUE
from notification.messages.service import handled_event_types
from notification.templates.rendering import TemplateParts, check_template

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
_spec = importlib.util.spec_from_file_location(
    "photo_notices", VERSIONS / "2026_12_02_0009_photo_notices.py"
)
assert _spec and _spec.loader
NOTICES = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(NOTICES)


def _render(key: str, channel: str, locale: str, data: dict[str, Any]) -> str:
    for k, c, loc, subject, body, html_body, _, _sample in NOTICES.TEMPLATES:
        if (k, c, loc) == (key, channel, locale):
            return check_template(
                TemplateParts(c, subject, body, html_body), data, sms_max_chars=300
            ).body
    raise AssertionError(f"no template {key} {channel} {locale}")


@pytest.mark.parametrize("template", NOTICES.TEMPLATES, ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}")
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, _locale, subject, body, html_body, _code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=300
    )
    assert rendered.body.strip() and "{" not in rendered.body


def test_every_route_has_zh_and_en_templates_and_its_event_is_handled() -> None:
    have = {(k, c, loc) for k, c, loc, *_ in NOTICES.TEMPLATES}
    handled = handled_event_types()
    for event_type, key, channels in NOTICES.ROUTES:
        assert event_type in CATALOGUE and event_type in handled
        for channel in channels:
            assert {(key, channel, "zh"), (key, channel, "en")} <= have, (key, channel)


def test_the_registry_result_tells_the_review_date_or_the_mismatch() -> None:
    passed = _render("photo_registry_checked", "inbox", "zh", NOTICES.CHECKED_SAMPLE)
    assert "人工审核" in passed and "2026-12-12" in passed
    failed = {
        **NOTICES.CHECKED_SAMPLE,
        "passed": False,
        "outcome": "mismatch",
        "field": "real_name",
        "review_due_on": None,
    }
    en = _render("photo_registry_checked", "inbox", "en", failed)
    assert "did not pass" in en and "real_name" in en and "expected" not in en


def test_a_rejection_carries_the_reason_and_says_a_new_attempt_is_paid() -> None:
    zh = _render("photo_rejected", "email", "zh", NOTICES.REJECTED_SAMPLE)
    assert "背景不是浅色" in zh and "重新提交并支付" in zh
