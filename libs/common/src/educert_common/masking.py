"""Masked views of personal data, for responses, third-party PDFs and logs."""


def mask_id_number(value: str) -> str:
    """Keep the first 3 and last 4 characters: 110101199003077777 -> 110***********7777."""
    value = value.strip()
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str) -> str:
    """Keep the first 3 and last 4 digits: 13812345678 -> 138****5678."""
    digits = value.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain: z***@example.com."""
    local, at, domain = value.strip().partition("@")
    if not at:
        return mask_name(value)
    return (local[:1] + "***" if local else "***") + "@" + domain


def mask_name(value: str) -> str:
    """Keep the first character: 张三丰 -> 张**, ZHANG SAN -> Z********."""
    value = value.strip()
    if len(value) <= 1:
        return "*" if value else ""
    return value[0] + "*" * (len(value) - 1)
