"""Public routes of reports, for anyone with a code: the verification page (HTML, zh/en)
and its JSON twin, partners' bulk verification with a signed receipt, the one-step close
link of alerts, and what offline verifiers need (the issuer's keys, the status list)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic_core import to_json

from educert_common.app import OutboxDep, SessionDep, runtime_of
from educert_common.auth import require_scopes
from educert_common.auth.dependencies import Principal
from educert_common.http.contract import problems
from educert_common.i18n import preferred_language
from educert_common.signing.receipts import sign_receipt
from educert_common.verification.answer import VerificationAnswer
from educert_common.verification.page import page_headers, render_answer_page
from educert_common.verification.public import (
    SigningKeysDep,
    VerificationLookupsExceeded,
    code_form_response,
    issuer_router,
    lookups_exceeded_page,
    page_language,
    status_list_document,
)
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.reports import service, verifying
from records.reports.documents import STATUS_LIST_ID, Addresses
from records.reports.pages import render_close_confirmation
from records.reports.repository import ReportRepository
from records.reports.schemas import BulkVerification
from records.runtime import (
    AuditDep,
    ClientIp,
    ClockDep,
    DatabaseDep,
    SecretsDep,
    SettingsDep,
    StorageDep,
    VerificationsDep,
    client_ip_of,
    clock_of,
    settings_of,
    verifications_of,
)

router = APIRouter(tags=["records: verifying reports (public)"])

Partner = Annotated[Principal, Depends(require_scopes("reports:verify"))]
LanguageQuery = Annotated[Literal["zh", "en"] | None, Query(alias="lang")]


def _lazy_close_links(settings: RecordsSettings) -> verifying.CloseLinks:
    """Close links whose key is derived only when an alert needs one."""
    return verifying.CloseLinks(
        settings.public_base_url,
        lambda report_id: service.close_link_token(secrets_for(settings).close_link_key, report_id),
    )


def _close_links(settings: Any, secrets: Any) -> verifying.CloseLinks:
    return verifying.CloseLinks(
        settings.public_base_url,
        lambda report_id: service.close_link_token(secrets.close_link_key, report_id),
    )


@router.get(
    "/reports/verify/{code}",
    response_model=VerificationAnswer,
    responses=problems(
        429, descriptions={429: "Too many codes matching nothing from this address"}
    ),
)
async def verify_report(code: str, request: Request) -> Response:
    """Verify a report by its code (no account needed): valid, not yet valid, expired,
    closed by its holder, revoked (with the date and why) or unknown; who issued the
    record and whether that institution is active in the registry; the facts the holder
    chose to show while it is valid."""
    # What the route needs is read from the request here, not through dependencies: each one
    # FastAPI solves cost more than this route's own work (the busiest public route).
    settings = settings_of(request)
    looked = await verifying.look_up(
        runtime_of(request).database,
        verifications_of(request),
        _lazy_close_links(settings),
        code=code,
        verifier=verifying.Verifier("api", client_ip_of(request, settings)),
        budget=verifying.miss_budget(settings.report_misses_per_address_per_hour),
        now=clock_of(request)(),
    )
    # The answer's fields serialised as the response model would, without validating them
    # again (the same bytes; tests/unit/test_verify_answer_json.py holds them to it).
    return Response(to_json(looked.answer), media_type="application/json")


@router.get("/v", response_class=HTMLResponse, include_in_schema=False)
async def verification_form(
    lang: LanguageQuery = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The page where a verifier types a code (a typed code goes on to its answer page)."""
    return code_form_response(page_language(lang, accept_language), code)


