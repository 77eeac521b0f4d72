"""Routes of bulk imports: upload a file (its job is queued), follow the job, read its errors.

The upload body is the file itself (`Content-Type: text/csv` or the XLSX type; the type is
decided by content, not by the header or a name). Jobs are visible to their institution's
staff, its keys with `records:import` and operators; another institution's job is 404.
"""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, status
from fastapi.responses import StreamingResponse

from educert_common.app import SessionDep
from educert_common.auth import Operator
from educert_common.errors import PermissionDenied
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.academic.rules import RecordKind
from records.access import InstitutionWriter
from records.imports import service
from records.imports.repository import JobRepository
from records.imports.schemas import ImportJobOut, ImportMode, RowErrorOut, RowErrorPage
from records.imports.worker import wakeup
from records.institutions.rules import INSTITUTION_CODE_SCHEMA
from records.institutions.service import reporting_institution
from records.runtime import SettingsDep

router = APIRouter(tags=["records: bulk import"])

InstitutionId = Annotated[str, Path(**INSTITUTION_CODE_SCHEMA)]
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                "schema": {"type": "string", "format": "binary"}
            },
        },
    }
}


def _declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length")
    return int(value) if value and value.isdigit() else None


def _wake(request: Request) -> None:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        wakeup(runtime).set()


@router.post(
    "/institutions/{institution_id}/imports",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobOut,
    responses=problems(404, 413, 415, 422),
    openapi_extra=UPLOAD_BODY,
)
async def upload_records(
    institution_id: InstitutionId,
    kind: RecordKind,
    request: Request,
    actor: InstitutionWriter,
    session: SessionDep,
    settings: SettingsDep,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> ImportJobOut:
    """Upload a CSV or XLSX of records of one kind; its import job is queued (202)."""
    if not actor.may_act_on(institution_id):
        raise PermissionDenied()
    await reporting_institution(session, institution_id)
    upload = await service.receive(request.stream(), settings, _declared_length(request))
    job = await service.create_job(
        session,
        settings,
        upload=upload,
        kind=kind.value,
        mode=mode,
        institution_id=institution_id,
        actor=actor.actor,
    )
    _wake(request)
    return service.job_view(job, None)


@router.post(
    "/imports/institutions",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ImportJobOut,
    responses=problems(413, 415, 422),
    openapi_extra=UPLOAD_BODY,
)
async def upload_institutions(
    request: Request,
    operator: Operator,
    session: SessionDep,
    settings: SettingsDep,
    mode: ImportMode = ImportMode.ALL_OR_NOTHING,
) -> ImportJobOut:
    """Upload the Ministry's list of institutions (CSV or XLSX; operators); it is upserted."""
    upload = await service.receive(request.stream(), settings, _declared_length(request))
    job = await service.create_job(
        session,
        settings,
        upload=upload,
        kind="institutions",
        mode=mode,
        institution_id=None,
        actor=operator.subject,
    )
    _wake(request)
    return service.job_view(job, None)


@router.get("/imports", response_model=Page[ImportJobOut])
async def list_jobs(
    actor: InstitutionWriter,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    kind: Annotated[str | None, Query(max_length=20)] = None,
) -> Page[ImportJobOut]:
    """List import jobs of the caller's institution (operators: all), newest first."""
    repository = JobRepository(session)
    page = await repository.paginate(
        repository.listing(institution_id=actor.institution_id, kind=kind), params
    )
    progress = await repository.progress_of([job.id for job in page.items])
    return Page[ImportJobOut](
        items=[service.job_view(job, progress.get(job.id)) for job in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/imports/{job_id}", response_model=ImportJobOut, responses=problems(404))
async def get_job(job_id: uuid.UUID, actor: InstitutionWriter, session: SessionDep) -> Any:
    """Show one import job: status, progress (rows read, accepted, rejected), timestamps."""
    job, progress = await service.get_job(session, job_id, institution_id=actor.institution_id)
    return service.job_view(job, progress)


@router.get("/imports/{job_id}/errors", response_model=RowErrorPage, responses=problems(404))
async def list_errors(
    job_id: uuid.UUID,
    actor: InstitutionWriter,
    session: SessionDep,
    after: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RowErrorPage:
    """List the job's refused rows (row, field, code, message), in pages."""
    job, _ = await service.get_job(session, job_id, institution_id=actor.institution_id)
    repository = JobRepository(session)
    page = await repository.error_page(job.id, after_id=after, limit=limit)
    return RowErrorPage(
        items=[
            RowErrorOut(
                id=e.id,
                row=e.row_number,
                field=e.field,
                code=e.code,
                message=e.message_en,
                message_zh=e.message_zh,
            )
            for e in page
        ],
        next_after=page[-1].id if len(page) == limit else None,
        total=await repository.count_errors(job.id),
    )


@router.get(
    "/imports/{job_id}/errors.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}, **problems(404)},
)
async def download_errors(
    job_id: uuid.UUID, request: Request, actor: InstitutionWriter, session: SessionDep
) -> Any:
    """Download the job's error report as CSV (opens safely in Excel)."""
    job, _ = await service.get_job(session, job_id, institution_id=actor.institution_id)
    # The request's session ends before a streamed body is sent: the report reads its own.
    return StreamingResponse(
        service.error_report_csv(request.app.state.runtime.database, job.id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{job.id}-errors.csv"'},
    )
