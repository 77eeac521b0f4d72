"""Tables of the payment service's own database.

The domain tables live in their sub-packages (orders, refunds, reconciliation); they are
imported at the end so that `Base.metadata` (used by Alembic) knows all of them.
"""

from sqlalchemy.orm import DeclarativeBase

from educert_common.audit import AuditLog
from educert_common.db import service_metadata
from educert_common.events.tables import MessagingTables
from educert_common.idempotency import IdempotencyStore


class Base(DeclarativeBase):
    metadata = service_metadata()


messaging = MessagingTables.define(Base.metadata)
idempotency = IdempotencyStore.define(Base.metadata)
audit = AuditLog.define(Base.metadata)

from payment.orders.models import Fee, Order, PaymentAttempt, ProviderNotification  # noqa: E402
from payment.reconciliation.models import ReconciliationMismatch, ReconciliationRun  # noqa: E402
from payment.refunds.models import Refund  # noqa: E402

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
