"""Field encryption (AES-256-GCM) and blind indexes (HMAC-SHA256) for personal data at rest.

A plain hash of an ID number is not enough: the space of valid resident ID numbers (about
10^11) can be enumerated, so lookups and uniqueness use a keyed hash whose key never sits in
the database.
"""

import base64
import hmac
import os
from collections.abc import Mapping

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
# The first byte of a ciphertext names the key that sealed it (1-255). Ciphertexts written
# before key rings existed start with 0x01, their format version: they read as key 1, so the
# secret configured back then is key id 1 and nothing needs migrating.
LEGACY_KEY_ID = 1
MAX_KEY_ID = 255


class UnknownFieldKey(ValueError):
    """A ciphertext names a key id that is neither the current key nor a retired one."""

    def __init__(self, key_id: int | None) -> None:
        self.key_id = key_id
        what = "an empty ciphertext" if key_id is None else f"key id {key_id}"
        super().__init__(
            f"cannot decrypt: {what} is not in the key ring (neither the current key nor a "
            "retired one); configure the retired secret under that id to read it"
        )


def derive_key(secret: str, purpose: str) -> bytes:
    """Derive a 32-byte key for `purpose` from a configured secret (any length)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"educert:{purpose}".encode()
    ).derive(secret.encode())


def key_id_of(blob: bytes) -> int | None:
    """The id of the key a ciphertext was sealed with (None for an empty value)."""
    return blob[0] if blob else None


def check_key_id(key_id: int) -> int:
    if not 1 <= key_id <= MAX_KEY_ID:
        raise ValueError(f"a field-encryption key id is 1-{MAX_KEY_ID}, not {key_id}")
    return key_id


class FieldCipher:
    """Encrypts single values with the current key; decrypts with any key of its ring.

    Output: one byte naming the key, a random 12-byte nonce, the AES-256-GCM ciphertext and
    tag. Retired keys only decrypt, so a secret can be replaced without losing what it
    sealed; `rotate` re-seals a value under the current key.
    """

    def __init__(
        self,
        key: bytes,
        *,
        key_id: int = LEGACY_KEY_ID,
        retired: Mapping[int, bytes] | None = None,
    ) -> None:
        self.key_id = check_key_id(key_id)
        keys = {check_key_id(kid): value for kid, value in (retired or {}).items()}
        if key_id in keys:
            raise ValueError(f"key id {key_id} is the current key and cannot also be retired")
        keys[key_id] = key
        if any(len(value) != 32 for value in keys.values()):
            raise ValueError("AES-256-GCM needs a 32-byte key")
        self._aeads = {kid: AESGCM(value) for kid, value in keys.items()}

    @classmethod
    def from_secret(
        cls,
        secret: str,
        purpose: str = "field-encryption",
        *,
        key_id: int = LEGACY_KEY_ID,
        retired_secrets: Mapping[int, str] | None = None,
    ) -> "FieldCipher":
        """The ring of `secret` (the current key, under `key_id`) and retired secrets by id."""
        retired = {
            kid: derive_key(value, purpose) for kid, value in (retired_secrets or {}).items()
        }
        return cls(derive_key(secret, purpose), key_id=key_id, retired=retired)

    @property
    def key_ids(self) -> frozenset[int]:
        return frozenset(self._aeads)

    def encrypt(self, plaintext: str, *, context: str = "") -> bytes:
        """Encrypt; `context` (e.g. the column name) is bound as associated data."""
        nonce = os.urandom(_NONCE_BYTES)
        aead = self._aeads[self.key_id]
        sealed = aead.encrypt(nonce, plaintext.encode(), context.encode() or None)
        return bytes([self.key_id]) + nonce + sealed

    def decrypt(self, blob: bytes, *, context: str = "") -> str:
        key_id = key_id_of(blob)
        aead = self._aeads.get(key_id) if key_id is not None else None
        if aead is None:
            raise UnknownFieldKey(key_id)
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return aead.decrypt(nonce, sealed, context.encode() or None).decode()

    def is_current(self, blob: bytes) -> bool:
        return key_id_of(blob) == self.key_id

    def rotate(self, blob: bytes, *, context: str = "") -> bytes:
        """Re-seal a value under the current key (returned unchanged if it already is)."""
        if self.is_current(blob):
            return blob
        return self.encrypt(self.decrypt(blob, context=context), context=context)


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
        # hmac.digest: the one-shot C path (the bulk import hashes a million numbers).
        return hmac.digest(self._key, value.strip().upper().encode(), "sha256").hex()


def constant_time_equals(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())


def random_token(num_bytes: int = 32) -> str:
    """A URL-safe random token with `num_bytes` of entropy."""
    return base64.urlsafe_b64encode(os.urandom(num_bytes)).decode().rstrip("=")
