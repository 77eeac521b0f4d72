"""Routes of institutions: anyone signed in looks them up; operators manage them."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal, Operator
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.institutions import service
from records.institutions.repository import InstitutionRepository
from records.institutions.rules import INSTITUTION_CODE_SCHEMA, InstitutionKind, InstitutionStatus
from records.institutions.schemas import InstitutionCreate, InstitutionOut, InstitutionUpdate
from records.runtime import AuditDep

router = APIRouter(tags=["records: institutions"])

InstitutionId = Annotated[str, Path(**INSTITUTION_CODE_SCHEMA)]


@router.get("/institutions", response_model=Page[InstitutionOut])
async def list_institutions(
    principal: CurrentPrincipal,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    province: Annotated[str | None, Query(max_length=20)] = None,
    kind: InstitutionKind | None = None,
    status: InstitutionStatus | None = None,
    name: Annotated[str | None, Query(max_length=100, description="Part of either name")] = None,
) -> Page[InstitutionOut]:
    """List institutions, filtered by province, kind, status or part of a name."""
    repository = InstitutionRepository(session)
    page = await repository.paginate(
        repository.listing(province=province, kind=kind, status=status, name=name), params
    )
    return Page[InstitutionOut](
        items=[InstitutionOut.model_validate(i) for i in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/institutions/{institution_id}", response_model=InstitutionOut)
async def get_institution(
    institution_id: InstitutionId, principal: CurrentPrincipal, session: SessionDep
) -> InstitutionOut:
    """Show one institution by its 10-digit code."""
    return InstitutionOut.model_validate(await service.get_institution(session, institution_id))


@router.post(
    "/institutions",
    status_code=status.HTTP_201_CREATED,
    response_model=InstitutionOut,
    responses=problems(409),
)
async def create_institution(
    body: InstitutionCreate, operator: Operator, session: SessionDep, audit: AuditDep
) -> InstitutionOut:
    """Add an institution (operators; audited)."""
    institution = await service.create_institution(
        session, audit, data=body, actor=operator.subject
    )
    return InstitutionOut.model_validate(institution)


@router.patch("/institutions/{institution_id}", response_model=InstitutionOut)
async def update_institution(
    institution_id: InstitutionId,
    body: InstitutionUpdate,
    operator: Operator,
    session: SessionDep,
    audit: AuditDep,
) -> InstitutionOut:
    """Edit an institution, merge it into a successor or close it (operators; audited)."""
    institution = await service.update_institution(
        session, audit, institution_id=institution_id, data=body, actor=operator.subject
    )
    return InstitutionOut.model_validate(institution)
