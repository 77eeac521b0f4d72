"""Verifying certificates by code, for anyone: valid or revoked (with the date and why) or
unknown, the same answer whatever the channel; codes that match nothing count against the
caller's address (`educert_common.verification.public.MissBudget`), as for reports."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from certification.base import limits
from certification.certificates.documents import certificate_facts, title_of
from certification.certificates.models import Certificate
from certification.certificates.repository import CertificateRepository
from educert_common.verification.answer import Issuer, VerificationAnswer
from educert_common.verification.codes import display_code, normalise_code
from educert_common.verification.public import ISSUER_NAME, MissBudget

MISS_KIND = "certificate_code_miss"
# Certificates are issued by the platform itself (the degree's own institution is a fact).
PLATFORM = Issuer(
    institution_id="educert",
    name_zh=ISSUER_NAME,
    name_en="EduCert degree and qualification certification",
    registry_status="active",
)


def answer_for(certificate: Certificate, now: datetime) -> VerificationAnswer:
    """What anyone holding the certificate's code is told about it at `now`."""
    title = title_of(certificate)
    revoked = certificate.revoked_at is not None
    return VerificationAnswer(
        state="revoked" if revoked else "valid",
        code=display_code(certificate.code),
        document_type=title.document_type,
        title_zh=title.zh,
        title_en=title.en,
        # A revoked certificate says so and since when, but no longer vouches for its facts.
        facts=[] if revoked else certificate_facts(certificate),
        issuer=PLATFORM,
        valid_from=certificate.issued_at,
        state_since=certificate.revoked_at,
        # The operator's reason, as written (it is shown in either language).
        reason_zh=certificate.revoked_reason if revoked else None,
        reason_en=certificate.revoked_reason if revoked else None,
        checked_at=now,
    )


def unknown_answer(code: str | None, now: datetime) -> VerificationAnswer:
    """The answer for a code that names no certificate (`None`: the text was not a code)."""
    return VerificationAnswer(
        state="unknown", code=display_code(code) if code else "", checked_at=now
    )


async def look_up(
    session: AsyncSession, *, code: str, client: str, miss_limit: int, now: datetime
) -> VerificationAnswer:
    """Answer one code; a code that matches nothing counts against the client address."""
    budget = MissBudget(limits, MISS_KIND, miss_limit)
    await budget.check(session, client, now)
    normalised = normalise_code(code)
    certificate = await CertificateRepository(session).by_code(normalised) if normalised else None
    if certificate is None:
        await budget.count(session, client, now)
        return unknown_answer(normalised, now)
    return answer_for(certificate, now)


async def look_up_many(
    session: AsyncSession, *, codes: list[str], now: datetime
) -> list[VerificationAnswer]:
    """Answer a partner's batch of codes, in the order given (one query for all)."""
    normalised = [normalise_code(code) for code in codes]
    wanted = sorted({code for code in normalised if code})
    found = {c.code: c for c in await CertificateRepository(session).by_codes(wanted)}
    return [
        answer_for(found[code], now) if code and code in found else unknown_answer(code, now)
        for code in normalised
    ]
