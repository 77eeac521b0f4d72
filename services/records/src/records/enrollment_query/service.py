"""The public new-student query (新生学籍查询): anyone, no account, an image captcha first.

Step 1 issues a captcha (counted per client address). Step 2 takes the ID number, the name
and the captcha's answer, and answers only institution, major, level and 报到入学 for the
person's current enrollments, in one shape whether or not anyone matches: a record is shown
only when the keyed hash of the ID number AND the name both match it, so the answer tells
nothing to whom does not already know both.

Refusals that must stay counted (a wrong guess, a query counted against its address) are
returned, not raised, so the route commits them before answering (a raise rolls back).
"""

import asyncio
import base64
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.errors import DomainError
from educert_common.http.client_ip import address_key
from educert_common.idnumbers import normalise_id_number
from records.academic.rules import LABELS_ZH
from records.base import limits
from records.config import RecordsSettings
from records.crypto import Secrets
from records.enrollment_query import rules
from records.enrollment_query.models import QueryCaptcha
from records.enrollment_query.repository import CaptchaRepository, EnrollmentQueryRepository
from records.enrollment_query.schemas import (
    CaptchaOut,
    EnrollmentQuery,
    EnrollmentQueryResult,
    PublicEnrollment,
)
from records.exceptions import (
    CaptchaExpired,
    CaptchaRateLimited,
    CaptchaUnknown,
    CaptchaUsed,
    CaptchaWrong,
    QueryRateLimited,
)

# Kinds of counted actions (educert_common.limits), keyed by address or ID-number hash.
CAPTCHA_PER_ADDRESS = "query_captcha_ip"
QUERY_PER_ADDRESS = "enrollment_query_ip"
QUERY_PER_ID_NUMBER = "enrollment_query_id"
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Counted actions and dead captchas older than this are past every window: pruned as we go.
KEEP = timedelta(days=2)


@dataclass(frozen=True)
class QueryOutcome:
    result: EnrollmentQueryResult | None = None
    refused: DomainError | None = None


async def new_captcha(
    session: AsyncSession, settings: RecordsSettings, secrets: Secrets, *, ip: str, now: datetime
) -> CaptchaOut:
    """Issue an image captcha for the public query (counted per client address)."""
    await limits.count_and_check(
        session,
        kind=CAPTCHA_PER_ADDRESS,
        key=address_key(ip),
        limit=settings.enrollment_query_captchas_per_address_per_hour,
        window=HOUR,
        now=now,
        error=CaptchaRateLimited,
    )
    repository = CaptchaRepository(session)
    await repository.prune(expired_before=now - KEEP)
    await limits.prune(session, older_than=now - KEEP)
    answer = rules.new_answer()
    ttl = settings.enrollment_query_captcha_ttl_seconds
    captcha_id = uuid.uuid4()
    await repository.add(
        QueryCaptcha(
            id=captcha_id,
            answer_hash=rules.answer_hash(secrets.captcha_key, captcha_id, answer),
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
            wrong_guesses=0,
        )
    )
    png = await asyncio.to_thread(rules.render_png, answer)
    return CaptchaOut(
        captcha_id=captcha_id,
        image="data:image/png;base64," + base64.b64encode(png).decode(),
        expires_in=ttl,
        answer_length=rules.ANSWER_LENGTH,
    )


async def _spend_captcha(
    session: AsyncSession,
    settings: RecordsSettings,
    secrets: Secrets,
    *,
    captcha_id: uuid.UUID,
    answer: str,
    now: datetime,
) -> DomainError | None:
    """Spend the captcha on a right answer; count a wrong one (the last allowed spends it)."""
    captcha = await CaptchaRepository(session).lock(captcha_id)
    if captcha is None:
        return CaptchaUnknown()
    if captcha.spent_at is not None:
        return CaptchaUsed()
    if captcha.expires_at <= now:
        return CaptchaExpired()
    if rules.answer_matches(secrets.captcha_key, captcha.id, answer, captcha.answer_hash):
        captcha.spent_at = now
        await session.flush()
        return None
    captcha.wrong_guesses += 1
    if captcha.wrong_guesses >= settings.enrollment_query_captcha_max_guesses:
        captcha.spent_at = now
    await session.flush()
    return CaptchaWrong()


async def query_enrollments(
    session: AsyncSession,
    settings: RecordsSettings,
    secrets: Secrets,
    *,
    query: EnrollmentQuery,
    ip: str,
    now: datetime,
) -> QueryOutcome:
    """Answer the public query, or say why not (the caller commits either way)."""
    try:
        await limits.count_and_check(
            session,
            kind=QUERY_PER_ADDRESS,
            key=address_key(ip),
            limit=settings.enrollment_query_per_address_per_hour,
            window=HOUR,
            now=now,
            error=QueryRateLimited,
        )
    except QueryRateLimited as refused:
        return QueryOutcome(refused=refused)
    refused_captcha = await _spend_captcha(
        session,
        settings,
        secrets,
        captcha_id=query.captcha_id,
        answer=query.captcha_answer,
        now=now,
    )
    if refused_captcha is not None:
        return QueryOutcome(refused=refused_captcha)
    # Counted only past the captcha: whoever spends solved captchas on one person's number is
    # stopped there, and nobody can lock a number without solving them.
    id_number_hash = secrets.id_index.of(normalise_id_number(query.id_number))
    try:
        await limits.count_and_check(
            session,
            kind=QUERY_PER_ID_NUMBER,
            key=id_number_hash,
            limit=settings.enrollment_query_per_id_number_per_day,
            window=DAY,
            now=now,
            error=QueryRateLimited,
        )
    except QueryRateLimited as refused:
        return QueryOutcome(refused=refused)
    found = await EnrollmentQueryRepository(session).current_enrollments(
        id_number_hash=id_number_hash,
        name=rules.normalise_name(query.name),
        enrolled_since=now.date() - timedelta(days=settings.enrollment_query_intake_days),
    )
    return QueryOutcome(
        result=EnrollmentQueryResult(
            enrollments=[
                PublicEnrollment(
                    institution_name=row.institution_name_zh,
                    institution_name_en=row.institution_name_en,
                    major=row.major,
                    level=row.level,  # type: ignore[arg-type]
                    level_label=LABELS_ZH[row.level],
                    status="registered",
                    status_label=rules.STATUS_LABEL_ZH,
                )
                for row in found
            ]
        )
    )
