"""Every table of the payment service's own database, so that `Base.metadata` (used by
Alembic) knows all of them. The tables are defined in the sub-packages, on `payment.base`."""

from payment.base import Base, audit, idempotency, messaging
from payment.orders.models import Fee, Order, PaymentAttempt, ProviderNotification
from payment.reconciliation.models import ReconciliationMismatch, ReconciliationRun
from payment.refunds.models import Refund

__all__ = [
    "Base",
    "Fee",
    "Order",
    "PaymentAttempt",
    "ProviderNotification",
    "ReconciliationMismatch",
    "ReconciliationRun",
    "Refund",
    "audit",
    "idempotency",
    "messaging",
]
