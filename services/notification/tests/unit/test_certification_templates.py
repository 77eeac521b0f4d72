"""The certification notices (migration notification_0010): every template renders with its
sample in zh and en and passes the save-time check, the samples are the events as the
catalogue defines them, and each notice says what the applicant must know (the items asked
for, the certificate number, the reasons, the estimated date)."""

from typing import Any

import pytest

from educert_common.events.catalogue import CATALOGUE
from notification.messages.service import handled_event_types
from notification.templates.rendering import TemplateParts, check_template
from notification.testing import SMS_MAX_CHARS, migration_module

NOTICES = migration_module("2026_12_02_0010_certification_notices")
SAMPLES = {key: sample for key, sample, *_ in NOTICES.NOTICES}


def _render(key: str, channel: str, locale: str, data: dict[str, Any]) -> Any:
    for k, c, loc, subject, body, html_body, _code, _sample in NOTICES.TEMPLATES:
        if (k, c, loc) == (key, channel, locale):
            parts = TemplateParts(c, subject, body, html_body)
            return check_template(parts, data, sms_max_chars=SMS_MAX_CHARS)
    raise AssertionError(f"no template {key} {channel} {locale}")


@pytest.mark.parametrize("template", NOTICES.TEMPLATES, ids=lambda t: f"{t[0]}-{t[1]}-{t[2]}")
def test_every_template_passes_the_save_time_check(template: tuple[Any, ...]) -> None:
    _key, channel, locale, subject, body, html_body, code, sample = template
    rendered = check_template(
        TemplateParts(channel, subject, body, html_body), sample, sms_max_chars=SMS_MAX_CHARS
    )
    assert rendered.body.strip() and "{" not in rendered.body
    assert sample["number"] in rendered.body
    if channel == "sms":
        assert code and code.endswith("_" + locale.upper())
    if locale == "zh":
        assert "申请" in rendered.body
    else:
        assert "application" in rendered.body


def test_every_route_has_zh_and_en_templates_for_each_channel_and_is_consumed() -> None:
    have = {(k, c, loc) for k, c, loc, *_ in NOTICES.TEMPLATES}
    consumed = set(handled_event_types())
    for event_type, key, channels, _essential in NOTICES.ROUTES:
        assert event_type in consumed, event_type
        for channel in channels:
            assert {(key, channel, "zh"), (key, channel, "en")} <= have, (key, channel)
    assert {(k, c) for k, c, _ in have} == {
        (key, channel) for _, key, channels, _ in NOTICES.ROUTES for channel in channels
    }


@pytest.mark.parametrize("route", NOTICES.ROUTES, ids=lambda r: r[0])
def test_each_sample_is_its_event_as_the_catalogue_defines_it(route: tuple[Any, ...]) -> None:
    event_type, key, _channels, _essential = route
    model = CATALOGUE[event_type]
    sample = SAMPLES[key]
    assert set(sample) == set(model.model_fields)
    model.model_validate(sample)


def test_a_request_for_supplements_lists_every_item_by_mail_and_inbox_not_by_sms() -> None:
    sample = NOTICES.RETURNED_SAMPLE
    mail = _render("application_returned", "email", "zh", sample)
    assert "1. 成绩单（重新上传）：第二页不清晰" in mail.body
    assert "3. 学位/学历证书（邮寄纸质材料）" in mail.body and "请在30日内补交" in mail.body
    assert mail.html_body.count("<li>") == 3
    inbox = _render("application_returned", "inbox", "en", sample)
    assert "2. translation (add a file): 请补充成绩单的翻译件" in inbox.body
    assert "Reviewer's note" in inbox.body
    sms = _render("application_returned", "sms", "zh", sample)
    assert "RZ20261202000123" in sms.body and "成绩单" not in sms.body
    # An unknown slot shows its name; no note, no note line; HTML escapes the message.
    odd = {**sample, "message": "", "items": [
        {"mode": "add_file", "slot": "bank_statement", "message": "<b>x</b>"}]}  # fmt: skip
    rendered = _render("application_returned", "email", "en", odd)
    assert "bank_statement (add a file)" in rendered.body and "note" not in rendered.body
    assert "&lt;b&gt;x&lt;/b&gt;" in rendered.html_body


def test_results_carry_the_certificate_number_or_the_reasons() -> None:
    for channel in ("sms", "email", "inbox"):
        for locale in ("zh", "en"):
            certified = _render("application_certified", channel, locale, NOTICES.CERTIFIED_SAMPLE)
            assert "ZG20260000123" in certified.body
    refused = _render("application_refused", "email", "zh", NOTICES.REFUSED_SAMPLE)
    assert (
        "1. 颁发机构未获所在国认可" in refused.body
        and "2. 学习经历与出入境记录不符" in refused.body
    )
    assert refused.html_body.count("<li>") == 2 and "复议" in refused.body
    assert "reconsideration" in _render("application_refused", "sms", "en",
                                        NOTICES.REFUSED_SAMPLE).body  # fmt: skip


def test_the_submitted_notice_gives_the_estimated_date_or_says_there_is_none() -> None:
    dated = _render("application_submitted", "email", "zh", NOTICES.SUBMITTED_SAMPLE)
    assert "预计完成日期：2026-12-16" in dated.body
    undated = _render(
        "application_submitted", "inbox", "en",
        {**NOTICES.SUBMITTED_SAMPLE, "estimated_completion": None},
    )  # fmt: skip
    assert "No completion date can be estimated yet" in undated.body
    assert "None" not in undated.body


def test_a_withdrawal_without_kind_or_number_still_reads() -> None:
    bare = {**NOTICES.WITHDRAWN_SAMPLE, "kind": None, "number": None}
    zh = _render("application_withdrawn", "email", "zh", bare)
    assert zh.body.startswith("您的认证申请已撤回") and "None" not in zh.body
    en = _render("application_withdrawn", "inbox", "en", NOTICES.WITHDRAWN_SAMPLE)
    assert "foreign degree certification application RZ20261202000123 was withdrawn" in en.body
