"""Secret-bearing messages: provider error text without the secret, one list of secret fields."""

from notification.deliveries.channels import SendError
from notification.deliveries.worker import without_secrets


def test_a_mail_servers_refusal_quoting_the_link_keeps_only_the_reason() -> None:
    link = "https://educert.example/activate?token=abc.def"
    refused = SendError("rejected", f"550 5.7.1 blocked URL {link}", transient=False)
    cleaned = without_secrets(refused, None)
    assert link not in str(cleaned) and "abc.def" not in cleaned.detail
    assert cleaned.reason == "rejected" and cleaned.transient is False


def test_a_carriers_error_keeps_its_text_without_the_code() -> None:
    refused = SendError("carrier_error", "isv.BUSINESS_LIMIT code=640213", transient=True)
    cleaned = without_secrets(refused, {"code": "640213"})
    assert "640213" not in cleaned.detail
    assert "isv.BUSINESS_LIMIT" in cleaned.detail and cleaned.transient is True


def test_every_field_the_catalogue_declares_secret_is_a_secret_here() -> None:
    """One list of secret fields: the catalogue's, which the outbox redacts by too."""
    from educert_common.events.catalogue import CATALOGUE
    from notification.templates.secrecy import carries_secret

    declared = [
        (t, f)
        for t, event in CATALOGUE.items()
        if not t.startswith("testing.")  # events other tests register for themselves
        for f in event.secret_fields
    ]
    assert declared
    for event_type, field in declared:
        assert carries_secret({field: "0123456789"}), (event_type, field)
