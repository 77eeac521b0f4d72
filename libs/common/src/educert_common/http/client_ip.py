"""Who the client really is, behind proxies we trust (an ingress, the gateway).

X-Forwarded-For is a list each proxy appends to, so only its right end can be believed: if
the direct peer is trusted, walk the header from the right, skip trusted proxies, and take
the first other address. A header from an untrusted peer is ignored (anyone can write one);
an unreadable entry stops the walk (what lies left of it is the client's own claim) and the
last trusted hop stands for the client.

`address_key` is what per-address limits count by, in the gateway and in the services alike.
"""

import ipaddress
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator
from pydantic_settings import NoDecode

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


class TrustedProxies:
    def __init__(self, networks: Sequence[str]) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(network.strip(), strict=False) for network in networks
        )

    def is_trusted(self, address: IPAddress) -> bool:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address, given the direct peer and the X-Forwarded-For header(s)."""
        peer_address = _address(peer)
        if peer_address is None or not forwarded_for or not self.is_trusted(peer_address):
            return peer[:64]
        client = str(peer_address)
        for hop in reversed(forwarded_for.split(",")):
            address = _address(hop)
            if address is None:
                break
            client = str(address)
            if not self.is_trusted(address):
                break
        return client[:64]

    def forward_chain(self, peer: str, forwarded_for: str | None) -> str:
        """The X-Forwarded-For to send on: the chain so far plus the peer if the peer is a
        trusted proxy, else the peer alone (an untrusted caller's own header is its claim,
        and a proxy behind us that trusts our network would believe it)."""
        peer_address = _address(peer)
        if forwarded_for and peer_address is not None and self.is_trusted(peer_address):
            return f"{forwarded_for}, {peer}"
        return peer


def address_key(address: str) -> str:
    """The part of a client address that identifies one client: an IPv4 address, or the /64
    of an IPv6 one (a single subscriber is usually handed a whole /64)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


@lru_cache(maxsize=32)
def trusted_proxies(networks: tuple[str, ...]) -> TrustedProxies:
    """A cached TrustedProxies for a settings value."""
    return TrustedProxies(networks)


def _split_networks(value: object) -> object:
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


def proxy_networks(setting: str) -> Any:
    """A settings field type naming trusted proxies, from a JSON list or comma-separated
    (RECORDS_TRUSTED_PROXIES=10.0.0.0/8,127.0.0.1); errors name `setting`."""

    def check(value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{setting}: {entry!r} is not an IP address or CIDR network"
                ) from None
        return value

    return Annotated[list[str], NoDecode, BeforeValidator(_split_networks), AfterValidator(check)]


def client_address(peer: str, forwarded_for: str | None, networks: Sequence[str]) -> str:
    """The client's address behind the proxies `networks` names (see TrustedProxies)."""
    return trusted_proxies(tuple(networks)).client(peer, forwarded_for)
