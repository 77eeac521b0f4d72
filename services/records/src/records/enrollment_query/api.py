"""The public new-student query (新生学籍查询): no account; an image captcha, then the query."""

from fastapi import APIRouter, Response, status

from educert_common.app import SessionDep
from educert_common.http.contract import problems
from records.enrollment_query import service
from records.enrollment_query.schemas import CaptchaOut, EnrollmentQuery, EnrollmentQueryResult
from records.runtime import ClientIp, ClockDep, DatabaseDep, SecretsDep, SettingsDep

router = APIRouter(prefix="/enrollment-query", tags=["records: public new-student query"])

NO_STORE = "no-store"


@router.post(
    "/captchas",
    status_code=status.HTTP_201_CREATED,
    response_model=CaptchaOut,
    responses=problems(429, descriptions={429: "Too many captchas from this client address"}),
)
async def new_captcha(
    session: SessionDep,
    settings: SettingsDep,
    secrets: SecretsDep,
    clock: ClockDep,
    ip: ClientIp,
    response: Response,
) -> CaptchaOut:
    """Get an image captcha for the new-student query (single use, expires in minutes)."""
    response.headers["Cache-Control"] = NO_STORE
    return await service.new_captcha(session, settings, secrets, ip=ip, now=clock())


@router.post(
    "",
    response_model=EnrollmentQueryResult,
    responses=problems(
        429,
        descriptions={
            422: "A field is malformed, or the captcha is unknown, used, expired or wrong "
            "(`errors[].field` names captcha_id or captcha_answer)",
            429: "Too many queries from this client address or for this ID number",
        },
    ),
)
async def query_enrollments(
    body: EnrollmentQuery,
    database: DatabaseDep,
    settings: SettingsDep,
    secrets: SecretsDep,
    clock: ClockDep,
    ip: ClientIp,
    response: Response,
) -> EnrollmentQueryResult:
    """Show the institution, major, level and 报到入学 of a person's current enrollments.

    The same shape whether or not anyone matches: a record shows only when both the ID
    number and the name match it.
    """
    async with database.transaction() as session:
        outcome = await service.query_enrollments(
            session, settings, secrets, query=body, ip=ip, now=clock()
        )
    # Committed: a wrong guess and the counted query stay counted.
    if outcome.refused is not None:
        raise outcome.refused
    assert outcome.result is not None
    response.headers["Cache-Control"] = NO_STORE
    return outcome.result
