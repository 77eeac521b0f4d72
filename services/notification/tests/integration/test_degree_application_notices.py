"""A degree application's disqualification through the migrated database (notification_0011,
its SMS as notification_0013 left it): the student hears of it even with notices muted, the
e-mail and inbox give the institution's reason, the SMS holds no free text."""

import uuid

import pytest

from educert_common.db import Database
from educert_common.events.catalogue import DegreeApplicationDisqualified
from notification.config import NotificationSettings
from notification.preferences import service as preferences
from notification.testing import (
    contacts_changed,
    deliveries_of,
    envelope,
    fresh_email,
    handle,
    mainland_number,
)


@pytest.mark.parametrize("locale", ["zh", "en"])
async def test_a_disqualification_sms_carries_no_reason(database: Database, locale: str) -> None:
    settings = NotificationSettings()
    user_id = uuid.uuid4()
    await handle(
        database,
        contacts_changed(
            user_id, email=fresh_email(), mobile=mainland_number(), mainland=True, locale=locale
        ),
        settings,
    )
    async with database.transaction() as session:
        await preferences.put_preferences(session, str(user_id), mute_non_essential=True)
    reason, title = "The language transcript was forged", "Spring 2026 round"
    disqualified = envelope(
        DegreeApplicationDisqualified(
            application_id=uuid.uuid4(), round_id=uuid.uuid4(), institution_id="4143010542",
            user_id=user_id, round_title=title, reason=reason,
        ),
        source="records", subject="degree_application",
    )  # fmt: skip
    await handle(database, disqualified, settings)

    by_channel = {d.channel: d for d in await deliveries_of(database, disqualified.id)}
    assert set(by_channel) == {"sms", "email", "inbox"}
    assert reason in by_channel["email"].body and reason in by_channel["inbox"].body
    sms = by_channel["sms"]
    assert reason not in sms.body and title not in sms.body
    assert sms.sms_template_code == "SMS_EDUCERT_DEGREE_APPLICATION_DISQUALIFIED_" + locale.upper()
    assert sms.sms_params == {}
