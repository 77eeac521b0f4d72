"""SQL for one-time codes and activation links."""

from datetime import datetime

from sqlalchemy import func, select

from educert_common.repository import Repository
from identity.verification.models import ActivationLink, VerificationCode


class CodeRepository(Repository[VerificationCode]):
    model = VerificationCode

    async def lock_destination(self, destination: str) -> None:
        """Serialise code issuing per destination across replicas (transaction-scoped lock)."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(f"code:{destination}", 0)))
        )

    async def latest(self, *, purpose: str, destination: str) -> VerificationCode | None:
        statement = (
            select(VerificationCode)
            .where(VerificationCode.purpose == purpose, VerificationCode.destination == destination)
            .order_by(VerificationCode.created_at.desc())
            .limit(1)
            .with_for_update()
        )
        return await self.scalar_one_or_none(statement)

    async def count_for_destination(self, destination: str, since: datetime) -> int:
        statement = select(func.count()).where(
            VerificationCode.destination == destination, VerificationCode.created_at >= since
        )
        return int(await self.session.scalar(statement) or 0)

    async def count_for_ip(self, ip: str, since: datetime) -> int:
        statement = select(func.count()).where(
            VerificationCode.ip == ip, VerificationCode.created_at >= since
        )
        return int(await self.session.scalar(statement) or 0)


class ActivationLinkRepository(Repository[ActivationLink]):
    model = ActivationLink

    async def latest_for_email(self, email: str) -> ActivationLink | None:
        return await self.scalar_one_or_none(
            select(ActivationLink)
            .where(ActivationLink.email == email)
            .order_by(ActivationLink.created_at.desc())
            .limit(1)
        )

    async def count_for_email(self, email: str, since: datetime) -> int:
        statement = select(func.count()).where(
            ActivationLink.email == email, ActivationLink.created_at >= since
        )
        return int(await self.session.scalar(statement) or 0)

    async def count_for_ip(self, ip: str, since: datetime) -> int:
        statement = select(func.count()).where(
            ActivationLink.ip == ip, ActivationLink.created_at >= since
        )
        return int(await self.session.scalar(statement) or 0)

    async def get_for_update(self, link_id: object) -> ActivationLink | None:
        return await self.scalar_one_or_none(
            select(ActivationLink).where(ActivationLink.id == link_id).with_for_update()
        )
