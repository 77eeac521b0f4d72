"""Routes of certificates: the applicant's certificate (metadata, signed PDF in zh or en,
W3C credential) and refusal letter; operators' revocation and courier dispatch records."""

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from certification.access import ApplicantId
from certification.certificates import service
from certification.certificates.documents import (
    DOMESTIC_KINDS,
    Addresses,
    certificate_credential,
    certificate_facts,
    certificate_pdf,
    refusal_letter_pdf,
    title_of,
)
from certification.certificates.models import Certificate
from certification.certificates.schemas import (
    CertificateOut,
    DispatchIn,
    DispatchOut,
    Revocation,
)
from certification.runtime import AuditDep, ClockDep, SettingsDep
from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import Operator
from educert_common.http.contract import problems
from educert_common.verification.codes import display_code
from educert_common.verification.public import SigningKeysDep

router = APIRouter(tags=["certification: certificates"])

PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}}
}
LanguageQuery = Annotated[Literal["zh", "en"], Query()]


async def certificate_out(
    session: AsyncSession, certificate: Certificate, *, public_base_url: str
) -> CertificateOut:
    title = title_of(certificate)
    application = await service.application_of(session, certificate)
    paper = service.paper_report(certificate, application)
    return CertificateOut(
        id=certificate.id,
        application_id=certificate.application_id,
        number=certificate.number,
        code=display_code(certificate.code),
        document_type=title.document_type,
        title_zh=title.zh,
        title_en=title.en,
        state="revoked" if certificate.revoked_at else "valid",
        facts=certificate_facts(certificate),
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        revoked_reason=certificate.revoked_reason,
        verify_url=Addresses(public_base_url).verify_page(certificate.code),
        e_report=application.kind in DOMESTIC_KINDS,
        paper_report=paper,  # type: ignore[arg-type]
        dispatches=[
            DispatchOut.model_validate(d) for d in await service.dispatches_of(session, certificate)
        ],
    )


def _pdf_response(document: bytes, filename: str) -> Response:
    return Response(
        document,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get(
    "/me/applications/{application_id}/certificate",
    response_model=CertificateOut,
    responses=problems(404, descriptions={404: "No certificate of an application of yours"}),
)
async def get_my_certificate(
    application_id: uuid.UUID, applicant: ApplicantId, session: SessionDep, settings: SettingsDep
) -> CertificateOut:
    """Show the certificate of your certified application: its number, verification code,
    what it certifies, whether it stands, and (domestic paper reports) its courier dispatch."""
    certificate = await service.my_certificate(
        session, user_id=applicant, application_id=application_id
    )
    return await certificate_out(session, certificate, public_base_url=settings.public_base_url)


@router.get(
    "/me/applications/{application_id}/certificate.pdf",
    response_class=Response,
    responses={**PDF, **problems(404, 409, descriptions={409: "The certificate was revoked"})},
)
async def download_my_certificate_pdf(
    application_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
    language: LanguageQuery = "zh",
) -> Response:
    """Download your certificate (认证证书) as a PDF in Chinese or English, signed by the
    platform (PAdES), with its verification code and QR code. For domestic certification
    this is the e-report."""
    certificate = await service.handed_certificate(
        session, user_id=applicant, application_id=application_id
    )
    document = await certificate_pdf(
        certificate, language=language, keys=keys, addresses=Addresses(settings.public_base_url)
    )
    return _pdf_response(document, f"educert-certificate-{certificate.number}-{language}.pdf")


@router.get(
    "/me/applications/{application_id}/certificate/credential",
    responses={
        200: {"content": {"application/vc": {"schema": {"type": "object"}}}},
        **problems(404, 409, descriptions={409: "The certificate was revoked"}),
    },
)
async def download_my_certificate_credential(
    application_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
    clock: ClockDep,
) -> JSONResponse:
    """Download your certificate as a W3C Verifiable Credential 2.0 (eddsa-jcs-2022 proof,
    status in the certificates' Bitstring Status List)."""
    certificate = await service.handed_certificate(
        session, user_id=applicant, application_id=application_id
    )
    credential = certificate_credential(
        certificate, keys=keys, addresses=Addresses(settings.public_base_url), now=clock()
    )
    return JSONResponse(
        credential,
        media_type="application/vc",
        headers={
            "Content-Disposition": (
                f'attachment; filename="educert-certificate-{certificate.number}.json"'
            ),
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/me/applications/{application_id}/refusal-letter.pdf",
    response_class=Response,
    responses={
        **PDF,
        **problems(404, 409, descriptions={409: "The application was not refused"}),
    },
)
async def download_my_refusal_letter(
    application_id: uuid.UUID,
    applicant: ApplicantId,
    session: SessionDep,
    settings: SettingsDep,
    keys: SigningKeysDep,
    language: LanguageQuery = "zh",
) -> Response:
    """Download the refusal letter of your refused application (the reviewer's reasons), as
    a PDF signed by the platform."""
    refusal = await service.refusal_of(session, user_id=applicant, application_id=application_id)
    document = await refusal_letter_pdf(
        refusal, language=language, keys=keys, addresses=Addresses(settings.public_base_url)
    )
    return _pdf_response(document, f"educert-refusal-{refusal.application_number}-{language}.pdf")


@router.post(
    "/certificates/{certificate_id}/revoke",
    response_model=CertificateOut,
    responses=problems(403, 404, 409, descriptions={409: "Already revoked"}),
)
async def revoke_certificate(
    certificate_id: uuid.UUID,
    body: Revocation,
    operator: Operator,
    session: SessionDep,
    outbox: OutboxDep,
    audit: AuditDep,
    settings: SettingsDep,
    clock: ClockDep,
) -> CertificateOut:
    """Revoke a certificate (operators; audited; announced as
    certification.certificate.revoked): its code verifies as revoked from now on, with the
    date and your reason, and its status-list bit is set."""
    certificate = await service.revoke(
        session, audit, outbox, certificate_id=certificate_id, reason=body.reason,
        actor=operator.subject, now=clock(),
    )  # fmt: skip
    return await certificate_out(session, certificate, public_base_url=settings.public_base_url)


@router.post(
    "/certificates/{certificate_id}/dispatch",
    status_code=status.HTTP_201_CREATED,
    response_model=DispatchOut,
    responses=problems(
        403, 404, 409, descriptions={409: "Revoked, or no paper report was asked for"}
    ),
)
async def record_certificate_dispatch(
    certificate_id: uuid.UUID,
    body: DispatchIn,
    operator: Operator,
    session: SessionDep,
    audit: AuditDep,
    clock: ClockDep,
) -> DispatchOut:
    """Record that a domestic certification's paper report went out by courier (operators;
    audited): the applicant sees the company and tracking number with the certificate."""
    dispatch = await service.record_dispatch(
        session, audit, certificate_id=certificate_id, courier_company=body.courier_company,
        tracking_number=body.tracking_number, dispatched_at=body.dispatched_at,
        actor=operator.subject, now=clock(),
    )  # fmt: skip
    return DispatchOut.model_validate(dispatch)
