"""Certification events through the seeded routes (migration notification_0010) on the real
database: a request for supplements becomes an SMS, an e-mail listing the items and an inbox
entry, in the applicant's language; a payment reminder only reaches the inbox."""

import uuid
from datetime import UTC, datetime

from educert_common.db import Database
from educert_common.events.catalogue import (
    ApplicationAwaitingPayment,
    ApplicationReturned,
    SupplementItem,
)
from notification.config import NotificationSettings
from notification.testing import (
    contacts_changed,
    deliveries_of,
    envelope,
    fresh_email,
    handle,
    mainland_number,
)


async def test_a_request_for_supplements_goes_by_sms_email_and_inbox(database: Database) -> None:
    settings = NotificationSettings()
    user_id = uuid.uuid4()
    await handle(
        database,
        contacts_changed(
            user_id, email=fresh_email(), mobile=mainland_number(), mainland=True, locale="en"
        ),
        settings,
    )
    returned = envelope(
        ApplicationReturned(
            application_id=uuid.uuid4(), user_id=user_id, kind="hmt_degree",
            number="RZ20261202000777", previous_state="in_review",
            occurred_at=datetime.now(UTC), request_id=uuid.uuid4(),
            items=[
                SupplementItem(mode="reupload_file", slot="passport", message="Page 2 is cut"),
                SupplementItem(mode="paper", slot="transcript", message="Post the original"),
            ],
            message="",
        ),
        source="certification", subject="application",
    )  # fmt: skip
    await handle(database, returned, settings)

    by_channel = {d.channel: d for d in await deliveries_of(database, returned.id)}
    assert {c: d.status for c, d in by_channel.items()} == {
        "sms": "queued",
        "email": "queued",
        "inbox": "sent",
    }
    email = by_channel["email"]
    assert email.subject == "EduCert: Supplements requested for your application"
    assert "1. passport photo page (upload it again): Page 2 is cut" in email.body
    assert "2. transcript (send it on paper" in email.body
    assert email.html_body is not None and email.html_body.count("<li>") == 2
    sms = by_channel["sms"]
    assert sms.sms_template_code == "SMS_EDUCERT_APPLICATION_RETURNED_EN"
    assert sms.sms_params == {"number": "RZ20261202000777"}

    paying = envelope(
        ApplicationAwaitingPayment(
            application_id=uuid.uuid4(), user_id=user_id, kind="foreign_degree",
            number="RZ20261202000778", previous_state="draft", occurred_at=datetime.now(UTC),
            order_ids=[uuid.uuid4()],
        ),
        source="certification", subject="application",
    )  # fmt: skip
    await handle(database, paying, settings)
    (inbox,) = await deliveries_of(database, paying.id)
    assert inbox.channel == "inbox" and "RZ20261202000778" in inbox.body
