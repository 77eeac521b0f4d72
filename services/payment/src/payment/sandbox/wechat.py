"""The WeChat Pay v3 side: verifies the merchant's signed requests, answers with signed
responses, sends encrypted, signed notifications, serves trade bills."""

import json
import secrets
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, Response

from payment.providers.base import CHINA, fen_to_yuan
from payment.providers.wechat import (
    encrypt_resource,
    parse_authorization,
    request_message,
    rsa_sign,
    rsa_verify,
)
from payment.sandbox.core import RefundFault, RefundRecord, SandboxState, Trade

router = APIRouter(include_in_schema=False)


def state_of(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def signed(state: SandboxState, status: int, payload: dict[str, Any] | None) -> Response:
    """A response signed with the platform key, as WeChat Pay signs every answer."""
    body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    message = timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    signature = rsa_sign(state.platform_key, message.decode())
    return Response(
        body,
        status_code=status,
        media_type="application/json" if body else None,
        headers={
            "Wechatpay-Serial": state.platform_serial,
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Request-ID": uuid.uuid4().hex,
        },
    )


def error(state: SandboxState, status: int, code: str, message: str) -> Response:
    return signed(state, status, {"code": code, "message": message})


async def authenticated(request: Request, state: SandboxState) -> tuple[bytes, Response | None]:
    """Check the merchant's Authorization header over method, path, timestamp, nonce, body."""
    body = await request.body()
    if state.modes.down:
        return body, Response(status_code=503)
    try:
        fields = parse_authorization(request.headers.get("authorization", ""))
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        message = request_message(
            request.method, path, fields["timestamp"], fields["nonce_str"], body.decode()
        )
        fresh = abs(time.time() - int(fields["timestamp"])) <= state.settings.max_clock_skew_seconds
        valid = (
            fields.get("mchid") == state.payment.wechat_mchid
            and fields.get("serial_no") == state.merchant_serial
            and fresh
            and rsa_verify(state.merchant_public, message, fields["signature"])
        )
    except (KeyError, ValueError):
        valid = False
    if not valid:
        return body, error(state, 401, "SIGN_ERROR", "签名错误")
    return body, None


def transaction(state: SandboxState, trade: Trade) -> dict[str, Any]:
    data: dict[str, Any] = {
        "appid": state.payment.wechat_appid,
        "mchid": state.payment.wechat_mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_type": "NATIVE",
        "trade_state": trade.status,
        "trade_state_desc": {"SUCCESS": "支付成功", "NOTPAY": "未支付"}.get(
            trade.status, trade.status
        ),
        "amount": {"total": trade.amount_fen, "currency": "CNY"},
    }
    if trade.paid_at is not None:
        data.update(
            transaction_id=trade.transaction_id,
            bank_type="OTHERS",
            success_time=trade.paid_at.astimezone(CHINA).isoformat(timespec="seconds"),
            payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        )
        data["amount"].update(payer_total=trade.amount_fen, payer_currency="CNY")
    return data


async def notify(
    state: SandboxState,
    trade: Trade,
    *,
    event_type: str = "TRANSACTION.SUCCESS",
    resource: dict[str, Any] | None = None,
    forge: bool = False,
    stale: bool = False,
    amount_fen: int | None = None,
    url: str | None = None,
) -> int | None:
    """POST one notification: AEAD_AES_256_GCM resource, signed headers."""
    if resource is None:
        resource = transaction(state, trade)
        if amount_fen is not None:
            resource["amount"]["total"] = amount_fen
            resource["amount"]["payer_total"] = amount_fen
    refund = event_type.startswith("REFUND.")
    body = json.dumps(
        {
            "id": str(uuid.uuid4()),
            "create_time": datetime.now(CHINA).isoformat(timespec="seconds"),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "退款成功" if refund else "支付成功",
            "resource": encrypt_resource(
                state.apiv3_key,
                json.dumps(resource, ensure_ascii=False).encode(),
                associated_data="refund" if refund else "transaction",
                original_type="refund" if refund else "transaction",
            ),
        },
        ensure_ascii=False,
    ).encode()
    timestamp = int(time.time()) - (600 if stale else 0)
    nonce = secrets.token_hex(16)
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    signature = rsa_sign(state.forger_key if forge else state.platform_key, message.decode())
    headers = {
        "Content-Type": "application/json",
        "Wechatpay-Serial": state.platform_serial,
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": signature,
    }
    target = url or trade.notify_url
    return await state.deliver(
        channel="wechat",
        kind=event_type,
        out_trade_no=trade.out_trade_no,
        url=target,
        send=lambda: state.client.post(target, content=body, headers=headers),
    )


def refund_resource(state: SandboxState, trade: Trade, refund: RefundRecord) -> dict[str, Any]:
    return {
        "mchid": state.payment.wechat_mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_status": refund.status,
        "success_time": (refund.succeeded_at or datetime.now(UTC))
        .astimezone(CHINA)
        .isoformat(timespec="seconds"),
        "amount": {
            "total": trade.amount_fen,
            "refund": refund.amount_fen,
            "payer_total": trade.amount_fen,
            "payer_refund": refund.amount_fen,
        },
    }


async def complete_refund(state: SandboxState, trade: Trade, refund: RefundRecord) -> int | None:
    refund.status = "SUCCESS"
    refund.succeeded_at = datetime.now(UTC).replace(microsecond=0)
    if trade.refunded_fen() >= trade.amount_fen:
        trade.status = "REFUND"
    if not refund.notify_url:
        return None
    return await notify(
        state,
        trade,
        event_type="REFUND.SUCCESS",
        resource=refund_resource(state, trade, refund),
        url=refund.notify_url,
    )


@router.post("/v3/pay/transactions/native")
async def native_order(request: Request) -> Response:
    state = state_of(request)
    body, refused = await authenticated(request, state)
    if refused:
        return refused
    try:
        data = json.loads(body)
        out_trade_no = str(data["out_trade_no"])
        total = data["amount"]["total"]
        notify_url = str(data["notify_url"])
        if (
            data["mchid"] != state.payment.wechat_mchid
            or data["appid"] != state.payment.wechat_appid
        ):
            return error(state, 400, "MCH_NOT_EXISTS", "商户号不存在")
        if not isinstance(total, int) or total <= 0 or not (6 <= len(out_trade_no) <= 32):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return error(state, 400, "PARAM_ERROR", "参数错误")
    trade = state.trade("wechat", out_trade_no)
    if trade is None:
        trade = Trade(
            "wechat", out_trade_no, total, str(data.get("description", "")), notify_url, "NOTPAY"
        )
        state.trades[("wechat", out_trade_no)] = trade
    elif trade.amount_fen != total:
        return error(state, 400, "OUT_TRADE_NO_USED", "商户订单号重复")
    elif trade.paid:
        return error(state, 400, "ORDERPAID", "该订单已支付")
    elif trade.status == "CLOSED":
        return error(state, 400, "ORDERCLOSED", "订单已关闭")
    return signed(
        state, 200, {"code_url": f"{state.settings.public_url}/pay/wechat/{out_trade_no}"}
    )


@router.get("/v3/pay/transactions/out-trade-no/{out_trade_no}")
async def query_order(out_trade_no: str, request: Request) -> Response:
    state = state_of(request)
    _, refused = await authenticated(request, state)
    if refused:
        return refused
    trade = state.trade("wechat", out_trade_no)
    if trade is None:
        return error(state, 404, "ORDER_NOT_EXIST", "订单不存在")
    return signed(state, 200, transaction(state, trade))


@router.post("/v3/pay/transactions/out-trade-no/{out_trade_no}/close")
async def close_order(out_trade_no: str, request: Request) -> Response:
    state = state_of(request)
    _, refused = await authenticated(request, state)
    if refused:
        return refused
    trade = state.trade("wechat", out_trade_no)
    if trade is None:
        return signed(state, 204, None)
    if trade.paid:
        return error(state, 400, "ORDERPAID", "订单已支付")
    trade.status = "CLOSED"
    return signed(state, 204, None)


@router.post("/v3/refund/domestic/refunds")
async def create_refund(request: Request) -> Response:
    state = state_of(request)
    body, refused = await authenticated(request, state)
    if refused:
        return refused
    try:
        data = json.loads(body)
        out_trade_no, out_refund_no = str(data["out_trade_no"]), str(data["out_refund_no"])
        amount, total = data["amount"]["refund"], data["amount"]["total"]
    except (ValueError, KeyError, TypeError):
        return error(state, 400, "PARAM_ERROR", "参数错误")
    trade = state.trade("wechat", out_trade_no)
    if trade is None or not trade.paid:
        return error(state, 404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
    trade.refund_notify_url = data.get("notify_url") or trade.refund_notify_url
    fault = state.take_refund_fault("wechat")
    if fault is not None and not fault.apply:
        return _fault(state, fault)
    answer = await _refund(state, trade, data, out_refund_no, amount, total)
    if fault is not None and answer.status_code < 400:
        return _fault(state, fault)  # done, but the merchant hears an error
    return answer


def _fault(state: SandboxState, fault: RefundFault) -> Response:
    return error(state, fault.http_status, fault.code, "系统繁忙，请稍后重试 (sandbox fault)")


async def _refund(
    state: SandboxState,
    trade: Trade,
    data: dict[str, Any],
    out_refund_no: str,
    amount: Any,
    total: Any,
) -> Response:
    refund = trade.refunds.get(out_refund_no)
    if refund is None:
        if total != trade.amount_fen or not isinstance(amount, int) or amount <= 0:
            return error(state, 400, "PARAM_ERROR", "退款金额错误")
        if trade.refunded_fen() + amount > trade.amount_fen:
            return error(state, 403, "NOT_ENOUGH", "可退金额不足")
        refund = RefundRecord(
            out_refund_no,
            "5030" + secrets.token_hex(10),
            amount,
            "PROCESSING",
            datetime.now(UTC),
            notify_url=data.get("notify_url"),
        )
        trade.refunds[out_refund_no] = refund
        mode = state.modes.wechat_refund_notify
        if mode == "before":
            # Out of order: the result arrives before the merchant has the API's answer.
            await complete_refund(state, trade, refund)
            refund.status = "PROCESSING"
            answer = signed(state, 200, _refund_view(refund))
            refund.status = "SUCCESS"
            return answer
        if mode == "after":
            state.later(
                state.settings.refund_notify_delay_ms,
                lambda: complete_refund(state, trade, refund),
            )
        # "never": stays PROCESSING until queried (then succeeds)
    return signed(state, 200, _refund_view(refund))


def _refund_view(refund: RefundRecord) -> dict[str, Any]:
    return {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "status": refund.status,
        "amount": {"refund": refund.amount_fen, "currency": "CNY"},
    }


@router.get("/v3/refund/domestic/refunds/{out_refund_no}")
async def query_refund(out_refund_no: str, request: Request) -> Response:
    state = state_of(request)
    _, refused = await authenticated(request, state)
    if refused:
        return refused
    for trade in state.trades.values():
        refund = trade.refunds.get(out_refund_no) if trade.channel == "wechat" else None
        if refund is not None:
            if refund.status == "PROCESSING" and state.modes.wechat_refund_notify == "never":
                refund.status = "SUCCESS"
                refund.succeeded_at = datetime.now(UTC).replace(microsecond=0)
            return signed(state, 200, _refund_view(refund))
    return error(state, 404, "RESOURCE_NOT_EXISTS", "退款单不存在")


@router.get("/v3/bill/tradebill")
async def trade_bill(request: Request, bill_date: date, bill_type: str = "ALL") -> Response:
    state = state_of(request)
    _, refused = await authenticated(request, state)
    if refused:
        return refused
    token = secrets.token_urlsafe(16)
    state.bill_tokens[token] = ("wechat", bill_date)
    return signed(
        state,
        200,
        {
            "download_url": f"{state.settings.public_url}/v3/billdownload/file?token={token}",
            "hash_type": "SHA1",
            "hash_value": "",
        },
    )


@router.get("/v3/billdownload/file")
async def download_bill(request: Request, token: str) -> Response:
    state = state_of(request)
    _, refused = await authenticated(request, state)
    if refused:
        return refused
    found = state.bill_tokens.get(token)
    if found is None:
        return error(state, 404, "NO_STATEMENT_EXIST", "账单不存在")
    return Response(wechat_bill(state, found[1]), media_type="text/csv; charset=utf-8")


def wechat_bill(state: SandboxState, day: date) -> str:
    header = ",".join(
        [
            "交易时间",
            "公众账号ID",
            "商户号",
            "微信订单号",
            "商户订单号",
            "交易状态",
            "应结订单金额",
            "微信退款单号",
            "商户退款单号",
            "退款金额",
        ]
    )
    rows = []

    def row(
        at: datetime,
        txn: str,
        no: str,
        status: str,
        paid: str,
        refund_id: str,
        refund_no: str,
        refunded: str,
    ) -> str:
        values = [
            at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S"),
            state.payment.wechat_appid,
            state.payment.wechat_mchid,
            txn,
            no,
            status,
            paid,
            refund_id,
            refund_no,
            refunded,
        ]
        return ",".join("`" + v for v in values)

    for trade in state.trades.values():
        if trade.channel != "wechat" or trade.paid_at is None:
            continue
        if trade.paid_at.astimezone(CHINA).date() == day:
            rows.append(
                row(
                    trade.paid_at,
                    trade.transaction_id or "",
                    trade.out_trade_no,
                    "SUCCESS",
                    fen_to_yuan(trade.amount_fen),
                    "0",
                    "0",
                    "0.00",
                )
            )
        for refund in trade.refunds.values():
            if refund.succeeded_at and refund.succeeded_at.astimezone(CHINA).date() == day:
                rows.append(
                    row(
                        refund.succeeded_at,
                        trade.transaction_id or "",
                        trade.out_trade_no,
                        "REFUND",
                        "0.00",
                        refund.refund_id,
                        refund.out_refund_no,
                        fen_to_yuan(refund.amount_fen),
                    )
                )
    for extra in state.extra_lines:
        if extra.channel == "wechat" and extra.day == day:
            at = datetime.combine(day, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=12)
            if extra.kind == "payment":
                rows.append(
                    row(
                        at,
                        "4200" + secrets.token_hex(8),
                        extra.out_trade_no,
                        "SUCCESS",
                        fen_to_yuan(extra.amount_fen),
                        "0",
                        "0",
                        "0.00",
                    )
                )
            else:
                rows.append(
                    row(
                        at,
                        "4200" + secrets.token_hex(8),
                        extra.out_trade_no,
                        "REFUND",
                        "0.00",
                        "5030" + secrets.token_hex(6),
                        extra.out_refund_no or "",
                        fen_to_yuan(extra.amount_fen),
                    )
                )
    summary = f"总交易单数,应结订单总金额,退款总金额\n`{len(rows)},`0.00,`0.00"
    return "\n".join([header, *rows, summary]) + "\n"
