"""Multibase strings and Multikey Ed25519 public keys, against the specifications' own values."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from educert_common.credentials.multibase import (
    MultibaseError,
    decode,
    decode_base58btc,
    decode_multikey,
    encode_base58btc,
    encode_base64url,
    encode_multikey,
)

# The key pair of the eddsa-jcs-2022 test vectors (Data Integrity EdDSA Cryptosuites v1.0).
SPEC_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


def test_spec_secret_key_derives_the_spec_public_multikey() -> None:
    secret = decode_base58btc(SPEC_SECRET)
    assert secret[:2] == b"\x80\x26"  # varint of 0x1300, ed25519-priv
    key = Ed25519PrivateKey.from_private_bytes(secret[2:])
    assert encode_multikey(key.public_key()) == SPEC_PUBLIC


def test_multikey_round_trip_keeps_the_raw_key() -> None:
    public = Ed25519PrivateKey.generate().public_key()
    encoded = encode_multikey(public)
    assert encoded.startswith("z6Mk")  # every 0xed01-prefixed 34-byte value reads so
    decoded = decode_multikey(encoded)
    assert decoded.public_bytes(Encoding.Raw, PublicFormat.Raw) == public.public_bytes(
        Encoding.Raw, PublicFormat.Raw
    )


def test_multikey_refuses_a_secret_key_and_other_headers() -> None:
    with pytest.raises(MultibaseError, match="secret key"):
        decode_multikey(SPEC_SECRET)
    raw = decode_base58btc(SPEC_PUBLIC)[2:]
    with pytest.raises(MultibaseError, match="0xed01"):
        decode_multikey(encode_base58btc(b"\x80\x24" + raw))  # a P-256 header
    with pytest.raises(MultibaseError, match="32 bytes"):
        decode_multikey(encode_base58btc(b"\xed\x01" + raw[:31]))
    with pytest.raises(MultibaseError, match="'z'"):
        decode_multikey(encode_base64url(b"\xed\x01" + raw))


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"\x00\x00\x01", bytes(range(256)), b"\xff" * 33],
)
def test_both_bases_round_trip(data: bytes) -> None:
    assert decode(encode_base58btc(data)) == data
    assert decode(encode_base64url(data)) == data
    assert "=" not in encode_base64url(data)


def test_known_encodings() -> None:
    # Leading zero bytes are '1's in base58btc; base64url uses '-' and '_', no padding.
    assert encode_base58btc(b"\x00\x00hello") == "z11Cn8eVZg"
    assert encode_base64url(b"\xfb\xff") == "u-_8"
    assert decode("u-_8") == b"\xfb\xff"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "f00ff",  # base16: a real multibase, but not one the credential specs use
        "m+/8",  # base64 with padding alphabet
        "u+/8",
        "u-_8=",
        "z0OIl",  # characters outside the Bitcoin alphabet
        "zé",
        "u-_é",
        "uA",  # one base64 character cannot carry a byte
    ],
)
def test_refuses_other_bases_and_bad_characters(value: str) -> None:
    with pytest.raises(MultibaseError):
        decode(value)
