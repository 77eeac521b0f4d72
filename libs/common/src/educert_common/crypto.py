"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data at rest.

A plain hash of an ID number is not enough: the space of valid resident ID numbers (about
10^11) can be enumerated, so lookups and uniqueness use a keyed hash whose key never sits in
the database.
"""

import base64
import hmac
import os
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_VERSION = b"\x01"
_NONCE_BYTES = 12


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a 32-byte key for `purpose` from a configured secret (any length)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"educert:{purpose}".encode()
    ).derive(secret.encode())


class FieldCipher:
    """Encrypts single values; the output carries a version byte and its own random nonce."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aead = AESGCM(key)

    @classmethod
    def from_secret(cls, secret: str, purpose: str = "field-encryption") -> "FieldCipher":
        return cls(derive_key(secret, purpose))

    def encrypt(self, plaintext: str, *, context: str = "") -> bytes:
        """Encrypt; `context` (e.g. the column name) is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode() or None)
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str = "") -> str:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, context.encode() or None).decode()


class BlindIndex:
    """Keyed hash for equality lookups on encrypted values."""

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the blind-index key must have at least 32 bytes")
        self._key = key

    @classmethod
    def from_secret(cls, secret: str, purpose: str) -> "BlindIndex":
        return cls(derive_key(secret, f"blind-index:{purpose}"))

    def of(self, value: str) -> str:
        """Return the hex HMAC-SHA256 of the normalised value (trimmed, upper case)."""
        return hmac.new(self._key, value.strip().upper().encode(), sha256).hexdigest()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def random_token(num_bytes: int = 32) -> str:
    """A URL-safe random token with `num_bytes` of entropy."""
    return base64.urlsafe_b64encode(os.urandom(num_bytes)).decode().rstrip("=")
