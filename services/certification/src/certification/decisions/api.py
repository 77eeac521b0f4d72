"""Routes of decisions (certify, refuse: the reviewer holding the application) and of the
managed list of refusal reasons (reviewers read it, operators keep it)."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from certification.access import Reviewer
from certification.decisions import service
from certification.decisions.models import ApplicationDecision
from certification.decisions.schemas import (
    Certification,
    DecisionResult,
    Refusal,
    RefusalReasonIn,
    RefusalReasonOut,
    RefusalReasonPatch,
)
from certification.reviews.service import for_review
from certification.runtime import AuditDep, ClockDep
from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems

router = APIRouter(prefix="/review", tags=["certification: decisions"])

DECIDING_PROBLEMS = problems(
    404,
    409,
    descriptions={
        409: "Not in review (transition_not_allowed, naming the state), held by another "
        "reviewer (application_claimed) or by nobody (claim_required)"
    },
)


def _result(decision: ApplicationDecision, state: str, number: str | None) -> DecisionResult:
    return DecisionResult(
        application_id=decision.application_id,
        state=state,  # type: ignore[arg-type]
        outcome=decision.outcome,
        reasons=decision.reasons,
        comment=decision.comment,
        certificate_id=decision.certificate_id,
        certificate_number=number,
        decided_by=decision.decided_by,
        decided_at=decision.decided_at,
    )


@router.post(
    "/applications/{application_id}/certify",
    response_model=DecisionResult,
    responses=DECIDING_PROBLEMS,
)
async def certify_application(
    application_id: uuid.UUID,
    body: Certification,
    reviewer: Reviewer,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> DecisionResult:
    """Certify an application you hold in review: its certificate is issued (number and
    verification code) and the applicant is told."""
    application = await for_review(session, application_id, lock=True)
    decision, certificate = await service.certify(
        session, audit, outbox, application, reviewer=reviewer.subject,
        comment=body.comment, now=clock(),
    )  # fmt: skip
    return _result(decision, application.state, certificate.number)


@router.post(
    "/applications/{application_id}/refuse",
    response_model=DecisionResult,
    responses=DECIDING_PROBLEMS,
)
async def refuse_application(
    application_id: uuid.UUID,
    body: Refusal,
    reviewer: Reviewer,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> DecisionResult:
    """Refuse an application you hold in review, giving reasons from the managed list
    (`reasons`: their codes) and free text (`comment`); the applicant is told both."""
    application = await for_review(session, application_id, lock=True)
    decision = await service.refuse(
        session, audit, outbox, application, reviewer=reviewer.subject,
        codes=body.reasons, comment=body.comment, now=clock(),
    )  # fmt: skip
    return _result(decision, application.state, None)


@router.get("/refusal-reasons", response_model=list[RefusalReasonOut])
async def refusal_reasons(
    reviewer: Reviewer,
    session: SessionDep,
    include_inactive: Annotated[bool, Query()] = False,
) -> list[RefusalReasonOut]:
    """The refusal reasons reviewers choose from (the inactive ones too, on request)."""
    found = await service.reasons(session, include_inactive=include_inactive)
    return [RefusalReasonOut.model_validate(reason) for reason in found]


@router.post(
    "/refusal-reasons",
    status_code=status.HTTP_201_CREATED,
    response_model=RefusalReasonOut,
    responses=problems(409, descriptions={409: "The code exists"}),
)
async def add_refusal_reason(
    body: RefusalReasonIn, operator: Operator, session: SessionDep, audit: AuditDep, clock: ClockDep
) -> RefusalReasonOut:
    """Add a refusal reason (operators)."""
    reason = await service.add_reason(
        session, audit, actor=operator.subject, code=body.code, text_zh=body.text_zh,
        text_en=body.text_en, active=body.active, now=clock(),
    )  # fmt: skip
    return RefusalReasonOut.model_validate(reason)


@router.patch("/refusal-reasons/{code}", response_model=RefusalReasonOut, responses=problems(404))
async def change_refusal_reason(
    code: str,
    body: RefusalReasonPatch,
    operator: Operator,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> RefusalReasonOut:
    """Change a refusal reason's texts or deactivate it (operators); decisions already made
    keep the texts they gave."""
    reason = await service.change_reason(
        session, audit, actor=operator.subject, code=code,
        changes=body.model_dump(exclude_unset=True, exclude_none=True), now=clock(),
    )  # fmt: skip
    return RefusalReasonOut.model_validate(reason)


@router.delete(
    "/refusal-reasons/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(404),
)
async def remove_refusal_reason(
    code: str, operator: Operator, session: SessionDep, audit: AuditDep
) -> Response:
    """Remove a refusal reason (operators); decisions that gave it keep its texts."""
    await service.remove_reason(session, audit, actor=operator.subject, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
