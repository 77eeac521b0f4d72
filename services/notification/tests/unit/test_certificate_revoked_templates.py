"""The certificate revoked notice (migration notification_0012): every template passes the
save-time check with its sample in zh and en, the route is consumed, essential and has both
languages for each channel, the sample is the event as the catalogue defines it, and the
notice gives the number, the Beijing time, the reason (not by SMS) and what the holder can do."""

from typing import Any

import pytest

from educert_common.events.catalogue import CATALOGUE
from notification.messages.service import handled_event_types
from notification.templates.rendering import Rendered, TemplateParts, check_template
from notification.testing import SMS_MAX_CHARS, migration_module

REVOKED = migration_module("2026_12_02_0012_certificate_revoked_notice")
SAMPLE = REVOKED.REVOKED_SAMPLE


def _render(channel: str, locale: str, data: dict[str, Any]) -> Rendered:
    for _k, c, loc, subject, body, html_body, _code, _sample in REVOKED.TEMPLATES:
        if (c, loc) == (channel, locale):
            parts = TemplateParts(c, subject, body, html_body)
            return check_template(parts, data, sms_max_chars=SMS_MAX_CHARS)
    raise AssertionError(f"no template {channel} {locale}")


@pytest.mark.parametrize("template", REVOKED.TEMPLATES, ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}")
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, locale, subject, body, html_body, code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=SMS_MAX_CHARS
    )
    assert rendered.body.strip() and "{" not in rendered.body
    # The number and the revocation time in Beijing (06:30 UTC) on every channel.
    assert "ZG20260000123" in rendered.body and "2026-12-02 14:30" in rendered.body
    assert ("北京时间" if locale == "zh" else "Beijing time") in rendered.body
    if channel == "sms":
        assert code == "SMS_EDUCERT_CERTIFICATE_REVOKED_" + locale.upper()


def test_the_route_is_consumed_essential_and_has_zh_and_en_for_each_channel() -> None:
    have = {(k, c, loc) for k, c, loc, *_ in REVOKED.TEMPLATES}
    consumed = set(handled_event_types())
    for event_type, key, channels, essential in REVOKED.ROUTES:
        assert event_type in consumed, event_type
        assert essential, "a muted holder must still hear of a revocation"
        assert channels == ["sms", "email", "inbox"]
        for channel in channels:
            assert {(key, channel, "zh"), (key, channel, "en")} <= have, (key, channel)
    assert {(k, c) for k, c, _ in have} == {
        (key, channel) for _, key, channels, _ in REVOKED.ROUTES for channel in channels
    }


@pytest.mark.parametrize("route", REVOKED.ROUTES, ids=lambda r: r[0])
def test_each_sample_is_its_event_as_the_catalogue_defines_it(route: tuple[Any, ...]) -> None:
    event_type, key, _channels, _essential = route
    model = CATALOGUE[event_type]
    for template_key, *_, sample in REVOKED.TEMPLATES:
        if template_key == key:
            assert set(sample) == set(model.model_fields)
            model.model_validate(sample)


def test_mail_and_inbox_give_the_reason_and_what_to_do_the_sms_only_plain_values() -> None:
    mail = _render("email", "zh", SAMPLE)
    assert "原因：经核实，认证所依据的学位证书系伪造" in mail.body
    assert "联系认证中心" in mail.body and "复议" in mail.body
    assert mail.subject == "EduCert 认证证书已撤销"
    inbox = _render("inbox", "en", SAMPLE)
    assert "for this reason: 经核实" in inbox.body
    assert "certification centre" in inbox.body and "reconsideration" in inbox.body
    for locale in ("zh", "en"):
        sms = _render("sms", locale, SAMPLE)
        assert "学位证书系伪造" not in sms.body
        assert ("复议" if locale == "zh" else "reconsideration") in sms.body
    # The operator's reason is text: the HTML part escapes it.
    rendered = _render("email", "en", {**SAMPLE, "reason": "<b>forged</b> & more"})
    assert rendered.html_body is not None
    assert "&lt;b&gt;forged&lt;/b&gt; &amp; more" in rendered.html_body
    assert "<b>forged</b> & more" in rendered.body
