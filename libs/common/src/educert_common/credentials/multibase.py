"""Multibase strings (base58btc 'z', base64url 'u') and Multikey Ed25519 public keys.

Only the two bases the W3C credential specifications use are accepted; any other prefix is
refused rather than guessed. Multikey follows the Controlled Identifiers spec: the two-byte
varint header 0xed01 then the 32 raw key bytes, as base58btc.
"""

import base64
import binascii
import re

import base58
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

BASE58BTC = "z"
BASE64URL = "u"
# Varint of multicodec 0xed (ed25519-pub): the header of a Multikey Ed25519 public key.
ED25519_PUB_HEADER = b"\xed\x01"
# Varint of multicodec 0x1300 (ed25519-priv): refused where a public key is expected.
ED25519_PRIV_HEADER = b"\x80\x26"
_ED25519_KEY_BYTES = 32
_BASE64URL_BODY = re.compile(r"[A-Za-z0-9_-]*", re.ASCII)


class MultibaseError(ValueError):
    """A string is not valid multibase (or not a Multikey Ed25519 public key)."""


def encode_base58btc(data: bytes) -> str:
    """Encode bytes as base58btc multibase ('z' + Bitcoin-alphabet base58)."""
    return BASE58BTC + base58.b58encode(data).decode("ascii")


def encode_base64url(data: bytes) -> str:
    """Encode bytes as base64url-no-pad multibase ('u' + RFC 4648 §5 without '=')."""
    return BASE64URL + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode(value: str) -> bytes:
    """Decode a base58btc ('z') or base64url-no-pad ('u') multibase string."""
    if not isinstance(value, str) or len(value) < 1:
        raise MultibaseError("multibase value must be a non-empty string")
    prefix, body = value[0], value[1:]
    if prefix == BASE58BTC:
        return decode_base58btc(value)
    if prefix == BASE64URL:
        # Padding and '+' '/' belong to other bases ('M', 'm', 'U'), not to 'u'.
        if _BASE64URL_BODY.fullmatch(body) is None:
            raise MultibaseError("base64url multibase must use A-Z a-z 0-9 - _ without padding")
        try:
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except binascii.Error as exc:
            raise MultibaseError(f"invalid base64url: {exc}") from None
    raise MultibaseError(f"unsupported multibase prefix {prefix!r} (expected 'z' or 'u')")


def decode_base58btc(value: str) -> bytes:
    """Decode a base58btc multibase string, refusing any other base."""
    if not isinstance(value, str) or not value.startswith(BASE58BTC):
        raise MultibaseError("expected a base58btc multibase value starting with 'z'")
    body = value[1:]
    if not body.isascii():
        raise MultibaseError("base58btc value must be ASCII")
    try:
        return base58.b58decode(body)
    except ValueError as exc:
        raise MultibaseError(f"invalid base58btc: {exc}") from None


def encode_multikey(key: Ed25519PublicKey) -> str:
    """Encode an Ed25519 public key as a Multikey publicKeyMultibase ('z6Mk...')."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return encode_base58btc(ED25519_PUB_HEADER + raw)


def decode_multikey(value: str) -> Ed25519PublicKey:
    """Decode a Multikey publicKeyMultibase into an Ed25519 public key."""
    data = decode_base58btc(value)
    if data[:2] == ED25519_PRIV_HEADER:
        raise MultibaseError("this is a secret key (0x8026 header), not a public key")
    if data[:2] != ED25519_PUB_HEADER:
        raise MultibaseError("not an Ed25519 Multikey (header 0xed01 expected)")
    if len(data) != 2 + _ED25519_KEY_BYTES:
        raise MultibaseError(f"Ed25519 public key must be {_ED25519_KEY_BYTES} bytes")
    return Ed25519PublicKey.from_public_bytes(data[2:])
