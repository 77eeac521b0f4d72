"""Routes of application materials: the applicant uploads to the kind's slots (a new file, or
a new version of one), lists, downloads and (while a draft) deletes them; reviewers list and
download them."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from certification.access import ApplicantId, Reviewer
from certification.applications import service as applications
from certification.applications.repository import ApplicationRepository
from certification.exceptions import ApplicationNotFound
from certification.materials import service
from certification.materials.schemas import MaterialOut, MaterialsOut
from certification.runtime import AuditDep, ClockDep, StorageDep
from educert_common.app import SessionDep
from educert_common.files import download_headers
from educert_common.http.contract import problems

router = APIRouter(tags=["certification: materials"])

BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": BINARY, "image/jpeg": BINARY, "image/png": BINARY},
        "description": "The file as stored (images without their metadata)",
    },
    **problems(404),
}


@router.get(
    "/me/applications/{application_id}/materials",
    response_model=MaterialsOut,
    responses=problems(404),
)
async def my_materials(
    application_id: uuid.UUID, applicant: ApplicantId, session: SessionDep
) -> MaterialsOut:
    """Your application's material slots (kinds, size, page and file limits, required or
    not for your steps), the files in each with every version, and what is still missing."""
    application = await applications.get_own(session, application_id, applicant)
    return await service.overview(session, application)


@router.delete(
    "/me/applications/{application_id}/materials/{slot}/{material_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problems(404, 409, descriptions={409: "No longer a draft"}),
)
async def delete_my_material(
    application_id: uuid.UUID,
    slot: str,
    material_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> Response:
    """Delete a file of your draft (it stops counting for its slot; its versions stay on
    record)."""
    application = await applications.get_own(session, application_id, applicant, lock=True)
    await service.delete(
        session, audit, application, slot, material_id, actor=str(applicant), now=clock()
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _submitted_application(session: SessionDep, application_id: uuid.UUID) -> Any:
    """Any applicant's application once submitted; a draft is still the applicant's alone."""
    application = await ApplicationRepository(session).get(application_id)
    if application is None or application.state == "draft":
        raise ApplicationNotFound()
    return application


@router.post(
    "/me/applications/{application_id}/materials/{slot}",
    status_code=status.HTTP_201_CREATED,
    response_model=MaterialOut,
    responses=problems(
        404,
        409,
        413,
        415,
        descriptions={
            409: "Submitted, and no open supplement request item asks for this slot",
            413: "Larger than the slot takes",
            415: "Not PDF, JPEG or PNG by content, or a kind the slot does not take",
        },
    ),
)
async def upload_material(
    application_id: uuid.UUID,
    slot: str,
    file: Annotated[UploadFile, File(description="PDF, JPEG or PNG (judged by content)")],
    applicant: ApplicantId,
    session: SessionDep,
    audit: AuditDep,
    storage: StorageDep,
    clock: ClockDep,
    material_id: Annotated[
        uuid.UUID | None, Form(description="Upload a new version of this file of the slot")
    ] = None,
    item_id: Annotated[
        uuid.UUID | None, Form(description="The supplement request item this answers")
    ] = None,
) -> MaterialOut:
    """Upload one file to a slot (multipart, field `file`): a new file of the slot, or with
    `material_id` a new version of one (earlier versions are kept). A draft takes any; a
    returned application only files answering an open supplement request item (`item_id`,
    or the item asking for this slot)."""
    now = clock()
    application = await applications.get_own(session, application_id, applicant, lock=True)
    material = await service.upload(
        session, audit, storage, application, slot_name=slot, file=file,
        material_id=material_id, item_id=item_id, actor=str(applicant), now=now,
    )  # fmt: skip
    overview = await service.overview(session, application)
    return next(m for s in overview.slots for m in s.materials if m.id == material.id)


@router.get(
    "/me/applications/{application_id}/materials/{material_id}/versions/{version_id}",
    response_class=Response,
    responses=FILE_RESPONSE,
)
async def download_my_material(
    application_id: uuid.UUID,
    material_id: uuid.UUID,
    version_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download one version of one of your application's files."""
    application = await applications.get_own(session, application_id, applicant)
    version, content = await service.version_content(
        session, storage, application, material_id, version_id
    )
    return Response(content, headers=download_headers(version.filename, version.kind))  # type: ignore[arg-type]


@router.get(
    "/review/applications/{application_id}/materials",
    response_model=MaterialsOut,
    responses=problems(404),
)
async def review_materials(
    application_id: uuid.UUID, reviewer: Reviewer, session: SessionDep
) -> MaterialsOut:
    """A submitted application's materials for review: every slot, every file (files deleted
    while a draft too, marked) and every version. Drafts are not shown (404)."""
    application = await _submitted_application(session, application_id)
    return await service.overview(session, application, include_removed=True)


@router.get(
    "/review/applications/{application_id}/materials/{material_id}/versions/{version_id}",
    response_class=Response,
    responses=FILE_RESPONSE,
)
async def review_download(
    application_id: uuid.UUID,
    material_id: uuid.UUID,
    version_id: uuid.UUID,
    reviewer: Reviewer,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download one version of one of an application's files."""
    application = await _submitted_application(session, application_id)
    version, content = await service.version_content(
        session, storage, application, material_id, version_id
    )
    return Response(content, headers=download_headers(version.filename, version.kind))  # type: ignore[arg-type]
