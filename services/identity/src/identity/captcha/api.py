"""Captcha challenges and answers (the step unknown devices take past the login threshold)."""

from fastapi import APIRouter, status

from educert_common.app import SessionDep
from identity.captcha import service
from identity.captcha.schemas import AnswerRequest, ChallengeView, PassView
from identity.runtime import ClientIp, DatabaseDep, SettingsDep

router = APIRouter(prefix="/captcha", tags=["identity: captcha"])


@router.post("/challenges", status_code=status.HTTP_201_CREATED, response_model=ChallengeView)
async def new_challenge(session: SessionDep, settings: SettingsDep, ip: ClientIp) -> ChallengeView:
    """Start a captcha challenge (per client address capped per day)."""
    challenge = await service.new_challenge(session, settings, ip=ip)
    return ChallengeView(**challenge.__dict__)


@router.post("/answers", response_model=PassView)
async def answer(
    body: AnswerRequest, database: DatabaseDep, settings: SettingsDep, ip: ClientIp
) -> PassView:
    """Answer a challenge; a right answer gives a single-use `captcha_token` for POST /login."""
    async with database.transaction() as session:
        issued, error = await service.answer_challenge(
            session, settings, challenge_id=body.challenge_id, answer=body.answer, ip=ip
        )
    if error is not None or issued is None:
        raise error or RuntimeError()
    return PassView(**issued.__dict__)
