"""Real-name verification of the caller, and loading the development registry."""

from fastapi import APIRouter, Request

from educert_common.app import OutboxDep, SessionDep
from educert_common.auth import CurrentPrincipal, Operator
from educert_common.errors import NotFound, PayloadTooLarge, Text
from educert_common.http.contract import problems
from identity.accounts.rules import me_view
from identity.accounts.schemas import MeView
from identity.realname import service
from identity.realname.schemas import ImportSummary
from identity.runtime import ClientIp, SettingsDep

router = APIRouter(tags=["identity: real-name"])

MAX_CSV_BYTES = 5 * 1024 * 1024


@router.post("/me/realname-verification", responses=problems(404, 409, 429), response_model=MeView)
async def verify_realname(
    principal: CurrentPrincipal,
    session: SessionDep,
    outbox: OutboxDep,
    settings: SettingsDep,
    ip: ClientIp,
) -> MeView:
    """Check the caller's name, gender, ID number and validity with the population registry.

    At most `IDENTITY_REALNAME_DAILY_CAP_PER_ACCOUNT` checks per account (and a cap per
    client address) in 24 h; beyond, 429 `realname_attempts_exceeded`.
    """
    user = await service.verify_realname(
        session, outbox, settings, user_id=principal.subject, ip=ip
    )
    return me_view(user, settings)


@router.post(
    "/registry/people",
    responses=problems(404, 413, 422),
    response_model=ImportSummary,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def import_registry(
    request: Request, operator: Operator, session: SessionDep, settings: SettingsDep
) -> ImportSummary:
    """Load people into the development registry from CSV (operators; all rows or none).

    Exists only in development and test, with the development adapter (404 otherwise).
    """
    if (
        settings.platform.environment not in ("development", "test")
        or settings.registry_adapter != "development"
    ):
        raise NotFound()
    content = bytearray()
    async for chunk in request.stream():
        content.extend(chunk)
        if len(content) > MAX_CSV_BYTES:
            raise PayloadTooLarge(Text("The CSV is larger than 5 MiB", "CSV 超过 5 MiB"))
    result = await service.import_registry_csv(
        session, settings, content=bytes(content), actor=operator.subject
    )
    return ImportSummary(created=result.created, updated=result.updated)
