"""Routes of the notification service, mounted under /api/v1/notification."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from notification.api import deliveries, devmail, inbox, routing, templates

router = APIRouter()
router.include_router(platform_router("notification"))
router.include_router(templates.router)
router.include_router(routing.router)
router.include_router(deliveries.router)
router.include_router(inbox.router)
router.include_router(devmail.router)
