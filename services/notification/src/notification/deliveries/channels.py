"""Channels behind interfaces: e-mail over SMTP, SMS through a carrier API.

Both calls carry an idempotency reference derived from the delivery id (the e-mail's
Message-ID, the carrier's OutId), so a retry after a crash is recognisable downstream.
"""

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import socket
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

import aiosmtplib
import httpx

from notification.config import NotificationSettings


class SendError(Exception):
    """A send did not go through; `transient` says whether trying again may help."""

    def __init__(self, reason: str, detail: str, *, transient: bool) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.transient = transient


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str | None
    reference: str  # the delivery id


@dataclass(frozen=True, slots=True)
class OutgoingSms:
    phone: str
    template_code: str
    params: Mapping[str, str]
    reference: str  # the delivery id, sent as the carrier's OutId
    text: str = ""  # what the carrier's template renders to (kept for the record only)


class EmailSender(Protocol):
    async def send(self, message: OutgoingEmail) -> str:
        """Send one e-mail; return the provider's id for it; raise SendError."""
        ...

    async def aclose(self) -> None: ...


class SmsCarrier(Protocol):
    async def send(self, message: OutgoingSms) -> str:
        """Send one SMS; return the carrier's id for it; raise SendError."""
        ...

    async def aclose(self) -> None: ...


# E-mail ---------------------------------------------------------------------------------------


class _PooledSmtp:
    """One open SMTP connection and how much it has been used."""

    def __init__(self, client: aiosmtplib.SMTP) -> None:
        self.client = client
        self.sent = 0
        self.idle_since = time.monotonic()


class SmtpEmailSender:
    """E-mail through any SMTP server (STARTTLS, implicit TLS and login configurable).

    Connections are kept open and reused (at most `smtp_connections`, one message at a time
    each): a message then costs MAIL, RCPT and DATA instead of a TCP connect, greeting, EHLO
    (and TLS and login) and QUIT. A connection idle for `smtp_idle_seconds`, past
    `smtp_messages_per_connection`, or that failed in any way is closed, never reused.
    """

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self._idle: list[_PooledSmtp] = []
        self._slots: asyncio.Semaphore | None = None
        self._local_hostname: str | None = settings.smtp_local_hostname or None

    def build(self, message: OutgoingEmail) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.settings.mail_from
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False, usegmt=True)
        email["Message-ID"] = f"<{message.reference}@{self.settings.message_id_domain}>"
        email["Auto-Submitted"] = "auto-generated"
        email.set_content(message.text)
        if message.html is not None:
            email.add_alternative(message.html, subtype="html")
        return email

    async def _connect(self) -> _PooledSmtp:
        settings = self.settings
        if self._local_hostname is None:
            # aiosmtplib would look this up (in a thread) on every new connection.
            self._local_hostname = await asyncio.to_thread(socket.getfqdn)
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            start_tls=settings.smtp_start_tls,
            use_tls=settings.smtp_use_tls,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            timeout=settings.smtp_timeout_seconds,
            local_hostname=self._local_hostname,
        )
        await client.connect()
        return _PooledSmtp(client)

    def _checkout(self) -> _PooledSmtp | None:
        """The most recently used open connection, closing the stale ones."""
        now = time.monotonic()
        while self._idle:
            pooled = self._idle.pop()
            if pooled.client.is_connected and now - pooled.idle_since < (
                self.settings.smtp_idle_seconds
            ):
                return pooled
            pooled.client.close()
        return None

    def _checkin(self, pooled: _PooledSmtp, *, reusable: bool) -> None:
        if (
            reusable
            and pooled.client.is_connected
            and pooled.sent < self.settings.smtp_messages_per_connection
        ):
            pooled.idle_since = time.monotonic()
            self._idle.append(pooled)
        else:
            pooled.client.close()

    async def send(self, message: OutgoingEmail) -> str:
        email = self.build(message)
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.settings.smtp_connections)
        async with self._slots:
            pooled: _PooledSmtp | None = None
            reusable = False
            try:
                pooled = self._checkout() or await self._connect()
                pooled.sent += 1
                try:
                    await pooled.client.send_message(email)
                except (aiosmtplib.SMTPRecipientsRefused, aiosmtplib.SMTPResponseException):
                    # The server answered (and the envelope was reset): the line is still good.
                    reusable = True
                    raise
                reusable = True
            except aiosmtplib.SMTPRecipientsRefused as exc:
                codes = [r.code for r in exc.recipients]
                transient = all(400 <= code < 500 for code in codes)
                raise SendError("recipient_refused", str(exc)[:500], transient=transient) from exc
            except aiosmtplib.SMTPResponseException as exc:
                # 4xx: try later; 5xx: the server will not take it.
                transient = 400 <= exc.code < 500
                raise SendError(f"smtp_{exc.code}", exc.message[:500], transient=transient) from exc
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                raise SendError("smtp_unreachable", repr(exc)[:500], transient=True) from exc
            finally:
                if pooled is not None:
                    self._checkin(pooled, reusable=reusable)
        return str(email["Message-ID"])

    async def aclose(self) -> None:
        """Close the idle connections (QUIT is a courtesy; a server copes without it)."""
        idle, self._idle = self._idle, []
        for pooled in idle:
            pooled.client.close()


