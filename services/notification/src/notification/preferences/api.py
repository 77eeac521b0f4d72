"""A user's notification preferences; every query is scoped to the caller."""

from fastapi import APIRouter

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.http.contract import problems
from notification.preferences import service
from notification.preferences.schemas import PreferencesIn, PreferencesOut

# Same tag as the inbox: one section of the API document for what a user sees.
router = APIRouter(tags=["notification: inbox"])


@router.get("/preferences", response_model=PreferencesOut, summary="Show my preferences")
async def get_preferences(session: SessionDep, principal: CurrentPrincipal) -> PreferencesOut:
    """Return whether the caller muted non-essential messages, and what reaches them anyway."""
    muted = await service.get_preferences(session, principal.subject)
    return PreferencesOut(
        mute_non_essential=muted,
        essential_event_types=await service.essential_event_types(session),
    )


@router.put(
    "/preferences",
    responses=problems(404),
    response_model=PreferencesOut,
    summary="Change my preferences",
)
async def put_preferences(
    body: PreferencesIn, session: SessionDep, principal: CurrentPrincipal
) -> PreferencesOut:
    """Mute or unmute non-essential SMS and e-mail (`essential_event_types` still arrive)."""
    preference = await service.put_preferences(
        session, principal.subject, mute_non_essential=body.mute_non_essential
    )
    return PreferencesOut(
        mute_non_essential=preference.mute_non_essential,
        essential_event_types=await service.essential_event_types(session),
    )
