"""Routes of reconciliation (operators)."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from educert_common.app import SessionDep
from educert_common.auth import Operator
from educert_common.errors import NotFound
from educert_common.http.pagination import Page, PageParams, page_params
from payment.exceptions import ChannelUnavailable
from payment.reconciliation import service
from payment.reconciliation.repository import RunRepository
from payment.reconciliation.schemas import MismatchOut, RunCreate, RunDetail, RunOut
from payment.runtime import AuditDep, ProvidersDep

router = APIRouter(prefix="/reconciliation", tags=["payment operations"])


async def _detail(session: SessionDep, run_id: uuid.UUID) -> RunDetail:
    runs = RunRepository(session)
    run = await runs.get(run_id)
    if run is None:
        raise NotFound()
    mismatches = [MismatchOut.model_validate(m) for m in await runs.mismatches(run.id)]
    return RunDetail(**RunOut.model_validate(run).model_dump(), mismatches=mismatches)


@router.post("/runs", response_model=RunDetail, status_code=status.HTTP_201_CREATED)
async def run_reconciliation(
    body: RunCreate,
    operator: Operator,
    session: SessionDep,
    providers: ProvidersDep,
    audit: AuditDep,
) -> RunDetail:
    """Compare a day's provider statement with the orders now, and list the mismatches."""
    if body.channel not in providers.by_channel:
        raise ChannelUnavailable()
    run = await service.reconcile(
        session, providers, day=body.day, channel=body.channel, actor=operator.subject
    )
    await audit.record(
        session,
        actor=operator.subject,
        action="reconciliation.run",
        subject_type="reconciliation_run",
        subject_id=str(run.id),
        after={"day": body.day.isoformat(), "channel": body.channel, "status": run.status},
    )
    return await _detail(session, run.id)


@router.get("/runs", response_model=Page[RunOut])
async def list_runs(
    operator: Operator,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Any:
    """List reconciliation runs, newest first."""
    page = await RunRepository(session).page(params)
    return Page[RunOut](
        items=[RunOut.model_validate(r) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/runs/{run_id}", response_model=RunDetail)
async def get_run(run_id: uuid.UUID, operator: Operator, session: SessionDep) -> RunDetail:
    """Show one run with its mismatches."""
    return await _detail(session, run_id)
