"""Degree application rounds and applications: staff open a round; an eligible student
applies once (status fields snapshotted from the record), uploads the materials or gives a
report code for the registration form, submits; staff approve or return; the student
confirms finally (nothing changes after) and gets a receipt; staff may disqualify."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.audit import AuditLog
from educert_common.errors import FieldError, Text, ValidationFailed
from educert_common.events.catalogue import (
    DegreeApplicationApproved,
    DegreeApplicationDisqualified,
    DegreeApplicationReturned,
)
from educert_common.events.outbox import Outbox
from educert_common.files import AcceptedFile, SlotSpec
from educert_common.http.pagination import Page, PageParams
from educert_common.storage import FileStorage
from educert_common.verification.answer import VerificationAnswer
from educert_common.verification.codes import new_code, normalise_code
from records.academic.models import QualificationRecord
from records.access import InstitutionActor
from records.crypto import Secrets
from records.degreeapps.exceptions import (
    AlreadyApplied,
    ApplicationLocked,
    ApplicationNotFound,
    NotEligible,
    ReceiptNotFound,
    ReportRefused,
    SlotNotFound,
    WrongStatus,
)
from records.degreeapps.models import DegreeApplication, DegreeApplicationFile
from records.degreeapps.repository import ApplicationRepository, FileRepository
from records.degreeapps.rules import SLOTS, snapshot_of
from records.reports.repository import ReportRepository
from records.reports.rules import state_at
from records.reports.verifying import CloseLinks, Found, Verifier, answer_for, record_looks
from records.rounds import service as rounds
from records.rounds.exceptions import RoundNotFound, RoundNotOpen
from records.rounds.models import DegreeRound
from records.rounds.repository import RoundRepository
from records.rounds.service import check_actor

EDITABLE = ("draft", "returned")
REGISTRATION_FORM = "registration_form"


# the student's side ---------------------------------------------------------------------------


async def apply(
    session: AsyncSession,
    audit: AuditLog,
    secrets_: Secrets,
    *,
    applicant_id: uuid.UUID,
    round_id: uuid.UUID,
    now: datetime,
) -> DegreeApplication:
    """Apply in a round: once, while it is open, with a bound record that matches it."""
    round_ = await RoundRepository(session).get(round_id)
    if round_ is None:
        raise RoundNotFound()
    if not round_.opens_at <= now < round_.closes_at:
        raise RoundNotOpen()
    applications = ApplicationRepository(session)
    if await applications.in_round(round_id, applicant_id) is not None:
        raise AlreadyApplied()
    record = await rounds.eligible_record(session, applicant_id=applicant_id, round_=round_)
    if record is None:
        raise NotEligible()
    application = DegreeApplication(
        round_id=round_.id,
        institution_id=round_.institution_id,
        applicant_id=applicant_id,
        record_kind=(
            "qualification" if isinstance(record, QualificationRecord) else "student_status"
        ),
        record_id=record.id,
        record_version=record.version,
        snapshot=snapshot_of(
            record, id_number_masked=secrets_.masked_id_number(record.id_number_encrypted)
        ),
        status="draft",
        return_reasons=[],
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin_nested():
            await applications.add(application)
    except IntegrityError:
        # Two requests at once: the unique (round, applicant) let one through.
        raise AlreadyApplied() from None
    await audit.record(
        session, actor=str(applicant_id), action="degree_application.created",
        subject_type="degree_application", subject_id=str(application.id),
        after={"round_id": str(round_id), "record": f"{application.record_kind}:{record.id}",
               "record_version": record.version},
    )  # fmt: skip
    return application


async def my_application(
    session: AsyncSession,
    *,
    applicant_id: uuid.UUID,
    application_id: uuid.UUID,
    for_update: bool = False,
) -> DegreeApplication:
    """One of the student's own applications; anyone else's is not found (404)."""
    application = await ApplicationRepository(session).owned(
        application_id, applicant_id, for_update=for_update
    )
    if application is None:
        raise ApplicationNotFound()
    return application


async def my_applications(
    session: AsyncSession, *, applicant_id: uuid.UUID, params: PageParams
) -> Page[Any]:
    return await ApplicationRepository(session).page_of_applicant(applicant_id, params)


def _editable(application: DegreeApplication) -> None:
    if application.status not in EDITABLE:
        raise ApplicationLocked(application.status)


async def add_material(
    session: AsyncSession,
    storage: FileStorage,
    audit: AuditLog,
    *,
    applicant_id: uuid.UUID,
    application_id: uuid.UUID,
    slot: SlotSpec,
    accepted: AcceptedFile,
    now: datetime,
) -> DegreeApplicationFile:
    """Store a checked file as the slot's new version (a draft or returned application)."""
    application = await my_application(
        session, applicant_id=applicant_id, application_id=application_id, for_update=True
    )
    _editable(application)
    stored = await storage.put(accepted.content, slot.upload_policy(accepted.field))
    result = accepted.stored(stored.key)
    files = FileRepository(session)
    row = DegreeApplicationFile(
        application_id=application.id, slot=slot.name,
        version=await files.next_version(application.id, slot.name), file_key=result.key,
        sha256=result.sha256, kind=result.kind, media_type=result.media_type, size=result.size,
        pages=result.pages, width=result.width, height=result.height, filename=result.filename,
        uploaded_at=now,
    )  # fmt: skip
    await files.add(row)
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=str(applicant_id), action="degree_application.material_uploaded",
        subject_type="degree_application", subject_id=str(application.id),
        after={"slot": slot.name, "version": row.version, "sha256": row.sha256},
    )  # fmt: skip
    return row


