"""How an application is shown to reviewers: everything the applicant gave and what
happened to it, with the reviewers' notes and the decision."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from certification.accounts.repository import AccountRepository
from certification.applications.models import Application
from certification.applications.repository import OrderRepository, TransitionRepository
from certification.applications.schemas import ApplicationOrderOut, FindingOut
from certification.applications.states import QUEUED, State
from certification.certificates.repository import CertificateRepository
from certification.decisions.repository import DecisionRepository
from certification.materials import service as materials
from certification.reviews import service
from certification.reviews.schemas import (
    ApplicantOut,
    DecisionOut,
    NoteOut,
    QueueItem,
    ReviewApplicationOut,
    ReviewTransitionOut,
)
from certification.supplements import service as supplements
from educert_common.auth import Principal


def queue_item(row: Any, *, now: datetime) -> QueueItem:
    return QueueItem(
        id=row.id,
        number=row.number,
        kind=row.kind,
        state=row.state,
        country=row.country,
        queued_at=row.queued_at,
        due_on=row.due_on,
        sla_breached=service.sla_breached(row.due_on, now),
        days_queued=max(0, (now - row.queued_at).days),
        submitted_at=row.submitted_at,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
    )


def reviewer_actions(application: Application, principal: Principal) -> list[str]:
    """What `principal` may do with the application now, given its state and claim: claim a
    waiting or unheld one; release their own claim (operators and admins: anyone's); the
    holder asks for supplements, certifies or refuses."""
    state = State(application.state)
    holder = application.claimed_by
    actions: list[str] = []
    if holder is None and (state in QUEUED or state is State.IN_REVIEW):
        actions.append("claim")
    if (
        state is State.IN_REVIEW
        and holder is not None
        and (holder == principal.subject or service.overseer(principal))
    ):
        actions.append("release")
    if state is State.IN_REVIEW and holder == principal.subject:
        actions += ["request_supplements", "certify", "refuse"]
    return actions


async def _decision(session: AsyncSession, application: Application) -> DecisionOut | None:
    decision = await DecisionRepository(session).of_application(application.id)
    if decision is None:
        return None
    number = None
    if decision.certificate_id is not None:
        certificate = await CertificateRepository(session).of_application(application.id)
        number = certificate.number if certificate else None
    return DecisionOut(
        outcome=decision.outcome,  # type: ignore[arg-type]
        reasons=decision.reasons,
        comment=decision.comment,
        certificate_id=decision.certificate_id,
        certificate_number=number,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
    )


async def detail(
    session: AsyncSession, application: Application, *, principal: Principal, now: datetime
) -> ReviewApplicationOut:
    account = await AccountRepository(session).get(application.user_id)
    orders = await OrderRepository(session).of_application(application.id)
    history = await TransitionRepository(session).of_application(application.id)
    notes = await service.notes(session, application)
    return ReviewApplicationOut(
        id=application.id,
        number=application.number,
        kind=application.kind,  # type: ignore[arg-type]
        state=application.state,  # type: ignore[arg-type]
        country=application.country,
        reconsideration_of=application.reconsideration_of,
        applicant=ApplicantOut(
            user_id=application.user_id,
            real_name=account.real_name if account else None,
            gender=account.gender if account else None,
            birth_date=account.birth_date if account else None,
        ),
        steps=application.steps,
        face_verified=application.face_session_id is not None,
        entry_exit_records=application.entry_exit_records,
        findings=[FindingOut.model_validate(finding) for finding in application.findings],
        orders=[ApplicationOrderOut.model_validate(order) for order in orders],
        history=[ReviewTransitionOut.model_validate(row) for row in history],
        notes=[NoteOut.model_validate(note) for note in notes],
        # As the reviewers' materials route shows them: files deleted while a draft too.
        materials=await materials.overview(session, application, include_removed=True),
        supplements=await supplements.requests_of(session, application, for_applicant=False),
        decision=await _decision(session, application),
        claimed_by=application.claimed_by,
        claimed_at=application.claimed_at,
        queued_at=application.queued_at,
        due_on=application.due_on,
        sla_breached=service.sla_breached(application.due_on, now),
        submitted_at=application.submitted_at,
        decided_at=application.decided_at,
        allowed_actions=reviewer_actions(application, principal),
    )
