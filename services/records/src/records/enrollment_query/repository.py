"""All SQL of the public new-student query: captchas and the current enrollments of a person."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.repository import Repository
from records.academic.models import StudentStatusRecord
from records.enrollment_query.models import QueryCaptcha
from records.enrollment_query.rules import CURRENT_STATUSES
from records.institutions.models import Institution

# More than any real person has at once; bounds the answer.
MAX_ENROLLMENTS = 10


@dataclass(frozen=True)
class CurrentEnrollment:
    institution_name_zh: str
    institution_name_en: str
    major: str
    level: str


class CaptchaRepository(Repository[QueryCaptcha]):
    model = QueryCaptcha

    async def lock(self, captcha_id: uuid.UUID) -> QueryCaptcha | None:
        """The captcha, locked until the transaction ends (two answers at once: one wins)."""
        return await self.scalar_one_or_none(
            select(QueryCaptcha)
            .where(QueryCaptcha.id == captcha_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    async def prune(self, *, expired_before: datetime) -> None:
        """Delete captchas that expired before `expired_before` (they only answer "expired")."""
        await self.session.execute(
            delete(QueryCaptcha).where(QueryCaptcha.expires_at < expired_before)
        )


class EnrollmentQueryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def current_enrollments(
        self, *, id_number_hash: str, name: str, enrolled_since: date
    ) -> list[CurrentEnrollment]:
        """Current enrollments of the person with this ID-number hash AND this name."""
        record = StudentStatusRecord
        statement = (
            select(Institution.name_zh, Institution.name_en, record.major, record.level)
            .join(Institution, Institution.id == record.institution_id)
            .where(
                record.id_number_hash == id_number_hash,
                record.name == name,
                record.status.in_(CURRENT_STATUSES),
                record.enrollment_date >= enrolled_since,
            )
            .order_by(record.enrollment_date.desc(), record.id)
            .limit(MAX_ENROLLMENTS)
        )
        rows = await self.session.execute(statement)
        return [CurrentEnrollment(*row) for row in rows.all()]