async def give_registration_report(
    session: AsyncSession,
    audit: AuditLog,
    *,
    applicant_id: uuid.UUID,
    application_id: uuid.UUID,
    code: str,
    now: datetime,
) -> DegreeApplication:
    """Give the graduate registration form as the code of the student's own valid
    qualification report (instead of a file). Someone else's report, or a code that names
    none, is refused alike (422 on `code`): codes are not probed through this route."""
    application = await my_application(
        session, applicant_id=applicant_id, application_id=application_id, for_update=True
    )
    _editable(application)
    normalised = normalise_code(code)
    found = await ReportRepository(session).by_code_with_issuer(normalised) if normalised else None
    if found is None or found[0].owner_id != applicant_id:
        raise ReportRefused(
            "report_unknown",
            "No report of yours has this code",
            "您名下没有该验证码对应的报告",
        )
    report = found[0]
    if report.record_kind != "qualification":
        raise ReportRefused(
            "report_not_qualification",
            "The registration form is a qualification report (学历证书电子注册备案表)",
            "毕业生电子注册备案表须为学历在线验证报告",
        )
    state = state_at(
        status=report.status, valid_from=report.valid_from, valid_until=report.valid_until, now=now
    )
    if state != "valid":
        raise ReportRefused(
            "report_not_valid",
            f"The report is {state.replace('_', ' ')}: give a valid one",
            f"该报告当前状态为 {state}，请提供有效期内的报告",
        )
    application.registration_report_id = report.id
    application.registration_report_code = report.code
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=str(applicant_id), action="degree_application.report_given",
        subject_type="degree_application", subject_id=str(application.id),
        after={"report_id": str(report.id)},
    )  # fmt: skip
    return application


async def materials_of(
    session: AsyncSession, application: DegreeApplication
) -> list[DegreeApplicationFile]:
    return await FileRepository(session).current(application.id)


def missing_materials(
    application: DegreeApplication, required: Sequence[str], present: Sequence[str]
) -> list[str]:
    """Required slots without a file (a report code stands for the registration form)."""
    given = set(present)
    if application.registration_report_code:
        given.add(REGISTRATION_FORM)
    return [slot for slot in required if slot not in given]


async def required_of(session: AsyncSession, application: DegreeApplication) -> list[str]:
    round_ = await RoundRepository(session).get(application.round_id)
    assert round_ is not None
    return list(round_.required_materials)


