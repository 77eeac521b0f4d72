"""Routes of the applicant's own applications: the kinds on offer, open a draft, save its
steps, submit, pay, withdraw, follow it."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, status
from fastapi.responses import JSONResponse

from certification.access import ApplicantId
from certification.applications import service, views
from certification.applications.repository import ApplicationRepository
from certification.applications.schemas import (
    ApplicationOrderOut,
    ApplicationOut,
    ApplicationSummary,
    DraftOpen,
    StepSave,
    Submission,
    Withdrawal,
)
from certification.base import idempotency
from certification.kinds import KINDS
from certification.runtime import AuditDep, ClockDep, SettingsDep
from educert_common.app import OutboxDep, SessionDep
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from educert_common.idempotency import fingerprint

router = APIRouter(tags=["certification: applications"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


@router.get("/kinds")
async def application_kinds() -> list[dict[str, Any]]:
    """The application kinds: their steps in order, their material slots (file types, size
    and page limits, how many files, required or when) and the fees they are paid with."""
    return [
        {
            "kind": spec.name,
            "label": {"en": spec.label.en, "zh": spec.label.zh},
            "steps": list(spec.steps),
            "fees": sorted(
                {fee for fee in spec.fees({}) + spec.fees({"purpose": {"report_type": "paper_zh"}})}
            ),
            "countries": sorted(spec.countries) if spec.countries is not None else None,
            "slots": [
                {
                    "name": slot.name,
                    "label": {"en": slot.label.en, "zh": slot.label.zh},
                    "kinds": sorted(slot.kinds),
                    "max_bytes": slot.max_bytes,
                    "max_pages": slot.max_pages,
                    "max_files": slot.max_files,
                    "required": slot.required if slot.required_when is None else "conditional",
                }
                for slot in spec.slots
            ],
        }
        for spec in KINDS.values()
    ]


@router.post(
    "/me/applications",
    status_code=status.HTTP_201_CREATED,
    response_model=ApplicationOut,
    responses=problems(404, 409, descriptions={409: "Not real-name verified, or too many open"}),
)
async def open_application(
    body: DraftOpen,
    applicant: ApplicantId,
    session: SessionDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Open a draft application of a kind (a reconsideration names the decided application
    it contests). One application certifies one degree; you may hold several."""
    now = clock()
    slot = None
    if idempotency_key:
        slot = await idempotency.claim(
            session,
            owner=str(applicant),
            key=idempotency_key,
            request_fingerprint=fingerprint(
                "certification.application.open", body.model_dump(mode="json")
            ),
        )
        if slot.is_replay:
            return JSONResponse(slot.replay_body, status_code=slot.replay_status or 201)
    application = await service.open_draft(
        session, audit, settings, user_id=applicant, kind=body.kind,
        reconsideration_of=body.reconsideration_of, now=now,
    )  # fmt: skip
    payload = (await views.detail(session, application, now=now)).model_dump(mode="json")
    if slot is not None:
        await slot.store(201, payload)
    return JSONResponse(payload, status_code=status.HTTP_201_CREATED)


@router.get("/me/applications", response_model=Page[ApplicationSummary])
async def my_applications(
    applicant: ApplicantId,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[ApplicationSummary]:
    """Your applications, newest first, with their state."""
    page = await ApplicationRepository(session).of_user(applicant, params)
    return Page[ApplicationSummary](
        items=[views.summary(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/me/applications/{application_id}", response_model=ApplicationOut, responses=problems(404)
)
async def my_application(
    application_id: uuid.UUID, applicant: ApplicantId, session: SessionDep, clock: ClockDep
) -> ApplicationOut:
    """One of your applications: its steps, findings, orders, history, what is asked of you
    now, and the estimated completion date with what it waits for."""
    application = await service.get_own(session, application_id, applicant)
    return await views.detail(session, application, now=clock())


@router.put(
    "/me/applications/{application_id}/steps/{step}",
    response_model=ApplicationOut,
    responses=problems(
        404, 409, 503, descriptions={409: "Not a draft, or an earlier step is missing"}
    ),
)
async def save_step(
    application_id: uuid.UUID,
    step: str,
    body: StepSave,
    applicant: ApplicantId,
    session: SessionDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ApplicationOut:
    """Save (or revisit) one step of a draft; it is validated on its own, and the checks
    run again so their findings show before you pay."""
    now = clock()
    application = await service.get_own(session, application_id, applicant, lock=True)
    await service.save_step(
        session, audit, settings.platform, application, step=step, data=body.data, now=now
    )
    return await views.detail(session, application, now=now)


@router.post(
    "/me/applications/{application_id}/submit",
    response_model=ApplicationOut,
    responses=problems(
        404,
        409,
        503,
        descriptions={
            409: "Not a draft, or steps, materials or blocking findings stand in the way"
        },
    ),
)
async def submit_application(
    application_id: uuid.UUID,
    body: Submission,
    applicant: ApplicantId,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ApplicationOut:
    """Confirm and submit: every step and material is checked together; then pay the
    orders listed (or share their proxy-pay link). Free kinds join the queue at once."""
    now = clock()
    application = await service.get_own(session, application_id, applicant, lock=True)
    await service.submit(
        session, audit, outbox, settings.platform, application, now=now,
        holder_name=body.holder_name,
    )  # fmt: skip
    return await views.detail(session, application, now=now)


@router.post(
    "/me/applications/{application_id}/orders",
    response_model=list[ApplicationOrderOut],
    responses=problems(404, 409, 503),
)
async def payment_orders(
    application_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> list[ApplicationOrderOut]:
    """The orders to pay an application awaiting payment with; an order that expired
    unpaid is replaced by a fresh one."""
    application = await service.get_own(session, application_id, applicant, lock=True)
    orders = await service.renew_orders(session, settings.platform, application, now=clock())
    return [ApplicationOrderOut.model_validate(order) for order in orders]


@router.post(
    "/me/applications/{application_id}/withdraw",
    response_model=ApplicationOut,
    responses=problems(404, 409),
)
async def withdraw_application(
    application_id: uuid.UUID,
    body: Withdrawal,
    applicant: ApplicantId,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    clock: ClockDep,
) -> ApplicationOut:
    """Withdraw an application before its review starts; what was paid is refunded."""
    now = clock()
    application = await service.get_own(session, application_id, applicant, lock=True)
    await service.withdraw(session, audit, outbox, application, reason=body.reason, now=now)
    return await views.detail(session, application, now=now)
