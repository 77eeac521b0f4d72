"""Routes of the notification service, mounted under /api/v1/notification."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from notification.deliveries import api as deliveries_api
from notification.devmail import api as devmail_api
from notification.inbox import api as inbox_api
from notification.preferences import api as preferences_api
from notification.routing import api as routing_api
from notification.templates import api as templates_api

router = APIRouter()
router.include_router(platform_router("notification"))
router.include_router(templates_api.router)
router.include_router(routing_api.router)
router.include_router(deliveries_api.router)
router.include_router(inbox_api.router)
router.include_router(preferences_api.router)
router.include_router(devmail_api.router)
