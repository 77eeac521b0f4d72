"""Routes of correction requests: the student files and follows them; the institution's staff
(or an operator) list their queue and decide. Another institution's request is not found."""

import json
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Response, UploadFile, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.errors import PermissionDenied
from educert_common.http.contract import declares_problems, problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.academic.rules import RecordKind
from records.access import InstitutionActor, InstitutionReader, InstitutionWriter
from records.corrections import service
from records.corrections.models import Correction
from records.corrections.repository import CorrectionRepository
from records.corrections.schemas import (
    CorrectionAcceptance,
    CorrectionFields,
    CorrectionView,
    Decision,
    EvidenceView,
)
from records.crypto import Secrets
from records.institutions.rules import INSTITUTION_CODE_SCHEMA
from records.photochecks.api import read_limited, user_id_of
from records.runtime import AuditDep, ClockDep, SecretsDep, SettingsDep, StorageDep

router = APIRouter(tags=["records: corrections"])

InstitutionId = Annotated[str, Path(**INSTITUTION_CODE_SCHEMA)]
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
# Evidence goes out as bytes to save (PDF, JPEG or PNG: the request's `evidence[].media_type`
# says which), never to be rendered inline; one declared type keeps generated clients whole.
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}
    }
}
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def _file(content: bytes, media_type: str, evidence_id: uuid.UUID) -> Response:
    name = f"evidence-{evidence_id}.{EXTENSIONS.get(media_type, 'bin')}"
    return Response(
        content,
        media_type="application/octet-stream",
        headers={**FILE_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


@declares_problems(403)
async def _decider(actor: InstitutionWriter) -> InstitutionActor:
    """Institution staff or operators; a partner API key does not decide corrections."""
    roles = actor.principal.roles
    if not actor.oversees and "institution_staff" not in roles:
        raise PermissionDenied()
    return actor


Decider = Annotated[InstitutionActor, Depends(_decider)]


def _fields(raw: str) -> CorrectionFields:
    """Parse the `fields` form part (JSON); errors name `fields.<field>`."""
    try:
        return CorrectionFields.model_validate({"fields": json.loads(raw)})
    except json.JSONDecodeError:
        raise RequestValidationError(
            [
                {
                    "type": "json_invalid",
                    "loc": ("body", "fields"),
                    "msg": "fields must be a JSON object",
                    "input": None,
                }
            ]
        ) from None
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None


async def _view(session: SessionDep, correction: Correction, secrets: Secrets) -> CorrectionView:
    proposed = dict(correction.proposed)
    if correction.proposed_id_number_encrypted is not None:
        proposed["id_number_masked"] = secrets.masked_id_number(
            correction.proposed_id_number_encrypted
        )
    evidence = await service.evidence_of(session, correction)
    return CorrectionView(
        id=correction.id,
        kind=RecordKind(correction.kind),
        record_id=correction.record_id,
        institution_id=correction.institution_id,
        status=correction.status,  # type: ignore[arg-type]
        fields=list(correction.fields),
        proposed=proposed,
        note=correction.note,
        origin=correction.origin,  # type: ignore[arg-type]
        created_at=correction.created_at,
        decided_at=correction.decided_at,
        decision_reason=correction.decision_reason,
        applied_version=correction.applied_version,
        evidence=[EvidenceView.model_validate(e, from_attributes=True) for e in evidence],
    )


@router.post(
    "/me/corrections",
    status_code=status.HTTP_201_CREATED,
    response_model=CorrectionView,
    responses=problems(404, 409, 413, 415),
)
async def file_correction(
    kind: Annotated[RecordKind, Form()],
    record_id: Annotated[uuid.UUID, Form()],
    fields: Annotated[
        str,
        Form(
            max_length=2000,
            description='Field -> proposed value, as JSON: {"name": "张三", "photo": null}',
        ),
    ],
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    evidence: Annotated[
        list[UploadFile] | None,
        File(description="Evidence files (PDF, JPEG or PNG; at most 5, 5 MB each)"),
    ] = None,
    note: Annotated[str | None, Form(max_length=1000)] = None,
) -> CorrectionView:
    """Ask the institution to correct fields of one's own record, with evidence files
    (multipart). One open request per record at a time (409)."""
    parsed = _fields(fields)
    files = evidence or []
    # Counted before reading: a sixth file is refused without reading any.
    service.check_evidence_count(len(files))
    contents = [
        await read_limited(f, f"evidence[{i}]", service.MAX_EVIDENCE_BYTES)
        for i, f in enumerate(files)
    ]
    correction = await service.file_correction(
        session,
        audit,
        outbox,
        secrets,
        settings,
        storage,
        kind=kind,
        record_id=record_id,
        user_id=user_id_of(principal.subject),
        fields=dict(parsed.fields),
        note=note,
        files=contents,
        now=clock(),
    )
    return await _view(session, correction, secrets)


@router.get("/me/corrections", response_model=Page[CorrectionView])
async def my_corrections(
    principal: CurrentPrincipal,
    session: SessionDep,
    secrets: SecretsDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[CorrectionView]:
    """List one's own correction requests, newest first."""
    try:
        user_id = uuid.UUID(principal.subject)
    except ValueError:
        # A caller that is not an account (an operator's or partner's subject) has none.
        return Page[CorrectionView](items=[], next_cursor=None)
    repository = CorrectionRepository(session)
    page = await repository.paginate(repository.of_user(user_id), params)
    return Page[CorrectionView](
        items=[await _view(session, c, secrets) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/me/corrections/{correction_id}", response_model=CorrectionView)
async def my_correction(
    correction_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, secrets: SecretsDep
) -> CorrectionView:
    """Show one's own correction request and its decision."""
    correction = await service.get_for_student(
        session, correction_id, user_id_of(principal.subject)
    )
    return await _view(session, correction, secrets)


@router.get(
    "/me/corrections/{correction_id}/evidence/{evidence_id}",
    response_class=Response,
    responses=FILE_RESPONSE,
)
async def my_evidence(
    correction_id: uuid.UUID,
    evidence_id: uuid.UUID,
    principal: CurrentPrincipal,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download an evidence file of one's own request."""
    correction = await service.get_for_student(
        session, correction_id, user_id_of(principal.subject)
    )
    content, media_type = await service.evidence_file(session, storage, correction, evidence_id)
    return _file(content, media_type, evidence_id)


@router.get("/institutions/{institution_id}/corrections", response_model=Page[CorrectionView])
async def institution_queue(
    institution_id: InstitutionId,
    actor: InstitutionReader,
    session: SessionDep,
    secrets: SecretsDep,
    params: Annotated[PageParams, Depends(page_params)],
    status_filter: Annotated[
        Literal["open", "accepted", "rejected"] | None, Query(alias="status")
    ] = None,
) -> Page[CorrectionView]:
    """List the institution's correction requests, newest first (filter by status)."""
    if not actor.may_act_on(institution_id):
        raise PermissionDenied()
    repository = CorrectionRepository(session)
    page = await repository.paginate(repository.queue(institution_id, status_filter), params)
    return Page[CorrectionView](
        items=[await _view(session, c, secrets) for c in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/corrections/{correction_id}", response_model=CorrectionView)
async def institution_correction(
    correction_id: uuid.UUID, actor: InstitutionReader, session: SessionDep, secrets: SecretsDep
) -> CorrectionView:
    """Show one request of the institution (any, for operators)."""
    correction = await service.get_for_institution(session, correction_id, actor)
    return await _view(session, correction, secrets)


@router.get(
    "/corrections/{correction_id}/evidence/{evidence_id}",
    response_class=Response,
    responses=FILE_RESPONSE,
)
async def institution_evidence(
    correction_id: uuid.UUID,
    evidence_id: uuid.UUID,
    actor: Decider,
    session: SessionDep,
    storage: StorageDep,
) -> Response:
    """Download an evidence file of a request of the institution (its staff, operators)."""
    correction = await service.get_for_institution(session, correction_id, actor)
    content, media_type = await service.evidence_file(session, storage, correction, evidence_id)
    return _file(content, media_type, evidence_id)


@router.post(
    "/corrections/{correction_id}/decision",
    response_model=CorrectionView,
    responses=problems(409),
)
async def decide_correction(
    correction_id: uuid.UUID,
    body: Decision,
    actor: Decider,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CorrectionView:
    """Accept (the record gets a new version, source "correction:<id>") or reject with a
    reason; a request is decided once (409 after)."""
    correction = await service.decide(
        session,
        audit,
        outbox,
        secrets,
        settings,
        correction_id=correction_id,
        actor=actor,
        accept=body.decision == "accept",
        reason=body.reason,
        values=dict(body.values) if isinstance(body, CorrectionAcceptance) else {},
        now=clock(),
    )
    return await _view(session, correction, secrets)
