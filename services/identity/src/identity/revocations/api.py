"""Internal route: the revocations other processes read on start and after a reconnect."""

from fastapi import APIRouter

from educert_common.app import SessionDep
from educert_common.auth.revocation import REVOCATIONS_PATH, RevocationSnapshot
from educert_common.http.internal import InternalCaller
from identity.revocations import service

internal_router = APIRouter(tags=["internal"], include_in_schema=False)


@internal_router.get(REVOCATIONS_PATH, response_model=RevocationSnapshot)
async def revocations(_: InternalCaller, session: SessionDep) -> RevocationSnapshot:
    """List every revocation whose access tokens may still be alive."""
    return RevocationSnapshot(revocations=await service.still_relevant(session))
