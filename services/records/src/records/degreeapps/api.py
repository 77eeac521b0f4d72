"""Routes of degree applications (学士学位申请): the institution's staff open and manage
rounds, review, disqualify, list and export; the student applies, uploads, submits,
confirms and downloads the receipt. Another institution's rounds and applications, and
another student's application, are not found."""

import asyncio
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile, status
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from educert_common.app import OutboxDep, SessionDep
from educert_common.files import accept_upload, download_headers
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from educert_common.tabular import XLSX_MEDIA_TYPE
from educert_common.verification.codes import display_code
from educert_common.verification.public import SigningKeysDep
from records.access import AccountId
from records.corrections.api import InstitutionId
from records.degreeapps import service
from records.degreeapps.documents import receipt_pdf, write_export
from records.degreeapps.models import DegreeApplication
from records.degreeapps.repository import ApplicationRepository
from records.degreeapps.rules import SLOTS
from records.degreeapps.schemas import (
    ApplicationIn,
    ApplicationRow,
    ApplicationStatus,
    DegreeApplicationOut,
    DegreeMaterialOut,
    DisqualifyIn,
    Material,
    ReportCodeIn,
    ReturnIn,
    StaffApplicationOut,
)
from records.institutions.repository import InstitutionRepository
from records.reports.documents import Addresses
from records.reports.service import close_link_token
from records.reports.verifying import CloseLinks, Verifier
from records.rounds import service as rounds
from records.rounds.api import Staff
from records.runtime import (
    AuditDep,
    ClientIp,
    ClockDep,
    SecretsDep,
    SettingsDep,
    StorageDep,
)

router = APIRouter(tags=["records: degree applications"])
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
}
XLSX: dict[int | str, dict[str, Any]] = {
    200: {"content": {XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}}}
}
FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    }
}


async def application_out(
    session: Any,
    application: DegreeApplication,
    *,
    staff_view: bool = False,
    now: Any = None,
    logged: tuple[Any, CloseLinks, Verifier] | None = None,
) -> Any:
    files = await service.materials_of(session, application)
    required = await service.required_of(session, application)
    values: dict[str, Any] = {
        "id": application.id,
        "round_id": application.round_id,
        "institution_id": application.institution_id,
        "applicant_id": application.applicant_id,
        "record_kind": application.record_kind,
        "record_id": application.record_id,
        "record_version": application.record_version,
        "status": application.status,
        "snapshot": application.snapshot,
        "materials": [
            DegreeMaterialOut(
                slot=f.slot, version=f.version, media_type=f.media_type, size=f.size,
                pages=f.pages, width=f.width, height=f.height, filename=f.filename,
                sha256=f.sha256, uploaded_at=f.uploaded_at,
            )
            for f in files
        ],
        "missing_materials": service.missing_materials(
            application, required, [f.slot for f in files]
        ),
        "registration_report_code": (
            display_code(application.registration_report_code)
            if application.registration_report_code else None
        ),
        "return_reasons": application.return_reasons or [],
        "submitted_at": application.submitted_at,
        "returned_at": application.returned_at,
        "approved_at": application.approved_at,
        "confirmed_at": application.confirmed_at,
        "receipt_code": (
            display_code(application.receipt_code) if application.receipt_code else None
        ),
        "disqualified_at": application.disqualified_at,
        "disqualified_reason": application.disqualified_reason,
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }  # fmt: skip
    if staff_view:
        answer = await service.registration_answer(session, application, now, logged=logged)
        return StaffApplicationOut.model_validate({**values, "registration_report": answer})
    return DegreeApplicationOut.model_validate(values)