@router.get("/v/{code}", response_class=HTMLResponse, include_in_schema=False)
async def verification_page(
    code: str,
    database: DatabaseDep,
    verifications: VerificationsDep,
    settings: SettingsDep,
    secrets: SecretsDep,
    storage: StorageDep,
    clock: ClockDep,
    ip: ClientIp,
    lang: LanguageQuery = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The verification page a report's QR code opens (zh/en by the browser's language)."""
    language = page_language(lang, accept_language)
    try:
        looked = await verifying.look_up(
            database, verifications, _close_links(settings, secrets), code=code,
            verifier=verifying.Verifier("page", ip),
            budget=verifying.miss_budget(settings.report_misses_per_address_per_hour),
            now=clock(),
        )  # fmt: skip
    except VerificationLookupsExceeded as refused:
        return lookups_exceeded_page(language, code, refused)
    answer = VerificationAnswer(**looked.answer)
    if looked.report is not None and answer.state == "valid" and looked.report.photo_key:
        answer = answer.model_copy(update={"photo": await storage.read(looked.report.photo_key)})
    html = render_answer_page(answer, language, form_href="../v")
    return HTMLResponse(html, headers=page_headers())


@router.post(
    "/reports/verifications",
    responses=problems(403, 422),
)
async def verify_reports_in_bulk(
    body: BulkVerification,
    partner: Partner,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    secrets: SecretsDep,
    keys: SigningKeysDep,
    clock: ClockDep,
    ip: ClientIp,
) -> JSONResponse:
    """Verify up to 1,000 codes at once (partners with scope reports:verify): one answer per
    code in the order given, in a receipt signed by the platform (detached JWS, EdDSA) for
    your audit files."""
    now = clock()
    answers = await verifying.look_up_many(
        session, outbox, _close_links(settings, secrets), codes=body.codes,
        verifier=verifying.Verifier("bulk", ip, partner=partner.institution or partner.subject),
        now=now,
    )  # fmt: skip
    receipt = sign_receipt(
        {
            "issuer": Addresses(settings.public_base_url).issuer,
            "partner": partner.institution or partner.subject,
            "checked_at": now.isoformat(),
            "results": [answer.model_dump(mode="json") for answer in answers],
        },
        keys,
    )
    return JSONResponse(
        {"receipt": receipt.payload_json, "signature": receipt.signature, "kid": receipt.kid},
        headers={"Cache-Control": "no-store"},
    )


@router.get("/reports/close-links/{token}", response_class=HTMLResponse, include_in_schema=False)
async def close_link_page(token: str, request: Request) -> Response:
    """The page a verification alert's link opens: one button that closes the report (a GET
    never changes anything, so mail scanners that follow links close nothing)."""
    language = preferred_language(request.headers.get("accept-language"))
    return HTMLResponse(render_close_confirmation(token, language), headers=page_headers())


@router.post("/reports/close-links/{token}", response_class=HTMLResponse, responses=problems(404))
async def close_by_link(
    token: str,
    request: Request,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    secrets: SecretsDep,
    clock: ClockDep,
) -> Response:
    """Close the report a verification alert names, in one step (the link is the key)."""
    await service.close_by_link(
        session, audit, outbox, secrets.close_link_key, token=token[:200], now=clock()
    )
    language = preferred_language(request.headers.get("accept-language"))
    return HTMLResponse(
        render_close_confirmation(token, language, done=True), headers=page_headers()
    )


router.include_router(
    issuer_router(
        lambda request: Addresses(settings_of(request).public_base_url), "report credentials"
    )
)


@router.get(
    f"/status-lists/{STATUS_LIST_ID}",
    responses={200: {"content": {"application/vc": {"schema": {"type": "object"}}}}},
)
async def report_status_list(
    session: SessionDep, settings: SettingsDep, keys: SigningKeysDep, clock: ClockDep
) -> JSONResponse:
    """The Bitstring Status List of reports (a signed credential): a report's bit is set once
    it is closed or revoked."""
    indexes = await ReportRepository(session).set_indexes()
    document = status_list_document(
        indexes, keys=keys, addresses=Addresses(settings.public_base_url), now=clock()
    )
    return JSONResponse(
        document, media_type="application/vc", headers={"Cache-Control": "public, max-age=60"}
    )
