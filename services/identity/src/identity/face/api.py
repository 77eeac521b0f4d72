"""Real-person (face) verification: sessions for the caller, the app's signed callback."""

import uuid
from typing import Any

from fastapi import APIRouter, Request, status

from educert_common.app import SessionDep
from educert_common.auth import CurrentPrincipal
from educert_common.errors import PayloadTooLarge
from educert_common.http.contract import problems
from identity.face import service
from identity.face.models import FaceSession
from identity.face.schemas import CallbackAccepted, FaceSessionView
from identity.face.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER
from identity.runtime import SettingsDep

router = APIRouter(tags=["identity: face verification"])

MAX_CALLBACK_BYTES = 256 * 1024


def view(face: FaceSession, settings: Any, *, with_qr: bool) -> FaceSessionView:
    state = service.effective_status(face)
    return FaceSessionView(
        id=face.id,
        status=state,
        expires_at=face.expires_at,
        qr_payload=service.qr_payload(settings, face) if with_qr and state == "pending" else None,
        completed_at=face.completed_at,
        failure_reason=face.failure_reason,
        entry_exit_records=face.entry_exit_records,
    )


@router.post(
    "/face/sessions",
    responses=problems(404, 409),
    status_code=status.HTTP_201_CREATED,
    response_model=FaceSessionView,
)
async def start_face_session(
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> FaceSessionView:
    """Start a face verification; show the QR payload to the government app before expiry."""
    face = await service.start(session, settings, user_id=principal.subject)
    return view(face, settings, with_qr=True)


@router.get("/face/sessions/{session_id}", response_model=FaceSessionView)
async def get_face_session(
    session_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> FaceSessionView:
    """Show one of the caller's face-verification sessions."""
    face = await service.get_own(session, user_id=principal.subject, session_id=session_id)
    return view(face, settings, with_qr=True)


@router.post(
    "/face/callback", responses=problems(401, 404, 409, 413, 422), response_model=CallbackAccepted
)
async def face_callback(
    request: Request, session: SessionDep, settings: SettingsDep
) -> CallbackAccepted:
    """Receive the app's signed result (HMAC-SHA256 over timestamp, nonce and body)."""
    body = await request.body()
    if len(body) > MAX_CALLBACK_BYTES:
        raise PayloadTooLarge()
    face = await service.handle_callback(
        session,
        settings,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        nonce=request.headers.get(NONCE_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        body=body,
    )
    return CallbackAccepted(session_id=face.id, status=face.status)
