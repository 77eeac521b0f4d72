"""Identity's keys, derived from settings once per process: one per purpose."""

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from hashlib import sha256

from educert_common.crypto import BlindIndex, FieldCipher, derive_key
from identity.config import IdentitySettings


@dataclass(frozen=True)
class Secrets:
    """Keys derived from settings, one per purpose."""

    personal: FieldCipher
    id_index: BlindIndex
    code_key: bytes
    link_key: bytes
    face_key: bytes
    # Signs login device tokens and solved-captcha passes.
    device_key: bytes
    captcha_key: bytes

    def code_hash(self, scope: str, code: str) -> str:
        return hmac.new(self.code_key, f"{scope}:{code}".encode(), sha256).hexdigest()

    def encrypt_date(self, value: date | None, *, context: str) -> bytes | None:
        return None if value is None else self.personal.encrypt(value.isoformat(), context=context)

    def decrypt_date(self, blob: bytes | None, *, context: str) -> date | None:
        return (
            None
            if blob is None
            else date.fromisoformat(self.personal.decrypt(blob, context=context))
        )


@lru_cache(maxsize=8)
def _secrets(
    personal_secret: str,
    index_secret: str,
    face_secret: str,
    personal_key_id: int = 1,
    retired_personal_secrets: tuple[tuple[int, str], ...] = (),
) -> Secrets:
    return Secrets(
        personal=personal_data_cipher(personal_secret, personal_key_id, retired_personal_secrets),
        id_index=BlindIndex.from_secret(index_secret, "id_number"),
        code_key=derive_key(personal_secret, "identity-one-time-codes"),
        link_key=derive_key(personal_secret, "identity-activation-links"),
        face_key=face_secret.encode(),
        device_key=derive_key(personal_secret, "identity-login-devices"),
        captcha_key=derive_key(personal_secret, "identity-captcha-passes"),
    )


def personal_data_cipher(
    secret: str, key_id: int, retired: Iterable[tuple[int, str]] = ()
) -> FieldCipher:
    """The personal-data key ring: the current secret under its id, retired ones by id."""
    return FieldCipher.from_secret(
        secret, "identity-personal-data", key_id=key_id, retired_secrets=dict(retired)
    )


def secrets_for(settings: IdentitySettings) -> Secrets:
    return _secrets(
        settings.personal_data_secret,
        settings.platform.id_number_index_secret,
        settings.face_app_secret,
        settings.personal_data_key_id,
        tuple(sorted(settings.personal_data_retired_secrets.items())),
    )


def sha256_hex(value: str) -> str:
    """The stored form of a high-entropy secret (API keys, refresh tokens): looked up by it."""
    return sha256(value.encode()).hexdigest()
