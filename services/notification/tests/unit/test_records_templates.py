"""The records notices (migrations notification_0007 and 0008): every template passes the
save-time check with its sample, and each conclusion, decision and report notice reads as it
should (a report's close link only where the holder alone reads it)."""

from types import ModuleType
from typing import Any

import pytest

from notification.templates.rendering import TemplateParts, check_template
from notification.testing import migration_module

NOTICES = migration_module("2026_12_02_0007_records_notices")
REPORTS = migration_module("2026_12_02_0008_report_notices")


def _render(key: str, channel: str, locale: str, data: dict[str, Any]) -> str:
    for k, c, loc, subject, body, html_body, _, _sample in NOTICES.TEMPLATES + REPORTS.TEMPLATES:
        if (k, c, loc) == (key, channel, locale):
            parts = TemplateParts(c, subject, body, html_body)
            return check_template(parts, data, sms_max_chars=300).body
    raise AssertionError(f"no template {key} {channel} {locale}")


@pytest.mark.parametrize(
    "template",
    NOTICES.TEMPLATES + REPORTS.TEMPLATES,
    ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}" if isinstance(t, tuple) else "",
)
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, _locale, subject, body, html_body, _code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=300
    )
    assert rendered.body.strip()
    assert "{" not in rendered.body


@pytest.mark.parametrize("notices", [NOTICES, REPORTS], ids=["records", "reports"])
def test_every_route_has_zh_and_en_templates_for_each_channel(notices: ModuleType) -> None:
    have = {(k, c, loc) for k, c, loc, *_ in notices.TEMPLATES}
    for _event, key, channels in notices.ROUTES:
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


def test_a_verification_alert_carries_the_close_link_by_mail_only() -> None:
    link = REPORTS.VERIFIED_SAMPLE["close_link"]
    mail = _render("report_verified", "email", "zh", REPORTS.VERIFIED_SAMPLE)
    assert link in mail and "验证网页" in mail
    inbox = _render("report_verified", "inbox", "en", REPORTS.VERIFIED_SAMPLE)
    assert link not in inbox and "My reports" in inbox
    partner = _render(
        "report_verified", "email", "en", {**REPORTS.VERIFIED_SAMPLE, "channel": "bulk",
                                           "partner": "4111010001"}
    )  # fmt: skip
    assert "bulk check" in partner and "4111010001" in partner


def test_a_revoked_report_says_why_and_a_closed_one_does_not_say_revoked() -> None:
    revoked = _render("report_closed", "inbox", "zh", REPORTS.CLOSED_SAMPLE)
    assert "已撤销" in revoked and "已更正" in revoked
    closed = _render(
        "report_closed", "email", "en", {**REPORTS.CLOSED_SAMPLE, "revoked": False,
                                         "reason": "holder"}
    )  # fmt: skip
    assert "was closed" in closed and "revoked" not in closed
