"""All SQL about certificates and their paper reports' dispatches."""

import uuid
from collections.abc import Sequence

from sqlalchemy import select

from certification.certificates.models import Certificate, CertificateDispatch
from educert_common.repository import Repository


class CertificateRepository(Repository[Certificate]):
    model = Certificate

    async def of_application(self, application_id: uuid.UUID) -> Certificate | None:
        return await self.scalar_one_or_none(
            select(Certificate).where(Certificate.application_id == application_id)
        )

    async def own_of_application(
        self, application_id: uuid.UUID, user_id: uuid.UUID
    ) -> Certificate | None:
        """The certificate of one of the applicant's own applications (another's: None)."""
        return await self.scalar_one_or_none(
            select(Certificate).where(
                Certificate.application_id == application_id, Certificate.user_id == user_id
            )
        )

    async def lock(self, certificate_id: uuid.UUID) -> Certificate | None:
        return await self.scalar_one_or_none(
            select(Certificate)
            .where(Certificate.id == certificate_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def by_code(self, code: str) -> Certificate | None:
        return await self.scalar_one_or_none(select(Certificate).where(Certificate.code == code))

    async def by_codes(self, codes: Sequence[str]) -> Sequence[Certificate]:
        if not codes:
            return []
        return await self.scalars(select(Certificate).where(Certificate.code.in_(codes)))

    async def index_taken(self, index: int) -> bool:
        taken = select(Certificate.id).where(Certificate.status_index == index).limit(1)
        return (await self.session.scalar(taken)) is not None

    async def revoked_indexes(self) -> list[int]:
        """The status-list entries of revoked certificates (their bits are set)."""
        found = await self.session.scalars(
            select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))
        )
        return list(found)


class DispatchRepository(Repository[CertificateDispatch]):
    model = CertificateDispatch

    async def of_certificate(self, certificate_id: uuid.UUID) -> Sequence[CertificateDispatch]:
        return await self.scalars(
            select(CertificateDispatch)
            .where(CertificateDispatch.certificate_id == certificate_id)
            .order_by(CertificateDispatch.dispatched_at, CertificateDispatch.id)
        )
