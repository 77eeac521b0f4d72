"""Routes of the payment service, mounted under /api/v1/payment."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router

router = APIRouter()
router.include_router(platform_router("payment"))
