"""SQL for captcha passes and development slider challenges."""

import uuid
from datetime import datetime

from sqlalchemy import update

from educert_common.repository import Repository
from identity.captcha.models import CaptchaPass, DevSliderChallenge


class CaptchaPassRepository(Repository[CaptchaPass]):
    model = CaptchaPass

    async def use(self, pass_id: uuid.UUID, now: datetime) -> bool:
        """Mark an unexpired, unused pass used; False if it was not (one statement, so two
        concurrent logins cannot both spend it)."""
        result = await self.session.execute(
            update(CaptchaPass)
            .where(
                CaptchaPass.id == pass_id,
                CaptchaPass.used_at.is_(None),
                CaptchaPass.expires_at > now,
            )
            .values(used_at=now)
            .returning(CaptchaPass.id)
        )
        return result.scalar_one_or_none() is not None


class DevSliderRepository(Repository[DevSliderChallenge]):
    model = DevSliderChallenge

    async def take_for_answer(
        self, challenge_id: uuid.UUID, now: datetime
    ) -> DevSliderChallenge | None:
        """The open challenge, now marked answered (None if unknown, expired or answered)."""
        result = await self.session.execute(
            update(DevSliderChallenge)
            .where(
                DevSliderChallenge.id == challenge_id,
                DevSliderChallenge.answered_at.is_(None),
                DevSliderChallenge.expires_at > now,
            )
            .values(answered_at=now)
            .returning(DevSliderChallenge)
        )
        return result.scalar_one_or_none()
