"""The sandbox process: `uvicorn payment.sandbox.app:create_app --factory --port 8014`.

Serves the WeChat Pay v3 API (/v3/...), the Alipay gateway (/gateway.do), a hosted pay page
per trade (/pay/<channel>/<out_trade_no>, with its QR code) and control endpoints for tests
(/control/...): pay now, fail, send a notification N times, late, out of order, forged or
stale, change the refund behaviour, fail refund requests N times (transient or definite),
report a refund made after it was refused, add statement lines.
"""

import html
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Literal

import segno
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from payment.providers.base import CHINA, fen_to_yuan
from payment.sandbox import alipay, wechat
from payment.sandbox.config import SandboxSettings, resolved
from payment.sandbox.core import ExtraLine, RefundFault, RefundRecord, SandboxState, Trade

Channel = Literal["wechat", "alipay"]


class PayControl(BaseModel):
    notify: bool = True
    times: int = Field(default=1, ge=0, le=20)
    delay_ms: int = Field(default=0, ge=0, le=600_000)
    # Notify this amount instead of the trade's (a provider-side inconsistency).
    amount_fen: int | None = None
    # Pay even though the trade was closed (the race between close and payment).
    force: bool = False


class NotifyControl(BaseModel):
    times: int = Field(default=1, ge=1, le=20)
    delay_ms: int = Field(default=0, ge=0, le=600_000)
    # Alipay trade_status values to send, in this order (e.g. TRADE_FINISHED before
    # TRADE_SUCCESS); WeChat always sends the trade's state.
    statuses: list[str] | None = None
    forge: bool = False
    stale: bool = False
    amount_fen: int | None = None


class ModesControl(BaseModel):
    wechat_refund_notify: Literal["after", "before", "never"] | None = None
    down: bool | None = None


# Error codes and their usual HTTP statuses (WeChat) / gateway codes (Alipay), for the
# refund fault switch.
WECHAT_FAULT_STATUS = {
    "SYSTEM_ERROR": 500,
    "BANK_ERROR": 500,
    "FREQUENCY_LIMITED": 429,
    "NOT_ENOUGH": 403,
    "USER_ACCOUNT_ABNORMAL": 403,
    "RESOURCE_NOT_EXISTS": 404,
}
DEFAULT_FAULT = {"wechat": "FREQUENCY_LIMITED", "alipay": "ACQ.SYSTEM_ERROR"}


class RefundFaultControl(BaseModel):
    """Answer the channel's next `times` refund requests with an error (0 disarms)."""

    times: int = Field(default=1, ge=0, le=50)
    # WeChat `code` / Alipay `sub_code`; default a transient one (FREQUENCY_LIMITED /
    # ACQ.SYSTEM_ERROR). A definite one, e.g. NOT_ENOUGH / ACQ.SELLER_BALANCE_NOT_ENOUGH.
    code: str | None = None
    http_status: int | None = Field(default=None, ge=400, le=599)  # WeChat
    gateway_code: str | None = None  # Alipay; default 20000 for isp.*/aop.*, else 40004
    # Carry the refund out, then answer with the error (the answer lost on the way back).
    apply: bool = False


class RefundSuccessControl(BaseModel):
    """The provider reports a refund made (even one it refused before) and notifies it."""

    amount_fen: int | None = Field(default=None, gt=0)
    notify: bool = True


class StatementLineControl(BaseModel):
    channel: Channel
    kind: Literal["payment", "refund"] = "payment"
    out_trade_no: str
    amount_fen: int
    day: date | None = None
    out_refund_no: str | None = None


def _trade(state: SandboxState, channel: str, out_trade_no: str) -> Trade:
    trade = state.trade(channel, out_trade_no)
    if trade is None:
        raise HTTPException(404, "no such trade")
    return trade


async def _send(
    state: SandboxState, trade: Trade, control: NotifyControl
) -> tuple[list[int | None], list[float]]:
    """Send the notifications; return their HTTP statuses and when each was sent (epoch)."""
    results: list[int | None] = []
    sent_at: list[float] = []
    for _ in range(control.times):
        if trade.channel == "wechat":
            sent_at.append(time.time())
            results.append(
                await wechat.notify(
                    state,
                    trade,
                    forge=control.forge,
                    stale=control.stale,
                    amount_fen=control.amount_fen,
                )
            )
        else:
            for status in control.statuses or [trade.status]:
                sent_at.append(time.time())
                results.append(
                    await alipay.notify(
                        state,
                        trade,
                        trade_status=status,
                        forge=control.forge,
                        stale=control.stale,
                        amount_fen=control.amount_fen,
                    )
                )
    return results, sent_at


