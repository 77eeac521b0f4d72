"""Who the client really is, behind proxies we trust (an ingress, the gateway).

X-Forwarded-For is a list each proxy appends to, so only its right end can be believed:
walking from the right, skip addresses of trusted proxies; the first other address is the
client. A header from a peer we do not trust is ignored, since anyone can write one.
"""

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    def __init__(self, networks: Sequence[str]) -> None:
        self.networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(network, strict=False) for network in networks
        )
        self.is_trusted = lru_cache(maxsize=4096)(self._is_trusted)

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address, given the direct peer and the X-Forwarded-For header."""
        if not forwarded_for or not self.is_trusted(peer):
            return peer
        for hop in reversed(forwarded_for.split(",")):
            address = hop.strip()
            if not address:
                continue
            if not self.is_trusted(address):
                return address if _looks_like_ip(address) else peer
        return peer


def _looks_like_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
