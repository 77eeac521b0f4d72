"""Routes of the identity service, mounted under /api/v1/identity."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from identity.api import keys

router = APIRouter()
router.include_router(platform_router("identity"))
router.include_router(keys.router)
