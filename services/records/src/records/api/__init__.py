"""Routes of the records service, mounted under /api/v1/records."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router

router = APIRouter()
router.include_router(platform_router("records"))
