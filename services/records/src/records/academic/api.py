"""Routes of reported records, the institution's side: report one record, read them back.

Each kind gets its own routes (student-status, qualifications, degrees), so the document
shows each kind's fields. Staff and partner keys act on their own institution only (403
for another); operators on any.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response, status

from educert_common.app import OutboxDep, SessionDep
from educert_common.errors import PermissionDenied
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from records.academic import service
from records.academic.repository import RecordRepository
from records.academic.rules import STUDENT_NUMBER, EnrollmentStatus, RecordKind
from records.academic.schemas import (
    OUT_MODELS,
    REPORT_MODELS,
    ReportOutcome,
    StatusChangeOut,
    VersionOut,
)
from records.access import InstitutionActor, InstitutionReader, InstitutionWriter
from records.exceptions import RecordNotFound
from records.institutions.rules import INSTITUTION_CODE_SCHEMA
from records.runtime import AuditDep, SecretsDep, SettingsDep

router = APIRouter(tags=["records: institution reporting"])

InstitutionId = Annotated[str, Path(**INSTITUTION_CODE_SCHEMA)]
StudentNumber = Annotated[str, Path(pattern=STUDENT_NUMBER.pattern, max_length=32)]


def _check_institution(actor: InstitutionActor, institution_id: str) -> None:
    if not actor.may_act_on(institution_id):
        raise PermissionDenied()


def _add_kind_routes(kind: RecordKind) -> None:
    body_model: Any = REPORT_MODELS[kind]
    out_model: Any = OUT_MODELS[kind]
    base = f"/institutions/{{institution_id}}/{kind.path}"
    label = kind.value.replace("_", " ")

    async def report(
        institution_id: InstitutionId,
        student_number: StudentNumber,
        body: body_model,  # type: ignore[valid-type]
        actor: InstitutionWriter,
        session: SessionDep,
        outbox: OutboxDep,
        audit: AuditDep,
        secrets: SecretsDep,
        settings: SettingsDep,
        response: Response,
    ) -> Any:
        _check_institution(actor, institution_id)
        fields = body.model_dump(exclude={"reason"})
        reported = await service.report_record(
            session,
            audit,
            outbox,
            secrets,
            settings,
            kind=kind,
            institution_id=institution_id,
            student_number=student_number,
            fields=fields,
            reason=body.reason,
            actor=actor.actor,
        )
        if reported.created:
            response.status_code = status.HTTP_201_CREATED
        return ReportOutcome[out_model](  # type: ignore[valid-type]
            changed=reported.changed, record=service.view_of(reported.record, kind, secrets)
        )

    report.__doc__ = (
        f"Report a {label} record by student number: the first report creates it, a changed "
        "one becomes a new version (who, when, why), the same facts again change nothing."
    )
    router.put(
        f"{base}/{{student_number}}",
        response_model=ReportOutcome[out_model],  # type: ignore[valid-type]
        responses=problems(409),
        name=f"report_{kind.value}",
    )(report)

    async def list_records(
        institution_id: InstitutionId,
        actor: InstitutionReader,
        session: SessionDep,
        secrets: SecretsDep,
        params: Annotated[PageParams, Depends(page_params)],
        student_number: Annotated[
            str | None, Query(pattern=STUDENT_NUMBER.pattern, max_length=32)
        ] = None,
        status: EnrollmentStatus | None = None,
    ) -> Any:
        _check_institution(actor, institution_id)
        repository = RecordRepository(session, kind)
        page = await repository.paginate(
            repository.listing(institution_id, student_number=student_number, status=status),
            params,
        )
        return Page[out_model](  # type: ignore[valid-type]
            items=[service.view_of(r, kind, secrets) for r in page.items],
            next_cursor=page.next_cursor,
        )

    list_records.__doc__ = f"List the institution's {label} records, newest first."
    router.get(base, response_model=Page[out_model], name=f"list_{kind.value}")(list_records)  # type: ignore[valid-type]

    async def get_one(
        institution_id: InstitutionId,
        student_number: StudentNumber,
        actor: InstitutionReader,
        session: SessionDep,
        secrets: SecretsDep,
    ) -> Any:
        _check_institution(actor, institution_id)
        record = await RecordRepository(session, kind).by_student_number(
            institution_id, student_number
        )
        if record is None:
            raise RecordNotFound()
        return service.view_of(record, kind, secrets)

    get_one.__doc__ = f"Show one {label} record of the institution by student number."
    router.get(f"{base}/{{student_number}}", response_model=out_model, name=f"get_{kind.value}")(
        get_one
    )

    async def versions(
        institution_id: InstitutionId,
        student_number: StudentNumber,
        actor: InstitutionReader,
        session: SessionDep,
        secrets: SecretsDep,
    ) -> list[VersionOut]:
        _check_institution(actor, institution_id)
        repository = RecordRepository(session, kind)
        record = await repository.by_student_number(institution_id, student_number)
        if record is None:
            raise RecordNotFound()
        return [service.version_view(v, secrets) for v in await repository.versions(record.id)]

    versions.__doc__ = f"List every version of a {label} record, newest first (who, when, why)."
    router.get(
        f"{base}/{{student_number}}/versions",
        response_model=list[VersionOut],
        name=f"versions_of_{kind.value}",
    )(versions)


for _kind in RecordKind:
    _add_kind_routes(_kind)


@router.get(
    "/institutions/{institution_id}/student-status/{student_number}/status-changes",
    response_model=list[StatusChangeOut],
)
async def status_changes(
    institution_id: InstitutionId,
    student_number: StudentNumber,
    actor: InstitutionReader,
    session: SessionDep,
) -> list[StatusChangeOut]:
    """List the dated status changes of a student-status record (在籍, 休学, 复学, 毕业...)."""
    _check_institution(actor, institution_id)
    repository = RecordRepository(session, RecordKind.STUDENT_STATUS)
    record = await repository.by_student_number(institution_id, student_number)
    if record is None:
        raise RecordNotFound()
    return [StatusChangeOut.model_validate(c) for c in await repository.status_changes(record.id)]