async def submit(
    session: AsyncSession,
    audit: AuditLog,
    *,
    applicant_id: uuid.UUID,
    application_id: uuid.UUID,
    now: datetime,
) -> DegreeApplication:
    """Send a draft (or a returned application, fixed) to the institution's first review. A
    draft goes in only while the round is open; a returned one may come back later (the
    institution asked for it)."""
    application = await my_application(
        session, applicant_id=applicant_id, application_id=application_id, for_update=True
    )
    _editable(application)
    round_ = await RoundRepository(session).get(application.round_id)
    assert round_ is not None
    if application.status == "draft" and now >= round_.closes_at:
        raise RoundNotOpen()
    files = await materials_of(session, application)
    missing = missing_materials(
        application, list(round_.required_materials), [f.slot for f in files]
    )
    if missing:
        raise ValidationFailed(
            Text("Some required materials are missing", "缺少必需的材料"),
            errors=[
                FieldError(
                    slot, "file_required",
                    Text(f"{SLOTS[slot].label_en} is required", f"请上传{SLOTS[slot].label_zh}"),
                )
                for slot in missing
            ],
        )  # fmt: skip
    application.status = "submitted"
    application.submitted_at = now
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=str(applicant_id), action="degree_application.submitted",
        subject_type="degree_application", subject_id=str(application.id),
        after={"materials": {f.slot: f.sha256 for f in files},
               "registration_report_id": str(application.registration_report_id or "")},
    )  # fmt: skip
    return application


async def confirm(
    session: AsyncSession,
    audit: AuditLog,
    *,
    applicant_id: uuid.UUID,
    application_id: uuid.UUID,
    now: datetime,
) -> DegreeApplication:
    """The student's final confirmation of an approved application: from now on nothing can
    be edited, and the receipt (with its code) can be downloaded."""
    application = await my_application(
        session, applicant_id=applicant_id, application_id=application_id, for_update=True
    )
    if application.status == "confirmed":
        return application  # confirming twice changes nothing
    if application.status != "approved":
        raise WrongStatus(application.status, "confirmed")
    application.status = "confirmed"
    application.confirmed_at = now
    application.receipt_code = new_code()
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=str(applicant_id), action="degree_application.confirmed",
        subject_type="degree_application", subject_id=str(application.id),
        after={"status": "confirmed"},
    )  # fmt: skip
    return application


async def confirmed_application(
    session: AsyncSession, *, applicant_id: uuid.UUID, application_id: uuid.UUID
) -> tuple[DegreeApplication, DegreeRound]:
    """An application of the student's that has a receipt (confirmed, not disqualified)."""
    application = await my_application(
        session, applicant_id=applicant_id, application_id=application_id
    )
    if application.status != "confirmed" or application.receipt_code is None:
        raise WrongStatus(application.status, "given a receipt")
    round_ = await RoundRepository(session).get(application.round_id)
    assert round_ is not None
    return application, round_


# the institution's side -----------------------------------------------------------------------


async def staff_application(
    session: AsyncSession,
    actor: InstitutionActor,
    institution_id: str,
    application_id: uuid.UUID,
    *,
    for_update: bool = False,
) -> DegreeApplication:
    """An application at the institution (its staff; operators any). Another institution's
    application is not found."""
    check_actor(actor, institution_id)
    application = await ApplicationRepository(session).of_institution(
        application_id, institution_id, for_update=for_update
    )
    if application is None:
        raise ApplicationNotFound()
    return application


async def round_applications(
    session: AsyncSession,
    actor: InstitutionActor,
    *,
    institution_id: str,
    round_id: uuid.UUID,
    status: str | None,
    params: PageParams,
) -> Page[Any]:
    await rounds.staff_round(session, actor, institution_id, round_id)
    return await ApplicationRepository(session).page_of_round(round_id, status, params)


async def registration_answer(
    session: AsyncSession,
    application: DegreeApplication,
    now: datetime,
    *,
    logged: tuple[Outbox, CloseLinks, Verifier] | None = None,
) -> VerificationAnswer | None:
    """What the application's report code verifies as now: staff see the report's facts in
    place (or that it was closed, revoked or expired since). With `logged`, the look goes
    into the report's verification log for its holder, as any verifier's does (and alerts
    a holder who asked)."""
    if application.registration_report_code is None:
        return None
    found = await ReportRepository(session).by_code_with_issuer(
        application.registration_report_code
    )
    if found is None:
        return None
    report, institution, successor = found
    answer = answer_for(report, institution, successor, now)
    if logged is not None:
        outbox, close_links, verifier = logged
        looks = [(Found.of(report, institution, successor), answer)]
        await record_looks(session, outbox, close_links, looks, verifier, now)
    return answer


