"""Masked views of personal data, for responses, third-party PDFs and logs."""

import ipaddress


def mask_id_number(value: str) -> str:
    """Hide at least half: 110101199003077777 -> 110***********7777, E12345678 -> E******78.

    An 18-character number keeps its first 3 and last 4 characters; shorter documents
    (passports, permits) keep only the first 1 and last 2, so most of them stays hidden.
    """
    value = value.strip()
    if len(value) <= 4:
        return "*" * len(value)
    head, tail = (3, 4) if len(value) > 10 else (1, 2)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


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


def mask_ip_address(value: str) -> str:
    """Keep the network, not the host: 203.0.113.57 -> 203.0.113.x, 2001:db8:1:2::5 ->
    2001:db8:1::/48; anything unreadable is hidden whole."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return "*"
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return ".".join(str(address).split(".")[:3]) + ".x"
    return str(ipaddress.IPv6Network(f"{address}/48", strict=False))
