"""Routes of refunds (operators ask; owners and operators look)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, status

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal, Operator
from educert_common.http.contract import problems
from payment.access import owner_scope
from payment.exceptions import field_error
from payment.refunds import service
from payment.refunds.schemas import RefundCreate, RefundOut
from payment.runtime import AuditDep, wake_refund_worker

router = APIRouter(tags=["payment"])


@router.post(
    "/orders/{order_id}/refunds",
    responses=problems(409, 503),
    response_model=RefundOut,
    status_code=status.HTTP_202_ACCEPTED,
)
async def refund_order(
    order_id: uuid.UUID,
    body: RefundCreate,
    operator: Operator,
    session: SessionDep,
    audit: AuditDep,
    background: BackgroundTasks,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> Any:
    """Refund all or part of a paid order (operators; Idempotency-Key required; audited).

    Accepted at once and completed by the provider; follow it in the order's refunds.
    """
    if not idempotency_key:
        raise field_error(
            "header.idempotency-key", "missing", "Idempotency-Key is required", "须提供幂等键"
        )
    refund = await service.refund_order(
        session,
        audit,
        order_id=order_id,
        amount_fen=body.amount_fen,
        reason=body.reason,
        actor=operator.subject,
        request_key=f"operator:{idempotency_key}",
    )
    background.add_task(wake_refund_worker)  # runs after the commit and the response
    return refund


@router.get("/orders/{order_id}/refunds", response_model=list[RefundOut])
async def list_refunds(
    order_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[Any]:
    """List the refunds of one of your orders."""
    return await service.list_refunds(session, order_id, owner=owner_scope(principal))
