"""The degree application notices (migrations notification_0011, and 0013 for the
disqualification SMS): every template passes the save-time check with its sample, each route
has zh and en templates for its channels, a return names the materials, and a
disqualification gives its reason by e-mail and inbox while the SMS holds no free text."""

from typing import Any

import pytest

from educert_common.events.catalogue import CATALOGUE
from notification.templates.rendering import TemplateParts, check_template, referenced_names
from notification.testing import migration_module

DEGREE = migration_module("2026_12_02_0011_degree_application_notices")
SMS_PLAIN = migration_module("2026_12_02_0013_degree_disqualified_sms_plain")


def _render(key: str, channel: str, locale: str, data: dict[str, Any]) -> str:
    for k, c, loc, subject, body, html_body, _, _sample in DEGREE.TEMPLATES:
        if (k, c, loc) == (key, channel, locale):
            return check_template(
                TemplateParts(c, subject, body, html_body), data, sms_max_chars=300
            ).body
    raise AssertionError(f"no template {key} {channel} {locale}")


@pytest.mark.parametrize("template", DEGREE.TEMPLATES, ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}")
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, _locale, subject, body, html_body, _code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=300
    )
    assert rendered.body.strip() and "{" not in rendered.body


def test_every_route_has_zh_and_en_templates_and_a_catalogued_event_with_its_sample() -> None:
    have = {(k, c, loc) for k, c, loc, *_ in DEGREE.TEMPLATES}
    samples = {k: sample for k, _c, _l, *_, sample in DEGREE.TEMPLATES}
    for event_type, key, channels in DEGREE.ROUTES:
        for channel in channels:
            assert {(key, channel, "zh"), (key, channel, "en")} <= have, (key, channel)
        # The sample is a valid event of the type, so the template sees real field names.
        CATALOGUE[event_type].model_validate(samples[key])


def test_a_return_names_each_material_and_a_disqualification_its_reason() -> None:
    zh = _render("degree_application_returned", "email", "zh", DEGREE.RETURNED_SAMPLE)
    assert "毕业证扫描件：扫描件不清晰" in zh and "其他：请核对外语成绩" in zh
    en = _render("degree_application_returned", "inbox", "en", DEGREE.RETURNED_SAMPLE)
    assert "diploma scan: 扫描件不清晰" in en
    for channel, locale in (("email", "zh"), ("inbox", "en")):
        text = _render(
            "degree_application_disqualified", channel, locale, DEGREE.DISQUALIFIED_SAMPLE
        )
        assert "外语成绩单系伪造" in text


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_disqualification_sms_holds_no_free_text(locale: str) -> None:
    body, code = SMS_PLAIN.NEW[locale]  # as notification_0013 leaves it
    sample = DEGREE.DISQUALIFIED_SAMPLE
    sms = check_template(TemplateParts("sms", None, body, None), sample, sms_max_chars=300).body
    # Neither the institution's reason nor the round's title (both free text) reaches the
    # carrier: the event has no number or date, so the carrier template takes no parameters.
    assert referenced_names(body) == frozenset()
    assert sample["reason"] not in sms and sample["round_title"] not in sms
    assert ("取消资格" if locale == "zh" else "disqualified") in sms
    assert ("登录 EduCert" if locale == "zh" else "Sign in") in sms
    # Named as every other carrier template: SMS_EDUCERT_ + template key + locale.
    assert code == "SMS_EDUCERT_DEGREE_APPLICATION_DISQUALIFIED_" + locale.upper()


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_the_downgrade_restores_the_sms_notification_0011_wrote(locale: str) -> None:
    (written,) = [
        (body, code)
        for key, channel, loc, _s, body, _h, code, _sample in DEGREE.TEMPLATES
        if (key, channel, loc) == ("degree_application_disqualified", "sms", locale)
    ]
    assert SMS_PLAIN.OLD[locale] == written
    assert SMS_PLAIN.NEW[locale][1] != written[1]  # a new text is a new carrier template
