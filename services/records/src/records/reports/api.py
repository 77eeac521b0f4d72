"""Routes of the student's reports: order, list, extend, close, download as PDF or credential,
and see who verified them; and the operators' policy for ordering them."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response, status
from fastapi.responses import JSONResponse

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.http.pagination import Page, PageParams, page_params
from educert_common.idempotency import fingerprint
from educert_common.verification.codes import display_code
from educert_common.verification.public import SigningKeysDep
from records.access import AccountId
from records.base import idempotency
from records.reports import payments, service
from records.reports.documents import Addresses, report_credential, report_pdf
from records.reports.exceptions import ReportNotPayable
from records.reports.models import Report
from records.reports.rules import state_at
from records.reports.schemas import (
    Extension,
    PolicyIn,
    PolicyOut,
    ReportOrder,
    ReportOut,
    VerificationOut,
)
from records.runtime import AuditDep, ClockDep, DatabaseDep, SecretsDep, SettingsDep, StorageDep

router = APIRouter(tags=["records: verification reports"])

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}


def report_out(report: Report, *, public_base_url: str, now: Any) -> ReportOut:
    return ReportOut(
        id=report.id,
        code=display_code(report.code),
        record_kind=report.record_kind,  # type: ignore[arg-type]
        record_id=report.record_id,
        status=report.status,  # type: ignore[arg-type]
        state=state_at(
            status=report.status,
            valid_from=report.valid_from,
            valid_until=report.valid_until,
            now=now,
        ),
        validity_days=report.validity_days,
        valid_from=report.valid_from,
        valid_until=report.valid_until,
        disclosure=report.disclosure,
        facts=report.facts,  # type: ignore[arg-type]
        has_photo=report.photo_key is not None,
        alert_on_verify=report.alert_on_verify,
        order_id=report.order_id,
        verify_url=Addresses(public_base_url).verify_page(report.code),
        issued_at=report.issued_at,
        closed_at=report.closed_at,
        revoked_at=report.revoked_at,
        revoked_reason=report.revoked_reason,
        created_at=report.created_at,
    )


@router.post(
    "/me/reports",
    status_code=status.HTTP_201_CREATED,
    response_model=ReportOut,
    responses=problems(
        404,
        503,
        descriptions={
            404: "No such record in your archive",
            422: "A field is malformed, or validity_days is outside the range operators allow",
            503: "A fee applies and the payment service did not answer (the report waits)",
        },
    ),
)
async def order_report(
    body: ReportOrder,
    account: AccountId,
    database: DatabaseDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    settings: SettingsDep,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Order an online verification report of one of your records, choosing its validity,
    what it shows (ID number masked or hidden, birth date, photo) and whether to be told of
    each verification. Issued at once; when operators set a fee it waits for the payment
    order named in `order_id` (pay it through payment's order routes)."""
    now = clock()
    async with database.transaction() as session:
        slot = None
        if idempotency_key:
            slot = await idempotency.claim(
                session,
                owner=str(account),
                key=idempotency_key,
                request_fingerprint=fingerprint(
                    "records.report.order", body.model_dump(mode="json")
                ),
            )
        if slot is not None and slot.is_replay:
            if slot.replay_body.get("status") != "awaiting_payment":
                return JSONResponse(slot.replay_body, status_code=slot.replay_status or 201)
            # The stored answer predates the payment order (created after the commit): answer
            # with the report as it is now, and get its order if the first try got none.
            report = await service.my_report(
                session, owner_id=account, report_id=uuid.UUID(slot.replay_body["id"])
            )
        else:
            report = await service.order_report(
                session, audit, outbox, secrets,
                owner_id=account, kind=body.record_kind, record_id=body.record_id,
                validity_days=body.validity_days, disclosure=body.disclosure.rule(),
                alert_on_verify=body.alert_on_verify, now=now,
            )  # fmt: skip
            if slot is not None:
                stored = report_out(report, public_base_url=settings.public_base_url, now=now)
                await slot.store(201, stored.model_dump(mode="json"))
    if report.status == "awaiting_payment" and report.order_id is None:
        report = await _attach_order(database, settings, report)
    payload = report_out(report, public_base_url=settings.public_base_url, now=now)
    return JSONResponse(payload.model_dump(mode="json"), status_code=status.HTTP_201_CREATED)


async def _attach_order(database: Any, settings: Any, report: Report) -> Report:
    order_id = await payments.create_order(
        settings.platform, user_id=report.owner_id, report_id=report.id
    )
    async with database.transaction() as session:
        return await service.attach_order(session, report_id=report.id, order_id=order_id)


