"""One-time codes and activation links; functions flush, the calling scope commits."""

import base64
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.crypto import constant_time_equals
from educert_common.db import utcnow
from educert_common.errors import FieldError, Text
from educert_common.events.catalogue import ActivationLinkIssued, VerificationCodeIssued
from educert_common.events.outbox import Outbox
from educert_common.http.client_ip import address_key
from educert_common.masking import mask_email, mask_mobile
from identity.accounts.validation import VERIFICATION_CODE_DIGITS
from identity.config import IdentitySettings
from identity.crypto import secrets_for
from identity.exceptions import CodeRateLimited, CodeRejected, LinkRejected
from identity.verification.models import ActivationLink, Purpose
from identity.verification.repository import ActivationLinkRepository, CodeRepository

logger = logging.getLogger(__name__)


Channel = Literal["sms", "email"]


def masked_destination(channel: str, destination: str) -> str:
    return mask_email(destination) if channel == "email" else mask_mobile(destination)


@dataclass(frozen=True)
class IssuedCode:
    channel: str
    destination_masked: str
    expires_in: int
    resend_after: int


async def issue_code(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    purpose: Purpose,
    channel: Channel,
    destination: str,
    ip: str,
    user_id: uuid.UUID | None,
    deliver: bool = True,
    locale: str = "zh",
) -> IssuedCode:
    """Create a 6-digit code for `destination` and hand it to notification (if `deliver`).

    Limits hold across replicas (rows and a per-destination advisory lock, not memory):
    one code per destination and purpose every `code_resend_seconds`, and daily caps per
    destination and per client address. `deliver=False` records a code nobody receives, so
    that a recovery request for an unknown contact costs and answers exactly the same.
    """
    repository = CodeRepository(session)
    await repository.lock_destination(destination)
    now = utcnow()
    latest = await repository.latest(purpose=purpose, destination=destination)
    await check_send_limits(
        session,
        settings,
        destination=destination,
        ip=ip,
        last_sent_at=latest.created_at if latest is not None else None,
        now=now,
    )
    code = f"{secrets.randbelow(10**VERIFICATION_CODE_DIGITS):0{VERIFICATION_CODE_DIGITS}d}"
    code_id = uuid.uuid4()
    expires_at = now + timedelta(seconds=settings.code_ttl_seconds)
    await repository.add(
        repository.model(
            id=code_id,
            created_at=now,
            purpose=purpose,
            channel=channel,
            destination=destination,
            user_id=user_id,
            code_hash=secrets_for(settings).code_hash(str(code_id), code),
            attempts=0,
            expires_at=expires_at,
            ip=address_key(ip),
        )
    )
    if deliver:
        await outbox.add(
            session,
            VerificationCodeIssued(
                user_id=user_id,
                channel=channel,
                destination=destination,
                code=code,
                purpose=purpose.value,
                expires_at=expires_at,
                locale="en" if locale == "en" else "zh",
            ),
            subject=str(user_id or code_id),
        )
    logger.info(
        "verification code issued",
        extra={
            "purpose": purpose.value,
            "channel": channel,
            "destination": masked_destination(channel, destination),
            "delivered": deliver,
        },
    )
    return IssuedCode(
        channel,
        masked_destination(channel, destination),
        settings.code_ttl_seconds,
        settings.code_resend_seconds,
    )


async def check_send_limits(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    destination: str,
    ip: str,
    last_sent_at: datetime | None,
    now: datetime,
) -> None:
    """The limiter every message to a person goes through (codes and activation links):
    one per destination and purpose every `code_resend_seconds`, and daily caps per
    destination and per client address counting codes and links together. The caller holds
    the destination's advisory lock."""
    if last_sent_at is not None:
        wait = settings.code_resend_seconds - (now - last_sent_at).total_seconds()
        if wait > 0:
            raise CodeRateLimited(
                Text(
                    f"A message was sent just now; ask again in {int(wait) + 1} s",
                    f"刚刚已发送,请 {int(wait) + 1} 秒后再试",
                ),
                headers={"Retry-After": str(int(wait) + 1)},
            )
    day_ago = now - timedelta(days=1)
    codes, links = CodeRepository(session), ActivationLinkRepository(session)
    to_destination = await codes.count_for_destination(
        destination, day_ago
    ) + await links.count_for_email(destination, day_ago)
    if to_destination >= settings.code_daily_cap_per_destination:
        raise CodeRateLimited(
            Text(
                "Today's codes for this number or address are used up",
                "该号码或邮箱今日验证码次数已用完",
            ),
            headers={"Retry-After": "3600"},
        )
    # Every address of one IPv6 /64 is one client (as the gateway counts them).
    key = address_key(ip)
    from_ip = await codes.count_for_ip(key, day_ago) + await links.count_for_ip(key, day_ago)
    if from_ip >= settings.code_daily_cap_per_ip:
        raise CodeRateLimited(
            Text("Too many codes from this network today", "当前网络今日请求验证码过多"),
            headers={"Retry-After": "3600"},
        )


