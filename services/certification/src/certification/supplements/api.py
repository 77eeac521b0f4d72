"""Routes of supplementary materials: a reviewer holding the claim returns an application
with a request; the applicant sees it, answers paper items with a courier tracking number
(files are answered through the materials upload route) and resubmits."""

import uuid

from fastapi import APIRouter, status

from certification.access import ApplicantId, Reviewer
from certification.applications import service as applications
from certification.applications import views
from certification.applications.repository import ApplicationRepository
from certification.applications.schemas import ApplicationOut
from certification.exceptions import ApplicationNotFound
from certification.runtime import AuditDep, ClockDep
from certification.supplements import couriers, service
from certification.supplements.schemas import (
    CourierOut,
    ItemOut,
    PaperAnswer,
    RequestIn,
    RequestOut,
)
from educert_common.app import OutboxDep, SessionDep
from educert_common.http.contract import problems

router = APIRouter(tags=["certification: supplements"])


@router.get("/supplements/couriers", response_model=list[CourierOut])
async def courier_companies() -> list[CourierOut]:
    """The courier companies paper supplements may be sent with, and an example tracking
    number of each."""
    return [
        CourierOut(code=c.code, name={"en": c.name.en, "zh": c.name.zh}, example=c.example)
        for c in couriers.COURIERS.values()
    ]


@router.post(
    "/review/applications/{application_id}/supplements",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestOut,
    responses=problems(
        404,
        409,
        descriptions={
            409: "Not in review (decided, withdrawn, ...: the state is named), or claimed by "
            "another reviewer or by no one"
        },
    ),
)
async def request_supplements(
    application_id: uuid.UUID,
    body: RequestIn,
    reviewer: Reviewer,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> RequestOut:
    """Return the application you hold (claimed) to its applicant, asking for supplements:
    each item adds a file to a slot, asks a file again (`material_id`), or asks the paper
    original by courier, with a message; plus an overall message."""
    application = await ApplicationRepository(session).lock(application_id)
    if application is None:
        raise ApplicationNotFound()
    request = await service.request_supplements(
        session, audit, outbox, application, reviewer=reviewer.subject, items=body.items,
        message=body.message, now=clock(),
    )  # fmt: skip
    requests = await service.requests_of(session, application, for_applicant=False)
    return next(r for r in requests if r.id == request.id)


@router.get(
    "/review/applications/{application_id}/supplements",
    response_model=list[RequestOut],
    responses=problems(404),
)
async def review_supplements(
    application_id: uuid.UUID, reviewer: Reviewer, session: SessionDep
) -> list[RequestOut]:
    """An application's supplement requests, newest first, with the applicant's answers."""
    application = await ApplicationRepository(session).get(application_id)
    if application is None:
        raise ApplicationNotFound()
    return await service.requests_of(session, application, for_applicant=False)


@router.get(
    "/me/applications/{application_id}/supplements",
    response_model=list[RequestOut],
    responses=problems(404),
)
async def my_supplements(
    application_id: uuid.UUID, applicant: ApplicantId, session: SessionDep
) -> list[RequestOut]:
    """What reviewers asked of your application, newest first; the open request (if any)
    is answered item by item, then resubmitted."""
    application = await applications.get_own(session, application_id, applicant)
    return await service.requests_of(session, application, for_applicant=True)


@router.put(
    "/me/applications/{application_id}/supplements/items/{item_id}/paper",
    response_model=ItemOut,
    responses=problems(404, 409, descriptions={409: "Not returned for supplements"}),
)
async def answer_paper_item(
    application_id: uuid.UUID,
    item_id: uuid.UUID,
    body: PaperAnswer,
    applicant: ApplicantId,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> ItemOut:
    """Answer a paper item: the courier company and tracking number of what you sent
    (checked against the company's number format)."""
    application = await applications.get_own(session, application_id, applicant, lock=True)
    item = await service.answer_paper(
        session, audit, application, item_id, courier_company=body.courier_company,
        tracking_number=body.tracking_number, now=clock(),
    )  # fmt: skip
    requests = await service.requests_of(session, application, for_applicant=True)
    return next(i for r in requests for i in r.items if i.id == item.id)


@router.post(
    "/me/applications/{application_id}/resubmit",
    response_model=ApplicationOut,
    responses=problems(
        404, 409, descriptions={409: "Not returned, or items of the request are unanswered"}
    ),
)
async def resubmit_application(
    application_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> ApplicationOut:
    """Resubmit after answering every item of the supplement request: the application
    rejoins the reviewers' queue."""
    now = clock()
    application = await applications.get_own(session, application_id, applicant, lock=True)
    await service.resubmit(session, audit, outbox, application, now=now)
    return await views.detail(session, application, now=now)
