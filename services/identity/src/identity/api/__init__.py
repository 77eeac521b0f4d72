"""Routes of the identity service: public ones under /api/v1/identity, internal at the root."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from identity.accounts.api import router as accounts_router
from identity.api import keys
from identity.apikeys.api import internal_router as apikeys_internal
from identity.apikeys.api import router as apikeys_router
from identity.appeals.api import router as appeals_router
from identity.captcha.api import router as captcha_router
from identity.face.api import router as face_router
from identity.face.internal import internal_router as face_internal
from identity.realname.api import router as realname_router
from identity.realname.internal import internal_router as realname_internal
from identity.revocations.api import internal_router as revocations_internal
from identity.sessions.api import router as sessions_router
from identity.staff.api import router as staff_router

router = APIRouter()
router.include_router(platform_router("identity"))
router.include_router(keys.router)
for sub in (
    accounts_router,
    sessions_router,
    captcha_router,
    realname_router,
    face_router,
    appeals_router,
    apikeys_router,
    staff_router,
):
    router.include_router(sub)

# Mounted without the /api/v1/identity prefix; the gateway never forwards /internal.
internal_router = APIRouter()
internal_router.include_router(apikeys_internal)
internal_router.include_router(face_internal)
internal_router.include_router(realname_internal)
internal_router.include_router(revocations_internal)
