"""Captcha challenges, answers and the single-use pass tokens login accepts. Flush only."""

import base64
import hmac
import uuid
from dataclasses import dataclass
from datetime import timedelta
from hashlib import sha256
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import constant_time_equals
from educert_common.db import utcnow
from educert_common.errors import DomainError, FieldError, Text, ValidationFailed
from educert_common.http.client_ip import address_key
from identity.captcha.adapters import CaptchaAdapter, Challenge, adapter_for
from identity.captcha.models import CaptchaPass
from identity.captcha.repository import CaptchaPassRepository
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import CaptchaRateLimited
from identity.limits.service import count_and_check


@dataclass(frozen=True)
class IssuedPass:
    captcha_token: str
    expires_in: int


def _signature(settings: IdentitySettings, pass_id: uuid.UUID, expires: int) -> str:
    message = f"captcha.{pass_id.hex}.{expires}".encode()
    digest = hmac.new(secrets_for(settings).captcha_key, message, sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def new_challenge(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    ip: str,
    adapter: CaptchaAdapter | None = None,
) -> Challenge:
    """A challenge from the configured adapter (capped per client address per day)."""
    await count_and_check(
        session,
        kind="captcha",
        key=address_key(ip),
        limit=settings.captcha_daily_cap_per_ip,
        error=CaptchaRateLimited,
    )
    return await (adapter or adapter_for(settings)).challenge(session, ip=ip)


async def answer_challenge(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    challenge_id: str,
    answer: dict[str, Any],
    ip: str,
    adapter: CaptchaAdapter | None = None,
) -> tuple[IssuedPass | None, DomainError | None]:
    """Check the answer with the adapter; a right one earns a signed single-use pass token.

    A wrong answer spends the challenge too, so the error is returned for the caller to
    commit before raising it.
    """
    adapter = adapter or adapter_for(settings)
    if not await adapter.check(session, challenge_id=challenge_id, answer=answer, ip=ip):
        message = Text(
            "The captcha answer is wrong or the challenge expired; ask for a new challenge",
            "验证码答案错误或已过期,请重新获取",
        )
        return None, ValidationFailed(
            message, errors=[FieldError("answer", "captcha_failed", message)]
        )
    now = utcnow()
    row = CaptchaPass(
        id=uuid.uuid4(),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.captcha_pass_ttl_seconds),
        adapter=adapter.name,
    )
    await CaptchaPassRepository(session).add(row)
    expires = int(row.expires_at.timestamp())
    token = f"{row.id.hex}.{expires}.{_signature(settings, row.id, expires)}"
    return IssuedPass(token, settings.captcha_pass_ttl_seconds), None


async def spend_pass(session: AsyncSession, settings: IdentitySettings, token: str | None) -> bool:
    """Spend a pass token (signature, expiry, single use); False if it is not a good one."""
    if not token:
        return False
    try:
        pass_hex, expires_text, signature = token.strip().split(".")
        pass_id = uuid.UUID(hex=pass_hex)
        expires = int(expires_text)
    except ValueError:
        return False
    if not constant_time_equals(_signature(settings, pass_id, expires), signature):
        return False
    return await CaptchaPassRepository(session).use(pass_id, utcnow())