def code_rejected(en: str, zh: str, code: str = "code_invalid") -> CodeRejected:
    message = Text(en, zh)
    return CodeRejected(message, errors=[FieldError("code", code, message)])


async def check_code(
    session: AsyncSession,
    settings: IdentitySettings,
    *,
    purpose: Purpose,
    destination: str,
    code: str,
) -> tuple[uuid.UUID | None, CodeRejected | None]:
    """Consume the latest code for `destination` if `code` matches it.

    Returns (user id the code was issued for, None) on success, or (None, error). A wrong
    guess is counted on the row, so the caller must commit before raising the error.
    """
    repository = CodeRepository(session)
    row = await repository.latest(purpose=purpose, destination=destination)
    now = utcnow()
    if row is None or row.consumed_at is not None or row.expires_at <= now:
        return None, code_rejected("The code is wrong or expired", "验证码错误或已过期")
    if row.attempts >= settings.code_max_attempts:
        return None, code_rejected(
            "Too many wrong codes; ask for a new one",
            "验证码错误次数过多,请重新获取",
            "code_attempts_exceeded",
        )
    expected = secrets_for(settings).code_hash(str(row.id), code.strip())
    if not constant_time_equals(expected, row.code_hash):
        row.attempts += 1
        await session.flush()
        return None, code_rejected("The code is wrong or expired", "验证码错误或已过期")
    row.consumed_at = now
    await session.flush()
    return row.user_id, None


# Activation links --------------------------------------------------------------------------


def _link_signature(settings: IdentitySettings, link: ActivationLink, expires: int) -> str:
    message = f"{link.id}.{link.user_id}.{link.email}.{expires}".encode()
    digest = hmac.new(secrets_for(settings).link_key, message, sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


async def issue_activation_link(
    session: AsyncSession,
    outbox: Outbox,
    settings: IdentitySettings,
    *,
    user_id: uuid.UUID,
    email: str,
    ip: str,
    locale: str = "zh",
) -> None:
    """Create a signed, expiring, single-use link for `email` and hand it to notification.

    Goes through the same limiter as codes (resend interval, caps per address and per IP).
    """
    await CodeRepository(session).lock_destination(email)
    links = ActivationLinkRepository(session)
    now = utcnow()
    latest = await links.latest_for_email(email)
    await check_send_limits(
        session,
        settings,
        destination=email,
        ip=ip,
        last_sent_at=latest.created_at if latest is not None else None,
        now=now,
    )
    link = ActivationLink(
        id=uuid.uuid4(),
        user_id=user_id,
        email=email,
        created_at=now,
        expires_at=now + timedelta(hours=settings.activation_link_ttl_hours),
        ip=address_key(ip),
    )
    await links.add(link)
    expires = int(link.expires_at.timestamp())
    token = f"{link.id.hex}.{expires}.{_link_signature(settings, link, expires)}"
    url = f"{settings.public_base_url.rstrip('/')}/activate?token={token}"
    await outbox.add(
        session,
        ActivationLinkIssued(
            user_id=user_id,
            email=email,
            link=url,
            expires_at=link.expires_at,
            locale="en" if locale == "en" else "zh",
        ),
        subject=str(user_id),
    )


async def redeem_activation_link(
    session: AsyncSession, settings: IdentitySettings, token: str
) -> ActivationLink:
    """Check the signature, expiry and single use of an activation token; mark it used."""
    rejected = LinkRejected(
        errors=[FieldError("token", "activation_link_rejected", LinkRejected.title)]
    )
    try:
        link_hex, expires_text, signature = token.strip().split(".")
        link_id = uuid.UUID(hex=link_hex)
        expires = int(expires_text)
    except ValueError:
        raise rejected from None
    link = await ActivationLinkRepository(session).get_for_update(link_id)
    if link is None or int(link.expires_at.timestamp()) != expires:
        raise rejected
    if not constant_time_equals(_link_signature(settings, link, expires), signature):
        raise rejected
    if link.used_at is not None or link.expires_at <= utcnow():
        raise rejected
    link.used_at = utcnow()
    await session.flush()
    return link
