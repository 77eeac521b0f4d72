"""Routes of orders: applicants' orders, payments, proxy payment, fees, internal creation."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.responses import JSONResponse

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal, Operator
from educert_common.http.contract import problems
from educert_common.http.internal import InternalCaller
from educert_common.http.pagination import Page, PageParams, page_params
from educert_common.idempotency import fingerprint
from payment.access import owner_scope, user_id_of
from payment.base import idempotency
from payment.exceptions import ProxyLinkNotFound, field_error
from payment.orders import service
from payment.orders.models import Order
from payment.orders.repository import OrderRepository
from payment.orders.rules import purpose_label
from payment.orders.schemas import (
    FeeOut,
    FeeUpdate,
    InternalOrderCreate,
    OrderCreate,
    OrderOut,
    PaymentStart,
    PaymentStarted,
    ProxyLink,
    ProxyOrderView,
    Purpose,
)
from payment.providers.base import fen_to_yuan
from payment.runtime import AuditDep, ProvidersDep, SettingsDep

router = APIRouter(tags=["payment"])
internal_router = APIRouter(prefix="/internal", tags=["payment internal"], include_in_schema=False)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


async def _create(
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    *,
    owner: str,
    key: str | None,
    user_id: uuid.UUID,
    body: OrderCreate,
    via: str,
    holder_name: str | None = None,
) -> JSONResponse:
    slot = None
    if key is not None:
        slot = await idempotency.claim(
            session,
            owner=owner,
            key=key,
            request_fingerprint=fingerprint(
                "payment.order.create",
                {"user_id": str(user_id), **body.model_dump(include={"purpose", "reference_id"})},
            ),
        )
        if slot.is_replay:
            return JSONResponse(slot.replay_body, status_code=slot.replay_status or 200)
    order, created = await service.create_order(
        session,
        outbox,
        user_id=user_id,
        purpose=body.purpose,
        reference_id=body.reference_id,
        ttl_seconds=settings.order_ttl_seconds,
        via=via,  # type: ignore[arg-type]
        holder_name=holder_name,
    )
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    payload = OrderOut.model_validate(order).model_dump(mode="json")
    if slot is not None:
        await slot.store(code, payload)
    return JSONResponse(payload, status_code=code)


@router.post(
    "/orders",
    response_model=OrderOut,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": OrderOut, "description": "The order already open for this"},
        **problems(404, 409),
    },
)
async def create_order(
    body: OrderCreate,
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create an order to pay for something of yours; the amount comes from the fee table.

    The same `Idempotency-Key` returns the same order; without one, the order still open for
    the same purpose and reference is returned (200) instead of a second one.
    """
    user_id = user_id_of(principal)
    return await _create(
        session,
        outbox,
        settings,
        owner=f"user:{user_id}",
        key=idempotency_key,
        user_id=user_id,
        body=body,
        via="applicant",
    )


@router.get("/orders", responses=problems(404), response_model=Page[OrderOut])
async def list_orders(
    principal: CurrentPrincipal,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[
        str | None, Query(alias="status", pattern="^(created|paid|expired|closed)$")
    ] = None,
) -> Page[Any]:
    """List your orders, newest first (operators see everyone's)."""
    page = await OrderRepository(session).page(
        params, owner=owner_scope(principal), status=status_filter
    )
    return Page[OrderOut](
        items=[OrderOut.model_validate(o) for o in page.items], next_cursor=page.next_cursor
    )