async def _notify(state: SandboxState, trade: Trade, control: NotifyControl) -> dict[str, object]:
    if control.delay_ms:
        state.later(control.delay_ms, lambda: _send(state, trade, control))
        return {"scheduled": True, "statuses": [], "sent_at": []}
    statuses, sent_at = await _send(state, trade, control)
    return {"scheduled": False, "statuses": statuses, "sent_at": sent_at}


def _view(trade: Trade) -> dict[str, object]:
    return {
        "channel": trade.channel,
        "out_trade_no": trade.out_trade_no,
        "amount_fen": trade.amount_fen,
        "status": trade.status,
        "transaction_id": trade.transaction_id,
        "paid_at": trade.paid_at.isoformat() if trade.paid_at else None,
        "refunds": [
            {"out_refund_no": r.out_refund_no, "amount_fen": r.amount_fen, "status": r.status}
            for r in trade.refunds.values()
        ],
    }


def create_app(settings: SandboxSettings | None = None) -> FastAPI:
    sandbox_settings, payment_settings = resolved(settings or SandboxSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await app.state.sandbox.aclose()

    app = FastAPI(title="EduCert payment sandbox (WeChat Pay v3, Alipay)", lifespan=lifespan)
    app.state.sandbox = SandboxState(sandbox_settings, payment_settings)
    app.include_router(wechat.router)
    app.include_router(alipay.router)

    def state_of(request: Request) -> SandboxState:
        state: SandboxState = request.app.state.sandbox
        return state

    @app.get("/healthz")
    @app.get("/readyz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/pay/{channel}/{out_trade_no}", response_class=HTMLResponse)
    async def pay_page(channel: Channel, out_trade_no: str, request: Request) -> HTMLResponse:
        """The hosted page the QR code leads to: amount, and buttons to pay or fail."""
        state = state_of(request)
        trade = _trade(state, channel, out_trade_no)
        url = f"{state.settings.public_url}/pay/{channel}/{out_trade_no}"
        qr = segno.make(url, error="m").svg_inline(scale=4)
        base = f"/pay/{channel}/{out_trade_no}"
        name = "微信支付 WeChat Pay (sandbox)" if channel == "wechat" else "支付宝 Alipay (sandbox)"
        body = f"""<!doctype html><html lang="zh"><head><meta charset="utf-8">
<title>{name}</title></head><body style="font-family:sans-serif;max-width:28em;margin:2em auto">
<h1>{name}</h1><p>{html.escape(trade.description)}</p>
<p style="font-size:2em">¥{fen_to_yuan(trade.amount_fen)}</p>
<p>状态 Status: <b>{html.escape(trade.status)}</b></p>{qr}
<form method="post" action="{base}/confirm"><button>确认支付 Pay</button></form>
<form method="post" action="{base}/fail"><button>支付失败 Fail</button></form>
</body></html>"""
        return HTMLResponse(body)

    @app.post("/pay/{channel}/{out_trade_no}/confirm")
    async def confirm(channel: Channel, out_trade_no: str, request: Request) -> RedirectResponse:
        state = state_of(request)
        trade = _trade(state, channel, out_trade_no)
        if trade.status not in ("CLOSED", "TRADE_CLOSED"):
            state.mark_paid(trade)
            state.later(
                state.settings.notify_delay_ms,
                lambda: _send(state, trade, NotifyControl()),
            )
        return RedirectResponse(f"/pay/{channel}/{out_trade_no}", status_code=303)

    @app.post("/pay/{channel}/{out_trade_no}/fail")
    async def fail_page(channel: Channel, out_trade_no: str, request: Request) -> RedirectResponse:
        trade = _trade(state_of(request), channel, out_trade_no)
        if not trade.paid:
            trade.status = "PAYERROR" if channel == "wechat" else "WAIT_BUYER_PAY"
        return RedirectResponse(f"/pay/{channel}/{out_trade_no}", status_code=303)

    # --- control, for tests and benchmarks --------------------------------------------------

    @app.get("/control/{channel}/trades/{out_trade_no}")
    async def show(channel: Channel, out_trade_no: str, request: Request) -> dict[str, object]:
        return _view(_trade(state_of(request), channel, out_trade_no))

    @app.post("/control/{channel}/trades/{out_trade_no}/pay")
    async def pay(
        channel: Channel, out_trade_no: str, control: PayControl, request: Request
    ) -> dict[str, object]:
        """The payer pays now; then `times` notifications (after `delay_ms`)."""
        state = state_of(request)
        trade = _trade(state, channel, out_trade_no)
        if trade.status in ("CLOSED", "TRADE_CLOSED") and not control.force and not trade.paid:
            raise HTTPException(409, "trade closed")
        state.mark_paid(trade)
        result: dict[str, object] = {"scheduled": False, "statuses": []}
        if control.notify and control.times:
            result = await _notify(
                state,
                trade,
                NotifyControl(
                    times=control.times, delay_ms=control.delay_ms, amount_fen=control.amount_fen
                ),
            )
        return {**_view(trade), **result}

    @app.post("/control/{channel}/trades/{out_trade_no}/fail")
    async def fail(channel: Channel, out_trade_no: str, request: Request) -> dict[str, object]:
        trade = _trade(state_of(request), channel, out_trade_no)
        if not trade.paid:
            trade.status = "PAYERROR" if channel == "wechat" else "WAIT_BUYER_PAY"
        return _view(trade)

    @app.post("/control/{channel}/trades/{out_trade_no}/notify")
    async def notify(
        channel: Channel, out_trade_no: str, control: NotifyControl, request: Request
    ) -> dict[str, object]:
        """Send the trade's notification again: several times, late, reordered, forged, stale."""
        state = state_of(request)
        return await _notify(state, _trade(state, channel, out_trade_no), control)

    @app.post("/control/modes")
    async def modes(control: ModesControl, request: Request) -> dict[str, object]:
        state = state_of(request)
        if control.wechat_refund_notify is not None:
            state.modes.wechat_refund_notify = control.wechat_refund_notify
        if control.down is not None:
            state.modes.down = control.down
        return {"wechat_refund_notify": state.modes.wechat_refund_notify, "down": state.modes.down}

    @app.post("/control/{channel}/refund-faults")
    async def refund_faults(
        channel: Channel, control: RefundFaultControl, request: Request
    ) -> dict[str, object]:
        """Fail the next refund requests: transient (to be retried) or definite errors."""
        code = control.code or DEFAULT_FAULT[channel]
        gateway = control.gateway_code or (
            "20000" if code.startswith(("isp.", "aop.unknow")) else "40004"
        )
        fault = RefundFault(
            times=control.times,
            code=code,
            http_status=control.http_status or WECHAT_FAULT_STATUS.get(code, 400),
            gateway_code=gateway,
            apply=control.apply,
        )
        state_of(request).refund_faults[channel] = fault
        return {"channel": channel, **fault.__dict__}

    @app.post("/control/wechat/trades/{out_trade_no}/refunds/{out_refund_no}/succeed")
    async def refund_succeeded(
        out_trade_no: str, out_refund_no: str, control: RefundSuccessControl, request: Request
    ) -> dict[str, object]:
        """WeChat reports a refund made (a refund it refused or never had gets a record), then
        sends REFUND.SUCCESS to where the trade's last refund request asked."""
        state = state_of(request)
        trade = _trade(state, "wechat", out_trade_no)
        record = trade.refunds.get(out_refund_no)
        if record is None:
            if control.amount_fen is None:
                raise HTTPException(422, "amount_fen needed for a refund the sandbox never had")
            record = RefundRecord(
                out_refund_no,
                "5030" + secrets.token_hex(10),
                control.amount_fen,
                "PROCESSING",
                datetime.now(UTC),
                notify_url=trade.refund_notify_url,
            )
            trade.refunds[out_refund_no] = record
        record.notify_url = record.notify_url or trade.refund_notify_url
        if not control.notify:
            record.notify_url = None
        status = await wechat.complete_refund(state, trade, record)
        return {**_view(trade), "statuses": [status]}

    @app.post("/control/statement-lines")
    async def add_statement_line(control: StatementLineControl, request: Request) -> dict[str, str]:
        """Put a line on a day's statement that no trade explains (for reconciliation)."""
        day = control.day or datetime.now(UTC).astimezone(CHINA).date()
        state_of(request).extra_lines.append(
            ExtraLine(
                control.channel,
                control.kind,
                control.out_trade_no,
                control.amount_fen,
                day,
                control.out_refund_no,
            )
        )
        return {"day": day.isoformat()}

    @app.get("/control/deliveries")
    async def deliveries(
        request: Request, out_trade_no: str | None = None
    ) -> list[dict[str, object]]:
        return [
            {
                "channel": d.channel,
                "kind": d.kind,
                "out_trade_no": d.out_trade_no,
                "status": d.status_code,
                "body": d.body,
            }
            for d in state_of(request).deliveries
            if out_trade_no is None or d.out_trade_no == out_trade_no
        ]

    @app.get("/control/statement/{channel}/{day}")
    async def statement(channel: Channel, day: date, request: Request) -> dict[str, str]:
        """The day's statement as the bill download would serve it."""
        state = state_of(request)
        text = (
            wechat.wechat_bill(state, day)
            if channel == "wechat"
            else alipay.alipay_bill(state, day)
        )
        return {"csv": text}

    return app