@router.post(
    "/me/reports/{report_id}/payment",
    response_model=ReportOut,
    responses=problems(404, 409, 503),
)
async def retry_payment_order(
    report_id: uuid.UUID,
    account: AccountId,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ReportOut:
    """Get the payment order of a report awaiting payment (created again if the payment
    service was unreachable when you ordered; the same order otherwise)."""
    async with database.transaction() as session:
        report = await service.my_report(session, owner_id=account, report_id=report_id)
    if report.status != "awaiting_payment":
        raise ReportNotPayable()
    report = await _attach_order(database, settings, report)
    return report_out(report, public_base_url=settings.public_base_url, now=clock())


@router.get("/me/reports", response_model=Page[ReportOut])
async def list_my_reports(
    account: AccountId,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[ReportOut]:
    """List your reports, newest first, each with what a verifier is told now."""
    page = await service.my_reports(session, owner_id=account, params=params)
    now = clock()
    return Page[ReportOut](
        items=[
            report_out(r, public_base_url=settings.public_base_url, now=now) for r in page.items
        ],
        next_cursor=page.next_cursor,
    )


@router.get("/me/reports/{report_id}", response_model=ReportOut, responses=problems(404))
async def get_my_report(
    report_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ReportOut:
    """Show one of your reports: its code, validity, facts and state."""
    report = await service.my_report(session, owner_id=account, report_id=report_id)
    return report_out(report, public_base_url=settings.public_base_url, now=clock())


@router.post(
    "/me/reports/{report_id}/extend",
    response_model=ReportOut,
    responses=problems(
        404, 409, descriptions={409: "The report is not valid now (its state is named)"}
    ),
)
async def extend_my_report(
    report_id: uuid.UUID,
    body: Extension,
    account: AccountId,
    session: SessionDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ReportOut:
    """Extend a valid report by some days (it then runs at most the longest validity)."""
    now = clock()
    report = await service.extend(
        session, audit, owner_id=account, report_id=report_id, days=body.days, now=now
    )
    return report_out(report, public_base_url=settings.public_base_url, now=now)


@router.post(
    "/me/reports/{report_id}/close",
    response_model=ReportOut,
    responses=problems(404, 409, descriptions={409: "The report is expired or revoked"}),
)
async def close_my_report(
    report_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> ReportOut:
    """Close a report early: from now on it verifies as closed by its holder."""
    now = clock()
    report = await service.close_mine(
        session, audit, outbox, owner_id=account, report_id=report_id, now=now
    )
    return report_out(report, public_base_url=settings.public_base_url, now=now)


@router.get(
    "/me/reports/{report_id}/verifications",
    response_model=Page[VerificationOut],
    responses=problems(404),
)
async def list_report_verifications(
    report_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    params: Annotated[PageParams, Depends(page_params)],
) -> Any:
    """See every verification of one of your reports: when, by which channel, which partner
    organisation, and the client address (masked)."""
    return await service.verifications_of(
        session, owner_id=account, report_id=report_id, params=params
    )


@router.get(
    "/me/reports/{report_id}/pdf",
    response_class=Response,
    responses={**PDF, **problems(404, 409)},
)
async def download_report_pdf(
    report_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    keys: SigningKeysDep,
    clock: ClockDep,
    language: Annotated[Literal["zh", "en"], Query()] = "zh",
) -> Response:
    """Download a report as a PDF in Chinese or English, signed by the platform (PAdES)."""
    report = await service.issued_report(
        session, owner_id=account, report_id=report_id, now=clock()
    )
    photo = await storage.read(report.photo_key) if report.photo_key else None
    document = await report_pdf(
        report, language=language, photo=photo, keys=keys,
        addresses=Addresses(settings.public_base_url),
    )  # fmt: skip
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="educert-report-{report.code}-{language}.pdf"'
            ),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/me/reports/{report_id}/credential",
    responses={
        200: {"content": {"application/vc": {"schema": {"type": "object"}}}},
        **problems(404, 409),
    },
)
async def download_report_credential(
    report_id: uuid.UUID,
    account: AccountId,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
    clock: ClockDep,
) -> JSONResponse:
    """Download a report as a W3C Verifiable Credential 2.0 (eddsa-jcs-2022 proof, status in
    the platform's Bitstring Status List), carrying exactly the facts the report shows."""
    now = clock()
    report = await service.issued_report(session, owner_id=account, report_id=report_id, now=now)
    credential = report_credential(
        report, keys=keys, addresses=Addresses(settings.public_base_url), now=now
    )
    return JSONResponse(
        credential,
        media_type="application/vc",
        headers={
            "Content-Disposition": f'attachment; filename="educert-report-{report.code}.json"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/reports/policy", response_model=PolicyOut)
async def get_report_policy(session: SessionDep) -> Any:
    """Show the validity range students choose from and whether reports cost a fee."""
    return await service.policy(session)


@router.put("/reports/policy", response_model=PolicyOut, responses=problems(403))
async def update_report_policy(
    body: PolicyIn, operator: Operator, session: SessionDep, audit: AuditDep, clock: ClockDep
) -> Any:
    """Set the validity range and whether reports cost a fee (operators; audited). The fee
    itself is payment's fee table entry for purpose `report`."""
    return await service.update_policy(
        session, audit, min_validity_days=body.min_validity_days,
        max_validity_days=body.max_validity_days, fee_required=body.fee_required,
        actor=operator.subject, now=clock(),
    )  # fmt: skip
