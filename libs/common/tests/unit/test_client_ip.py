"""The client address behind trusted proxies."""

import pytest

from educert_common.http.client_ip import TrustedProxies, address_key

PROXIES = TrustedProxies(["10.0.0.0/8", "127.0.0.1/32", "::1/128"])


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        # Straight from the internet: the peer is the client, whatever it claims.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", None, "203.0.113.9"),
        # Through an ingress: the rightmost address that is not one of ours.
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
        ("10.1.2.3", "198.51.100.1, 203.0.113.9, 10.4.5.6", "203.0.113.9"),
        # A forged left part cannot win against what our proxies appended.
        ("10.1.2.3", "1.1.1.1, 203.0.113.9", "203.0.113.9"),
        # Garbage where the client should be: the last trusted hop stands for it.
        ("10.1.2.3", "203.0.113.9, not-an-ip", "10.1.2.3"),
        # Every hop trusted (a call from inside): the leftmost.
        ("127.0.0.1", "10.0.0.8, 10.0.0.9", "10.0.0.8"),
        # IPv6, and IPv4-mapped peers.
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("::ffff:10.0.0.2", "203.0.113.8", "203.0.113.8"),
    ],
)
def test_the_client_is_the_rightmost_untrusted_address(
    peer: str, forwarded_for: str | None, client: str
) -> None:
    assert PROXIES.client(peer, forwarded_for) == client


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "sent_on"),
    [
        # An untrusted caller's own header is dropped: only its address goes on.
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
        ("203.0.113.9", None, "203.0.113.9"),
        # A trusted proxy's list is kept and the proxy appended, as each hop does.
        ("10.1.2.3", "203.0.113.9", "203.0.113.9, 10.1.2.3"),
        ("10.1.2.3", "198.51.100.1, 203.0.113.9", "198.51.100.1, 203.0.113.9, 10.1.2.3"),
        ("10.1.2.3", None, "10.1.2.3"),
        ("::ffff:10.0.0.2", "203.0.113.8", "203.0.113.8, ::ffff:10.0.0.2"),
    ],
)
def test_the_forwarded_chain_keeps_only_what_trusted_proxies_said(
    peer: str, forwarded_for: str | None, sent_on: str
) -> None:
    assert PROXIES.forward_chain(peer, forwarded_for) == sent_on


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        # One IPv6 subscriber gets a whole /64: every address in it is one client.
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", True),
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),
        ("203.0.113.1", "203.0.113.2", False),
        # An IPv4-mapped IPv6 address is the IPv4 client.
        ("::ffff:203.0.113.1", "203.0.113.1", True),
    ],
)
def test_addresses_are_keyed_per_client(first: str, second: str, same: bool) -> None:
    assert (address_key(first) == address_key(second)) is same


def test_unreadable_address_is_its_own_key() -> None:
    assert address_key("unknown") == "unknown"
