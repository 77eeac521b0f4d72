"""Templates, carrier signatures and addressing, without any server."""

import uuid
from datetime import UTC, datetime

import pytest

from notification.deliveries.channels import sign, verify_signature
from notification.models import Recipient
from notification.recipients.addressing import (
    is_mainland_mobile,
    normalise_mobile,
    resolve_addresses,
)
from notification.templates.rendering import (
    TemplateParts,
    TemplateProblem,
    check_template,
    referenced_names,
    render,
    template_context,
)


def test_html_is_autoescaped_and_text_is_not() -> None:
    parts = TemplateParts("email", "Hi {{ name }}", "Hi {{ name }}", "<p>{{ name }}</p>")
    rendered = render(parts, {"name": "<b>x</b> & y"}, sms_max_chars=300)
    assert rendered.html_body == "<p>&lt;b&gt;x&lt;/b&gt; &amp; y</p>"
    assert rendered.body == "Hi <b>x</b> & y"


def test_subject_is_one_line_whatever_the_data() -> None:
    parts = TemplateParts("email", "Code {{ x }}", "body")
    rendered = render(parts, {"x": "1\r\nBcc: evil@example.com"}, sms_max_chars=300)
    assert rendered.subject == "Code 1 Bcc: evil@example.com"


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        (TemplateParts("sms", None, "{% if %}"), "template_syntax"),
        (TemplateParts("sms", None, "{{ missing }}"), "template_render"),
        (
            TemplateParts("sms", None, "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
            "template_render",
        ),
        (TemplateParts("sms", None, "x" * 301), "sms_too_long"),
        (TemplateParts("email", None, "body"), "subject_required"),
        (TemplateParts("inbox", "t", "b", "<p>html</p>"), "html_not_allowed"),
        (TemplateParts("sms", None, "{{ '' }}"), "template_empty"),
    ],
)
def test_broken_templates_are_refused(parts: TemplateParts, code: str) -> None:
    with pytest.raises(TemplateProblem) as problem:
        check_template(parts, {}, sms_max_chars=300)
    assert problem.value.code == code


def test_context_derives_display_values() -> None:
    occurred = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    context = template_context(
        {
            "amount_fen": 36000,
            "expires_at": "2026-01-01T08:05:00+00:00",
            "destination": "13812345678",
        },
        occurred_at=occurred,
    )
    assert context["amount_yuan"] == "360.00"
    assert context["expires_at_local"] == "2026-01-01 16:05"
    assert context["expires_minutes"] == 5
    assert context["destination_masked"] == "138****5678"


def test_carrier_parameters_are_the_names_the_template_reads() -> None:
    source = '{% set l = {"a": "b"} %}{{ code }} {{ l.get(purpose) }} {{ expires_minutes }}'
    assert referenced_names(source) == {"code", "purpose", "expires_minutes"}


def test_signature_covers_every_parameter() -> None:
    params = {"PhoneNumbers": "13800138000", "TemplateParam": '{"code":"1"}', "OutId": "x"}
    params["Signature"] = sign("POST", params, "secret")
    assert verify_signature("POST", params, "secret")
    assert not verify_signature("POST", {**params, "TemplateParam": '{"code":"2"}'}, "secret")
    assert not verify_signature("POST", params, "other")


@pytest.mark.parametrize(
    ("number", "mainland"),
    [
        ("13800138000", True),
        ("+86 138 0013 8000", True),
        ("008613800138000", True),
        ("+85291234567", False),
        ("+14155550100", False),
        ("12800138000", False),
    ],
)
def test_only_mainland_numbers_get_sms(number: str, mainland: bool) -> None:
    assert is_mainland_mobile(number) is mainland
    if mainland:
        assert normalise_mobile(number) == "13800138000"


def test_a_code_goes_only_to_its_own_destination_and_the_inbox() -> None:
    recipient = Recipient(
        user_id=uuid.uuid4(),
        email="a@example.com",
        email_verified=True,
        mobile="13800138000",
        mobile_is_mainland=True,
        locale="zh",
    )
    data = {"channel": "sms", "destination": "13900139000", "user_id": str(recipient.user_id)}
    addresses = resolve_addresses(data, ["sms", "email", "inbox"], recipient, has_user=True)
    assert [(a.channel, a.destination) for a in addresses] == [
        ("sms", "13900139000"),
        ("inbox", None),
    ]


def test_unverified_email_and_foreign_mobile_are_not_used() -> None:
    recipient = Recipient(
        user_id=uuid.uuid4(),
        email="a@example.com",
        email_verified=False,
        mobile="+14155550100",
        mobile_is_mainland=False,
        locale="en",
    )
    addresses = resolve_addresses({}, ["sms", "email", "inbox"], recipient, has_user=True)
    assert [a.channel for a in addresses] == ["inbox"]


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'x' * 1000000000 }}",
        "{{ 2 ** 10000000 }}",
        "{% for i in range(10**8) %}{{ i }}{% endfor %}",
        "{% for i in range(9000) %}{{ 'abcdefghijklmnop' }}{% endfor %}",
    ],
)
def test_templates_cannot_build_huge_results(source: str) -> None:
    from notification.templates.rendering import TemplateParts, TemplateProblem, render

    with pytest.raises(TemplateProblem) as refused:
        render(TemplateParts("email", "s", source), {}, sms_max_chars=300)

    assert refused.value.code in ("template_render", "template_too_large")
