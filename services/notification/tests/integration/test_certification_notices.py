"""Certification events through the seeded routes (migrations notification_0010 and 0012) on
the real database: a request for supplements becomes an SMS, an e-mail listing the items and an
inbox entry, in the applicant's language; a payment reminder only reaches the inbox; a revoked
certificate reaches even a holder who muted notices, and is sent through the development
carrier and SMTP sink."""

import email
import email.policy
import uuid
from datetime import UTC, datetime

from sqlalchemy import any_, literal, select

from educert_common.db import Database
from educert_common.events.catalogue import (
    ApplicationAwaitingPayment,
    ApplicationReturned,
    CertificateRevoked,
    SupplementItem,
)
from educert_common.testing.waiting import wait_until
from notification.config import NotificationSettings
from notification.models import CapturedMail
from notification.preferences import service as preferences
from notification.testing import (
    DevTools,
    carrier_messages,
    contacts_changed,
    deliveries_of,
    envelope,
    fresh_email,
    handle,
    mainland_number,
    worker,
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


async def test_a_revoked_certificate_reaches_a_muted_holder_by_sms_email_and_inbox(
    database: Database, dev_tools: DevTools
) -> None:
    settings = dev_tools.settings()
    user_id, address, phone = uuid.uuid4(), fresh_email("holder"), mainland_number()
    await handle(
        database,
        contacts_changed(user_id, email=address, mobile=phone, mainland=True, locale="en"),
        settings,
    )
    # Muting hides results such as "certified"; a revocation is essential and still arrives.
    async with database.transaction() as session:
        await preferences.put_preferences(session, str(user_id), mute_non_essential=True)
    revoked = envelope(
        CertificateRevoked(
            certificate_id=uuid.uuid4(), application_id=uuid.uuid4(), user_id=user_id,
            number="ZG20260000777", revoked_at=datetime(2026, 12, 2, 17, 5, tzinfo=UTC),
            reason="The degree certificate was found to be forged",
        ),
        source="certification", subject="certificate",
    )  # fmt: skip
    await handle(database, revoked, settings)

    by_channel = {d.channel: d for d in await deliveries_of(database, revoked.id)}
    assert {c: d.status for c, d in by_channel.items()} == {
        "sms": "queued",
        "email": "queued",
        "inbox": "sent",
    }
    inbox = by_channel["inbox"]
    assert inbox.subject == "Your certificate was revoked"
    # 17:05 UTC is 01:05 the next day in Beijing.
    assert "ZG20260000777 was revoked at 2026-12-03 01:05 (Beijing time)" in inbox.body
    assert "found to be forged" in inbox.body and "reconsideration" in inbox.body

    async with worker(database, settings):
        await wait_until(
            lambda: _all_sent(database, revoked.id), timeout=15, message="sms and e-mail sent"
        )
    (sms,) = (await carrier_messages(dev_tools.carrier.url, phone))["items"]
    assert sms["template_code"] == "SMS_EDUCERT_CERTIFICATE_REVOKED_EN"
    assert sms["params"] == {"number": "ZG20260000777", "revoked_at_local": "2026-12-03 01:05"}
    async with database.transaction() as session:
        mail = (
            await session.scalars(
                select(CapturedMail).where(literal(address) == any_(CapturedMail.recipients))
            )
        ).one()
    assert mail.subject == "EduCert: Your certificate was revoked"
    parsed = email.message_from_bytes(mail.raw, policy=email.policy.default)
    text = parsed.get_body(("plain",))
    assert text is not None and "found to be forged" in text.get_content()


async def _all_sent(database: Database, event_id: uuid.UUID) -> bool:
    return all(d.status == "sent" for d in await deliveries_of(database, event_id))