async def _round_title(session: AsyncSession, application: DegreeApplication) -> str:
    round_ = await RoundRepository(session).get(application.round_id)
    return round_.title if round_ else ""


async def approve(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    actor: InstitutionActor,
    institution_id: str,
    application_id: uuid.UUID,
    now: datetime,
) -> DegreeApplication:
    """First review passed: the student may now confirm."""
    application = await staff_application(
        session, actor, institution_id, application_id, for_update=True
    )
    if application.status != "submitted":
        raise WrongStatus(application.status, "approved")
    application.status = "approved"
    application.approved_at = now
    application.reviewed_by = actor.actor
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=actor.actor, action="degree_application.approved",
        subject_type="degree_application", subject_id=str(application.id),
        before={"status": "submitted"}, after={"status": "approved"},
    )  # fmt: skip
    await outbox.add(
        session,
        DegreeApplicationApproved(
            application_id=application.id, round_id=application.round_id,
            institution_id=application.institution_id, user_id=application.applicant_id,
            round_title=await _round_title(session, application),
        ),
        subject=str(application.id),
    )  # fmt: skip
    return application


async def return_for_fixes(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    actor: InstitutionActor,
    institution_id: str,
    application_id: uuid.UUID,
    reasons: list[dict[str, str]],
    now: datetime,
) -> DegreeApplication:
    """First review: return a submitted application with reasons; the student fixes and
    submits again."""
    application = await staff_application(
        session, actor, institution_id, application_id, for_update=True
    )
    if application.status != "submitted":
        raise WrongStatus(application.status, "returned")
    application.status = "returned"
    application.return_reasons = reasons
    application.returned_at = now
    application.reviewed_by = actor.actor
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=actor.actor, action="degree_application.returned",
        subject_type="degree_application", subject_id=str(application.id),
        before={"status": "submitted"}, after={"status": "returned", "reasons": reasons},
    )  # fmt: skip
    await outbox.add(
        session,
        DegreeApplicationReturned(
            application_id=application.id, round_id=application.round_id,
            institution_id=application.institution_id, user_id=application.applicant_id,
            round_title=await _round_title(session, application), reasons=reasons,
        ),
        subject=str(application.id),
    )  # fmt: skip
    return application


async def disqualify(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    actor: InstitutionActor,
    institution_id: str,
    application_id: uuid.UUID,
    reason: str,
    now: datetime,
) -> DegreeApplication:
    """Disqualify an application for forged documents, at any stage (also after the
    student confirmed: the receipt then no longer verifies)."""
    application = await staff_application(
        session, actor, institution_id, application_id, for_update=True
    )
    if application.status == "disqualified":
        raise WrongStatus(application.status, "disqualified again")
    before = application.status
    application.status = "disqualified"
    application.disqualified_at = now
    application.disqualified_by = actor.actor
    application.disqualified_reason = reason
    application.updated_at = now
    await session.flush()
    await audit.record(
        session, actor=actor.actor, action="degree_application.disqualified",
        subject_type="degree_application", subject_id=str(application.id),
        before={"status": before}, after={"status": "disqualified", "reason": reason},
    )  # fmt: skip
    await outbox.add(
        session,
        DegreeApplicationDisqualified(
            application_id=application.id, round_id=application.round_id,
            institution_id=application.institution_id, user_id=application.applicant_id,
            round_title=await _round_title(session, application), reason=reason,
        ),
        subject=str(application.id),
    )  # fmt: skip
    return application


async def by_receipt(
    session: AsyncSession, actor: InstitutionActor, institution_id: str, code: str
) -> DegreeApplication:
    """The confirmed application a receipt's code names (staff check it when the student
    collects the degree certificate); a disqualified one no longer answers."""
    check_actor(actor, institution_id)
    normalised = normalise_code(code)
    application = (
        await ApplicationRepository(session).by_receipt(normalised, institution_id)
        if normalised
        else None
    )
    if application is None or application.status != "confirmed":
        raise ReceiptNotFound()
    return application


async def material_file(
    session: AsyncSession, storage: FileStorage, application: DegreeApplication, slot: str
) -> tuple[DegreeApplicationFile, bytes]:
    for row in await materials_of(session, application):
        if row.slot == slot:
            return row, await storage.read(row.file_key)
    raise SlotNotFound()
