"""Routes of the reviewer workbench (reviewer, operator, admin roles): the queue, one
application with everything about it, claim and release, internal notes."""

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime

from certification.access import Reviewer
from certification.reviews import service, views
from certification.reviews.schemas import (
    ClaimOut,
    NoteIn,
    NoteOut,
    QueueItem,
    QueueState,
    Release,
    ReviewApplicationOut,
)
from certification.runtime import AuditDep, ClockDep
from educert_common.app import OutboxDep, SessionDep
from educert_common.events.catalogue import ApplicationKind
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/review", tags=["certification: reviewer workbench"])


@router.get("/applications", response_model=Page[QueueItem])
async def review_queue(
    reviewer: Reviewer,
    session: SessionDep,
    clock: ClockDep,
    params: Annotated[PageParams, Depends(page_params)],
    state: Annotated[list[QueueState], Query()] = [],  # noqa: B006 (FastAPI copies it)
    kind: ApplicationKind | None = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    queued_before: AwareDatetime | None = None,
    older_than_days: Annotated[int | None, Query(ge=0, le=3650)] = None,
    sla_breached: bool | None = None,
    claimed: Literal["mine", "unclaimed", "anyone"] = "anyone",
) -> Page[QueueItem]:
    """The queue, oldest queued first: by default the waiting applications (submitted and
    resubmitted); filter by state (repeatable), kind, country (ISO 3166 alpha-2), age
    (queued before a time, or more than N days ago), SLA breach (due day before today in
    Asia/Shanghai; applications without a due day have no SLA) and who holds them."""
    now = clock()
    rows, cursor = await service.queue(
        session, reviewer=reviewer.subject, states=state, kind=kind, country=country,
        queued_before=queued_before, older_than_days=older_than_days, sla=sla_breached,
        claimed=claimed, limit=params.limit, cursor=params.cursor, now=now,
    )  # fmt: skip
    return Page[QueueItem](
        items=[views.queue_item(row, now=now) for row in rows],
        next_cursor=cursor.encode() if cursor else None,
    )


@router.get(
    "/applications/{application_id}", response_model=ReviewApplicationOut, responses=problems(404)
)
async def review_application(
    application_id: uuid.UUID, reviewer: Reviewer, session: SessionDep, clock: ClockDep
) -> ReviewApplicationOut:
    """One application for review: its steps, the pre-submission findings, its orders, the
    history of its states with who moved it, reviewers' notes, the decision, and what you
    may do with it now."""
    application = await service.for_review(session, application_id)
    return await views.detail(session, application, principal=reviewer, now=clock())


@router.post(
    "/applications/{application_id}/claim",
    response_model=ClaimOut,
    responses=problems(
        404,
        409,
        descriptions={
            409: "Held by another reviewer (application_claimed, naming them), or not in a "
            "state to review (transition_not_allowed, naming the state)"
        },
    ),
)
async def claim_application(
    application_id: uuid.UUID,
    reviewer: Reviewer,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> ClaimOut:
    """Take an application for review: one reviewer at a time. A waiting application moves
    to in review; an in-review one nobody holds is simply taken."""
    application = await service.for_review(session, application_id, lock=True)
    await service.claim(session, audit, outbox, application, reviewer=reviewer.subject, now=clock())
    return ClaimOut.model_validate(application, from_attributes=True)


@router.post(
    "/applications/{application_id}/release",
    response_model=ClaimOut,
    responses=problems(404, 409, descriptions={409: "Nobody holds it, or another reviewer does"}),
)
async def release_application(
    application_id: uuid.UUID,
    reviewer: Reviewer,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
    body: Release | None = None,
) -> ClaimOut:
    """Give an application you hold back (it stays in review for another reviewer to
    claim). Operators may release anyone's claim; that is audited with the reason."""
    application = await service.for_review(session, application_id, lock=True)
    await service.release(
        session, audit, application, principal=reviewer,
        reason=body.reason if body else "", now=clock(),
    )  # fmt: skip
    return ClaimOut.model_validate(application, from_attributes=True)


@router.get(
    "/applications/{application_id}/notes", response_model=list[NoteOut], responses=problems(404)
)
async def application_notes(
    application_id: uuid.UUID, reviewer: Reviewer, session: SessionDep
) -> list[NoteOut]:
    """Reviewers' internal notes on an application, oldest first, with author and time
    (never shown to the applicant)."""
    application = await service.for_review(session, application_id)
    return [NoteOut.model_validate(note) for note in await service.notes(session, application)]


@router.post(
    "/applications/{application_id}/notes",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteOut,
    responses=problems(404),
)
async def add_application_note(
    application_id: uuid.UUID,
    body: NoteIn,
    reviewer: Reviewer,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> NoteOut:
    """Write an internal note on an application (reviewers only ever see it)."""
    application = await service.for_review(session, application_id)
    note = await service.add_note(
        session, audit, application, author=reviewer.subject, body=body.body, now=clock()
    )
    return NoteOut.model_validate(note)
