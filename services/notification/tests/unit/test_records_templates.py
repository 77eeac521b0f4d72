"""The records notices (migration notification_0007): every template passes the save-time
check with its sample, and each conclusion and decision reads as it should."""

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from notification.templates.rendering import TemplateParts, check_template

MIGRATION = (
    Path(__file__).resolve().parents[2]
    / "migrations"
    / "versions"
    / "2026_12_02_0007_records_notices.py"
)


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("records_notices", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


NOTICES = _migration()


def _render(key: str, channel: str, locale: str, data: dict[str, Any]) -> str:
    for k, c, loc, subject, body, html_body, _, _sample in NOTICES.TEMPLATES:
        if (k, c, loc) == (key, channel, locale):
            parts = TemplateParts(c, subject, body, html_body)
            return check_template(parts, data, sms_max_chars=300).body
    raise AssertionError(f"no template {key} {channel} {locale}")


@pytest.mark.parametrize(
    "template",
    NOTICES.TEMPLATES,
    ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}" if isinstance(t, tuple) else "",
)
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, _locale, subject, body, html_body, _code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=300
    )
    assert rendered.body.strip()
    assert "{" not in rendered.body


def test_every_route_has_zh_and_en_templates_for_each_channel() -> None:
    have = {(k, c, loc) for k, c, loc, *_ in NOTICES.TEMPLATES}
    for _event, key, channels in NOTICES.ROUTES:
        for channel in channels:
            assert {(key, channel, "zh"), (key, channel, "en")} <= have, (key, channel)


def test_a_wrong_conclusion_names_the_fields_and_the_correction() -> None:
    data = {**NOTICES.CONCLUDED_SAMPLE, "wrong_fields": ["photo", "id_number"]}
    zh = _render("photo_check_concluded", "email", "zh", data)
    assert "照片、证件号码" in zh and "更正申请已提交" in zh
    en = _render(
        "photo_check_concluded",
        "inbox",
        "en",
        {**data, "conclusion": "correct", "wrong_fields": []},
    )
    assert "the details are correct" in en and "correction" not in en


def test_decisions_read_accepted_or_rejected_with_the_reason() -> None:
    rejected = _render("correction_decided", "sms", "zh", NOTICES.DECIDED_SAMPLE)
    assert "未通过" in rejected and "证明材料不足" in rejected
    accepted = _render(
        "correction_decided",
        "email",
        "en",
        {**NOTICES.DECIDED_SAMPLE, "decision": "accepted", "reason": None},
    )
    assert "was accepted" in accepted and "Reason" not in accepted
