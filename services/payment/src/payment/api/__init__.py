"""Routes of the payment service, mounted under /api/v1/payment (internal ones under /internal)."""

from fastapi import APIRouter

from educert_common.http.platform import platform_router
from payment.orders import api as orders_api
from payment.orders import callbacks
from payment.receipts import api as receipts_api
from payment.reconciliation import api as reconciliation_api
from payment.refunds import api as refunds_api

router = APIRouter()
router.include_router(platform_router("payment"))
router.include_router(orders_api.router)
router.include_router(refunds_api.router)
router.include_router(receipts_api.router)
router.include_router(reconciliation_api.router)
router.include_router(callbacks.router)

internal_router = orders_api.internal_router