@router.get(
    "/institutions/{institution_id}/degree-rounds/{round_id}/applications",
    response_model=Page[ApplicationRow],
    responses=problems(403, 404),
)
async def list_round_applications(
    institution_id: InstitutionId,
    round_id: uuid.UUID,
    actor: Staff,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[ApplicationStatus | None, Query(alias="status")] = None,
) -> Page[ApplicationRow]:
    """The round's applications with their states, newest first (filter by status)."""
    page = await service.round_applications(
        session, actor, institution_id=institution_id, round_id=round_id, status=status_filter,
        params=params,
    )  # fmt: skip
    return Page[ApplicationRow](
        items=[ApplicationRow.of(a) for a in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/institutions/{institution_id}/degree-rounds/{round_id}/applications.xlsx",
    response_class=FileResponse,
    responses={**XLSX, **problems(403, 404)},
)
async def export_round_applications(
    institution_id: InstitutionId, round_id: uuid.UUID, actor: Staff, session: SessionDep
) -> FileResponse:
    """Export every application of the round with its state as XLSX (streamed from the
    database into a write-only workbook on disk, then sent from there)."""
    round_ = await rounds.staff_round(session, actor, institution_id, round_id)
    handle, name = tempfile.mkstemp(prefix="degree-export-", suffix=".xlsx")
    os.close(handle)
    target = Path(name)
    try:
        await write_export(
            ApplicationRepository(session).export_rows(round_id), round_.required_materials, target
        )
    except BaseException:
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise
    return FileResponse(
        target,
        media_type=XLSX_MEDIA_TYPE,
        filename=f"degree-applications-{round_id}.xlsx",
        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        background=BackgroundTask(target.unlink, missing_ok=True),
    )


# review (staff) -------------------------------------------------------------------------------


@router.get(
    "/institutions/{institution_id}/degree-applications/{application_id}",
    response_model=StaffApplicationOut,
    responses=problems(403, 404),
)
async def staff_get_application(
    institution_id: InstitutionId,
    application_id: uuid.UUID,
    actor: Staff,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    secrets: SecretsDep,
    ip: ClientIp,
    clock: ClockDep,
) -> Any:
    """One application with its materials; a registration form given as a report code shows
    what that report verifies as now (the look is in the report's log for its holder, as
    channel `api` by this institution)."""
    application = await service.staff_application(session, actor, institution_id, application_id)
    close_links = CloseLinks(
        settings.public_base_url,
        lambda report_id: close_link_token(secrets.close_link_key, report_id),
    )
    logged = (outbox, close_links, Verifier("api", ip, partner=institution_id))
    return await application_out(session, application, staff_view=True, now=clock(), logged=logged)


@router.get(
    "/institutions/{institution_id}/degree-applications/{application_id}/materials/{slot}",
    response_class=Response,
    responses={**FILE, **problems(403, 404)},
)
async def staff_download_material(
    institution_id: InstitutionId,
    application_id: uuid.UUID,
    slot: Material,
    actor: Staff,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download the current file of one material (as an attachment, never inline)."""
    application = await service.staff_application(session, actor, institution_id, application_id)
    row, content = await service.material_file(session, storage, application, slot)
    return Response(content, headers=download_headers(row.filename, row.kind))  # type: ignore[arg-type]


@router.post(
    "/institutions/{institution_id}/degree-applications/{application_id}/approve",
    response_model=StaffApplicationOut,
    responses=problems(403, 404, 409),
)
async def approve_application(
    institution_id: InstitutionId,
    application_id: uuid.UUID,
    actor: Staff,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """First review: approve a submitted application (the student then confirms)."""
    now = clock()
    application = await service.approve(
        session, audit, outbox, actor=actor, institution_id=institution_id,
        application_id=application_id, now=now,
    )  # fmt: skip
    return await application_out(session, application, staff_view=True, now=now)


@router.post(
    "/institutions/{institution_id}/degree-applications/{application_id}/return",
    response_model=StaffApplicationOut,
    responses=problems(403, 404, 409),
)
async def return_application(
    institution_id: InstitutionId,
    application_id: uuid.UUID,
    body: ReturnIn,
    actor: Staff,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """First review: return a submitted application with reasons (each naming a material,
    `registration_report` or `general`); the student is told, fixes and submits again."""
    now = clock()
    application = await service.return_for_fixes(
        session, audit, outbox, actor=actor, institution_id=institution_id,
        application_id=application_id, reasons=[r.model_dump() for r in body.reasons], now=now,
    )  # fmt: skip
    return await application_out(session, application, staff_view=True, now=now)


@router.post(
    "/institutions/{institution_id}/degree-applications/{application_id}/disqualify",
    response_model=StaffApplicationOut,
    responses=problems(403, 404, 409),
)
async def disqualify_application(
    institution_id: InstitutionId,
    application_id: uuid.UUID,
    body: DisqualifyIn,
    actor: Staff,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """Disqualify an application for forged documents, with the reason (audited; the
    student is notified; a receipt no longer checks)."""
    now = clock()
    application = await service.disqualify(
        session, audit, outbox, actor=actor, institution_id=institution_id,
        application_id=application_id, reason=body.reason, now=now,
    )  # fmt: skip
    return await application_out(session, application, staff_view=True, now=now)


@router.get(
    "/institutions/{institution_id}/degree-receipts/{code}",
    response_model=StaffApplicationOut,
    responses=problems(403, 404),
)
async def check_receipt(
    institution_id: InstitutionId, code: str, actor: Staff, session: SessionDep, clock: ClockDep
) -> Any:
    """The confirmed application a receipt's code names (when the student collects the
    degree certificate); a disqualified application's receipt is not found."""
    application = await service.by_receipt(session, actor, institution_id, code)
    return await application_out(session, application, staff_view=True, now=clock())


# the student's side ---------------------------------------------------------------------------


@router.post(
    "/me/degree-applications",
    status_code=status.HTTP_201_CREATED,
    response_model=DegreeApplicationOut,
    responses=problems(403, 404, 409),
)
async def apply(
    body: ApplicationIn,
    account: AccountId,
    session: SessionDep,
    audit: AuditDep,
    secrets: SecretsDep,
    clock: ClockDep,
) -> Any:
    """Apply in a round (once): the status fields are taken from your bound record at the
    institution that matches the round; 403 `degree_not_eligible` if none does."""
    application = await service.apply(
        session, audit, secrets, applicant_id=account, round_id=body.round_id, now=clock()
    )
    return await application_out(session, application)


@router.get("/me/degree-applications", response_model=Page[DegreeApplicationOut])
async def my_applications(
    account: AccountId,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Any:
    page = await service.my_applications(session, applicant_id=account, params=params)
    return Page[DegreeApplicationOut](
        items=[await application_out(session, a) for a in page.items],
        next_cursor=page.next_cursor,
    )


@router.get(
    "/me/degree-applications/{application_id}",
    response_model=DegreeApplicationOut,
    responses=problems(404),
)
async def my_application(application_id: uuid.UUID, account: AccountId, session: SessionDep) -> Any:
    application = await service.my_application(
        session, applicant_id=account, application_id=application_id
    )
    return await application_out(session, application)


@router.put(
    "/me/degree-applications/{application_id}/materials/{slot}",
    response_model=DegreeApplicationOut,
    responses=problems(404, 409, 413, 415),
)
async def upload_material(
    application_id: uuid.UUID,
    slot: Material,
    file: Annotated[UploadFile, File()],
    account: AccountId,
    session: SessionDep,
    storage: StorageDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """Upload (or replace) one material: checked by content against the slot (type, size,
    pages, dimensions; EXIF and other metadata stripped). Refusals name the slot."""
    spec = SLOTS[slot]
    accepted = await accept_upload(spec, file)
    await service.add_material(
        session, storage, audit, applicant_id=account, application_id=application_id,
        slot=spec, accepted=accepted, now=clock(),
    )  # fmt: skip
    application = await service.my_application(
        session, applicant_id=account, application_id=application_id
    )
    return await application_out(session, application)


@router.put(
    "/me/degree-applications/{application_id}/registration-report",
    response_model=DegreeApplicationOut,
    responses=problems(404, 409),
)
async def give_registration_report(
    application_id: uuid.UUID,
    body: ReportCodeIn,
    account: AccountId,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Any:
    """Give the graduate registration form as the verification code of your own valid
    qualification report on this platform, instead of uploading it."""
    application = await service.give_registration_report(
        session, audit, applicant_id=account, application_id=application_id, code=body.code,
        now=clock(),
    )  # fmt: skip
    return await application_out(session, application)


@router.post(
    "/me/degree-applications/{application_id}/submit",
    response_model=DegreeApplicationOut,
    responses=problems(404, 409),
)
async def submit(
    application_id: uuid.UUID, account: AccountId, session: SessionDep, audit: AuditDep,
    clock: ClockDep,
) -> Any:  # fmt: skip
    """Send the application to the institution's first review (422 names each missing
    material)."""
    application = await service.submit(
        session, audit, applicant_id=account, application_id=application_id, now=clock()
    )
    return await application_out(session, application)


@router.post(
    "/me/degree-applications/{application_id}/confirm",
    response_model=DegreeApplicationOut,
    responses=problems(404, 409),
)
async def confirm(
    application_id: uuid.UUID, account: AccountId, session: SessionDep, audit: AuditDep,
    clock: ClockDep,
) -> Any:  # fmt: skip
    """Confirm an approved application finally: nothing can be edited afterwards; the
    receipt and its code are issued."""
    application = await service.confirm(
        session, audit, applicant_id=account, application_id=application_id, now=clock()
    )
    return await application_out(session, application)


@router.get(
    "/me/degree-applications/{application_id}/receipt",
    response_class=Response,
    responses={**PDF, **problems(404, 409)},
)
async def download_receipt(
    application_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
) -> Response:
    """The receipt (PDF, signed by the platform) with its code: the voucher to collect the
    degree certificate."""
    application, round_ = await service.confirmed_application(
        session, applicant_id=account, application_id=application_id
    )
    institution = await InstitutionRepository(session).get(application.institution_id)
    document = await receipt_pdf(
        application, round_, institution_name=institution.name_zh if institution else "",
        keys=keys, addresses=Addresses(settings.public_base_url),
    )  # fmt: skip
    assert application.receipt_code is not None
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="degree-receipt-{application.receipt_code}.pdf"'
            ),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
