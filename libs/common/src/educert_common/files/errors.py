"""Refusals of uploaded files: 4xx domain errors naming the field, with stable codes."""

from educert_common.errors import (
    DomainError,
    FieldError,
    PayloadTooLarge,
    Text,
    UnsupportedMediaType,
    ValidationFailed,
)

# code -> the error class that carries it (its HTTP status).
_STATUS_OF: dict[str, type[DomainError]] = {
    "file_too_large": PayloadTooLarge,  # 413
    "file_type_not_allowed": UnsupportedMediaType,  # 415, as educert_common.storage answers
}


def refuse(field: str, code: str, en: str, zh: str) -> DomainError:
    """The error for one refused file: 413 too large, 415 wrong type, 422 otherwise."""
    message = Text(en, zh)
    error_class = _STATUS_OF.get(code, ValidationFailed)
    return error_class(message, errors=[FieldError(field, code, message)])
