"""Captcha adapters behind one interface, and the development adapter.

The protocol every adapter speaks, the one commercial slider captchas use: the client asks
for a challenge (`POST /captcha/challenges`), the person solves it, the client sends the
answer (`POST /captcha/answers`), and identity asks the adapter whether it is right. Only
then does identity issue its own signed, single-use, short-lived pass token that
`POST /login` accepts (`captcha_token`). A vendor adapter (e.g. a hosted slider whose SDK
draws the puzzle) answers `challenge` with the SDK's public parameters and checks `answer`
(the vendor's ticket) with the vendor's verification API; the pass token stays ours.

`DevelopmentSliderCaptcha` is a real component speaking the same protocol without a vendor:
a slider track with a target position, one answer per challenge, a tolerance of a few
pixels. Its challenge carries the target (a development client, or a person reading it,
solves it), which is why production refuses it (`IDENTITY_CAPTCHA_ADAPTER`).
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.db import utcnow
from identity.captcha.models import DevSliderChallenge
from identity.captcha.repository import DevSliderRepository
from identity.config import IdentitySettings
from identity.exceptions import CaptchaUnavailable

TRACK_WIDTH = 300
PIECE_WIDTH = 40
TOLERANCE_PX = 4


@dataclass(frozen=True)
class Challenge:
    challenge_id: str
    # "slider" for the development adapter; a vendor adapter names its own kind.
    kind: str
    expires_in: int
    # What the client needs to show the puzzle (for a vendor: its SDK's parameters).
    payload: dict[str, Any] = field(default_factory=dict)


class CaptchaAdapter(Protocol):
    name: str

    async def challenge(self, session: AsyncSession, *, ip: str) -> Challenge:
        """A new challenge for the client at `ip`."""
        ...

    async def check(
        self, session: AsyncSession, *, challenge_id: str, answer: dict[str, Any], ip: str
    ) -> bool:
        """Whether `answer` solves `challenge_id`; a challenge takes one answer."""
        ...


class DevelopmentSliderCaptcha:
    """Drag the piece to `target_x` (± 4 px); stored in `dev_captcha_challenges`."""

    name = "development"

    def __init__(self, settings: IdentitySettings) -> None:
        self.ttl = settings.captcha_challenge_ttl_seconds

    async def challenge(self, session: AsyncSession, *, ip: str) -> Challenge:
        now = utcnow()
        row = DevSliderChallenge(
            id=uuid.uuid4(),
            created_at=now,
            expires_at=now + timedelta(seconds=self.ttl),
            target_x=PIECE_WIDTH + secrets.randbelow(TRACK_WIDTH - 2 * PIECE_WIDTH),
        )
        await DevSliderRepository(session).add(row)
        return Challenge(
            challenge_id=str(row.id),
            kind="slider",
            expires_in=self.ttl,
            payload={
                "track_width": TRACK_WIDTH,
                "piece_width": PIECE_WIDTH,
                "target_x": row.target_x,
                "answer": 'drag the piece to target_x and send {"x": <position>}',
            },
        )

    async def check(
        self, session: AsyncSession, *, challenge_id: str, answer: dict[str, Any], ip: str
    ) -> bool:
        try:
            key = uuid.UUID(challenge_id)
        except ValueError:
            return False
        row = await DevSliderRepository(session).take_for_answer(key, utcnow())
        x = answer.get("x")
        if row is None or not isinstance(x, int) or isinstance(x, bool):
            return False
        return abs(x - row.target_x) <= TOLERANCE_PX


class DisabledCaptcha:
    """No captcha is offered: past the threshold, unknown devices wait for the decay."""

    name = "disabled"

    async def challenge(self, session: AsyncSession, *, ip: str) -> Challenge:
        raise CaptchaUnavailable()

    async def check(
        self, session: AsyncSession, *, challenge_id: str, answer: dict[str, Any], ip: str
    ) -> bool:
        raise CaptchaUnavailable()


def adapter_for(settings: IdentitySettings) -> CaptchaAdapter:
    if settings.captcha_adapter == "development":
        return DevelopmentSliderCaptcha(settings)
    return DisabledCaptcha()
