"""Events the records service consumes (type -> handler) and emits (through the outbox).

Emitted: records.record.reported (academic.service), records.record.bound and
records.record.unbound (binding.service), records.report.issued / closed / verified
(reports). Consumed: identity.user.realname_verified, which keeps records' copy of the
verified account and binds the records that match it; payment.order.paid and
payment.order.expired for orders of purpose "report", which issue or cancel the report, and
of purpose "photo_check", which mark a photo upload attempt paid (its registry check follows,
records.photos.jobs) or cancel it. Photo attempts emit records.photo.paid, registry_checked,
approved and rejected (records.photos.service).
"""

import uuid
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from educert_common.events.catalogue import OrderExpired, OrderPaid, UserRealnameVerified
from educert_common.events.consumer import EventHandler
from educert_common.events.envelope import EventEnvelope
from educert_common.events.outbox import Outbox
from records.base import audit, messaging
from records.binding import service as binding
from records.config import RecordsSettings
from records.crypto import secrets_for
from records.photos import service as photos
from records.photos.clients import PURPOSE as PHOTO_PURPOSE
from records.reports import service as reports
from records.reports.payments import PURPOSE as REPORT_PURPOSE
from records.runtime import clock_for

# Handlers run outside a request; they write events through records' own outbox.
outbox = Outbox(messaging, source="records")


async def on_realname_verified(session: AsyncSession, envelope: EventEnvelope) -> None:
    """Keep the verified account and bind every record that matches it."""
    event = UserRealnameVerified.model_validate(envelope.data)
    await binding.account_verified(session, outbox, event=event, event_id=envelope.id)


def _report_id(reference_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(reference_id)
    except ValueError:
        return None


def handlers(settings: RecordsSettings) -> Mapping[str, EventHandler]:
    secrets = secrets_for(settings)
    # The process's clock (tests move it with RECORDS_CLOCK_OFFSET_FILE), as requests use.
    clock = clock_for(settings)

    async def on_order_paid(session: AsyncSession, envelope: EventEnvelope) -> None:
        """Issue the report (or mark paid the photo attempt) a paid order was for."""
        event = OrderPaid.model_validate(envelope.data)
        reference = _report_id(event.reference_id)
        if event.purpose == PHOTO_PURPOSE and reference is not None:
            await photos.order_paid(
                session, audit, outbox, attempt_id=reference, order_id=event.order_id,
                user_id=event.user_id, now=clock(),
            )  # fmt: skip
            return
        report_id = reference
        if event.purpose != REPORT_PURPOSE or report_id is None:
            return
        await reports.order_paid(
            session, audit, outbox, secrets, report_id=report_id, order_id=event.order_id,
            user_id=event.user_id, now=clock(),
        )  # fmt: skip

    async def on_order_expired(session: AsyncSession, envelope: EventEnvelope) -> None:
        """Cancel the report (or photo attempt) an unpaid order was for."""
        event = OrderExpired.model_validate(envelope.data)
        reference = _report_id(event.reference_id)
        if event.purpose == PHOTO_PURPOSE and reference is not None:
            await photos.order_expired(
                session, attempt_id=reference, order_id=event.order_id, user_id=event.user_id,
                now=clock(),
            )  # fmt: skip
            return
        report_id = reference
        if event.purpose != REPORT_PURPOSE or report_id is None:
            return
        await reports.order_expired(
            session, report_id=report_id, order_id=event.order_id, user_id=event.user_id,
            now=clock(),
        )  # fmt: skip

    return {
        UserRealnameVerified.event_type: on_realname_verified,
        OrderPaid.event_type: on_order_paid,
        OrderExpired.event_type: on_order_expired,
    }