@router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order(order_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> Order:
    """Show one of your orders."""
    return await service.get_order(session, order_id, owner=owner_scope(principal))


def _started(result: service.StartedAttempt) -> PaymentStarted:
    assert result.attempt.code_url is not None
    return PaymentStarted(
        order_id=result.order.id,
        channel=result.attempt.channel,  # type: ignore[arg-type]
        code_url=result.attempt.code_url,
        amount_fen=result.order.amount_fen,
        expires_at=result.order.expires_at,
    )


@router.post(
    "/orders/{order_id}/payments", responses=problems(409, 503), response_model=PaymentStarted
)
async def start_payment(
    order_id: uuid.UUID,
    body: PaymentStart,
    principal: CurrentPrincipal,
    session: SessionDep,
    providers: ProvidersDep,
) -> PaymentStarted:
    """Start paying an order through a channel; returns what the payer scans."""
    order = await service.get_order(session, order_id, owner=user_id_of(principal))
    return _started(
        await service.start_payment(session, providers, order_id=order.id, channel=body.channel)
    )


@router.post("/orders/{order_id}/proxy-link", responses=problems(409), response_model=ProxyLink)
async def create_proxy_link(
    order_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> ProxyLink:
    """Share an open order so that someone else can pay it (代付); valid until it expires."""
    order = await service.proxy_link(session, order_id=order_id, owner=user_id_of(principal))
    assert order.proxy_token is not None
    return ProxyLink(
        token=order.proxy_token,
        url=f"{settings.public_base_url.rstrip('/')}/api/v1/payment/proxy/{order.proxy_token}",
        expires_at=order.expires_at,
    )


async def _proxy_order(session: SessionDep, token: str) -> Order:
    order = await service.order_by_proxy_token(session, token)
    if order is None:
        raise ProxyLinkNotFound()
    return order


@router.get("/proxy/{token}", response_model=ProxyOrderView)
async def view_proxy_order(
    token: str, session: SessionDep, providers: ProvidersDep
) -> ProxyOrderView:
    """Show a shared order to whoever holds the link: amount, purpose, masked name."""
    order = await _proxy_order(session, token)
    return ProxyOrderView(
        purpose=order.purpose,  # type: ignore[arg-type]
        purpose_label=purpose_label(order.purpose),
        amount_fen=order.amount_fen,
        amount_yuan=fen_to_yuan(order.amount_fen),
        holder=order.holder_name_masked,
        status=order.status,  # type: ignore[arg-type]
        expires_at=order.expires_at,
        channels=providers.enabled(),
        receipt_available=order.status == "paid",
    )


@router.post("/proxy/{token}/payments", responses=problems(409, 503), response_model=PaymentStarted)
async def start_proxy_payment(
    token: str, body: PaymentStart, session: SessionDep, providers: ProvidersDep
) -> PaymentStarted:
    """Pay a shared order (no account needed)."""
    order = await _proxy_order(session, token)
    return _started(
        await service.start_payment(session, providers, order_id=order.id, channel=body.channel)
    )


# --- fees -------------------------------------------------------------------------------------


@router.get("/fees", response_model=list[FeeOut])
async def list_fees(session: SessionDep) -> list[Any]:
    """Show what each purpose costs (in fen)."""
    return await service.list_fees(session)


@router.put("/fees/{purpose}", response_model=FeeOut)
async def update_fee(
    purpose: Purpose,
    body: FeeUpdate,
    operator: Operator,
    session: SessionDep,
    audit: AuditDep,
) -> Any:
    """Set what a purpose costs from now on (operators; audited)."""
    return await service.update_fee(
        session, audit, purpose=purpose, amount_fen=body.amount_fen, actor=operator.subject
    )


# --- internal ---------------------------------------------------------------------------------


@internal_router.post("/orders", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
async def create_order_internal(
    body: InternalOrderCreate,
    _caller: InternalCaller,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Create an order for a user on behalf of another service (Idempotency-Key required)."""
    if not idempotency_key:
        raise field_error(
            "header.idempotency-key", "missing", "Idempotency-Key is required", "须提供幂等键"
        )
    return await _create(
        session,
        outbox,
        settings,
        owner="internal",
        key=idempotency_key,
        user_id=body.user_id,
        body=body,
        via="internal",
        holder_name=body.holder_name,
    )


@internal_router.get("/orders/{order_id}", response_model=OrderOut)
async def get_order_internal(
    order_id: uuid.UUID, _caller: InternalCaller, session: SessionDep
) -> Order:
    """Show any order (for other services)."""
    return await service.get_order(session, order_id, owner=None)


@internal_router.post("/orders/{order_id}/close", response_model=OrderOut)
async def close_order_internal(
    order_id: uuid.UUID,
    _caller: InternalCaller,
    session: SessionDep,
    outbox: OutboxDep,
    providers: ProvidersDep,
) -> Order:
    """Close an unpaid order (e.g. its application was withdrawn), at the providers too."""
    await service.close_order(session, outbox, providers, order_id=order_id, final_status="closed")
    return await service.get_order(session, order_id, owner=None)
