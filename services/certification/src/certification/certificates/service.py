"""Issuing certificates when an application is certified; handing them to their holder,
revoking them (operators), recording the courier dispatch of domestic paper reports, and
the reasons of a refusal (for its letter)."""

import secrets
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from certification.applications.models import Application
from certification.applications.repository import (
    ApplicationRepository,
    TransitionRepository,
    next_in_sequence,
)
from certification.certificates.documents import DOMESTIC_KINDS, Refusal
from certification.certificates.exceptions import (
    CertificateNotFound,
    CertificateRevoked,
    NoPaperReport,
    NotRefused,
)
from certification.certificates.models import Certificate, CertificateDispatch
from certification.certificates.repository import CertificateRepository, DispatchRepository
from certification.exceptions import ApplicationNotFound
from certification.kinds import kind_spec
from educert_common.audit import AuditLog
from educert_common.clock import BEIJING
from educert_common.events.catalogue import CertificateRevoked as CertificateRevokedEvent
from educert_common.events.outbox import Outbox
from educert_common.verification.codes import new_code

# The status list's size (Bitstring Status List's minimum, as reports use).
STATUS_LIST_ENTRIES = 131_072
INDEX_ATTEMPTS = 64


async def _free_index(certificates: CertificateRepository) -> int:
    for _ in range(INDEX_ATTEMPTS):
        index = secrets.randbelow(STATUS_LIST_ENTRIES)
        if not await certificates.index_taken(index):
            return index
    raise RuntimeError("the certificate status list is nearly full; a second list is needed")


def certified_facts(application: Application) -> dict[str, Any]:
    """The facts a certificate states, from the application's steps as submitted."""
    steps = application.steps
    degree = steps.get("degree") or steps.get("qualification") or {}
    applicant = steps.get("applicant") or steps.get("domestic_applicant") or {}
    surname, given = applicant.get("passport_surname"), applicant.get("passport_given_names")
    return {
        "kind": application.kind,
        "application_number": application.number,
        "holder": {
            "name_zh": applicant.get("name_zh"),
            "passport_name": " ".join(part for part in (surname, given) if part) or None,
            "gender": applicant.get("gender"),
            "birth_date": applicant.get("birth_date"),
        },
        "degree": {
            "country": degree.get("country", "CN"),
            "institution_name": degree.get("institution_name"),
            "institution_name_en": degree.get("institution_name_en"),
            "title": degree.get("title"),
            "level": degree.get("level"),
            "major": degree.get("major"),
            "awarded_on": degree.get("awarded_on") or degree.get("graduated_on"),
            "certificate_number": degree.get("certificate_number"),
        },
    }


async def issue_certificate(
    session: AsyncSession,
    audit: AuditLog,
    application: Application,
    *,
    actor: str,
    now: datetime,
) -> Certificate:
    """The certificate of a just-certified application (one per application)."""
    certificates = CertificateRepository(session)
    existing = await certificates.of_application(application.id)
    if existing is not None:
        return existing
    year = now.astimezone(BEIJING).year
    sequence = await next_in_sequence(session, f"certificate:{year}")
    certificate = await certificates.add(
        Certificate(
            application_id=application.id,
            user_id=application.user_id,
            number=f"ZG{year}{sequence:07d}",
            code=new_code(),
            status_index=await _free_index(certificates),
            facts=certified_facts(application),
            issued_at=now,
            issued_by=actor,
        )
    )
    await audit.record(
        session,
        actor=actor,
        action="certificate.issued",
        subject_type="certificate",
        subject_id=str(certificate.id),
        after={"number": certificate.number, "application_id": str(application.id)},
    )
    return certificate


async def my_certificate(
    session: AsyncSession, *, user_id: uuid.UUID, application_id: uuid.UUID
) -> Certificate:
    """The certificate of one of the applicant's own applications (another's: not found)."""
    certificate = await CertificateRepository(session).own_of_application(application_id, user_id)
    if certificate is None:
        raise CertificateNotFound()
    return certificate


async def handed_certificate(
    session: AsyncSession, *, user_id: uuid.UUID, application_id: uuid.UUID
) -> Certificate:
    """`my_certificate`, as long as it stands: a revoked certificate's documents are no
    longer handed out (its code still verifies, as revoked)."""
    certificate = await my_certificate(session, user_id=user_id, application_id=application_id)
    if certificate.revoked_at is not None:
        raise CertificateRevoked()
    return certificate


