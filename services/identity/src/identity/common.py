"""Pieces every identity sub-package uses: settings, ciphers, client address, database."""

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from hashlib import sha256
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.app import runtime_of, settings_dependency
from educert_common.crypto import BlindIndex, FieldCipher, derive_key
from educert_common.db import Database
from educert_common.http.client_ip import trusted_proxies
from identity.config import IdentitySettings


def database_of(request: Request) -> Database:
    return runtime_of(request).database


settings_of = settings_dependency(IdentitySettings)
SettingsDep = Annotated[IdentitySettings, Depends(settings_of)]
# For flows that must keep a failure's traces (attempt counters, lockouts, revoked families):
# they open their own transaction, commit it, and raise afterwards.
DatabaseDep = Annotated[Database, Depends(database_of)]


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


def resolve_client_ip(peer: str, forwarded_for: str | None, trusted: Sequence[str]) -> str:
    """The client address behind trusted proxies (see educert_common.http.client_ip)."""
    return trusted_proxies(tuple(trusted)).client(peer, forwarded_for)


def client_ip(request: Request, settings: IdentitySettings) -> str:
    """The caller's address: see `resolve_client_ip` (`IDENTITY_TRUSTED_PROXIES`)."""
    peer = request.client.host if request.client else "unknown"
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    return resolve_client_ip(peer, forwarded, settings.trusted_proxies)


def _client_ip(request: Request) -> str:
    return client_ip(request, settings_of(request))


ClientIp = Annotated[str, Depends(_client_ip)]


def sha256_hex(value: str) -> str:
    return sha256(value.encode()).hexdigest()


def jsonable(value: Any) -> Any:
    """Dates and UUIDs in audit entries as strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


async def audit(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Write an audit entry in the caller's transaction (masked values only, never raw IDs)."""
    from identity.base import audit_log

    await audit_log.record(
        session,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
    )
