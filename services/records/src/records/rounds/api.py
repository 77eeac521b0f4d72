"""Routes of degree application rounds: the institution's staff (or operators) open, change
and list them; a student sees the rounds open for them. The applications in a round are
`records.degreeapps`."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status

from educert_common.app import SessionDep
from educert_common.errors import PermissionDenied
from educert_common.http.contract import declares_problems, problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.access import AccountId, InstitutionActor, InstitutionReader, InstitutionWriter
from records.corrections.api import InstitutionId
from records.rounds import service
from records.rounds.schemas import OpenRoundOut, RoundChange, RoundIn, RoundOut
from records.runtime import AuditDep, ClockDep

router = APIRouter(tags=["records: degree applications"])


@declares_problems(403)
async def _staff(actor: InstitutionWriter) -> InstitutionActor:
    """Institution staff or operators; a partner API key does not review applications."""
    if not actor.oversees and "institution_staff" not in actor.principal.roles:
        raise PermissionDenied()
    return actor


Staff = Annotated[InstitutionActor, Depends(_staff)]


# rounds (staff) -------------------------------------------------------------------------------


@router.post(
    "/institutions/{institution_id}/degree-rounds",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundOut,
    responses=problems(403, 404),
)
async def open_round(
    institution_id: InstitutionId,
    body: RoundIn,
    actor: Staff,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """Open a degree application round: its window, the level and education type that may
    apply, and the materials each application must hold (staff of the institution,
    operators; audited)."""
    return await service.open_round(
        session, audit, actor=actor, institution_id=institution_id,
        values=body.model_dump(mode="json") | {"opens_at": body.opens_at,
                                              "closes_at": body.closes_at},
        now=clock(),
    )  # fmt: skip


@router.get(
    "/institutions/{institution_id}/degree-rounds",
    response_model=Page[RoundOut],
    responses=problems(403),
)
async def list_rounds(
    institution_id: InstitutionId,
    actor: InstitutionReader,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Any:
    """The institution's rounds, newest first."""
    return await service.rounds_of(session, actor, institution_id, params)


@router.get(
    "/institutions/{institution_id}/degree-rounds/{round_id}",
    response_model=RoundOut,
    responses=problems(403, 404),
)
async def get_round(
    institution_id: InstitutionId,
    round_id: uuid.UUID,
    actor: InstitutionReader,
    session: SessionDep,
) -> Any:
    return await service.staff_round(session, actor, institution_id, round_id)


@router.patch(
    "/institutions/{institution_id}/degree-rounds/{round_id}",
    response_model=RoundOut,
    responses=problems(403, 404),
)
async def change_round(
    institution_id: InstitutionId,
    round_id: uuid.UUID,
    body: RoundChange,
    actor: Staff,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """Rename a round or move its closing time (audited)."""
    return await service.change_round(
        session, audit, actor=actor, institution_id=institution_id, round_id=round_id,
        title=body.title, closes_at=body.closes_at, now=clock(),
    )  # fmt: skip


@router.get("/me/degree-rounds", response_model=list[OpenRoundOut])
async def my_open_rounds(account: AccountId, session: SessionDep, clock: ClockDep) -> Any:
    """Rounds open now at institutions holding your records, and whether you may apply."""
    found = await service.open_rounds_for(session, applicant_id=account, now=clock())
    return [
        OpenRoundOut.model_validate({**RoundOut.model_validate(r).model_dump(), "eligible": ok})
        for r, ok in found
    ]
