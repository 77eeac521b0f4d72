"""Routes of the certification service, mounted under /api/v1/certification."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router

router = APIRouter()
router.include_router(platform_router("certification"))
