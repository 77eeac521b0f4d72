"""The Alipay side: verifies RSA2-signed gateway calls, answers with signed responses, sends
signed asynchronous notifications, serves bills."""

import json
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response

from payment.providers.alipay import TIME_FORMAT, signing_content
from payment.providers.base import CHINA, fen_to_yuan, yuan_to_fen
from payment.providers.wechat import rsa_sign, rsa_verify
from payment.sandbox.core import RefundFault, RefundRecord, SandboxState, Trade

router = APIRouter(include_in_schema=False)


def state_of(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def answer(state: SandboxState, method: str, node: dict[str, Any]) -> Response:
    name = method.replace(".", "_") + "_response"
    node_text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
    sign = rsa_sign(state.alipay_key, node_text)
    text = '{"' + name + '":' + node_text + ',"sign":"' + sign + '"}'
    return Response(text, media_type="application/json; charset=utf-8")


def failure(
    state: SandboxState, method: str, sub_code: str, sub_msg: str, code: str = "40004"
) -> Response:
    return answer(
        state,
        method,
        {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg},
    )


def local(value: datetime) -> str:
    return value.astimezone(CHINA).strftime(TIME_FORMAT)


def notification_params(
    state: SandboxState,
    trade: Trade,
    trade_status: str,
    *,
    amount_fen: int | None = None,
    stale: bool = False,
) -> dict[str, str]:
    sent = datetime.now(CHINA) - (timedelta(hours=27) if stale else timedelta())
    params = {
        "notify_time": sent.strftime(TIME_FORMAT),
        "notify_type": "trade_status_sync",
        "notify_id": uuid.uuid4().hex,
        "app_id": state.payment.alipay_app_id,
        "charset": "utf-8",
        "version": "1.0",
        "sign_type": "RSA2",
        "trade_no": trade.transaction_id or "",
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade_status,
        "total_amount": fen_to_yuan(trade.amount_fen if amount_fen is None else amount_fen),
        "receipt_amount": fen_to_yuan(trade.amount_fen),
        "buyer_pay_amount": fen_to_yuan(trade.amount_fen),
        "seller_id": state.payment.alipay_seller_id,
        "subject": trade.description,
        "gmt_create": local(trade.created_at),
    }
    if trade.paid_at is not None:
        params["gmt_payment"] = local(trade.paid_at)
    return params


async def notify(
    state: SandboxState,
    trade: Trade,
    *,
    trade_status: str | None = None,
    forge: bool = False,
    stale: bool = False,
    amount_fen: int | None = None,
) -> int | None:
    status = trade_status or trade.status
    params = notification_params(state, trade, status, amount_fen=amount_fen, stale=stale)
    content = signing_content(params, exclude=("sign", "sign_type"))
    params["sign"] = rsa_sign(state.forger_key if forge else state.alipay_key, content)
    return await state.deliver(
        channel="alipay",
        kind=status,
        out_trade_no=trade.out_trade_no,
        url=trade.notify_url,
        send=lambda: state.client.post(trade.notify_url, data=params),
    )


@router.post("/gateway.do")
async def gateway(request: Request) -> Response:
    state = state_of(request)
    if state.modes.down:
        return Response(status_code=503)
    body = (await request.body()).decode()
    params = dict(parse_qsl(body, keep_blank_values=True)) | dict(request.query_params)
    method = params.get("method", "")
    if params.get("app_id") != state.payment.alipay_app_id:
        return failure(state, method, "isv.invalid-app-id", "无效的AppID参数", code="40002")
    if params.get("sign_type") != "RSA2" or not rsa_verify(
        state.alipay_app_public, signing_content(params), params.get("sign", "")
    ):
        return failure(state, method, "isv.invalid-signature", "验签出错", code="40002")
    try:
        biz = json.loads(params.get("biz_content") or "{}")
    except ValueError:
        return failure(state, method, "isv.invalid-parameter", "参数无效", code="40002")
    handler = METHODS.get(method)
    if handler is None:
        return failure(state, method, "isv.invalid-method", "不存在的方法名", code="40002")
    return handler(state, method, params, biz)


def precreate(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    try:
        out_trade_no = str(biz["out_trade_no"])
        amount = yuan_to_fen(str(biz["total_amount"]))
    except (KeyError, ValueError):
        return failure(state, method, "ACQ.INVALID_PARAMETER", "参数无效", code="40002")
    trade = state.trade("alipay", out_trade_no)
    if trade is None:
        trade = Trade(
            "alipay",
            out_trade_no,
            amount,
            str(biz.get("subject", "")),
            params.get("notify_url", ""),
            "WAIT_BUYER_PAY",
        )
        state.trades[("alipay", out_trade_no)] = trade
    elif trade.paid:
        return failure(state, method, "ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
    elif trade.amount_fen != amount:
        return failure(state, method, "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
    return answer(
        state,
        method,
        {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": out_trade_no,
            "qr_code": f"{state.settings.public_url}/pay/alipay/{out_trade_no}",
        },
    )


def query(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    trade = state.trade("alipay", str(biz.get("out_trade_no", "")))
    if trade is None:
        return failure(state, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
    node: dict[str, Any] = {
        "code": "10000",
        "msg": "Success",
        "out_trade_no": trade.out_trade_no,
        "trade_status": trade.status,
        "total_amount": fen_to_yuan(trade.amount_fen),
    }
    if trade.paid_at is not None:
        node.update(
            trade_no=trade.transaction_id,
            send_pay_date=local(trade.paid_at),
            buyer_logon_id="159****5620",
        )
    return answer(state, method, node)


def close(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    trade = state.trade("alipay", str(biz.get("out_trade_no", "")))
    if trade is None:
        return failure(state, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
    if trade.paid:
        return failure(state, method, "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
    trade.status = "TRADE_CLOSED"
    return answer(
        state, method, {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no}
    )


def refund(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    fault = state.take_refund_fault("alipay")
    if fault is not None and not fault.apply:
        return _fault(state, method, fault)
    answer = _refund(state, method, biz)
    if fault is not None and b'"code":"10000"' in answer.body:
        return _fault(state, method, fault)  # done, but the merchant hears an error
    return answer


def _fault(state: SandboxState, method: str, fault: RefundFault) -> Response:
    return failure(state, method, fault.code, "系统繁忙 (sandbox fault)", code=fault.gateway_code)


def _refund(state: SandboxState, method: str, biz: dict[str, Any]) -> Response:
    trade = state.trade("alipay", str(biz.get("out_trade_no", "")))
    if trade is None or not trade.paid:
        return failure(state, method, "ACQ.TRADE_NOT_EXIST", "交易不存在")
    request_no = str(biz.get("out_request_no") or trade.out_trade_no)
    existing = trade.refunds.get(request_no)
    if existing is None:
        try:
            amount = yuan_to_fen(str(biz["refund_amount"]))
        except (KeyError, ValueError):
            return failure(state, method, "ACQ.INVALID_PARAMETER", "参数无效", code="40002")
        if amount <= 0 or trade.refunded_fen() + amount > trade.amount_fen:
            return failure(state, method, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        now = datetime.now(UTC).replace(microsecond=0)
        trade.refunds[request_no] = RefundRecord(
            request_no, secrets.token_hex(8), amount, "SUCCESS", now, succeeded_at=now
        )
        if trade.refunded_fen() >= trade.amount_fen:
            trade.status = "TRADE_CLOSED"
    return answer(
        state,
        method,
        {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.transaction_id,
            "out_trade_no": trade.out_trade_no,
            "fund_change": "N" if existing else "Y",
            "refund_fee": fen_to_yuan(trade.refunded_fen()),
        },
    )


def refund_query(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    trade = state.trade("alipay", str(biz.get("out_trade_no", "")))
    record = trade.refunds.get(str(biz.get("out_request_no", ""))) if trade else None
    if trade is None or record is None:
        return answer(state, method, {"code": "10000", "msg": "Success"})
    return answer(
        state,
        method,
        {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.transaction_id,
            "out_trade_no": trade.out_trade_no,
            "out_request_no": record.out_refund_no,
            "refund_amount": fen_to_yuan(record.amount_fen),
            "refund_status": "REFUND_SUCCESS",
        },
    )


def bill_url(
    state: SandboxState, method: str, params: dict[str, str], biz: dict[str, Any]
) -> Response:
    try:
        day = date.fromisoformat(str(biz["bill_date"]))
    except (KeyError, ValueError):
        return failure(state, method, "isv.invalid-parameter", "参数无效", code="40002")
    token = secrets.token_urlsafe(16)
    state.bill_tokens[token] = ("alipay", day)
    return answer(
        state,
        method,
        {
            "code": "10000",
            "msg": "Success",
            "bill_download_url": f"{state.settings.public_url}/alipay/bills/{token}.csv",
        },
    )


METHODS = {
    "alipay.trade.precreate": precreate,
    "alipay.trade.query": query,
    "alipay.trade.close": close,
    "alipay.trade.refund": refund,
    "alipay.trade.fastpay.refund.query": refund_query,
    "alipay.data.dataservice.bill.downloadurl.query": bill_url,
}


@router.get("/alipay/bills/{token}.csv")
async def download_bill(token: str, request: Request) -> Response:
    state = state_of(request)
    found = state.bill_tokens.get(token)
    if found is None or found[0] != "alipay":
        return Response(status_code=404)
    return Response(alipay_bill(state, found[1]), media_type="text/csv; charset=utf-8")


def alipay_bill(state: SandboxState, day: date) -> str:
    lines = [
        "#支付宝业务明细查询",
        f"#账号：[{state.payment.alipay_seller_id}]",
        "支付宝交易号,商户订单号,业务类型,完成时间,订单金额（元）,商家实收（元）,退款批次号/请求号",
    ]
    for trade in state.trades.values():
        if trade.channel != "alipay" or trade.paid_at is None:
            continue
        if trade.paid_at.astimezone(CHINA).date() == day:
            lines.append(
                f"{trade.transaction_id},{trade.out_trade_no},交易,{local(trade.paid_at)},{fen_to_yuan(trade.amount_fen)},{fen_to_yuan(trade.amount_fen)},"
            )
        for record in trade.refunds.values():
            if record.succeeded_at and record.succeeded_at.astimezone(CHINA).date() == day:
                lines.append(
                    f"{trade.transaction_id},{trade.out_trade_no},退款,{local(record.succeeded_at)},{fen_to_yuan(trade.amount_fen)},-{fen_to_yuan(record.amount_fen)},{record.out_refund_no}"
                )
    for extra in state.extra_lines:
        if extra.channel == "alipay" and extra.day == day:
            at = local(
                datetime.combine(day, datetime.min.time(), tzinfo=CHINA) + timedelta(hours=12)
            )
            kind = "交易" if extra.kind == "payment" else "退款"
            sign = "" if extra.kind == "payment" else "-"
            amount = fen_to_yuan(extra.amount_fen)
            values = [f"2026{secrets.token_hex(8)}", extra.out_trade_no, kind, at, amount]
            values += [f"{sign}{amount}", extra.out_refund_no or ""]
            lines.append(",".join(values))
    lines.append("#业务明细列表结束")
    return "\n".join(lines) + "\n"
