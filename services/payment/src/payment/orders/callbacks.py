"""Provider callbacks: verified before anything else, applied exactly once, answered in the
provider's own terms (WeChat: 204 or an error body; Alipay: the text `success`)."""

import logging

from fastapi import APIRouter, Request, Response
from prometheus_client import Counter
from starlette.background import BackgroundTask

from educert_common.app import OutboxDep, SessionDep
from payment.orders import service as orders
from payment.providers.base import InvalidNotification, PaymentNotice, PaymentProvider
from payment.refunds import service as refunds
from payment.runtime import ProvidersDep, SettingsDep, wake_refund_worker

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/callbacks", tags=["payment callbacks"])

CALLBACKS = Counter(
    "educert_payment_callbacks_total", "Provider callbacks by outcome", ["channel", "outcome"]
)
# Verified, but not something to accept: the provider should keep the money flagged.
REFUSED_OUTCOMES = frozenset({"unknown_order", "amount_mismatch", "unknown_refund"})


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


async def _handle(
    channel: str,
    request: Request,
    session: SessionDep,
    outbox: OutboxDep,
    providers: ProvidersDep,
    settings: SettingsDep,
) -> Response:
    provider: PaymentProvider | None = providers.by_channel.get(channel)
    if provider is None:
        return Response(status_code=404)
    try:
        body = await read_limited(request, settings.max_callback_bytes)
    except BodyTooLarge:
        CALLBACKS.labels(channel, "too_large").inc()
        return provider.refuse("body too large", 413)
    try:
        notice = provider.verify_notification(dict(request.headers), body)
    except InvalidNotification as exc:
        CALLBACKS.labels(channel, "rejected").inc()
        logger.warning(
            "callback rejected",
            extra={
                "channel": channel,
                "reason": str(exc),
                "client": request.client.host if request.client else None,
            },
        )
        return provider.refuse("verification failed", 401)
    if isinstance(notice, PaymentNotice):
        outcome: str = await orders.apply_payment_notice(
            session, outbox, channel=channel, notice=notice
        )
    else:
        outcome = await refunds.apply_refund_notice(session, outbox, channel=channel, notice=notice)
    CALLBACKS.labels(channel, outcome).inc()
    if outcome in REFUSED_OUTCOMES:
        return provider.refuse(outcome, 400)
    response = provider.acknowledge()
    if outcome.endswith("_refund"):
        response.background = BackgroundTask(wake_refund_worker)  # after the commit
    return response


@router.post("/wechat/transactions", include_in_schema=False)
async def wechat_transaction(
    request: Request,
    session: SessionDep,
    outbox: OutboxDep,
    providers: ProvidersDep,
    settings: SettingsDep,
) -> Response:
    """WeChat Pay payment notification (TRANSACTION.SUCCESS)."""
    return await _handle("wechat", request, session, outbox, providers, settings)


@router.post("/wechat/refunds", include_in_schema=False)
async def wechat_refund(
    request: Request,
    session: SessionDep,
    outbox: OutboxDep,
    providers: ProvidersDep,
    settings: SettingsDep,
) -> Response:
    """WeChat Pay refund notification (REFUND.SUCCESS / ABNORMAL / CLOSED)."""
    return await _handle("wechat", request, session, outbox, providers, settings)


@router.post("/alipay", include_in_schema=False)
async def alipay_notify(
    request: Request,
    session: SessionDep,
    outbox: OutboxDep,
    providers: ProvidersDep,
    settings: SettingsDep,
) -> Response:
    """Alipay asynchronous notification (trade_status_sync)."""
    return await _handle("alipay", request, session, outbox, providers, settings)
