"""Secrets a message carries (one-time codes, activation and reset links, tokens).

A secret reaches only the person it is addressed to: it may appear in the body of an SMS or
e-mail, and in the SMS carrier parameter of its own name; never in a subject, an inbox copy,
an operator-readable listing, a log line or a stored row once the message is delivered.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from educert_common.events.catalogue import secret_field_names
from notification.templates.rendering import TemplateParts, TemplateProblem, referenced_names

# Event data fields that hold a secret, as the event catalogue declares them (the same list
# the outbox redacts by). Nothing is derived from them (`<x>_masked` etc.), so a template
# reads a secret only by one of these names.
SECRET_FIELDS = secret_field_names()
REDACTED = "[redacted]"
# Shorter values are not searched for in text (a one-character "secret" would scrub everything).
_MIN_SECRET_CHARS = 4


def secret_values(data: Mapping[str, Any]) -> list[str]:
    """The secret values in an event's data, longest first (so a longer one is scrubbed whole)."""
    values = {
        value
        for name, value in data.items()
        if name in SECRET_FIELDS and isinstance(value, str) and len(value) >= _MIN_SECRET_CHARS
    }
    return sorted(values, key=len, reverse=True)


def carries_secret(data: Mapping[str, Any]) -> bool:
    return any(data.get(name) for name in SECRET_FIELDS)


def scrub(text: str | None, secrets: Iterable[str]) -> str | None:
    """`text` with every secret value replaced (for error details and logs)."""
    if text is None:
        return None
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def check_placement(parts: TemplateParts) -> None:
    """Refuse a template that puts a secret where somebody other than the addressee reads it:
    a subject (listed to operators, shown by mail clients on lock screens) or an inbox copy
    (readable by whoever holds the account, which a code exists to double-check)."""
    if parts.subject is not None:
        _refuse_secrets(parts.subject, "subject", "a subject")
    if parts.channel == "inbox":
        _refuse_secrets(parts.body, "body", "an inbox message")


def _refuse_secrets(source: str, field: str, where: str) -> None:
    try:
        names = referenced_names(source)
    except Exception:  # a syntax error is reported by the render check with its line
        return
    found = sorted(names & SECRET_FIELDS)
    if found:
        raise TemplateProblem(
            field,
            "secret_not_allowed",
            f"{', '.join(found)} may appear only in the body of an SMS or e-mail, not in {where}",
        )
