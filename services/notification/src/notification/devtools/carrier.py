"""A development SMS carrier: the shape of Alibaba Cloud's SendSms, run locally.

`uvicorn notification.devtools.carrier:create_app --factory --port 8026`

It checks the request signature (HMAC-SHA256 with the shared access key secret), the
timestamp and nonce, refuses non-mainland numbers as the real carriers do, deduplicates on
OutId, and records what it accepted. Control endpoints make the next N requests for a number
fail (5xx) or be slow, so tests can drive the retry paths.
"""

import asyncio
import itertools
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from notification.config import NotificationSettings
from notification.deliveries.channels import verify_signature
from notification.recipients.addressing import is_mainland_mobile

MAX_CLOCK_SKEW_SECONDS = 900


@dataclass
class Fault:
    remaining: int
    status: int = 503
    delay_seconds: float = 0.0


@dataclass
class CarrierState:
    secret: str
    access_key_id: str
    # OutId -> the accepted message (a repeated OutId is answered, not sent again).
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    duplicates: int = 0
    nonces: dict[str, float] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)  # phone ("*" for any) -> fault
    biz_ids: "itertools.count[int]" = field(default_factory=lambda: itertools.count(1))

    def fault_for(self, phone: str) -> Fault | None:
        for key in (phone, "*"):
            fault = self.faults.get(key)
            if fault is not None and fault.remaining > 0:
                fault.remaining -= 1
                return fault
        return None


class FaultIn(BaseModel):
    phone: str = Field(default="*", max_length=32)
    count: int = Field(ge=0, le=10_000)
    status: int = Field(default=503, ge=400, le=599)
    delay_seconds: float = Field(default=0.0, ge=0, le=60)


def _error(code: str, message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"Code": code, "Message": message}, status_code=status)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    app = FastAPI(title="EduCert development SMS carrier", docs_url="/docs", redoc_url=None)
    state = CarrierState(
        secret=settings.sms_access_key_secret, access_key_id=settings.sms_access_key_id
    )
    app.state.carrier = state

    @app.get("/healthz")
    @app.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    @app.post("/")
    async def send_sms(request: Request) -> JSONResponse:
        """SendSms: form-encoded, signed parameters."""
        # Form-encoded like the real API (parsed here: no multipart library needed).
        body = (await request.body()).decode(errors="replace")
        params = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        state.requests += 1
        if params.get("Action") != "SendSms":
            return _error("InvalidAction.NotFound", "unknown action", 404)
        if params.get("AccessKeyId") != state.access_key_id:
            return _error("InvalidAccessKeyId.NotFound", "unknown access key", 403)
        if not verify_signature("POST", params, state.secret):
            return _error("SignatureDoesNotMatch", "signature mismatch", 403)
        try:
            sent_at = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except (KeyError, ValueError):
            return _error("InvalidTimeStamp.Format", "bad timestamp")
        if abs((datetime.now(UTC) - sent_at).total_seconds()) > MAX_CLOCK_SKEW_SECONDS:
            return _error("InvalidTimeStamp.Expired", "stale request")
        nonce = params.get("SignatureNonce", "")
        now = time.monotonic()
        if not nonce or nonce in state.nonces:
            return _error("SignatureNonceUsed", "nonce reused")
        state.nonces[nonce] = now
        if len(state.nonces) > 100_000:
            state.nonces = {k: v for k, v in state.nonces.items() if now - v < 2 * 900}
        phone = params.get("PhoneNumbers", "")
        fault = state.fault_for(phone)
        if fault is not None:
            if fault.delay_seconds:
                await asyncio.sleep(fault.delay_seconds)
            if fault.status >= 500 or fault.status == 429:
                return _error("isp.SYSTEM_ERROR", "injected failure", fault.status)
        if not is_mainland_mobile(phone):
            return _error("isv.MOBILE_NUMBER_ILLEGAL", "only mainland numbers")
        try:
            template_params = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return _error("isv.INVALID_JSON_PARAM", "TemplateParam is not JSON")
        out_id = params.get("OutId") or f"anonymous-{state.requests}"
        existing = state.messages.get(out_id)
        if existing is not None:
            state.duplicates += 1
            existing["requests"] += 1
            return JSONResponse({"Code": "OK", "Message": "OK", "BizId": existing["biz_id"]})
        biz_id = f"dev-{next(state.biz_ids)}"
        state.messages[out_id] = {
            "biz_id": biz_id,
            "out_id": out_id,
            "phone": phone,
            "sign_name": params.get("SignName"),
            "template_code": params.get("TemplateCode"),
            "params": template_params,
            "received_at": datetime.now(UTC).isoformat(),
            "requests": 1,
        }
        return JSONResponse({"Code": "OK", "Message": "OK", "BizId": biz_id})

    @app.get("/messages")
    async def messages(phone: str | None = None, out_id: str | None = None) -> dict[str, Any]:
        """What was accepted (one entry per OutId), optionally for one number or OutId."""
        items = [
            m
            for m in state.messages.values()
            if (phone is None or m["phone"] == phone) and (out_id is None or m["out_id"] == out_id)
        ]
        return {
            "items": items,
            "requests": state.requests,
            "duplicates": state.duplicates,
        }

    @app.post("/control/faults")
    async def add_fault(body: FaultIn) -> dict[str, Any]:
        """Make the next `count` requests for `phone` ("*": any) fail or be slow."""
        state.faults[body.phone] = Fault(body.count, body.status, body.delay_seconds)
        return {"phone": body.phone, "remaining": body.count}

    @app.post("/control/reset")
    async def reset() -> dict[str, str]:
        state.messages.clear()
        state.faults.clear()
        state.requests = state.duplicates = 0
        return {"status": "reset"}

    return app