def paper_report(certificate: Certificate, application: Application) -> str | None:
    """The paper report a domestic certification asked for (paper_zh, paper_en), or None."""
    if application.kind not in DOMESTIC_KINDS:
        return None
    report_type = (application.steps.get("purpose") or {}).get("report_type", "e_report")
    return None if report_type == "e_report" else str(report_type)


async def application_of(session: AsyncSession, certificate: Certificate) -> Application:
    application = await ApplicationRepository(session).get(certificate.application_id)
    assert application is not None  # the foreign key says so
    return application


async def dispatches_of(
    session: AsyncSession, certificate: Certificate
) -> Sequence[CertificateDispatch]:
    return await DispatchRepository(session).of_certificate(certificate.id)


async def revoke(
    session: AsyncSession,
    audit: AuditLog,
    outbox: Outbox,
    *,
    certificate_id: uuid.UUID,
    reason: str,
    actor: str,
    now: datetime,
) -> Certificate:
    """Revoke a certificate (operators): from now on its code verifies as revoked, with the
    date and the reason, and its bit in the status list is set."""
    certificate = await CertificateRepository(session).lock(certificate_id)
    if certificate is None:
        raise CertificateNotFound()
    if certificate.revoked_at is not None:
        raise CertificateRevoked()
    certificate.revoked_at = now
    certificate.revoked_by = actor
    certificate.revoked_reason = reason
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="certificate.revoked",
        subject_type="certificate",
        subject_id=str(certificate.id),
        before={"revoked": False},
        after={"revoked": True, "reason": reason},
    )
    await outbox.add(
        session,
        CertificateRevokedEvent(
            certificate_id=certificate.id,
            application_id=certificate.application_id,
            user_id=certificate.user_id,
            number=certificate.number,
            revoked_at=now,
            reason=reason,
        ),
        subject=str(certificate.id),
    )
    return certificate


async def record_dispatch(
    session: AsyncSession,
    audit: AuditLog,
    *,
    certificate_id: uuid.UUID,
    courier_company: str,
    tracking_number: str,
    dispatched_at: datetime,
    actor: str,
    now: datetime,
) -> CertificateDispatch:
    """Record that a domestic certification's paper report went out by courier (operators);
    the applicant sees the company and tracking number."""
    certificate = await CertificateRepository(session).lock(certificate_id)
    if certificate is None:
        raise CertificateNotFound()
    if certificate.revoked_at is not None:
        raise CertificateRevoked()
    if paper_report(certificate, await application_of(session, certificate)) is None:
        raise NoPaperReport()
    dispatch = await DispatchRepository(session).add(
        CertificateDispatch(
            certificate_id=certificate.id,
            courier_company=courier_company,
            tracking_number=tracking_number,
            dispatched_at=dispatched_at,
            recorded_by=actor,
            recorded_at=now,
        )
    )
    await audit.record(
        session,
        actor=actor,
        action="certificate.dispatched",
        subject_type="certificate",
        subject_id=str(certificate.id),
        after={
            "courier_company": courier_company,
            "tracking_number": tracking_number,
            "dispatched_at": dispatched_at.isoformat(),
        },
    )
    return dispatch


def refusal_reasons(reason: str) -> list[str]:
    """The reasons of a refusal as the decision stored them on the transition to `refused`:
    one reason per line (blank lines ignored)."""
    return [line.strip() for line in reason.splitlines() if line.strip()]


async def refusal_of(
    session: AsyncSession, *, user_id: uuid.UUID, application_id: uuid.UUID
) -> Refusal:
    """What the refusal letter of one of the applicant's refused applications says."""
    application = await ApplicationRepository(session).own(application_id, user_id)
    if application is None:
        raise ApplicationNotFound()
    if application.state != "refused":
        raise NotRefused(application.state)
    transitions = await TransitionRepository(session).of_application(application.id)
    refused = [t for t in transitions if t.to_state == "refused"]
    reason = refused[-1].reason if refused else ""
    holder = certified_facts(application)["holder"]
    spec = kind_spec(application.kind)
    return Refusal(
        application_number=application.number,
        kind_zh=spec.label.zh,
        kind_en=spec.label.en,
        holder=holder["name_zh"] or holder["passport_name"] or "",
        decided_at=application.decided_at,
        reasons=refusal_reasons(reason),
    )
