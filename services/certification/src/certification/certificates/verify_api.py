"""Public routes of certificates, for anyone with a code (no account): the verification
page (HTML, zh/en) and its JSON twin, partners' bulk verification with a signed receipt,
and what offline verifiers need (the issuer's keys, the certificates' status list). The
same mechanisms as records' reports (`educert_common.verification`)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse

from certification.certificates import verifying
from certification.certificates.documents import STATUS_LIST_ID, Addresses
from certification.certificates.repository import CertificateRepository
from certification.certificates.schemas import BulkVerification
from certification.runtime import ClientIp, ClockDep, SettingsDep, settings_of
from educert_common.app import SessionDep
from educert_common.auth import require_scopes
from educert_common.auth.dependencies import Principal
from educert_common.http.contract import problems
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

router = APIRouter(tags=["certification: verifying certificates (public)"])

# Partners that verify reports verify certificates with the same scope (one key, one grant).
Partner = Annotated[Principal, Depends(require_scopes("reports:verify"))]
LanguageQuery = Annotated[Literal["zh", "en"] | None, Query(alias="lang")]


@router.get(
    "/certificates/verify/{code}",
    response_model=VerificationAnswer,
    responses=problems(
        429, descriptions={429: "Too many codes matching nothing from this address"}
    ),
)
async def verify_certificate(
    code: str, session: SessionDep, settings: SettingsDep, clock: ClockDep, ip: ClientIp
) -> Any:
    """Verify a certificate by its code (no account needed): valid, revoked (with the date
    and why) or unknown; what it certifies while it stands."""
    return await verifying.look_up(
        session, code=code, client=ip,
        miss_limit=settings.certificate_misses_per_address_per_hour, now=clock(),
    )  # fmt: skip


@router.get("/certificates/v", response_class=HTMLResponse, include_in_schema=False)
async def certificate_verification_form(
    lang: LanguageQuery = None,
    code: Annotated[str | None, Query(max_length=64)] = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The page where a verifier types a certificate's code."""
    return code_form_response(page_language(lang, accept_language), code)


@router.get("/certificates/v/{code}", response_class=HTMLResponse, include_in_schema=False)
async def certificate_verification_page(
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    ip: ClientIp,
    lang: LanguageQuery = None,
    accept_language: Annotated[str | None, Header()] = None,
) -> Response:
    """The verification page a certificate's QR code opens (zh/en by the browser's language)."""
    language = page_language(lang, accept_language)
    try:
        answer = await verifying.look_up(
            session, code=code, client=ip,
            miss_limit=settings.certificate_misses_per_address_per_hour, now=clock(),
        )  # fmt: skip
    except VerificationLookupsExceeded as refused:
        return lookups_exceeded_page(language, code, refused)
    return HTMLResponse(
        render_answer_page(answer, language, form_href="../v"), headers=page_headers()
    )


@router.post("/certificates/verifications", responses=problems(403, 422))
async def verify_certificates_in_bulk(
    body: BulkVerification,
    partner: Partner,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
    clock: ClockDep,
) -> JSONResponse:
    """Verify up to 1,000 certificate codes at once (partners with scope reports:verify):
    one answer per code in the order given, in a receipt signed by the platform (detached
    JWS, EdDSA) for your audit files."""
    now = clock()
    answers = await verifying.look_up_many(session, codes=body.codes, now=now)
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


router.include_router(
    issuer_router(
        lambda request: Addresses(settings_of(request).public_base_url), "certificate credentials"
    )
)


@router.get(
    f"/certificates/status-lists/{STATUS_LIST_ID}",
    responses={200: {"content": {"application/vc": {"schema": {"type": "object"}}}}},
)
async def certificate_status_list(
    session: SessionDep, settings: SettingsDep, keys: SigningKeysDep, clock: ClockDep
) -> JSONResponse:
    """The Bitstring Status List of certificates (a signed credential): a certificate's bit
    is set once it is revoked."""
    document = status_list_document(
        await CertificateRepository(session).revoked_indexes(),
        keys=keys,
        addresses=Addresses(settings.public_base_url),
        now=clock(),
    )
    return JSONResponse(
        document, media_type="application/vc", headers={"Cache-Control": "public, max-age=60"}
    )