# SMS ------------------------------------------------------------------------------------------

# Carrier answers that mean "try later" rather than "never".
TRANSIENT_CARRIER_CODES = frozenset(
    {"isv.BUSINESS_LIMIT_CONTROL", "isp.SYSTEM_ERROR", "isp.RAM_PERMISSION_DENY", "Throttling"}
)


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud's signature v1 defines it."""
    return urllib.parse.quote(value, safe="-_.~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"


def sign(method: str, params: Mapping[str, str], secret: str) -> str:
    """HMAC-SHA256 over the sorted, encoded parameters (everything but `Signature`)."""
    unsigned = {k: v for k, v in params.items() if k != "Signature"}
    digest = hmac.new(
        (secret + "&").encode(), string_to_sign(method, unsigned).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def verify_signature(method: str, params: Mapping[str, str], secret: str) -> bool:
    presented = params.get("Signature", "")
    return hmac.compare_digest(presented, sign(method, params, secret))


@dataclass
class HttpSmsCarrier:
    """An SMS carrier API shaped like Alibaba Cloud's SendSms (signature v1, HMAC-SHA256):
    sign name, template code, template parameters as JSON, OutId, timestamp and nonce."""

    settings: NotificationSettings
    client: httpx.AsyncClient = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.AsyncClient(
            base_url=self.settings.sms_carrier_url,
            timeout=self.settings.sms_timeout_seconds,
            limits=httpx.Limits(max_connections=self.settings.delivery_concurrency),
        )

    def signed_params(self, message: OutgoingSms) -> dict[str, str]:
        params = {
            "Action": "SendSms",
            "Version": "2017-05-25",
            "Format": "JSON",
            "AccessKeyId": self.settings.sms_access_key_id,
            "SignatureMethod": "HMAC-SHA256",
            "SignatureVersion": "1.0",
            "SignatureNonce": secrets.token_hex(16),
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "PhoneNumbers": message.phone,
            "SignName": self.settings.sms_sign_name,
            "TemplateCode": message.template_code,
            "TemplateParam": json.dumps(dict(message.params), ensure_ascii=False),
            "OutId": message.reference,
        }
        params["Signature"] = sign("POST", params, self.settings.sms_access_key_secret)
        return params

    async def send(self, message: OutgoingSms) -> str:
        try:
            response = await self.client.post("/", data=self.signed_params(message))
        except httpx.HTTPError as exc:
            raise SendError("carrier_unreachable", repr(exc)[:500], transient=True) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise SendError(
                f"carrier_http_{response.status_code}", response.text[:500], transient=True
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise SendError("carrier_bad_response", response.text[:500], transient=True) from exc
        code = str(body.get("Code", ""))
        if response.status_code == 200 and code == "OK":
            return str(body.get("BizId", ""))
        raise SendError(
            f"carrier_{code or response.status_code}"[:64],
            str(body.get("Message", ""))[:500],
            transient=code in TRANSIENT_CARRIER_CODES,
        )

    async def aclose(self) -> None:
        await self.client.aclose()
