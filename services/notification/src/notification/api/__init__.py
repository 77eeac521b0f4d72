"""Routes of the notification service, mounted under /api/v1/notification."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router

router = APIRouter()
router.include_router(platform_router("notification"))
